"""Claims contradicted next to where they are found, beside their firm versions (the table of
lots 17 and 18 in test_exam_doubts holds the rest): one-way opposites, words that only look
like the idea's ("quand même", "sans jamais"), a removing verb denied, a claim taken back."""

from __future__ import annotations

import pytest
from test_exam_doubts import THRESHOLD, grade

from tpgrade.exam.doubts import groups_of, opposed
from tpgrade.exam.rubric import ShortDecision, _figure_pairs


def earned(decision: ShortDecision) -> list[int]:
    return [k for k, idea in enumerate(decision.ideas) if idea.points > 0]


def test_a_layer_added_may_say_what_replacing_the_last_one_does() -> None:
    # one way only: "ajoute" for an idea that replaces is no contradiction
    decision = grade(
        "transfer-radiographies", "On ajoute une nouvelle couche à 3 sorties, que l'on entraîne."
    )
    assert earned(decision) == [1] and decision.confidence >= THRESHOLD


def test_a_group_of_one_way_opposes_only_its_second_side_to_a_claim_of_the_first() -> None:
    groups = groups_of(["ajoute > remplace"], str)
    assert opposed(frozenset({"remplace"}), frozenset({"ajoute"}), groups)
    assert not opposed(frozenset({"ajoute"}), frozenset({"remplace"}), groups)
    two_way = groups_of(["gele | entraine"], str)
    assert opposed(frozenset({"gele"}), frozenset({"entraine"}), two_way)
    assert opposed(frozenset({"entraine"}), frozenset({"gele"}), two_way)


def test_sans_jamais_denies_what_follows() -> None:
    decision = grade(
        "metrics-fraude-exactitude",
        "Un modèle qui répond toujours légitime aurait 99 % d'exactitude sans jamais trouver une seule fraude.",
    )
    assert earned(decision) == [0]


def test_quand_meme_is_no_same_size() -> None:
    decision = grade("padding-role", "Non, la taille diminue quand même.")
    assert earned(decision) == []
    assert earned(grade("padding-role", "La sortie garde la même taille que l'entrée.")) == [0]


def test_pooling_that_halves_the_channels_is_the_listed_confusion() -> None:
    decision = grade("pooling-effet-max", "Il divise par deux le nombre de canaux.")
    assert earned(decision) == []
    assert earned(grade("pooling-effet-max", "Il divise par deux la hauteur et la largeur.")) == [0]


def test_a_verb_that_removes_denied_keeps_what_it_would_remove() -> None:
    decision = grade("fitting-dropout-eval", "eval() ne désactive pas le dropout, il fige les gradients.")
    assert decision.ideas[1].points == 0
    assert earned(grade("fitting-dropout-eval", "En évaluation il n'y a pas de dropout.")) == [1]


def test_a_claim_taken_back_by_the_next_words_goes_to_review() -> None:
    decision = grade(
        "padding-role", "Il sert à conserver la taille, mais en fait non, c'est pour ajouter du bruit."
    )
    assert decision.confidence < THRESHOLD
    sure = grade("padding-role", "Il sert à conserver la taille, mais aussi à traiter les bords.")
    assert 0 in earned(sure) and sure.confidence >= THRESHOLD


def test_a_share_next_to_the_claim_other_than_the_idea_s_contradicts_it() -> None:
    wrong = "Un modèle qui prédit toujours la classe majoritaire aurait environ 1 % d'exactitude."
    right = "Un modèle qui prédit toujours la classe majoritaire aurait 99 % d'exactitude."
    assert grade("metrics-fraude-exactitude", wrong).ideas[0].points == 0
    sure = grade("metrics-fraude-exactitude", right)
    assert earned(sure) == [0] and sure.confidence >= THRESHOLD


def test_sans_rien_denies_each_act_joined_by_ni() -> None:
    decision = grade(
        "transfer-radiographies", "Ajouter une couche à 3 sorties après la fc, sans rien geler ni remplacer."
    )
    assert decision.ideas[1].points == 0


@pytest.mark.parametrize(
    ("qid", "answer"),
    [
        (
            "perceptron-xor",
            "Le XOR n'est pas linéairement séparable. Mais en fait non, un seul perceptron y arrive.",
        ),
        (
            "segmentation-difference-detection",
            "La détection donne une boîte par objet, la segmentation une classe par pixel. Ou l'inverse, je confonds.",
        ),
        ("pooling-effet-max", "Ça réduit la taille, enfin je crois que ça la garde pareille en fait."),
        ("computations-kl-distance", "Elle n'est pas symétrique, sauf que non : KL(P‖Q) = KL(Q‖P) toujours."),
        ("padding-role", "Le padding ça garde la taille, non, ça la réduit, je sais plus."),
    ],
)
def test_an_answer_that_takes_a_claim_back_goes_to_review(qid: str, answer: str) -> None:
    decision = grade(qid, answer)
    assert earned(decision) and decision.confidence < THRESHOLD


def test_a_long_answer_that_misses_an_idea_goes_to_review() -> None:
    # a paraphrase in words of its own: the idea is found nowhere, the answer is long
    long = (
        "Un neurone isolé coupe le plan en deux demi-plans ; or ici (0,0) et (1,1) d'un côté, (0,1) et "
        "(1,0) de l'autre se croisent en diagonale et aucune coupure rectiligne ne convient. En ajoutant "
        "deux neurones intermédiaires, un OU et un NON-ET à seuil suivis d'un ET, on obtient la bonne "
        "table de vérité : c'est un petit réseau à une couche cachée, dont les seuils sont indispensables."
    )
    decision = grade("perceptron-xor", long)
    assert decision.confidence < THRESHOLD and "content words" in decision.note
    short = grade("perceptron-xor", "Il faut une couche cachée avec une activation non linéaire.")
    assert earned(short) == [1] and short.confidence >= THRESHOLD


def test_a_claim_under_the_student_s_own_condition_goes_to_review() -> None:
    decision = grade("padding-role", "Le padding conserve la taille seulement si le pas vaut 2.")
    assert decision.confidence < THRESHOLD
    assert grade("padding-role", "Le padding conserve la taille de la sortie.").confidence >= THRESHOLD


def test_the_failure_asserted_after_a_semicolon_is_no_longer_conditioned_by_the_si_before() -> None:
    answer = (
        "Il garde la taille seulement si le pas vaut 2 ; avec un pas de 1, la sortie rétrécit de toute façon."
    )
    assert grade("padding-role", answer).ideas[0].points == 0


def test_figures_beside_the_same_word_are_read_in_pairs() -> None:
    pairs = _figure_pairs(["som", "1", "par", "clas"])
    assert pairs == {("before", "som", "1"), ("after", "par", "1")}
