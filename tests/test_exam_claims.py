"""Claims matched where they are stated: subject and predicate in one clause, negations in
the clause, role swaps and keyword lists caught, in linear time."""

from __future__ import annotations

from typing import Any

import pytest

from tpgrade.exam.bank import load_bank
from tpgrade.exam.rubric import ShortDecision, clauses, family_clashes, grade_short, has_verb, normalise
from tpgrade.exam.schema import ShortAnswer

BANK = load_bank()
THRESHOLD = BANK.exam.paper.review_threshold


def bank_question(qid: str) -> ShortAnswer:
    question = BANK.questions[qid]
    assert isinstance(question, ShortAnswer)
    return question


def two_claims(**extra: Any) -> ShortAnswer:
    """Detection versus segmentation, written in memory: one claim per subject."""
    return ShortAnswer.model_validate(
        {
            "id": "essai-roles",
            "type": "short",
            "difficulty": "easy",
            "points": 2,
            "prompt": "Quelle est la différence entre la détection et la segmentation ?",
            "model_answer": "La détection donne une boîte ; la segmentation classe chaque pixel.",
            "rubric": [
                {
                    "idea": "la détection donne une boîte",
                    "points": 1,
                    "subject": ["détection", "détecteur"],
                    "phrasings": ["boîte", "rectangle"],
                    **extra,
                },
                {
                    "idea": "la segmentation classe chaque pixel",
                    "points": 1,
                    "subject": ["segmentation"],
                    "phrasings": ["chaque pixel", "masque"],
                },
            ],
        }
    )


def earned(decision: ShortDecision) -> set[int]:
    return {i for i, idea in enumerate(decision.ideas) if idea.points > 0}


def confident(decision: ShortDecision) -> bool:
    return decision.confidence >= THRESHOLD


# (a) clauses


def test_clauses_split_on_sentence_ends_semicolons_colons_and_contrasts() -> None:
    text = (
        "La détection donne une boîte ; la segmentation, elle, classe chaque pixel. Mais rien d'autre : fin"
    )
    assert len(clauses(text)) >= 4
    contrast = clauses("La détection donne une boîte alors que la segmentation classe chaque pixel")
    assert len(contrast) == 2


def test_et_splits_a_clause_only_before_a_new_subject() -> None:
    assert len(clauses("la détection donne une boîte et la segmentation un masque", ["segmentation"])) == 2
    assert len(clauses("la détection donne une boîte et une classe", ["segmentation"])) == 1


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("La détection donne une boîte.", True),
        ("Le modèle surapprend.", True),
        ("It outputs bounding boxes.", True),
        ("On gèle les couches.", True),
        ("détection, boîte, segmentation, pixel", False),
        ("Surapprentissage.", False),
        ("early stopping ; dropout", False),
        ("overfitting, early stopping", False),
        ("- sigmoïde -> grad 0 -> couches basses n'apprennent plus", True),  # an arrow states
        ("d_k grand => produits scalaires énormes", True),
        ("softmax, →", True),
    ],
)
def test_a_verb_is_told_from_a_list_of_words(text: str, verb: bool) -> None:
    assert has_verb(text) is verb


# (b) roles


def test_a_role_swap_earns_nothing_and_is_confident_when_a_confusion_is_listed() -> None:
    question = two_claims(unless=[{"subject": ["segmentation"], "phrasings": ["boîte"]}])
    right = grade_short(question, "La détection donne une boîte et la segmentation classe chaque pixel.")
    assert earned(right) == {0, 1} and confident(right)
    swapped = grade_short(question, "La détection classe chaque pixel et la segmentation donne une boîte.")
    assert earned(swapped) == set()
    assert swapped.ideas[0].matched.startswith("unless")


def test_a_role_swap_without_a_listed_confusion_goes_to_review() -> None:
    swapped = grade_short(two_claims(), "La segmentation donne une boîte, la détection classe chaque pixel.")
    assert earned(swapped) == set()
    assert not confident(swapped)


