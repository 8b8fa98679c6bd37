"""Grading a short answer against its rubric of key ideas, by matching word stems.

An answer is reduced to stems (:func:`normalise`): lowercase, accents removed,
elisions split, French stop words dropped, each word stemmed. An idea is earned
when one of its phrasings matches: every content stem of the phrasing occurs in
the answer, in any order, a small typo allowed, close together in one sentence;
with the phrasing's polarity (a phrasing holding a negation, such as "pas
linéairement séparable" or "sans biais", needs one in the answer; a phrasing
holding none is withheld by a negation just before it); and no ``unless``
phrasing of the opposite claim matches. Each decision carries a confidence in
[0, 1]; below the exam's review threshold a person reads the answer.

Hyphenated words are joined (``sur-apprentissage``, ``auto-encodeur``) except
after ``non``, which stays a negation; an answer writing the halves apart
("sur apprentissage") still matches.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import snowballstemmer

from tpgrade.exam.schema import KeyIdea, ShortAnswer

__all__ = ["IdeaDecision", "ShortDecision", "grade_short", "normalise"]


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP_WORDS = _wordset(
    """
    a ai aie ainsi alors as au aupres aussi aux avait avec avoir avons avez ayant c ca car ce ceci cela
    celle celles celui cependant ces cet cette ceux chaque comme comment d dans de des deja dont donc du
    elle elles en encore entre est et etaient etait etant ete etre eu eux fait faire faut il ils j je
    jusqu l la le les leur leurs lors lorsqu lorsque lui m ma mais me mes moi mon notre nous on ont or ou
    parce peut peuvent pour pourquoi puis puisqu puisque qu quand que quel quelle quelles quels qui
    quoi quoiqu s sa se selon ses si soit sont sera serait son sur t ta te tel telle tes toi ton tous
    tout toute toutes tres tu un une va vont vos votre vous y doit doivent afin ici cas
    an and are as at be by do does did for from has have in is it its of on or so that the their then
    this to was were which with will would can could should
    """
)
# Words that negate what follows; ``non`` and ``sans`` too, so that a phrasing
# such as "non linéaire" or "sans biais" asks for a negation in the answer.
_NEGATIONS = _wordset(
    "ne n pas aucun aucune jamais non sans rien ni nullement guere not no never without cannot nor none"
)
_NEGATION_REACH = 2  # content words that may stand between a negation and what it negates
_SENTENCE_BREAKS = frozenset(".;!?")
_CLAUSE_BREAKS = _wordset(
    ", : ( ) [ ] car donc mais parce puisque puisqu alors cependant sinon tandis pourtant because but since"
)
_DETERMINERS = _wordset(
    "le les un des du au ce ces son ses mon mes ton tes notre nos votre vos leur leurs quelques plusieurs "
    "petit petits grand grands gros premier premiers chaque"
)
_EXCEPTIONS = {"noyaux": "noyau", "tuyaux": "tuyau", "joyaux": "joyau"}
_FIXED_PREFIXES = ("biais",)  # stems snowball would cut too short ("biais" -> "bi")
_ELISION = re.compile(r"[’'ʼ`]")
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*|[.;!?](?=\s|$)|[,:()\[\]\n]")
_ABBREVIATION = re.compile(r"\b(?:[a-z]\.){2,}")  # e.g. i.e. w.r.t. do not end a sentence
_STEMMER = snowballstemmer.stemmer("french")

# Confidence levels.
_SURE = 0.95  # an exact match, close together, or nothing close to the idea
_FUZZY = 0.7  # a stem matched only through a typo
_LOOSE = 0.65  # every stem present in one sentence, but scattered
_DOUBT = 0.6  # a near miss, a negation nearby, or an idea and its opposite both present
_OFF_LENGTH = 0.7  # the most a very short or very long answer gets
_SHORT_WORDS, _LONG_WORDS = 3, 150


@dataclass(frozen=True)
class IdeaDecision:
    """One rubric idea: the points it earned and how sure the matcher is.

    ``matched`` names the phrasing behind the decision: the one that earned the
    idea, or, for an idea not earned, ``unless: …``, ``negated: …`` or
    ``partial: …``; it is empty when nothing came close.
    """

    idea: str
    points: float
    max_points: float
    matched: str
    confidence: float


@dataclass(frozen=True)
class ShortDecision:
    """A graded short answer; ``confidence`` is the lowest of its ideas'."""

    score: float
    max_score: float
    confidence: float
    ideas: tuple[IdeaDecision, ...]


