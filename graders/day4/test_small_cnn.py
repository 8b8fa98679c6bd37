"""Hidden graders of ``SmallCNN``: a small CNN, robust to translations, trained by the judge.

``SmallCNN(n_classes=10)`` is an ``nn.Module`` whose ``forward(x)`` maps
images ``(N, 1, H, W)`` of any size from 8×8 to logits ``(N, n_classes)``,
with at most 10 000 parameters (the MLP it is compared with in the TP,
196-32-10, has 6 634). The count never asks the model: it is the number of
values in every tensor the module holds (parameters, buffers, tensor
attributes, tensors in containers, read from its instance dictionaries), or
the size of the leaves of the autograd graph of one forward pass (the weights
the output depends on, wherever they are kept), whichever is larger; the
training loop trains the tensors the module holds, not what its own
``parameters()`` lists.

The data: scikit-learn's digits (8×8, offline), scaled to [0, 1] and placed
at the centre of a 14×14 canvas; 500 training images drawn at random, the
1 297 others for the test. The training loop is the judge's (run next to the
student's code; public): Adam, lr 0.01, mini-batches of 50, 10 epochs, fixed
seeds; about 0.7 s of CPU for the reference (one thread). The test images are
then each shifted by a random (dx, dy) with max(|dx|, |dy|) = 2, with the
reference ``translate`` (the digit stays inside the canvas).

A network is trained from up to ATTEMPTS = 3 initialisations (new weights and
batch order, same data), and passes on the first that meets both thresholds:
with PyTorch's default initialisation and lr 0.01, a narrow last convolution
can start with most of its channels dead (a CNN of three convolutions of 8,
16, 16 channels pooled by a global max kept 4 live channels of 16 on one seed
in ten, and reached 0.51 clean and 0.36 shifted), which says nothing of the
student's architecture. The wrong architectures below fail on every
initialisation, so the retries only cost them time (three trainings).

Thresholds, measured over 50 splits and seeds with this loop (the deeper CNN
and the wrong ones over 40 and 20, with the retries):
- accuracy on the centred test images >= 0.60: the reference gets 0.90 to
  0.97 (a margin of 0.30), the deeper CNN 0.71 to 0.94 (0.51 on one
  initialisation in ten before the retries), an MLP 0.92 to 0.95 (this part
  only checks that the network learns);
- accuracy on the shifted test images >= 0.50: the reference gets 0.89 to
  0.97 (a margin of 0.39), the deeper CNN 0.68 to 0.93 (a margin of 0.18;
  0.36 without the retries), a CNN with valid convolutions (no padding) 0.63
  to 0.95, while an MLP gets 0.08 to 0.11, a CNN ending in a flatten and a
  dense layer 0.11 to 0.14, and one that max-pools to a 4×4 grid before its
  dense layer 0.16 to 0.27, the best of three trainings (a margin of 0.23;
  chance is 0.10): they only know the positions they were trained on.
  Global pooling after convolutions makes the prediction almost translation
  invariant.
The test suite runs this grader on 50 seeds: the reference passes them all,
an MLP in a CNN's clothing fails them all.
"""

import functools

import numpy as np
import torch

from tpgrade.grader import PyFunction, expect, question, reference

ref = reference("day4")

MAX_PARAMETERS = 10_000
PAD, N_TRAIN = 3, 500
EPOCHS, BATCH_SIZE, LR = 10, 50, 0.01
SHIFT = 2
ATTEMPTS = 3
CLEAN_THRESHOLD, SHIFTED_THRESHOLD = 0.60, 0.50

TRAINING_PROBE = PyFunction(
    "def train_cnn(X, y, X_eval, epochs, batch_size, lr, seed):\n"
    "    import torch\n"
    "    torch.manual_seed(seed)\n"
    "    generator = torch.Generator(device=X.device).manual_seed(seed)\n"
    "    model = submission['SmallCNN']()\n"
    "    params = trusted.parameters(model)\n"
    "    if not params:\n"
    "        raise ValueError('SmallCNN n\\'a aucun paramètre entraînable')\n"
    "    optimizer = torch.optim.Adam(params, lr=lr)\n"
    "    for _ in range(epochs):\n"
    "        order = torch.randperm(len(y), generator=generator)\n"
    "        for start in range(0, len(y), batch_size):\n"
    "            batch = order[start:start + batch_size]\n"
    "            loss = torch.nn.functional.cross_entropy(model(X[batch]), y[batch])\n"
    "            optimizer.zero_grad()\n"
    "            loss.backward()\n"
    "            optimizer.step()\n"
    "    model.eval()\n"
    "    with torch.no_grad():\n"
    "        return model(X_eval)\n",
    "train_cnn",
)

# The count never asks the model (its parameters() could lie): the values of
# every tensor it holds, read from its instance dictionaries, and the leaves of
# the autograd graph of one forward pass (the weights the output depends on,
# wherever they are kept), whichever is larger.
PARAMETER_PROBE = PyFunction(
    "def count_parameters(model, x):\n"
    "    held, problems = trusted.count_tensor_values(model)\n"
    "    if problems:\n"
    "        return problems[0]\n"
    "    used = sum(trusted.numel(leaf) for leaf in trusted.graph_leaves(model(x)))\n"
    "    return max(held, used)\n",
    "count_parameters",
)