def test_a_subject_carries_to_the_next_clause_through_a_pronoun() -> None:
    decision = grade_short(
        two_claims(),
        "La détection localise les objets. Elle dessine une boîte. La segmentation colorie chaque pixel.",
    )
    assert earned(decision) == {0, 1}


def test_a_subject_after_its_predicate_binds_through_a_preposition() -> None:
    decision = grade_short(
        two_claims(),
        "Une boîte est prédite par la détection ; chaque pixel reçoit une classe en segmentation.",
    )
    assert earned(decision) == {0, 1}


def test_words_scattered_over_the_answer_earn_nothing() -> None:
    decision = grade_short(
        two_claims(), "La détection est rapide. On dessine au tableau une boîte de chocolats."
    )
    assert 0 not in earned(decision) or not confident(decision)


def test_the_bank_question_catches_the_issue_s_role_swap() -> None:
    question = bank_question("segmentation-difference-detection")
    swapped = grade_short(question, "la détection classe chaque pixel et la segmentation donne une boîte")
    assert swapped.score == 0
    assert confident(swapped)  # a listed confusion: no need to read it


# (c) negations


@pytest.mark.parametrize(
    "answer",
    [
        "Le modèle est mal entraîné, les variables corrélées n'y sont pour rien.",
        "Les variables corrélées ne jouent aucun rôle.",
        "Il n'y a ni proxy ni variable corrélée.",
        "Correlated variables play no role here.",
        "Correlated variables are not the cause.",
    ],
)
def test_a_negation_after_the_keyword_withholds_the_idea(answer: str) -> None:
    decision = grade_short(bank_question("ethics-variable-retiree"), answer)
    assert 0 not in earned(decision)


def test_a_negation_reaches_only_its_own_clause() -> None:
    question = two_claims()
    decision = grade_short(question, "La détection ne classe pas les pixels mais elle donne une boîte.")
    assert 0 in earned(decision)
    without = grade_short(question, "La détection donne une boîte, sans classer chaque pixel.")
    assert 0 in earned(without)


def test_ne_que_is_not_a_negation_and_a_negative_phrasing_needs_one() -> None:
    question = bank_question("perceptron-xor")
    assert 0 in earned(grade_short(question, "Le perceptron ne trace qu'une frontière linéaire."))
    assert 0 in earned(grade_short(question, "XOR n'est pas linéairement séparable."))
    assert 0 not in earned(grade_short(question, "XOR est linéairement séparable."))


# (d) keyword lists and one-word answers


@pytest.mark.parametrize(
    ("qid", "answer"),
    [
        ("segmentation-difference-detection", "détection boîte segmentation pixel masque"),
        ("fitting-courbe-validation", "Surapprentissage."),
        ("losses-choix-classification", "L'entropie croisée."),
        ("batch-size-petits-lots", "noisy gradient et less memory"),
    ],
)
def test_verbless_words_that_are_no_bare_list_go_to_review_never_to_full_marks(qid: str, answer: str) -> None:
    """A run of words, one noun phrase or two joined by "et": it may name the answer, a person reads it."""
    question = bank_question(qid)
    decision = grade_short(question, answer)
    assert decision.score < question.points
    assert not confident(decision)


@pytest.mark.parametrize(
    ("qid", "answer"),
    [
        ("segmentation-difference-detection", "boîte englobante, masque, pixel"),
        ("fitting-courbe-validation", "overfitting, early stopping"),
        ("gans-deux-reseaux", "générateur ; discriminateur ; bruit ; adversarial"),
        ("computations-kl-distance", "symétrie, inégalité triangulaire"),
        ("perceptron-xor", "- XOR\n- linéaire\n- couche cachée"),
        ("activations-sortie-softmax", "softmax ; probabilités ; somme 1."),
    ],
)
def test_a_bare_list_of_keywords_earns_nothing_without_review(qid: str, answer: str) -> None:
    """Items of a few words, no verb anywhere: the course's words named, nothing claimed."""
    decision = grade_short(bank_question(qid), answer)
    assert decision.score == 0
    assert confident(decision)
    assert "list" in decision.note


