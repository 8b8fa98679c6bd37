"""Hidden graders of ``kfold_indices``: the properties of k folds, not particular indices.

Any shuffling (or none) is accepted. What is checked, for each (n, k): a list
of k pairs ``(train_idx, val_idx)`` of 1-D integer arrays with indices in
``range(n)``; the val parts are pairwise disjoint and together cover
``range(n)`` (each index exactly once); their sizes differ by at most one;
each train part holds, without repetition, exactly the indices outside its
val part. And the same seed gives the same folds.

The (n, k) pairs include n divisible by k, a remainder of 1 and of k - 1,
k = n (leave-one-out) and k = 2, so that the classic slips fail: a last fold
that takes the whole remainder (sizes 2, 2, 2, 4 for n = 10, k = 4), folds of
size ceil(n / k) that overlap, a dropped remainder, a train part that still
holds the val part. Everything is exact: no tolerance.
"""

import numpy as np

from tpgrade.grader import Fail, expect, expect_tuple, question


def as_index_array(value, what):
    expect(type(value) is np.ndarray, f"{what} doit être un tableau NumPy d'entiers")
    expect(value.ndim == 1, f"{what} doit être un tableau à une dimension, pas de forme {value.shape}")
    expect(value.dtype.kind in "iu", f"{what} doit contenir des entiers, pas des {value.dtype}")
    return value.astype(np.int64)  # int and uint parts concatenate to int, not float


def check_folds(got, n, k):
    what = f"kfold_indices(n={n}, k={k})"
    if type(got) not in (list, tuple):
        raise Fail(f"{what} doit renvoyer une liste de k paires (train_idx, val_idx)")
    expect(len(got) == k, f"{what} doit renvoyer k = {k} paires, pas {len(got)}")
    vals, trains = [], []
    for i, pair in enumerate(got):
        train_idx, val_idx = expect_tuple(pair, 2, what=f"le pli {i} de {what}")
        trains.append(as_index_array(train_idx, f"train_idx du pli {i} de {what}"))
        vals.append(as_index_array(val_idx, f"val_idx du pli {i} de {what}"))
    every = np.concatenate(vals + trains)
    expect(
        every.size == 0 or (every.min() >= 0 and every.max() < n),
        f"{what} : des indices sortent de range({n})",
    )
    seen = np.bincount(np.concatenate(vals), minlength=n)
    expect(
        seen.max() <= 1, f"{what} : des parties de validation se chevauchent (un indice y est plusieurs fois)"
    )
    expect(
        seen.min() >= 1, f"{what} : les parties de validation ne couvrent pas tous les indices de range({n})"
    )
    sizes = [v.size for v in vals]
    expect(
        max(sizes) - min(sizes) <= 1,
        f"{what} : les tailles des parties de validation ({min(sizes)} à {max(sizes)}) "
        "diffèrent de plus de un",
    )
    for i, (train_idx, val_idx) in enumerate(zip(trains, vals, strict=True)):
        expect(
            np.unique(train_idx).size == train_idx.size,
            f"{what} : train_idx du pli {i} contient des doublons",
        )
        expect(
            train_idx.size == n - val_idx.size and not np.isin(train_idx, val_idx).any(),
            f"{what} : train_idx du pli {i} n'est pas exactement le complément de val_idx",
        )


@question("kfold_indices", points=0.5)
def test_n_divisible_by_k(student, rng):
    for n, k in ((20, 5), (12, 3), (int(rng.integers(4, 10)) * 6, 6)):
        check_folds(student.kfold_indices(n, k, int(rng.integers(1000))), n, k)


@question("kfold_indices", points=0.5)
def test_remainders(student, rng):
    # Remainders 2 (10, 4), 3 (23, 5), k - 1 (27, 7) and 1 (31, 6).
    for n, k in ((10, 4), (23, 5), (27, 7), (31, 6)):
        check_folds(student.kfold_indices(n, k, int(rng.integers(1000))), n, k)
    k = int(rng.integers(3, 9))
    n = k * int(rng.integers(3, 12)) + int(rng.integers(2, k))  # a remainder of 2 to k - 1
    check_folds(student.kfold_indices(n, k, int(rng.integers(1000))), n, k)


@question("kfold_indices", points=0.5)
def test_extreme_k(student, rng):
    for n, k in ((7, 7), (2, 2), (5, 2), (101, 2), (13, 12)):
        check_folds(student.kfold_indices(n, k, int(rng.integers(1000))), n, k)


@question("kfold_indices", points=0.5)
def test_same_seed_same_folds(student, rng):
    n, k, seed = 17, 4, int(rng.integers(1000))
    first, second = student.kfold_indices(n, k, seed), student.kfold_indices(n, k, seed)
    check_folds(first, n, k)
    check_folds(second, n, k)
    same = all(
        np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(first, second, strict=True)
    )
    expect(same, "kfold_indices doit donner les mêmes plis quand on l'appelle deux fois avec la même graine")
