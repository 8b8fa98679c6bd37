"""The short-answer matcher measured on a frozen, blind batch of labelled answers.

The batch was written and labelled from the question texts and the rubric
ideas by someone who did not tune the matcher, then frozen: its hash is
checked first, and the matcher is never tuned on it. Only aggregate figures
are computed and shown (see ``exam_measure``); the tuning sets
(``short_answers.yaml``, ``tuning_answers.yaml``) are measured beside it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from exam_measure import Figures, load_labelled, measure

from tpgrade.exam.bank import Bank, load_bank
from tpgrade.exam.schema import ShortAnswer

# Measures the matcher on every tuning set: not in the fast tier (python -m pytest -m "not slow").
pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures" / "exam"
FROZEN = FIXTURES / "frozen_answers.yaml"
FROZEN_HASH = FIXTURES / "FROZEN.sha256"


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank()


def test_the_frozen_batch_is_the_one_that_was_frozen() -> None:
    expected = FROZEN_HASH.read_text(encoding="utf-8").split()[0]
    assert hashlib.sha256(FROZEN.read_bytes()).hexdigest() == expected, "the frozen batch was changed"


@pytest.fixture(scope="module")
def frozen(bank: Bank) -> Figures:
    test_the_frozen_batch_is_the_one_that_was_frozen()
    figures = measure(load_labelled(FROZEN), bank)
    print("\n" + "\n".join(figures.lines("frozen batch")))
    return figures


def test_the_frozen_batch_is_large_enough(frozen: Figures) -> None:
    assert frozen.answers >= 150
    assert frozen.zero_deserving >= 30


# The targets, measured on the frozen batch: 199/204 = 97.5 % agreement above the
# threshold (met) and 56/260 = 21.5 % sent to review (met); 3/115 = 2.6 % of zero-deserving
# answers credited unread, not met yet. Strict: once a target is met, the marker must go.
NOT_MET = pytest.mark.xfail(strict=True, reason="target of issue 12 not met yet on the frozen batch")


def test_decisions_above_the_threshold_agree_with_the_labels(frozen: Figures) -> None:
    assert frozen.agreement_above >= 0.97, f"{frozen.agreed_above}/{frozen.above}"


@NOT_MET
def test_at_most_one_percent_of_zero_deserving_answers_credited_unread(frozen: Figures) -> None:
    assert frozen.false_credit_share <= 0.01, f"{frozen.silently_credited}/{frozen.zero_deserving}"


def test_at_most_a_quarter_of_the_answers_go_to_review(frozen: Figures) -> None:
    assert frozen.review_share <= 0.25, f"{frozen.reviewed}/{frozen.answers}"


def test_no_regression_from_the_figures_measured_when_it_was_frozen(frozen: Figures) -> None:
    """Before this matcher: 77.0 % above the threshold, 23.5 % credited unread, 48.1 % to review;
    before the word families and negation scope: 87.4 %, 10/115 = 8.7 %, 33.1 %; before the
    bank's confusions of every short question: 91.9 %, 8.7 %, 33.8 %; before bare lists, a
    confusion's sentence and purposes (92.5 %, 8.7 %, 33.1 %): 94.8 %, 7/115 = 6.1 %, 26.5 %;
    then with a confusion's own clause zeroed without review: 94.6 %, 6.1 %, 58/260 = 22.3 %;
    then with the classes of the twelfth lot (negation scope, "ni … ni", "sans", lists cut by
    ";", shared words): 192/202 = 95.0 %, 6.1 %, 22.3 %; then with those of the thirteenth
    (hedges and questions, opposite words, failures given as goals, clefts, joined subjects):
    191/199 = 96.0 %, 5/115 = 4.3 %, 61/260 = 23.5 %; then with those of the fourteenth (a verb's
    object, nouns described, clefts on a prompt word, stopping verbs, au lieu de / plutôt que):
    191/198 = 96.5 %, 4/115 = 3.5 %, 62/260 = 23.8 %; then with those of the sixteenth (an excess
    fed by its remedy, a failure said of the remedy, opposite words right after a phrasing,
    "presque rien", role swaps in the bank): 192/198 = 96.97 %, 3/115 = 2.6 %, 62/260 = 23.8 %;
    with those of the seventeenth and eighteenth instead (opposite acts and contexts in the
    claim's predicate, the remedy moved the other way, the failure said of the remedy):
    191/197, 3/115, 63/260; with both: 192/198, 3/115, 62/260; then with those of lots 19 and 20
    (answers taking a claim back, kept for replaced, plutôt X que Y) and long answers missing an
    idea sent to review (a paraphrase, 25 content words or more): 192/197 = 97.5 %, 3/115,
    63/260 = 24.2 %; then with a near miss beside a stated confusion zeroed without review:
    199/204 = 97.5 %, 3/115, 56/260 = 21.5 %."""
    assert frozen.agreement_above >= 0.97, f"{frozen.agreed_above}/{frozen.above}"
    assert frozen.false_credit_share <= 0.027, f"{frozen.silently_credited}/{frozen.zero_deserving}"
    # the review share may rise to the quarter while silent errors become reviews
    assert frozen.review_share <= 0.25, f"{frozen.reviewed}/{frozen.answers}"
    assert frozen.silently_zeroed <= 1


@pytest.mark.parametrize("name", ["short_answers.yaml", "tuning_answers.yaml", "tuning_answers_4.yaml"])
def test_the_tuning_sets_meet_the_trust_targets(bank: Bank, name: str) -> None:
    figures = measure(load_labelled(FIXTURES / name), bank)
    print("\n" + "\n".join(figures.lines(name)))
    assert figures.agreement_above >= 0.97
    assert figures.false_credit_share <= 0.01


@pytest.mark.parametrize(
    ("name", "above", "credited", "review"),
    [
        # 60/62 = 96.8 %, 1/34 = 2.9 %, 24/86 = 27.9 %
        ("tuning_answers_2.yaml", 0.96, 0.03, 0.28),
        # written from the questions and ideas only: 179/179 = 100 %, 0/102, 60/239 = 25.1 %
        ("tuning_answers_4.yaml", 0.99, 0.01, 0.26),
        # four lots by four authors who saw neither the matcher nor each other's lots; measured
        # fresh (before the bank's confusions): 97.6 / 91.4 / 88.8 / 94.2 % above the threshold,
        # 3.4 / 15.3 / 13.4 / 8.0 % credited unread; then used for tuning.
        ("tuning_answers_5.yaml", 0.99, 0.01, 0.28),
        ("tuning_answers_6.yaml", 0.95, 0.06, 0.25),
        ("tuning_answers_7.yaml", 0.97, 0.01, 0.26),
        ("tuning_answers_8.yaml", 0.99, 0.01, 0.33),
        # two more lots, measured fresh after the bank's confusions: 96.9 / 92.4 % above the
        # threshold, 2.3 / 7.4 % credited unread, 30.2 / 37.9 % to review; then used for tuning.
        ("tuning_answers_9.yaml", 0.97, 0.03, 0.30),
        ("tuning_answers_10.yaml", 0.97, 0.01, 0.33),
        # a fresh lot of every kind (reversed roles, wrong purposes, off-topic reuse, bare lists),
        # measured before the work on those classes: 122/134 = 91.0 % above the threshold, 11/103 =
        # 10.7 % credited unread, 72/206 = 35.0 % to review; after it: 98.1 %, 1.9 %, 21.8 %.
        ("tuning_answers_11.yaml", 0.97, 0.02, 0.23),
        # a fresh lot written from the prompts and ideas only (paraphrases, English, typos, role
        # swaps, negations anywhere, hedges, keyword lists), measured before the work on negation
        # scope, "ni … ni", "sans", lists and shared words: 180/192 = 93.8 % above the threshold,
        # 5/100 credited unread, 44/236 = 18.6 % to review; after it: 96.3 %, 2/100, 19.1 %.
        ("tuning_answers_12.yaml", 0.96, 0.02, 0.21),
        # a fresh lot written from the prompts and ideas only, more than half of it zero-deserving
        # answers that reuse the rubric's words (hedges, opposites, failures as goals, clefts …),
        # measured before the work on those classes: 165/185 = 89.2 % above the threshold, 16/129
        # = 12.4 % credited unread, 57/242 = 23.6 % to review; after it: 96.5 %, 4/129, 29.3 %;
        # after lot 14's classes (objects, described nouns, clefts, blocking verbs): 167/167,
        # 0/129, 75/242 = 31.0 % (its silent errors now reviewed).
        ("tuning_answers_13.yaml", 0.99, 0.01, 0.32),
        # a fresh lot (217 answers, 126 zero-deserving, written from the prompts and ideas only),
        # measured before the work on its classes: 166/174 = 95.4 % above the threshold, 7/126 =
        # 5.6 % credited unread, 43/217 = 19.8 % to review; after it: 98.8 %, 2/126, 21.7 %; after
        # the contradictions next to the claim (lots 17 and 18) and lot 16's classes: 170/171, 1/126,
        # 46/217 = 21.2 %.
        ("tuning_answers_14.yaml", 0.99, 0.01, 0.22),
        # a fresh lot (203 answers over the 29 short questions, 116 zero-deserving, written from
        # the prompts and ideas only), measured before the work on its classes: 151/162 = 93.2 %
        # above the threshold, 10/116 = 8.6 % credited unread, 41/203 = 20.2 % to review; after it
        # (failures asserted as facts, directions beside the right word, double negations, ideas
        # said of another idea's subject): 152/159 = 95.6 %, 6/116, 44/203 = 21.7 %. The frozen
        # batch did not move (191/198, 4/115, 62/260). After the contradictions next to the claim
        # (opposite acts and contexts in its predicate, the remedy moved the other way, the failure
        # said of the remedy) and lot 16's: 153/155 = 98.7 %, 1/116, 48/203 = 23.6 %.
        ("tuning_answers_15.yaml", 0.98, 0.01, 0.24),
        # two fresh lots by one more author who saw neither the matcher nor any lot (17: long,
        # careful answers; 18: terse, hurried ones, lists and arrows), measured before any change:
        # 124/130 = 95.4 % and 95/108 = 88.0 % above the threshold, 4/77 = 5.2 % and 5/99 = 5.1 %
        # credited unread, 44/174 = 25.3 % and 68/176 = 38.6 % to review. Lot 18's author credits
        # terse lists ("F1, matrice de confusion"), which the matcher zeroes (8 of its errors).
        # After the contradictions next to the claim and lot 16's classes: 122/125, 1/77, 49/174;
        # 94/104, 2/99, 72/176.
        ("tuning_answers_17.yaml", 0.975, 0.01, 0.29),
        ("tuning_answers_18.yaml", 0.9, 0.02, 0.42),
        # two fresh lots by another author who saw neither the matcher nor any lot (19: one or two
        # plain sentences, French and English jargon; 20: dense paragraphs from a strong student
        # with one subtle error, retractions, reversed conditions), measured before their classes
        # (on the matcher of lots 17-18): 130/135 = 96.3 % and 82/117 = 70.1 % above the threshold,
        # 5/91 = 5.5 % and 15/31 = 48.4 % credited unread, 44/179 = 24.6 % and 73/190 = 38.4 % to
        # review; after lot 16's merge, before their own classes: 130/135, 5/91; 81/109, 8/31; after
        # them (answers taking a claim back, kept for replaced, sensitive for invariant, original
        # for recent data, plutôt X que Y): 130/133, 3/91, 46/179; 81/100, 3/31, 90/190; with long
        # answers missing an idea reviewed: 130/133, 3/91, 46/179; 78/92, 2/31, 98/190 (its long
        # paraphrases, which the matcher misses, now reviewed); with a cleft reviewed and the
        # activations' places swapped among the confusions: lot 20 78/89, 0/31, 101/190.
        ("tuning_answers_19.yaml", 0.975, 0.035, 0.26),
        ("tuning_answers_20.yaml", 0.86, 0.01, 0.54),
        # two fresh lots by another author who saw neither the matcher nor any lot (21: students
        # writing in a second language; 22: an examiner's traps, two thirds zero-deserving answers
        # made of the idea's own words, "sauf que non" retractions, changed figures), measured
        # before their classes: 117/119 = 98.3 % and 36/72 = 50.0 % above the threshold, 1/84 and
        # 30/117 = 25.6 % credited unread, 55/174 = 31.6 % and 103/175 = 58.9 % to review; after
        # them (retractions, figures beside the same word, multiplied for divided, a metric
        # described by what it depends on): 117/118, 0/84, 56/174; 36/48, 11/117, 127/175; with
        # answers that put a noun phrase forward (c'est X qui …) reviewed: lot 22 40/46, 5/117,
        # 129/175.
        ("tuning_answers_21.yaml", 0.99, 0.01, 0.33),
        ("tuning_answers_22.yaml", 0.85, 0.05, 0.74),
        # two fresh lots by another author (23: a teaching assistant's classic misconceptions,
        # stated fluently; 24: answers to a neighbouring question, definitions instead of effects),
        # measured before their classes: 115/122 = 94.3 % and 148/153 = 96.7 % above the threshold,
        # 7/107 = 6.5 % and 5/113 = 4.4 % credited unread, 52/174 = 29.9 % and 41/194 = 21.1 % to
        # review; after them (the misconceptions as the bank's confusions, another invariance, a
        # value given for a metric): 118/118, 0/107, 56/174; 148/152, 4/113, 42/194.
        ("tuning_answers_23.yaml", 0.99, 0.01, 0.33),
        ("tuning_answers_24.yaml", 0.97, 0.036, 0.22),
        # two fresh lots by another author (25: oral-style French, hesitations and drifting
        # claims; 26: English only), measured before their classes: 130/135 = 96.3 % and 110/116 =
        # 94.8 % above the threshold, 2/94 = 2.1 % and 5/92 = 5.4 % credited unread, 54/189 = 28.6 %
        # and 72/188 = 38.3 % to review; after them (the thing's effect given to its absence, "je
        # sais plus", halved channels in English): 130/132, 0/94, 57/189; 111/115, 3/92, 73/188.
        ("tuning_answers_25.yaml", 0.98, 0.01, 0.31),
        ("tuning_answers_26.yaml", 0.96, 0.035, 0.39),
        # a fresh lot by another author (27: a master's mid-term cohort, 188 answers, 90
        # zero-deserving), measured on the matcher of lots 25-26 before any change: 133/138 =
        # 96.4 % above the threshold, 2/90 = 2.2 % credited unread, 50/188 = 26.6 % to review; after
        # its classes (exploding gradients given as the LSTM's problem, occlusion for Grad-CAM, both
        # now the bank's confusions): 135/138, 0/90, 50/188.
        ("tuning_answers_27.yaml", 0.975, 0.01, 0.27),
        # a fresh lot (193 answers over the 29 short questions, 109 zero-deserving: role swaps,
        # wrong verbs, remedies that feed the excess, failures said of the remedy, negations,
        # hedges, lists), measured before the work on its classes: 127/136 = 93.4 % above the
        # threshold, 8/109 = 7.3 % credited unread, 57/193 = 29.5 % to review; after it: 131/131,
        # 0/109, 62/193 = 32.1 %.
        ("tuning_answers_16.yaml", 0.99, 0.01, 0.33),
    ],
)
def test_the_other_tuning_sets_stay_at_their_figures(
    bank: Bank, name: str, above: float, credited: float, review: float
) -> None:
    figures = measure(load_labelled(FIXTURES / name), bank)
    print("\n" + "\n".join(figures.lines(name)))
    assert figures.agreement_above >= above
    assert figures.false_credit_share <= credited
    assert figures.review_share <= review


def test_the_fourth_tuning_lot_covers_every_short_question(bank: Bank) -> None:
    entries = load_labelled(FIXTURES / "tuning_answers_4.yaml")
    shorts = {q.id for q in bank.questions.values() if isinstance(q, ShortAnswer)}
    assert len(entries) >= 200
    assert {e["question"] for e in entries} == shorts


def test_wrong_answers_that_reuse_the_rubric_s_words_are_mostly_caught(bank: Bank) -> None:
    """The third tuning lot is adversarial: a rubric word in a sentence that claims something else."""
    figures = measure(load_labelled(FIXTURES / "tuning_answers_3.yaml"), bank)
    print("\n" + "\n".join(figures.lines("tuning_answers_3.yaml")))
    assert figures.false_credit_share <= 0.15
    assert figures.agreement >= 0.6