@pytest.mark.parametrize(
    ("qid", "answer"),
    [
        ("fitting-courbe-validation", "overfitting : early stopping, dropout"),
        ("optimisers-perte-nan", "learning rate -> trop grand, diviser par 10"),
        (
            "segmentation-difference-detection",
            "détection : une boîte par objet, segmentation : une classe par pixel",
        ),
    ],
)
def test_a_list_that_relates_its_items_is_not_a_bare_list(qid: str, answer: str) -> None:
    decision = grade_short(bank_question(qid), answer)
    assert "bare list" not in decision.note


def test_a_one_word_phrasing_does_not_fire_whatever_the_sentence_claims() -> None:
    question = bank_question("padding-role")
    decision = grade_short(question, "Le padding n'a rien à voir avec les bords ni avec la taille.")
    assert decision.score == 0


def test_the_review_reason_names_the_clause_and_the_claim() -> None:
    question = two_claims()
    decision = grade_short(question, "Pour commencer. La détection donne une boîte.")
    idea = decision.ideas[0]
    assert idea.points == 1
    assert "boîte" in idea.clause and "Pour commencer" not in idea.clause
    assert idea.matched == "boîte"


# (e) length


def test_matching_handles_a_huge_answer() -> None:
    question = bank_question("segmentation-difference-detection")
    answer = "La détection donne une boîte et la segmentation classe chaque pixel. " * 2000  # ~140 kB
    decision = grade_short(question, answer)
    assert decision.max_score == question.points
    assert decision.confidence < THRESHOLD  # far too long to trust without reading


def test_a_giant_word_is_handled() -> None:
    question = bank_question("segmentation-difference-detection")
    assert grade_short(question, "a" * 300_000).score == 0


def test_words_of_one_family_read_alike() -> None:
    assert normalise("la variance augmente avec la taille") == normalise("variance grows with the size")
    assert normalise("divisée par deux") == normalise("divisée par 2")
    assert family_clashes() == []


def test_a_negation_bears_on_the_words_it_denies_not_on_the_rest_of_the_clause() -> None:
    question = bank_question("activations-relu-vs-sigmoide")
    decision = grade_short(
        question, "Ce n'est pas une question de saturation : ReLU est juste plus à la mode."
    )
    assert 1 not in earned(decision)  # "ne sature pas" is not what is said
    denied = grade_short(
        question, "Le problème de la sigmoïde n'est pas qu'elle sature, c'est qu'elle n'est pas centrée."
    )
    assert 0 not in earned(denied)


def test_a_subject_doing_what_a_phrasing_does_to_it_earns_nothing() -> None:
    question = bank_question("fitting-dropout-eval")
    decision = grade_short(question, "Le dropout supprime des neurones au hasard à chaque itération.")
    assert earned(decision) == {0}


def test_an_adverb_donc_does_not_cut_the_clause() -> None:
    question = bank_question("attention-encodage-position")
    decision = grade_short(question, "On ajoute donc aux embeddings un vecteur qui dépend de la position.")
    assert 1 in earned(decision)


def test_pas_before_a_number_is_the_stride_not_a_negation() -> None:
    pooling = ShortAnswer.model_validate(
        {
            "id": "essai-pas",
            "type": "short",
            "difficulty": "easy",
            "points": 1,
            "prompt": "Que fait un max-pooling 2x2 à la taille de la carte ?",
            "model_answer": "La taille est divisée par deux.",
            "rubric": [
                {"idea": "la taille est divisée par deux", "points": 1, "phrasings": ["divisée par deux"]}
            ],
        }
    )
    stated = grade_short(pooling, "Un max-pooling 2x2 de pas 2 : la taille est divisée par deux.")
    assert stated.score == 1
    denied = grade_short(pooling, "La taille n'est pas divisée par deux.")
    assert denied.score == 0