@dataclass(frozen=True)
class _Text:
    """An answer or a phrasing, word by word."""

    words: tuple[str, ...]
    stems: tuple[str | None, ...]  # None for stop words, negations and punctuation
    pairs: tuple[str | None, ...]  # stem of word i joined to word i+1 ("auto" + "encodeur")
    rank: tuple[int, ...]  # how many content words come before word i
    sentence: tuple[int, ...]
    clause: tuple[int, ...]
    negations: tuple[int, ...]  # positions of the words that negate


@dataclass(frozen=True)
class _Match:
    found: frozenset[str]  # the phrasing's stems found in the answer
    total: int
    fuzzy: bool
    start: int  # first and last matched word
    end: int
    tight: bool  # in one sentence, with few other content words in between
    same_sentence: bool
    negated: bool


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("œ", "oe").replace("æ", "ae"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _strip_plural(stem: str) -> str:
    """Final e's, then one final s (not a double one), that snowball leaves after accent removal."""
    while len(stem) > 3 and stem[-1] == "e":
        stem = stem[:-1]
    if len(stem) > 3 and stem[-1] == "s" and stem[-2] != "s":
        stem = stem[:-1]
    return stem


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    """Snowball's French stem, then the endings it leaves on accentless or irregular words."""
    if not word.isalpha():
        return word
    if word.startswith(_FIXED_PREFIXES):
        return next(p for p in _FIXED_PREFIXES if word.startswith(p))
    if len(word) > 6 and word.endswith("ly"):  # English adverbs: linearly
        word = word[:-2]
    elif len(word) > 6 and word.endswith("ing"):  # English gerunds: overfitting, pooling
        word = word[:-4] if word[-4] == word[-5] else word[:-3]
    elif len(word) > 3 and word[-1] == "s" and word[-2] != "s":  # plurals snowball keeps: layers
        word = word[:-1]
    stem: str = _STEMMER.stemWord(_EXCEPTIONS.get(word, word))
    if len(stem) > 5 and stem.endswith("ient"):  # devient, deviennent
        stem = stem[:-1]
    elif len(stem) > 5 and stem.endswith("ent"):  # apprennent, separent (3rd person plural)
        stem = stem[:-3]
    stem = _strip_plural(stem)  # vrais, cachee -> cache
    if len(stem) > 4 and stem[-1] == "r" and stem[-2] not in "aeiouy":  # apprendr(e), mettr(e)
        stem = stem[:-1]
    if len(stem) > 6 and stem.endswith("ait"):  # disparait(re)
        stem = stem[:-3]
    if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "aeiouy":  # apprenn, disparaiss
        stem = stem[:-1]
    if len(stem) > 6 and stem.endswith("ais"):  # disparais(sent)
        stem = stem[:-3]
    if len(stem) > 4 and stem.endswith(("uir", "uit", "end")):  # reduire, apprend
        stem = stem[:-1]
    return stem


def _words(text: str) -> list[str]:
    """Lowercase accentless words and punctuation marks; hyphens join, except after ``non``."""
    plain = _strip_accents(text)
    plain = re.sub(r"n[’'ʼ`]t\b", " not", plain)  # doesn't, can't
    plain = _ELISION.sub(" ", plain)
    plain = _ABBREVIATION.sub(lambda m: m.group(0).replace(".", ""), plain)
    words: list[str] = []
    for token in _TOKEN.findall(plain):
        parts = token.split("-")
        if parts[0] == "non" and len(parts) > 1:
            words += ["non", "".join(parts[1:])]
        else:
            words.append("".join(parts))
    return words


def _negates(words: list[str], i: int) -> bool:
    """Whether ``words[i]`` negates: not ``ne … que`` (only), not the noun ``pas`` (a step)."""
    word = words[i]
    if word not in _NEGATIONS:
        return False
    if word == "pas" and i > 0 and words[i - 1] in _DETERMINERS:
        return False
    if word in ("ne", "n"):
        for later in words[i + 1 : i + 4]:
            if later in ("que", "qu"):
                return False
            if later in _NEGATIONS:
                break
    return True


def _analyse(text: str) -> _Text:
    words = _words(text)
    negations = tuple(i for i in range(len(words)) if _negates(words, i))
    stems: list[str | None] = []
    rank: list[int] = []
    sentence: list[int] = []
    clause: list[int] = []
    count = sentences = clauses = 0
    for i, word in enumerate(words):
        if word in _SENTENCE_BREAKS or word == "\n":
            sentences += 1
            clauses += 1
        elif word in _CLAUSE_BREAKS:
            clauses += 1
        sentence.append(sentences)
        clause.append(clauses)
        rank.append(count)
        content = (
            word.isalnum() and word not in _STOP_WORDS and (word not in _NEGATIONS or i not in negations)
        )
        stems.append(_stem(word) if content else None)
        count += content
    pairs: list[str | None] = [
        _stem(a + b) if a.isalpha() and b.isalpha() else None for a, b in pairwise(words)
    ]
    pairs.append(None)
    return _Text(
        tuple(words), tuple(stems), tuple(pairs), tuple(rank), tuple(sentence), tuple(clause), negations
    )


def normalise(text: str) -> list[str]:
    """The content stems of ``text``, in order: no accents, case, elisions, stop words or punctuation."""
    return [stem for stem in _analyse(text).stems if stem is not None]


def _distance(a: str, b: str, limit: int) -> int:
    """Edit distance counting a transposition as one edit; anything above ``limit`` is ``limit + 1``."""
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def _squeeze(word: str) -> str:
    """The word with doubled letters written once: "rappel" and "rapel" meet."""
    return re.sub(r"(.)\1+", r"\1", word)


@lru_cache(maxsize=65536)
def _close(a: str, b: str, shortest: int = 5) -> bool:
    """A typo apart: same first two letters, and doubled letters aside or one edit apart
    (two from 12 letters); words shorter than ``shortest`` must be spelt right."""
    if a == b or min(len(a), len(b)) < shortest or a[:2] != b[:2]:
        return False
    if _squeeze(a) == _squeeze(b):
        return True
    limit = 2 if min(len(a), len(b)) >= 12 else 1
    return abs(len(a) - len(b)) <= limit and _distance(a, b, limit) <= limit


_Occurrence = tuple[int, int, bool]  # first word, last word, through a typo


def _occurrences(stem: str, word: str, answer: _Text) -> list[_Occurrence]:
    """Where a phrasing's ``stem`` (from ``word``) occurs in the answer."""
    found: list[_Occurrence] = []
    for i, (single, pair) in enumerate(zip(answer.stems, answer.pairs, strict=True)):
        if single == stem or pair == stem:
            found.append((i, i if single == stem else i + 1, False))
        elif single is not None and (_close(stem, single) or _close(word, answer.words[i], 6)):
            found.append((i, i, True))
        elif pair is not None and _close(stem, pair, 8):
            found.append((i, i + 1, True))
    return found


def _negated(answer: _Text, start: int, end: int) -> bool:
    """A negation among the matched words, or just before them in the same clause."""
    for n in answer.negations:
        if start < n < end:
            return True
        same_clause = n < start and answer.clause[n] == answer.clause[start]
        if same_clause and answer.rank[start] - answer.rank[n] <= _NEGATION_REACH:
            return True
    return False


def _nearest(occurrences: list[_Occurrence], anchor: _Occurrence) -> _Occurrence:
    return min(occurrences, key=lambda o: (abs(o[0] - anchor[0]), o[2]))


def _match(phrasing: _Text, answer: _Text) -> _Match | None:
    """The best way the phrasing's stems occur in the answer; None if none of them does.

    Best is, in this order: with the phrasing's polarity, in one sentence, without
    typos, over the fewest words.
    """
    needed = {
        stem: word for stem, word in zip(phrasing.stems, phrasing.words, strict=True) if stem is not None
    }
    located = {stem: _occurrences(stem, word, answer) for stem, word in needed.items()}
    where = [w for w in located.values() if w]
    if not where:
        return None
    negative = bool(phrasing.negations)
    best: tuple[int, int, int, int, int, int] | None = None  # (polarity, sentence, typos, spread, start, end)
    for anchor in (o for w in where for o in w):
        chosen = [_nearest(w, anchor) for w in where]
        first, last = min(o[0] for o in chosen), max(o[1] for o in chosen)
        key = (
            int(_negated(answer, first, last) != negative),
            int(answer.sentence[first] != answer.sentence[last]),
            sum(o[2] for o in chosen),
            answer.rank[last] - answer.rank[first] + 1,
            first,
            last,
        )
        if best is None or key < best:
            best = key
    assert best is not None
    wrong, split, typos, spread, start, end = best
    return _Match(
        found=frozenset(stem for stem, w in located.items() if w),
        total=len(needed),
        fuzzy=typos > 0,
        start=start,
        end=end,
        tight=not split and spread <= len(needed) + 3,
        same_sentence=not split,
        negated=bool(wrong) != negative,
    )


@lru_cache(maxsize=8192)
def _phrasing(text: str) -> _Text:
    return _analyse(text)


def _complete(text: str, answer: _Text) -> _Match | None:
    """The match of a phrasing when all its stems occur in one sentence, with its polarity."""
    phrasing = _phrasing(text)
    match = _match(phrasing, answer)
    if match is None or len(match.found) < match.total or not match.same_sentence:
        return None
    return match if bool(phrasing.negations) == match.negated else None


def _decide(idea: KeyIdea, answer: _Text, prompt: frozenset[str], off_length: bool) -> IdeaDecision:
    """Earned or not, and how sure, for one idea; words of the ``prompt`` found alone make no near miss."""
    earned: tuple[float, str] | None = None  # (confidence, phrasing)
    doubt = ""  # why an idea not earned is uncertain
    for text in idea.phrasings:
        match = _match(_phrasing(text), answer)
        if match is None:
            continue
        if len(match.found) < match.total or not match.same_sentence:
            found = len(match.found)
            near = match.total >= 2 and found >= max(match.total - 1, match.total / 2)
            if near and match.found - prompt and not doubt:
                doubt = f"partial: {text}"
            continue
        if bool(_phrasing(text).negations) != match.negated:
            doubt = f"negated: {text}"
            continue
        confidence = _SURE if match.tight else _LOOSE
        if match.fuzzy:
            confidence = min(confidence, _FUZZY)
        if earned is None or confidence > earned[0]:
            earned = (confidence, text)
    cap = _OFF_LENGTH if off_length else 1.0
    for text in idea.unless:
        opposite = _complete(text, answer)
        if opposite is None:
            continue
        if opposite.tight:
            sure = 0.9 if earned is None and not doubt.startswith("negated") else _DOUBT
            return IdeaDecision(idea.idea, 0.0, idea.points, f"unless: {text}", min(cap, sure))
        if earned is not None:
            earned = (min(earned[0], _DOUBT), earned[1])
    if earned is not None:
        return IdeaDecision(idea.idea, idea.points, idea.points, earned[1], min(cap, earned[0]))
    return IdeaDecision(idea.idea, 0.0, idea.points, doubt, min(cap, _DOUBT if doubt else _SURE))


@lru_cache(maxsize=1024)
def _prompt_stems(prompt: str) -> frozenset[str]:
    return frozenset(normalise(prompt))


def grade_short(question: ShortAnswer, answer: str) -> ShortDecision:
    """Grade ``answer`` against the question's rubric; an empty answer scores 0 for sure."""
    if not answer.strip():
        ideas = tuple(IdeaDecision(k.idea, 0.0, k.points, "", 1.0) for k in question.rubric)
        return ShortDecision(0.0, question.points, 1.0, ideas)
    text = _analyse(answer)
    content = sum(stem is not None for stem in text.stems)
    off_length = content < _SHORT_WORDS or content > _LONG_WORDS
    prompt = _prompt_stems(question.prompt)
    ideas = tuple(_decide(idea, text, prompt, off_length) for idea in question.rubric)
    return ShortDecision(
        score=sum(d.points for d in ideas),
        max_score=question.points,
        confidence=min(d.confidence for d in ideas),
        ideas=ideas,
    )
