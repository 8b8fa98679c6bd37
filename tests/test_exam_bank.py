"""The question bank: the course's bank is complete and valid; errors name the file, the
question and the field."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tpgrade.commands.app import app
from tpgrade.exam.bank import BankError, exam_dir, load_bank


def test_the_course_bank_covers_every_topic_with_every_type() -> None:
    bank = load_bank()
    questions = list(bank.questions.values())
    assert len(questions) >= 80
    per_topic = Counter(q.topic for q in questions)
    assert {t.id for t in bank.topics} == set(per_topic) and min(per_topic.values()) >= 2
    assert Counter(q.type for q in questions).keys() == {"single", "multiple", "numeric", "ordering", "short"}
    assert Counter(q.difficulty for q in questions).keys() == {"easy", "medium", "hard"}
    for question in questions:
        if question.type == "numeric":
            assert question.accepts(question.answer), question.id


def bank_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "exam"
    shutil.copytree(exam_dir(), folder)
    return folder


BROKEN = """
topic: pooling
questions:
  - id: pool-sans-points
    type: single
    difficulty: easy
    prompt: "Quel est l'effet d'un max-pooling 2 × 2 de pas 2 ?"
    choices: [{id: a, text: "Il divise la hauteur et la largeur par deux."}, {id: b, text: "Rien."}]
    answer: a
  - id: pool-mauvaise-cle
    type: single
    difficulty: easy
    points: 1
    prompt: "Le max-pooling a-t-il des paramètres appris ?"
    choices: [{id: a, text: "Oui"}, {id: b, text: "Non"}]
    answer: e
  - id: pool-difficulte
    type: numeric
    difficulty: facile
    points: 1
    prompt: "Combien de paramètres appris a un max-pooling 2 × 2 ?"
    answer: 0
  - id: pool-rubrique
    type: short
    difficulty: hard
    points: 2
    prompt: "Pourquoi le pooling donne-t-il une invariance aux petites translations ?"
    model_answer: "Le maximum d'une fenêtre change peu quand l'entrée se décale d'un pixel."
    rubric:
      - {idea: "le maximum d'une fenêtre bouge peu", points: 1, phrasings: ["maximum fenêtre"]}
    colour: red
  - id: pool-ordre
    type: ordering
    difficulty: medium
    points: 1
    prompt: "Ordonnez les couches d'un bloc convolutif classique."
    items: [{id: a, text: "convolution"}, {id: b, text: "ReLU"}, {id: c, text: "pooling"}]
    answer: [a, b, b]
"""


def test_every_schema_error_names_the_file_the_question_and_the_field(tmp_path: Path) -> None:
    folder = bank_copy(tmp_path)
    (folder / "bank" / "zz-broken.yaml").write_text(BROKEN, encoding="utf-8")
    with pytest.raises(BankError) as caught:
        load_bank(folder)
    problems = caught.value.problems
    expected = [
        ("pool-sans-points", "points", "is missing"),
        ("pool-difficulte", "difficulty", "Input should be 'easy', 'medium' or 'hard'"),
        ("pool-mauvaise-cle", "answer", "names choices that do not exist: e"),
        ("pool-rubrique", "colour", "is not a known field"),
        ("pool-ordre", "answer", "must list every item id exactly once"),
    ]
    for qid, field, words in expected:
        line = f"zz-broken.yaml: question {qid}: field {field} {words}"
        assert any(p.startswith(line) for p in problems), (line, problems)


def test_rubric_points_duplicate_ids_unknown_topics_and_bad_yaml(tmp_path: Path) -> None:
    folder = bank_copy(tmp_path)
    bank = folder / "bank"
    (bank / "zz-dup.yaml").write_text(
        (bank / "perceptron.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (bank / "zz-topic.yaml").write_text("topic: astrologie\nquestions: []\n", encoding="utf-8")
    (bank / "zz-yaml.yaml").write_text("topic: gans\nquestions:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(BankError) as caught:
        load_bank(folder)
    text = "\n".join(caught.value.problems)
    assert "zz-dup.yaml: question perceptron-role-biais: field id is used twice in the bank" in text
    assert "zz-topic.yaml: field topic 'astrologie' is not one of the topics of exam.yaml" in text
    assert "zz-yaml.yaml line " in text and "not valid YAML" in text


def test_check_bank_command_reports_errors_with_exit_code_3(tmp_path: Path) -> None:
    folder = bank_copy(tmp_path)
    (folder / "bank" / "zz-broken.yaml").write_text(BROKEN, encoding="utf-8")
    result = CliRunner().invoke(app, ["exam", "check-bank", "--bank", str(folder)])
    assert result.exit_code == 3
    assert "zz-broken.yaml: question pool-sans-points: field points is missing" in result.output
    assert "Traceback" not in result.output
    good = CliRunner().invoke(app, ["exam", "check-bank"])
    assert good.exit_code == 0 and "the bank is valid" in good.output


NO_CONFUSION = """
topic: pooling
questions:
  - id: pool-sans-confusion
    type: short
    difficulty: easy
    points: 1
    prompt: "Pourquoi le pooling donne-t-il une invariance aux petites translations ?"
    model_answer: "Le maximum d'une fenêtre change peu quand l'entrée se décale d'un pixel."
    rubric:
      - {idea: "le maximum d'une fenêtre bouge peu", points: 1, phrasings: ["maximum", "le maximum bouge peu"]}
"""


def test_check_bank_warns_about_missing_confusions_and_one_or_two_word_phrasings(tmp_path: Path) -> None:
    from tpgrade.exam.bank import bank_warnings

    folder = bank_copy(tmp_path)
    (folder / "bank" / "zz-short.yaml").write_text(NO_CONFUSION, encoding="utf-8")
    warnings = [w for w in bank_warnings(load_bank(folder)) if w.startswith("pool-sans-confusion")]
    assert any("no confusion listed" in w for w in warnings)
    assert any("1 phrasing(s) of one or two words" in w and "« maximum »" in w for w in warnings)
    result = CliRunner().invoke(app, ["exam", "check-bank", "--bank", str(folder)])
    assert result.exit_code == 0 and "pool-sans-confusion: no confusion listed" in result.output
    # A claim with a subject may use one-word phrasings: they are said of it.
    course = [w for w in bank_warnings(load_bank()) if w.startswith("segmentation-difference-detection")]
    assert course == []