# (e) wrong claims beside right words: a confusion's sentence, relative clauses, purposes


def confusion_question() -> ShortAnswer:
    """Padding, written in memory: one idea with a listed confusion, one without."""
    return ShortAnswer.model_validate(
        {
            "id": "essai-confusion",
            "type": "short",
            "difficulty": "easy",
            "points": 2,
            "prompt": "À quoi sert le padding ?",
            "model_answer": "Il conserve la taille et traite les bords.",
            "rubric": [
                {
                    "idea": "conserver la taille",
                    "points": 1,
                    "phrasings": ["conserve la taille"],
                    "unless": ["réduit la taille"],
                },
                {"idea": "traiter les bords", "points": 1, "phrasings": ["bords de l'image"]},
            ],
        }
    )


def test_an_idea_said_in_the_sentence_of_a_stated_confusion_goes_to_review() -> None:
    question = confusion_question()
    decision = grade_short(
        question,
        "Le padding réduit la taille de la sortie, comme le pooling, et ignore les bords de l'image.",
    )
    assert earned(decision) == {1}
    assert not confident(decision)
    assert decision.ideas[1].reason.startswith("weak evidence")


def test_an_idea_set_against_a_confusion_or_in_another_sentence_keeps_its_confidence() -> None:
    question = confusion_question()
    contrast = grade_short(
        question, "Le padding réduit la taille de la sortie, mais il traite les bords de l'image."
    )
    apart = grade_short(question, "Le padding réduit la taille de la sortie. Il traite les bords de l'image.")
    for decision in (contrast, apart):
        assert decision.ideas[1].points == 1
        assert decision.ideas[1].confidence >= THRESHOLD


def test_what_follows_qui_is_said_of_the_subject_named_just_before() -> None:
    question = bank_question("gans-deux-reseaux")
    decision = grade_short(
        question,
        "Le générateur essaie de tromper le discriminateur, qui distingue les vraies images des fausses.",
    )
    assert {1, 2} <= earned(decision)
    assert "unless" not in decision.ideas[1].matched
    # the same words said of the generator are still a role swap
    swapped = grade_short(question, "Le générateur distingue les vraies images des fausses.")
    assert 1 not in earned(swapped)


def test_a_confusion_written_as_a_purpose_is_stated_only_as_a_purpose() -> None:
    question = bank_question("attention-division-racine")
    wrong = grade_short(question, "On divise par √d_k pour faire saturer le softmax plus vite.")
    assert 1 not in earned(wrong)
    right = grade_short(
        question,
        "La variance croît avec d_k ; sans la division le softmax sature et ses gradients deviennent minuscules.",
    )
    assert earned(right) == {0, 1}
    assert confident(right)


def test_the_cause_taken_for_the_effect_earns_nothing() -> None:
    question = bank_question("attention-division-racine")
    decision = grade_short(
        question, "C'est la saturation du softmax qui fait augmenter la variance des produits scalaires."
    )
    assert 0 not in earned(decision)


def test_the_trivial_model_that_always_predicts_the_minority_class_is_a_confusion() -> None:
    question = bank_question("metrics-fraude-exactitude")
    decision = grade_short(question, "Un modèle qui prédit toujours « fraude » aurait 99 % d'exactitude.")
    assert 0 not in earned(decision)
    right = grade_short(question, "Un modèle qui prédit toujours « légitime » aurait 99 % d'exactitude.")
    assert 0 in earned(right)


def test_rubric_words_in_an_off_topic_sentence_earn_nothing() -> None:
    padding = grade_short(
        bank_question("padding-role"),
        "Dans les séquences de texte, on complète les phrases courtes par des zéros pour qu'elles aient toutes la même taille dans un lot.",
    )
    assert padding.score == 0
    gate = grade_short(
        bank_question("recurrent-probleme-lstm"),
        "Une porte logique ET renvoie 1 si ses deux entrées valent 1.",
    )
    assert gate.score == 0


