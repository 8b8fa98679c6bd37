"""Claims the matcher doubts: hedged or asked, said with the opposite of one of the idea's
words, a failure given as a goal, a cleft on something else (or on a word of the prompt), a
one-word verb with another object, a noun described instead of proposed, a verb that stops
what the idea lets through; and subjects joined before their verb, "sans" on the idea's noun
and its adjective; and right answers once lost (a verb outside the vocabulary, parts between
parentheses). Each beside its firm version."""

from __future__ import annotations

import pytest

from tpgrade.exam.bank import load_bank
from tpgrade.exam.doubts import fed_excess, hedged_stretches, opposed
from tpgrade.exam.rubric import ShortDecision, clauses, grade_short, normalise
from tpgrade.exam.schema import ShortAnswer

BANK = load_bank()
THRESHOLD = BANK.exam.paper.review_threshold


def grade(qid: str, answer: str) -> ShortDecision:
    question = BANK.questions[qid]
    assert isinstance(question, ShortAnswer)
    return grade_short(question, answer)


def idea(decision: ShortDecision, number: int) -> tuple[bool, bool]:
    """(earned, confident) for one idea."""
    found = decision.ideas[number]
    return found.points > 0, found.confidence >= THRESHOLD


@pytest.mark.parametrize(
    ("qid", "hedged", "firm", "number"),
    [
        (
            "computations-kl-distance",
            "La divergence KL n'est peut-être pas symétrique, je ne sais plus trop.",
            "La divergence KL n'est pas symétrique.",
            0,
        ),
        (
            "mlp-empilement-lineaire",
            "Une composition de couches linéaires reste linéaire ?",
            "Une composition de couches linéaires reste linéaire.",
            0,
        ),
        (
            "fitting-courbe-validation",
            "The model is overfitting the training set, I am not sure.",
            "The model is overfitting the training set.",
            0,
        ),
    ],
)
def test_a_claim_in_a_sentence_that_hedges_or_asks_goes_to_review(
    qid: str, hedged: str, firm: str, number: int
) -> None:
    assert idea(grade(qid, firm), number) == (True, True)
    decision = grade(qid, hedged)
    assert idea(decision, number) == (True, False)
    assert "hedges" in decision.ideas[number].reason


def test_a_hedged_confusion_beside_the_claim_goes_to_review() -> None:
    decision = grade("fitting-courbe-validation", "Surapprentissage ou sous-apprentissage, je ne sais pas.")
    assert decision.score == 0
    assert decision.confidence < THRESHOLD
    firm = grade("fitting-courbe-validation", "C'est du sous-apprentissage, le modèle est trop simple.")
    assert firm.score == 0
    assert firm.confidence >= THRESHOLD


def test_a_hedge_stays_in_its_stretch() -> None:
    words = ["la", "sigmoide", "sature", ";", "peutetre", "que", "relu", "aussi"]
    assert hedged_stretches(words, [0, 0, 0, 0, 1, 1, 1, 1]) == [False] * 4 + [True] * 4
    decision = grade(
        "activations-relu-vs-sigmoide",
        "La sigmoïde sature et son gradient disparaît ; mais je ne sais pas si la ReLU se calcule vite.",
    )
    assert idea(decision, 0) == (True, True)


# (question, the doubted answer, its firm version, the idea, what the review screen names)
DOUBTED = [
    (
        "activations-relu-vs-sigmoide",
        "Avec la ReLU, la dérivée vaut 1 pour les entrées négatives.",
        "Avec la ReLU, la dérivée vaut 1 pour les entrées positives.",
        1,
        "opposed: ",  # the opposite of a word of the idea in the clause
    ),
    (
        "fitting-dropout-eval",
        "Pendant l'inférence, le dropout met à zéro des neurones au hasard.",
        "Pendant l'entraînement, le dropout met à zéro des neurones au hasard.",
        0,
        "opposed: ",
    ),
    (
        "initialisation-poids-nuls",
        "On met les mêmes poids partout afin que les neurones restent identiques.",
        "Avec des poids nuls, les neurones restent identiques.",
        0,
        "sought: ",  # what goes wrong, given as a goal
    ),
    (
        "autoencoders-code-petit",
        "Le code est étroit pour que le réseau puisse recopier l'entrée.",
        "Sinon le réseau pourrait recopier l'entrée.",
        0,
        "sought: ",
    ),
    (
        "deployment-spam-derive",
        "Il faut surveiller le processeur du serveur.",
        "Il faut surveiller les performances du modèle en production.",
        1,
        "object: ",  # a verb with another object
    ),
    (
        "metrics-fraude-exactitude",
        "Le score F1 a deux termes.",
        "Il faut utiliser le score F1.",
        1,
        "described: ",  # a noun described, not proposed
    ),
    (
        "fitting-courbe-validation",
        "C'est la validation qui surapprend les exemples.",
        "C'est le modèle qui surapprend les exemples d'entraînement.",
        0,
        "cleft: ",
    ),
    (
        "residual-reseaux-profonds",
        "Le raccourci empêche le gradient de remonter.",
        "Le raccourci empêche le gradient de s'évanouir.",
        0,
        "blocked: ",  # a verb that stops what the idea lets through
    ),
    (
        "mlp-empilement-lineaire",
        "Une composition de couches linéaires devient non linéaire.",
        "Une composition de couches linéaires reste linéaire, il faut des activations non linéaires.",
        0,
        "opposed: ",  # a word the clause denies again by "non"
    ),
]