@functools.cache
def digits_on_canvas():
    """Digits (N, 8+2*PAD, 8+2*PAD) in [0, 1], centred, and their labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    size = 8 + 2 * PAD
    canvas = np.zeros((len(digits.images), size, size))
    canvas[:, PAD : PAD + 8, PAD : PAD + 8] = digits.images / 16.0
    return canvas, digits.target.astype(np.int64)


def shifted(rng, images):
    """Each image moved by its own (dx, dy) with max(|dx|, |dy|) = SHIFT."""
    moves = [
        (dx, dy)
        for dx in range(-SHIFT, SHIFT + 1)
        for dy in range(-SHIFT, SHIFT + 1)
        if max(abs(dx), abs(dy)) == SHIFT
    ]
    which = rng.integers(len(moves), size=len(images))
    out = np.empty_like(images)
    for index, (dx, dy) in enumerate(moves):
        chosen = which == index
        out[chosen] = ref.translate(images[chosen], dx, dy)
    return out


def logits_of(got, n, n_classes, what):
    expect(
        isinstance(got, torch.Tensor),
        f"{what} doit être un torch.Tensor, pas un objet de type {type(got).__name__}",
    )
    expect(
        tuple(got.shape) == (n, n_classes),
        f"{what} a la forme {tuple(got.shape)}, la forme attendue est ({n}, {n_classes})",
    )
    values = got.detach().to(torch.float64).numpy()
    expect(bool(np.all(np.isfinite(values))), f"{what} contient des valeurs non finies (nan ou inf)")
    return values


def as_input(images):
    return torch.from_numpy(images[:, None].astype(np.float32))


def train_and_score(student, rng):
    """(clean accuracy, shifted accuracy) of the student's CNN trained by the judge's loop:
    the first of ATTEMPTS initialisations that meets both thresholds, else the best one."""
    images, labels = digits_on_canvas()
    order = rng.permutation(len(labels))
    train, test = order[:N_TRAIN], order[N_TRAIN:]
    test_images = np.concatenate([images[test], shifted(rng, images[test])])
    best = (0.0, 0.0)
    for seed in rng.integers(2**31, size=ATTEMPTS):
        got = student.run(
            TRAINING_PROBE,
            as_input(images[train]),
            torch.from_numpy(labels[train]),
            as_input(test_images),
            EPOCHS,
            BATCH_SIZE,
            LR,
            int(seed),
        )
        logits = logits_of(got, len(test_images), 10, "les logits du CNN entraîné")
        correct = logits.argmax(axis=1) == np.concatenate([labels[test], labels[test]])
        scores = float(correct[: len(test)].mean()), float(correct[len(test) :].mean())
        if scores[0] >= CLEAN_THRESHOLD and scores[1] >= SHIFTED_THRESHOLD:
            return scores
        best = max(best, scores, key=lambda pair: pair[1])
    return best


@question("SmallCNN", points=1.0, timeout=30)
def test_shapes_and_parameter_count(student, rng):
    model = student.call("SmallCNN")
    for n, size in ((5, 2 * PAD + 8), (1, 8), (3, 11)):
        x = torch.from_numpy(rng.uniform(0.0, 1.0, size=(n, 1, size, size)).astype(np.float32))
        logits_of(
            student.method(model, "forward", x),
            n,
            10,
            f"la sortie de forward pour {n} image(s) {size}×{size}",
        )
    x = torch.from_numpy(rng.uniform(0.0, 1.0, size=(2, 1, 2 * PAD + 8, 2 * PAD + 8)).astype(np.float32))
    count = student.run(PARAMETER_PROBE, model, x)
    expect(not isinstance(count, str), f"les paramètres de SmallCNN() ne peuvent pas être comptés : {count}")
    expect(
        isinstance(count, int) and 0 < count <= MAX_PARAMETERS,
        f"SmallCNN() a {count} paramètres (valeurs de ses tenseurs, ou poids dont dépend sa sortie) ; "
        f"il en faut au plus {MAX_PARAMETERS} (comparable au MLP de comparaison)",
    )
    other = student.call("SmallCNN", 4)
    logits_of(
        student.method(other, "forward", torch.zeros((2, 1, 2 * PAD + 8, 2 * PAD + 8))),
        2,
        4,
        "la sortie de forward de SmallCNN(4)",
    )


@question("SmallCNN", points=2.0, timeout=60)
def test_training_and_translation_robustness(student, rng):
    clean, moved = train_and_score(student, rng)
    expect(
        clean >= CLEAN_THRESHOLD,
        f"après l'entraînement, la précision sur les images de test centrées est {clean:.2f} ; "
        f"il faut au moins {CLEAN_THRESHOLD:.2f}",
    )
    expect(
        moved >= SHIFTED_THRESHOLD,
        f"sur les images de test décalées de 2 pixels, la précision tombe à {moved:.2f} ; il faut "
        f"au moins {SHIFTED_THRESHOLD:.2f} : la prédiction dépend-elle encore de la position "
        "(couche dense sur la carte aplatie au lieu d'un pooling global) ?",
    )