def test_a_date_is_not_data() -> None:
    assert normalise("une date") != normalise("les data")
    assert normalise("les données") == normalise("the data")


def test_an_idea_found_inside_the_clause_of_its_confusion_is_zeroed_without_review() -> None:
    question = bank_question("metrics-fraude-exactitude")
    same = grade_short(question, "Un modèle qui prédit toujours « fraude » aurait 99 % d'exactitude.")
    assert same.ideas[0].points == 0
    assert same.ideas[0].confidence >= THRESHOLD
    assert same.ideas[0].matched.startswith("unless: ")
    # the confusion in another clause than the idea: a person decides
    apart = grade_short(
        bank_question("fitting-courbe-validation"),
        "C'est du surapprentissage. Il faut donc entraîner plus longtemps.",
    )
    assert not confident(apart)


def test_a_word_that_begins_another_is_no_typo_of_it() -> None:
    question = bank_question("explainability-gradcam-principe")
    decision = grade_short(
        question, "LIME explique une prédiction en ajustant un modèle linéaire local autour de l'exemple."
    )
    assert decision.score == 0


@pytest.mark.parametrize(
    ("qid", "answer", "idea"),
    [
        # roles swapped between two notions of the course
        (
            "losses-choix-classification",
            "On met l'entropie croisée comme activation de la dernière couche, et la perte est le softmax.",
            0,
        ),
        (
            "pooling-effet-max",
            "Il double la hauteur et la largeur en recopiant la valeur maximale de chaque bloc.",
            0,
        ),
        # the right mechanism at the wrong time
        ("fitting-dropout-eval", "Le dropout éteint des neurones au hasard pendant l'évaluation.", 0),
        # the effect taken for the cause
        (
            "initialisation-poids-nuls",
            "Comme les neurones sont identiques au départ, ce sont eux qui rendent les poids nuls ; on initialise donc à zéro sans problème.",
            0,
        ),
    ],
)
def test_reversed_roles_and_times_earn_nothing(qid: str, answer: str, idea: int) -> None:
    decision = grade_short(bank_question(qid), answer)
    assert decision.ideas[idea].points == 0


def test_ne_ni_ni_negates_each_of_its_members() -> None:
    answer = "Ce n'est ni pour empêcher de recopier l'entrée ni pour compresser : c'est une convention."
    assert clauses(answer)[0].endswith("ni pour compresser")
    decision = grade_short(bank_question("autoencoders-code-petit"), answer)
    assert decision.score == 0 and decision.confidence >= THRESHOLD


def test_a_negation_that_denies_an_action_on_an_object_leaves_the_subject_there() -> None:
    """ "le dropout ne désactive aucun neurone" denies the neurons' deactivation, not the dropout:
    it is no "sans dropout" for the evaluation idea."""
    answer = (
        "Pendant l'entraînement le dropout ne désactive aucun neurone ; eval() sert à calculer les gradients."
    )
    decision = grade_short(bank_question("fitting-dropout-eval"), answer)
    assert decision.score == 0 and decision.confidence >= THRESHOLD
    # a negation after the keyword with nothing more after it still denies the keyword
    denied = "Les variables corrélées au sexe n'y sont pour rien."
    assert grade_short(bank_question("ethics-variable-retiree"), denied).ideas[0].points == 0


def test_a_claim_followed_by_sans_and_another_noun_of_the_idea_is_withheld() -> None:
    answer = (
        "XOR n'est pas séparable par une droite ; on ajoute des couches cachées, mais sans aucune activation."
    )
    decision = grade_short(bank_question("perceptron-xor"), answer)
    assert decision.ideas[1].points == 0 and decision.ideas[1].matched.startswith("withheld: ")
    assert decision.confidence < THRESHOLD
    # "sans" before a verb says how, not what is missing: "sans s'évanouir"
    kept = grade_short(
        bank_question("residual-reseaux-profonds"), "Le gradient circule par le raccourci sans s'évanouir."
    )
    assert kept.ideas[0].points == 1 and kept.confidence >= THRESHOLD