@pytest.mark.parametrize(("qid", "doubted", "firm", "number", "why"), DOUBTED)
def test_an_opposite_word_or_a_failure_as_a_goal_does_not_earn_the_idea(
    qid: str, doubted: str, firm: str, number: int, why: str
) -> None:
    assert idea(grade(qid, firm), number) == (True, True)
    decision = grade(qid, doubted)
    assert idea(decision, number) == (False, False)
    assert decision.ideas[number].matched.startswith(why)


def test_opposites_need_the_idea_s_side_missing_from_the_clause() -> None:
    sides = (frozenset({"positif"}), frozenset({"negatif"}))
    assert opposed(frozenset({"negatif"}), frozenset({"positif"}), [sides])
    assert not opposed(frozenset({"negatif", "positif"}), frozenset({"positif"}), [sides])
    assert not opposed(frozenset({"negatif"}), frozenset({"negatif", "positif"}), [sides])
    # a direction group counts even beside the idea's own side
    assert opposed(frozenset({"negatif", "positif"}), frozenset({"positif"}), [sides], frozenset({0}))
    # "non-negative" is no opposite of "positive"
    decision = grade(
        "activations-sortie-softmax", "Softmax: it gives non-negative probabilities that sum to 1."
    )
    assert idea(decision, 0) == (True, True)


def test_a_failure_avoided_by_purpose_is_still_earned() -> None:
    decision = grade(
        "autoencoders-code-petit", "Le code est petit pour éviter que le réseau recopie l'entrée."
    )
    assert idea(decision, 0)[0]
    stopped = grade(
        "autoencoders-code-petit", "Un code étroit empêche l'apprentissage de l'identité par le réseau."
    )
    assert idea(stopped, 0) == (True, True)  # stopping the failure is the claim, no doubt
    blocked = grade(
        "residual-reseaux-profonds",
        "La connexion résiduelle empêche le gradient d'arriver aux premières couches.",
    )
    assert idea(blocked, 0) == (False, False)  # stopping what the idea lets through is its opposite


def test_a_cleft_on_something_the_question_never_names_is_not_the_claim() -> None:
    qid = "computations-kl-distance"
    assert idea(grade(qid, "C'est la divergence KL qui n'est pas symétrique."), 0) == (True, True)
    decision = grade(qid, "C'est la variance qui n'est pas symétrique.")
    assert idea(decision, 0) == (False, False)
    assert decision.ideas[0].matched.startswith("cleft: ")


def test_subjects_joined_before_their_verb_share_its_negation() -> None:
    answer = "La F1 et l'AUC ne servent à rien ici."
    assert clauses(answer) == ["La F1 et l'AUC ne servent à rien ici"]
    decision = grade("metrics-fraude-exactitude", answer)
    assert not idea(decision, 1)[0]
    assert clauses("La sigmoïde sature et la ReLU ne sature pas.", ["sigmoïde", "ReLU"]) == [
        "La sigmoïde sature",
        "et la ReLU ne sature pas",
    ]


def test_sans_denies_the_idea_s_noun_or_the_adjective_after_it() -> None:
    qid = "deployment-spam-derive"
    assert idea(grade(qid, "Il faut réentraîner le modèle sur des données récentes."), 1) == (True, True)
    decision = grade(qid, "Il faut réentraîner le modèle, sans aucune donnée récente.")
    assert idea(decision, 1) == (False, False)
    assert decision.ideas[1].matched.startswith("withheld: ")


