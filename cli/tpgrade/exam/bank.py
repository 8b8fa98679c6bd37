"""Reading the question bank: YAML files checked against the schema.

Every problem is reported with the file, the question id and the field, all
at once, so that an instructor fixes a bank in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from tpgrade import paths
from tpgrade.errors import InputError
from tpgrade.exam.schema import BankFile, ExamFile, Question, ShortAnswer, Topic

_QUESTION: TypeAdapter[Question] = TypeAdapter(Question)


class BankError(InputError):
    """The bank has problems; ``problems`` lists them one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n  ".join(problems[:40])
        more = f"\n  … and {len(problems) - 40} more" if len(problems) > 40 else ""
        super().__init__(f"the question bank has {len(problems)} problem(s):\n  {shown}{more}")


@dataclass(frozen=True)
class Bank:
    exam: ExamFile
    questions: dict[str, Question]  # by id, in file order

    def topic_title(self, topic: str) -> str:
        return next((t.title for t in self.exam.topics if t.id == topic), topic)

    @property
    def topics(self) -> list[Topic]:
        return list(self.exam.topics)


def exam_dir() -> Path:
    return paths.course_root() / "assignments" / "exam"


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path.name}: cannot be read ({exc})")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problems.append(f"{path.name}{where}: not valid YAML ({getattr(exc, 'problem', exc)})")
    return None


def _describe(location: tuple[int | str, ...], error: ErrorDetails) -> str:
    """``field NAME what is wrong``. A rule across fields has no location; its message
    starts with the name of the field it is about (``answer names choices…``)."""
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "is missing"
    elif error["type"] == "extra_forbidden":
        message = "is not a known field"
    if location:
        return f"field {'.'.join(str(part) for part in location)} {message}"
    field, _, rest = message.partition(" ")
    return f"field {field.rstrip(':')} {rest}" if rest else f"(the whole entry) {message}"


def _check_question(path: Path, index: int, raw: Any, topic: str, problems: list[str]) -> Question | None:
    qid = raw.get("id", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
    if isinstance(raw, dict):
        raw = {"topic": topic, **raw}
    try:
        return _QUESTION.validate_python(raw)
    except ValidationError as exc:
        for error in exc.errors():
            location = tuple(error["loc"])
            if location and location[0] in ("single", "multiple", "numeric", "ordering", "short"):
                location = location[1:]  # the union's branch name says nothing to the author
            problems.append(f"{path.name}: question {qid}: {_describe(location, error)}")
    return None


def load_bank(folder: Path | None = None) -> Bank:
    """The exam file and every question of ``folder/bank/*.yaml``; :class:`BankError` lists
    every problem found."""
    folder = folder or exam_dir()
    problems: list[str] = []
    raw_exam = _read_yaml(folder / "exam.yaml", problems) if (folder / "exam.yaml").exists() else None
    if raw_exam is None and not problems:
        problems.append(f"exam.yaml: missing from {folder}")
    exam: ExamFile | None = None
    if raw_exam is not None:
        try:
            exam = ExamFile.model_validate(raw_exam)
        except ValidationError as exc:
            problems += [f"exam.yaml: {_describe(tuple(e['loc']), e)}" for e in exc.errors()]
    known_topics = {t.id for t in exam.topics} if exam else set()
    questions: dict[str, Question] = {}
    files = sorted((folder / "bank").glob("*.yaml"))
    if not files:
        problems.append(f"bank/: no .yaml file in {folder / 'bank'}")
    for path in files:
        raw = _read_yaml(path, problems)
        if raw is None:
            continue
        if not isinstance(raw, dict) or not isinstance(raw.get("questions"), list):
            problems.append(f"{path.name}: expected a mapping with 'topic' and a list 'questions'")
            continue
        topic = str(raw.get("topic", ""))
        if exam and topic not in known_topics:
            problems.append(f"{path.name}: field topic {topic!r} is not one of the topics of exam.yaml")
        extra = sorted(set(raw) - set(BankFile.model_fields))
        if extra:
            problems.append(f"{path.name}: field {extra[0]} is not a known field")
        for index, entry in enumerate(raw["questions"]):
            question = _check_question(path, index, entry, topic, problems)
            if question is None:
                continue
            if question.id in questions:
                problems.append(f"{path.name}: question {question.id}: field id is used twice in the bank")
            elif exam and question.topic not in known_topics:
                problems.append(
                    f"{path.name}: question {question.id}: field topic {question.topic!r} is unknown"
                )
            else:
                questions[question.id] = question
    if problems or exam is None:
        raise BankError(problems)
    return Bank(exam=exam, questions=questions)


SHORT_PHRASING_WORDS = 2  # a phrasing this short, said of no subject, fires whatever the sentence claims


def bank_warnings(bank: Bank) -> list[str]:
    """What a valid bank may still get wrong on short answers: questions that list no classic
    confusion (``unless``), and ideas without a subject whose phrasings are one or two words."""
    warnings: list[str] = []
    for question in bank.questions.values():
        if not isinstance(question, ShortAnswer):
            continue
        if not any(idea.unless for idea in question.rubric):
            warnings.append(
                f"{question.id}: no confusion listed: add the classic wrong claims as unless "
                "(a role swap, the neighbouring notion)"
            )
        for number, idea in enumerate(question.rubric, 1):
            if idea.subject:
                continue
            short = [p for p in idea.phrasings if len(p.split()) <= SHORT_PHRASING_WORDS]
            if short:
                shown = ", ".join(f"« {p} »" for p in short[:4]) + (", …" if len(short) > 4 else "")
                warnings.append(
                    f"{question.id} idea {number}: {len(short)} phrasing(s) of one or two words ({shown}) "
                    "match whatever the sentence claims: give the idea a subject, or longer phrasings"
                )
    return warnings