def test_keywords_cut_by_semicolons_with_one_verb_among_them_claim_nothing() -> None:
    decision = grade_short(
        bank_question("activations-relu-vs-sigmoide"),
        "saturation ; gradient qui s'évanouit ; dérivée 1 ; rapide",
    )
    assert decision.score == 0
    assert has_verb("La sigmoïde sature ; ReLU garde une dérivée de 1 ; elle est rapide.")


def test_an_idea_earned_only_by_another_idea_s_words_in_its_clause_goes_to_review() -> None:
    answer = "Parce que ça crée une fuite de données du futur vers l'entraînement et le test devient trop optimiste."
    decision = grade_short(bank_question("time-series-melange-aleatoire"), answer)
    assert [idea.points for idea in decision.ideas] == [1, 0]
    assert decision.confidence < THRESHOLD
    both = "Mélanger fait fuiter le futur dans l'entraînement ; il faut entraîner sur le passé et tester sur la période qui suit."
    assert grade_short(bank_question("time-series-melange-aleatoire"), both).score == 2


def test_an_object_named_in_another_subject_s_clause_is_no_role_swap() -> None:
    answer = "Le générateur crée des images à partir d'un bruit aléatoire, le discriminateur dit si une image est vraie ou fausse."
    decision = grade_short(bank_question("gans-deux-reseaux"), answer)
    assert [idea.points for idea in decision.ideas][:2] == [1, 1]
    assert decision.confidence >= THRESHOLD


def test_what_would_go_wrong_otherwise_asserted_as_plain_fact_goes_to_review() -> None:
    question = bank_question("autoencoders-code-petit")
    plain = grade_short(question, "Plus le code est petit, plus le réseau recopie l'entrée à l'identique.")
    assert plain.ideas[0].points == 0 and plain.confidence < THRESHOLD
    for right in (
        "Sinon le réseau pourrait recopier l'entrée à l'identique.",
        "Si le code était aussi grand que l'entrée, le réseau recopierait l'entrée.",
    ):
        decision = grade_short(question, right)
        assert decision.ideas[0].points == 1 and decision.confidence >= THRESHOLD, right


def test_a_failure_caused_by_another_idea_in_its_sentence_is_no_plain_assertion() -> None:
    answer = "Dot products grow in magnitude with d_k, which pushes the softmax into saturation with tiny gradients."
    decision = grade_short(bank_question("attention-division-racine"), answer)
    assert [idea.points for idea in decision.ideas] == [1, 1]
    assert decision.confidence >= THRESHOLD


@pytest.mark.parametrize(
    ("qid", "wrong", "right"),
    [
        # the opposite direction beside the right word contradicts the claim
        (
            "attention-division-racine",
            "La variance des produits scalaires diminue quand d_k augmente.",
            "La variance des produits scalaires augmente avec d_k.",
        ),
        # a negated verb that itself denies cancels a negative phrasing
        (
            "attention-encodage-position",
            "L'attention n'ignore pas l'ordre des jetons.",
            "L'attention ne voit pas l'ordre des jetons.",
        ),
        # an idea without subject, right after another idea's subject: a role swap
        (
            "recurrent-probleme-lstm",
            "Le LSTM oublie vite le début de la séquence.",
            "Un RNN simple oublie vite le début de la séquence.",
        ),
    ],
)
def test_lot_15_classes_deny_the_wrong_phrasing_and_keep_the_right_one(
    qid: str, wrong: str, right: str
) -> None:
    question = bank_question(qid)
    denied = grade_short(question, wrong)
    assert denied.ideas[0].points == 0, wrong
    kept = grade_short(question, right)
    assert kept.ideas[0].points == 1 and kept.confidence >= THRESHOLD, right