def test_a_verb_with_an_english_pronoun_or_subject_object_keeps_its_claim() -> None:
    assert idea(grade("pooling-effet-max", "It halves the width and height of the feature map."), 0) == (
        True,
        True,
    )
    decision = grade(
        "gans-deux-reseaux", "Le générateur est entraîné à tromper le second réseau, le discriminateur."
    )
    assert idea(decision, 2)[0]
    fooled = grade("gans-deux-reseaux", "Le faussaire apprend à berner le critique, qui juge les images.")
    assert idea(fooled, 2) == (True, True)


def test_a_noun_that_is_also_a_verb_is_read_as_the_verb_after_its_subject() -> None:
    melts = grade(
        "recurrent-probleme-lstm", "Dans un RNN simple le gradient fond au fil du temps, il oublie le début."
    )
    assert idea(melts, 0) == (True, True)
    assert normalise("le gradient fond") == normalise("le gradient disparaît")
    assert normalise("le fond de l'image") != normalise("le disparaît de l'image")


def test_parts_between_parentheses_are_no_items_of_a_bare_list() -> None:
    parts = grade("recurrent-probleme-lstm", "Avec des portes (oubli, entrée, sortie) et un état de cellule.")
    assert parts.confidence < THRESHOLD  # a head noun and its parts: worth a look, not zeroed unread
    bare = grade("recurrent-probleme-lstm", "portes, mémoire, gradient")
    assert bare.confidence >= THRESHOLD and bare.score == 0


def test_a_subject_after_comme_past_the_verb_is_compared_not_the_doer() -> None:
    qid = "segmentation-difference-detection"
    compared = grade(qid, "La détection ne donne pas de boîtes, elle donne un masque comme la segmentation.")
    assert not idea(compared, 1)[0]  # the masks are said of detection
    example = grade(
        qid, "Des modèles comme YOLO donnent une boîte par objet ; la segmentation classe chaque pixel."
    )
    assert idea(example, 0) == (True, True)  # before the verb, "comme YOLO" is an example


def test_a_verb_said_of_a_complement_of_the_prompt_has_the_wrong_doer() -> None:
    qid = "fitting-courbe-validation"  # the prompt's "perte de validation"
    wrong = grade(qid, "La validation surapprend, donc je réentraîne plus longtemps.")
    assert idea(wrong, 0) == (False, False)
    assert idea(grade(qid, "Le réseau surapprend, donc j'arrête l'entraînement plus tôt."), 0) == (True, True)


def test_non_plus_carries_the_negation_on() -> None:
    decision = grade(
        "metrics-fraude-exactitude",
        "Le rappel n'a pas de sens ici, la précision non plus ; l'accuracy suffit.",
    )
    assert decision.confidence < THRESHOLD or decision.score == 0


@pytest.mark.parametrize(
    ("qid", "rejected", "firm", "number"),
    [
        (
            "pooling-effet-max",
            "Au lieu de réduire la taille, le pooling l'augmente.",
            "Le pooling réduit la taille.",
            0,
        ),
        (
            "transfer-radiographies",
            "Plutôt que de geler les couches pré-entraînées, on les réinitialise toutes.",
            "On garde les couches pré-entraînées et on les gèle.",
            0,
        ),
        (
            "optimisers-perte-nan",
            "Instead of lowering the learning rate, you should raise it a lot.",
            "Lower the learning rate.",
            1,
        ),
    ],
)
def test_what_au_lieu_de_or_plutot_que_rejects_is_not_claimed(
    qid: str, rejected: str, firm: str, number: int
) -> None:
    assert idea(grade(qid, firm), number)[0]
    assert not idea(grade(qid, rejected), number)[0]


def test_a_negation_of_the_clause_denies_a_phrasing_negative_by_non_alone() -> None:
    qid = "mlp-empilement-lineaire"
    assert not idea(grade(qid, "Il ne faut pas ajouter d'activations non linéaires entre les couches."), 1)[0]
    assert idea(grade(qid, "Il faut ajouter des activations non linéaires entre les couches."), 1) == (
        True,
        True,
    )
    assert not idea(grade(qid, "Plutôt qu'ajouter des activations non linéaires, on empile des couches."), 1)[
        0
    ]


LOT_16 = [
    # "impossible" against the idea's "facile": the opposite word
    (
        "residual-reseaux-profonds",
        "Chaque bloc apprend toute la transformation, l'identité est impossible à obtenir.",
        "Chaque bloc n'apprend qu'une correction, l'identité est facile à obtenir.",
        1,
    ),
    # "naturel" against the idea's "artificiel"
    (
        "preprocessing-encodage-ville",
        "Les entiers sont meilleurs car ils donnent un ordre naturel aux villes.",
        "Les entiers imposent un ordre artificiel entre les villes.",
        0,
    ),
    # the words right after a phrasing qualify it, whatever else its clause says
    (
        "fitting-dropout-eval",
        "Le dropout est actif en évaluation et désactivé pendant l'entraînement.",
        "Le dropout est désactivé en évaluation.",
        1,
    ),
    # a lone rubric word in a clause whose verb (plural) removes it
    (
        "ethics-variable-retiree",
        "Les proxys retirent l'information du sexe, donc le modèle est équitable.",
        "Des proxys corrélés au sexe portent encore l'information.",
        0,
    ),
    # a failure of the idea's "sinon" tail, said of the remedy
    (
        "padding-role",
        "Le padding fait rétrécir la sortie à chaque couche.",
        "Sans padding, la sortie rétrécit à chaque couche.",
        0,
    ),
    # the right diagnosis, then a remedy that feeds the excess
    (
        "optimisers-perte-nan",
        "Le taux d'apprentissage est trop grand, il faut l'augmenter.",
        "Le taux d'apprentissage est trop grand, il faut le diminuer.",
        0,
    ),
    # roles swapped between the new layer and the pretrained ones (the bank's unless lists)
    (
        "transfer-radiographies",
        "On gèle la nouvelle couche à 3 sorties et on entraîne les couches pré-entraînées.",
        "On gèle les couches pré-entraînées et on entraîne une nouvelle couche à 3 sorties.",
        0,
    ),
    (
        "transfer-radiographies",
        "On gèle la nouvelle couche à 3 sorties et on entraîne les couches pré-entraînées.",
        "On gèle les couches pré-entraînées et on entraîne une nouvelle couche à 3 sorties.",
        1,
    ),
    # a layer added beside the last one, not in its place
    (
        "transfer-radiographies",
        "On ajoute une couche à 3 sorties en plus de la dernière couche.",
        "On remplace la dernière couche par une nouvelle couche à 3 sorties.",
        1,
    ),
    # the prompt's wrong step given as the remedy of the failure
    (
        "time-series-melange-aleatoire",
        "Il faut mélanger pour éviter la fuite du futur.",
        "Mélanger ferait une fuite d'information du futur dans l'entraînement.",
        0,
    ),
    # "presque rien" is a small amount, no negation of its clause
    (
        "activations-relu-vs-sigmoide",
        "ReLU n'a pas une pente de 1 quand x > 0 et coûte cher à calculer.",
        "ReLU garde une pente de 1 quand x > 0 et coûte presque rien à calculer.",
        1,
    ),
    # training and production swapped
    (
        "deployment-spam-derive",
        "La distribution d'entraînement change pendant que la production reste fixe.",
        "La distribution des données en production change par rapport à celle de l'entraînement.",
        0,
    ),
]


# lots 17 and 18: contradicted next to the claim (the wrong answer, its firm version, the idea)
LOTS_17_18 = [
    (  # the act opposite to the idea's, on the other idea's layer
        "transfer-radiographies",
        "On gèle la nouvelle couche à 3 sorties et on entraîne les couches pré-entraînées.",
        "On gèle les couches pré-entraînées et on entraîne une nouvelle couche à 3 sorties.",
        1,
    ),
    (  # two predicates of one subject: the second is said of training
        "fitting-dropout-eval",
        "Le dropout est actif en évaluation et désactivé pendant l'entraînement.",
        "Le dropout est désactivé en évaluation et actif pendant l'entraînement.",
        1,
    ),
    (  # what is added to the embeddings, put in their place
        "attention-encodage-position",
        "L'encodage positionnel remplace les embeddings des mots par leur numéro de position.",
        "On ajoute aux embeddings des mots un vecteur qui dépend de la position.",
        1,
    ),
    (  # the remedy moved the other way, by a pronoun
        "optimisers-perte-nan",
        "Le taux d'apprentissage est trop grand, il faut donc l'augmenter encore.",
        "Le taux d'apprentissage est trop grand, il faut donc diminuer le taux d'apprentissage.",
        1,
    ),
    (  # the failure the idea prevents, said of the remedy
        "padding-role",
        "Sans padding la sortie grandit à chaque couche, le padding la fait rétrécir.",
        "Le padding évite que la sortie rétrécisse à chaque couche.",
        0,
    ),
    (  # a natural order is no artificial one
        "preprocessing-encodage-ville",
        "Les entiers sont meilleurs car ils donnent un ordre naturel aux villes.",
        "Les entiers imposent un ordre artificiel entre les villes.",
        0,
    ),
    (  # the idea's act denied by "sans rien"
        "transfer-radiographies",
        "On ajoute une couche à 3 sorties après la dernière couche, sans rien remplacer.",
        "On remplace la dernière couche par une nouvelle couche à 3 sorties.",
        1,
    ),
]


# lots 19 and 20: opposites and rejections of their authors' styles
LOTS_19_20 = [
    (  # what is replaced is not kept
        "transfer-radiographies",
        "On garde la couche finale à 1000 sorties en associant trois classes ImageNet aux nôtres.",
        "On remplace la couche finale par une nouvelle couche à 3 sorties.",
        1,
    ),
    (  # sensitive is no invariance
        "pooling-effet-max",
        "Il rend le réseau plus sensible aux petites translations de l'objet.",
        "Il rend le réseau un peu invariant aux petites translations de l'objet.",
        1,
    ),
    (  # retrained on the original data, not on recent data
        "deployment-spam-derive",
        "Il faut réentraîner le modèle plus longtemps sur les données d'origine.",
        "Il faut réentraîner le modèle sur des données récentes.",
        1,
    ),
    (  # "plutôt X que Y" rejects Y
        "mlp-empilement-lineaire",
        "Il faut plutôt ajouter des couches que des activations.",
        "Il faut ajouter des activations non linéaires entre les couches.",
        1,
    ),
]


# lots 21 and 22: figures and opposite acts of their authors' traps
LOTS_21_22 = [
    (  # another figure beside the same word
        "activations-sortie-softmax",
        "Softmax, qui donne des probabilités positives de somme 10, une par classe.",
        "Softmax, qui donne des probabilités positives de somme 1, une par classe.",
        0,
    ),
    (  # multiplied is not divided
        "pooling-effet-max",
        "Il multiplie la hauteur et la largeur par 2.",
        "Il divise la hauteur et la largeur par 2.",
        0,
    ),
    (  # a metric described by what it depends on, not proposed
        "metrics-fraude-exactitude",
        "La précision d'un modèle de fraude dépend du seuil.",
        "Il faut regarder la précision et le rappel sur la classe fraude.",
        1,
    ),
    (  # a value given, its verb shared by the next noun: defined, not proposed
        "metrics-fraude-exactitude",
        "Le rappel vaut VP/(VP+FN) et la précision VP/(VP+FP).",
        "Il faut regarder la précision et le rappel sur la classe fraude.",
        1,
    ),
    (  # another invariance than the idea's
        "pooling-effet-max",
        "Il rend le réseau invariant aux rotations et aux changements d'échelle.",
        "Il rend le réseau un peu invariant aux petites translations.",
        1,
    ),
    # lots 25 and 26: the padding's effect given to its absence, halved channels in English
    (
        "padding-role",
        "With padding the output shrinks faster; without padding it keeps the same size.",
        "With padding the output keeps the same size.",
        0,
    ),
    (
        "padding-role",
        "Avec le padding la sortie rétrécit plus vite, et sans padding elle garde la même taille.",
        "Avec le padding la sortie garde la même taille.",
        0,
    ),
    (
        "pooling-effet-max",
        "It halves the number of channels while height and width stay the same.",
        "It halves the height and the width of the feature map.",
        0,
    ),
]


# the least for the most; simple RNNs that would keep too much of the past; the activations' places swapped
OPPOSITE_WORDS = [
    (
        "activations-sortie-softmax",
        "La ReLU en sortie et le softmax dans les couches cachées, pour avoir des probabilités.",
        "Le softmax en sortie, car il donne des probabilités positives de somme 1, et ReLU dans les couches cachées.",
        0,
    ),
    (
        "explainability-gradcam-principe",
        "Elle montre une carte de chaleur des régions de l'image qui ont le moins compté pour la classe.",
        "Elle montre une carte de chaleur des régions de l'image qui ont le plus compté pour la classe.",
        0,
    ),
    (
        "recurrent-probleme-lstm",
        "Les RNN simples retiennent trop bien le long terme.",
        "Les RNN simples oublient vite le long terme.",
        0,
    ),
]


@pytest.mark.parametrize(
    ("qid", "wrong", "right", "number"), LOT_16 + LOTS_17_18 + LOTS_19_20 + LOTS_21_22 + OPPOSITE_WORDS
)
def test_lot_16_classes_doubt_the_wrong_phrasing_and_keep_the_right_one(
    qid: str, wrong: str, right: str, number: int
) -> None:
    assert idea(grade(qid, right), number) == (True, True), right
    doubted = grade(qid, wrong)
    assert not idea(doubted, number)[0] or doubted.confidence < THRESHOLD, wrong


def _cut(text: str) -> list[str]:
    """Tokens as the matcher cuts them (lowercase, accentless, already split here)."""
    return text.split()


def test_an_excess_is_fed_only_by_a_verb_on_it() -> None:
    assert fed_excess(_cut("le taux est trop grand il faut l augmenter"))
    assert fed_excess(_cut("le lr est trop petit on diminue le lr"))
    assert not fed_excess(_cut("le taux est trop grand il faut le diminuer"))
    assert not fed_excess(_cut("le taux est trop grand il faut augmenter la taille du reseau"))


@pytest.mark.parametrize(
    ("qid", "near", "confusion", "number"),
    [
        (
            "fitting-dropout-eval",
            "C'est la batch norm qui met des neurones à zéro.",
            "eval() sert à activer le dropout pour l'évaluation.",
            0,
        ),
        ("optimisers-perte-nan", "Il faut l'augmenter.", "Le taux d'apprentissage est trop petit.", 1),
        (
            "recurrent-probleme-lstm",
            "Les LSTM traitent la séquence.",
            "Ils sont plus rapides car ils traitent toute la séquence en parallèle.",
            0,
        ),
    ],
)
def test_an_idea_only_come_near_beside_a_stated_confusion_is_surely_missed(
    qid: str, near: str, confusion: str, number: int
) -> None:
    alone = grade(qid, near)
    assert idea(alone, number) == (False, False), near  # alone, a near miss is worth a look
    beside = grade(qid, f"{near} {confusion}")
    assert beside.score == 0 and beside.confidence >= THRESHOLD, beside
    assert beside.ideas[number].reason.startswith("a few of its words only")


def test_a_stated_idea_still_earns_beside_a_confusion_on_another() -> None:
    decision = grade(
        "fitting-dropout-eval",
        "Le dropout met à zéro des neurones au hasard pendant l'entraînement. "
        "eval() sert à activer le dropout pour l'évaluation.",
    )
    assert idea(decision, 0) == (True, True)
    assert idea(decision, 1) == (False, True)


@pytest.mark.parametrize(
    ("qid", "cleft", "plain"),
    [
        (
            "convolution-moins-de-parametres",
            "Grâce au partage des poids ; c'est la couche dense qui réutilise le même filtre partout.",
            "Grâce au partage des poids : le même filtre est réutilisé partout sur l'image.",
        ),
        (
            "residual-reseaux-profonds",
            "Le gradient passe directement par le raccourci, et c'est la couche dense qui apprend l'identité.",
            "Le gradient passe directement par le raccourci, et le bloc n'apprend que le résidu.",
        ),
    ],
)
def test_an_answer_that_puts_a_noun_phrase_forward_goes_to_review(qid: str, cleft: str, plain: str) -> None:
    assert grade(qid, plain).confidence >= THRESHOLD, plain
    decision = grade(qid, cleft)
    assert decision.score > 0 and decision.confidence < THRESHOLD, cleft
    assert "c'est X qui" in decision.note


@pytest.mark.parametrize(
    "answer",
    [
        "C'est le softmax, qui donne des probabilités positives dont la somme fait 1.",  # an apposition
        "C'est une fonction softmax qui donne des probabilités positives de somme 1.",  # a description
        "Le softmax, car il donne des probabilités positives de somme 1 ; c'est le même principe "
        "que la normalisation.",  # a comparison
    ],
)
def test_appositions_descriptions_and_comparisons_are_no_cleft(answer: str) -> None:
    decision = grade("activations-sortie-softmax", answer)
    assert decision.score == 1 and decision.confidence >= THRESHOLD, answer
