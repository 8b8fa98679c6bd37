"""Item analysis of the written exam: statistics against scipy and hand-computed cases, flags, plot, table."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as scipy_stats

from tpgrade.exam.items import ItemResponses, ItemStats, analyse, items_table_html, plot_items

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _cohort(
    matrix: np.ndarray, max_points: list[float] | None = None
) -> tuple[list[ItemResponses], dict[str, float]]:
    """Items from a students × items matrix of points; every student gets every item."""
    n_students, n_items = matrix.shape
    tops = max_points or [1.0] * n_items
    students = [f"s{i:03d}" for i in range(n_students)]
    items = [
        ItemResponses(f"q{j}", tops[j], {s: float(matrix[i, j]) for i, s in enumerate(students)})
        for j in range(n_items)
    ]
    totals = {s: float(matrix[i].sum() / sum(tops)) for i, s in enumerate(students)}
    return items, totals


def _by_question(stats: list[ItemStats]) -> dict[str, ItemStats]:
    return {s.question: s for s in stats}


def test_difficulty_is_the_mean_fraction_of_the_maximum() -> None:
    item = ItemResponses("q", 2.0, {"a": 2.0, "b": 1.0, "c": 0.0, "d": 2.0})
    other = ItemResponses("r", 1.0, {"a": 1.0, "b": 0.0, "c": 1.0, "d": 0.5})
    totals = {"a": 1.0, "b": 1 / 3, "c": 1 / 3, "d": 2.5 / 3}
    stats = _by_question(analyse([item, other], totals))
    assert stats["q"].difficulty == pytest.approx((1 + 0.5 + 0 + 1) / 4)
    assert stats["r"].difficulty == pytest.approx((1 + 0 + 1 + 0.5) / 4)
    assert stats["q"].n == stats["r"].n == 4


def test_point_biserial_matches_scipy_on_a_binary_item() -> None:
    rng = np.random.default_rng(7)
    matrix = (rng.random((40, 6)) < np.linspace(0.3, 0.8, 40)[:, None]).astype(float)
    items, totals = _cohort(matrix)
    stats = _by_question(analyse(items, totals))
    for j in range(6):
        rest = np.delete(matrix, j, axis=1).sum(axis=1)
        expected = scipy_stats.pointbiserialr(matrix[:, j].astype(bool), rest).statistic
        assert stats[f"q{j}"].point_biserial == pytest.approx(expected, abs=1e-10)


def test_point_biserial_is_corrected_not_the_raw_item_total_correlation() -> None:
    rng = np.random.default_rng(11)
    matrix = (rng.random((30, 4)) < 0.5).astype(float)
    items, totals = _cohort(matrix)
    r = _by_question(analyse(items, totals))["q0"].point_biserial
    uncorrected = scipy_stats.pearsonr(matrix[:, 0], matrix.sum(axis=1)).statistic
    corrected = scipy_stats.pearsonr(matrix[:, 0], matrix[:, 1:].sum(axis=1)).statistic
    assert r == pytest.approx(corrected, abs=1e-10)
    assert abs(r - uncorrected) > 0.05


def test_point_biserial_with_partial_credit_and_different_papers_matches_pearsonr() -> None:
    rng = np.random.default_rng(3)
    n = 25
    students = [f"s{i:02d}" for i in range(n)]
    tops = [2.0, 1.0, 3.0, 1.5]
    has = rng.random((n, 4)) < 0.8
    has[:, 0] = True
    has[:, 1] = True
    points = rng.integers(0, 5, size=(n, 4)) / 4 * np.array(tops)
    items = [
        ItemResponses(f"q{j}", tops[j], {s: float(points[i, j]) for i, s in enumerate(students) if has[i, j]})
        for j in range(4)
    ]
    paper = (has * np.array(tops)).sum(axis=1)
    totals = {s: float((points[i] * has[i]).sum() / paper[i]) for i, s in enumerate(students)}
    stats = _by_question(analyse(items, totals))
    rest = ((points * has).sum(axis=1) - points[:, 0]) / (paper - tops[0])
    expected = scipy_stats.pearsonr(points[:, 0] / tops[0], rest).statistic
    assert stats["q0"].point_biserial == pytest.approx(expected, abs=1e-10)
    answered = has[:, 2]
    rest2 = ((points * has).sum(axis=1) - points[:, 2]) / (paper - tops[2])
    expected2 = scipy_stats.pearsonr(points[answered, 2] / tops[2], rest2[answered]).statistic
    assert stats["q2"].n == int(answered.sum()) < n
    assert stats["q2"].point_biserial == pytest.approx(expected2, abs=1e-10)


def test_discrimination_compares_top_and_bottom_27_percent_by_total() -> None:
    # 11 students: round(0.27 × 11) = 3 in each group.
    totals = {f"s{i:02d}": i / 10 for i in range(11)}
    item_points = {
        "s00": 1.0,
        "s01": 0.0,
        "s02": 0.0,  # bottom three: mean 1/3
        "s03": 1.0,
        "s04": 1.0,
        "s05": 1.0,
        "s06": 1.0,
        "s07": 1.0,  # middle: ignored
        "s08": 0.0,
        "s09": 1.0,
        "s10": 1.0,  # top three: mean 2/3
    }
    item = ItemResponses("q", 1.0, item_points)
    (stat,) = analyse([item], totals)
    assert stat.discrimination == pytest.approx(2 / 3 - 1 / 3)


def test_discrimination_on_a_hundred_students_uses_27_in_each_group() -> None:
    totals = {f"s{i:03d}": i / 99 for i in range(100)}
    points = {s: (1.0 if i >= 73 or i < 27 else 0.0) for i, s in enumerate(totals)}
    points["s026"] = 0.0
    (stat,) = analyse([ItemResponses("q", 1.0, points)], totals)
    assert stat.discrimination == pytest.approx(1 - 26 / 27)


def test_simulated_cohort_ranks_the_ambiguous_item_last_and_flags_it() -> None:
    rng = np.random.default_rng(2024)
    n, k = 60, 15
    ability = rng.normal(size=n)
    slope = rng.uniform(1.0, 2.5, size=k)
    location = rng.uniform(-1.2, 1.2, size=k)
    p_right = 1 / (1 + np.exp(-slope * (ability[:, None] - location)))
    answers = (rng.random((n, k)) < p_right).astype(float)
    ambiguous = (rng.random(n) < np.clip(0.5 - 0.1 * ability, 0.05, 0.95)).astype(float)
    matrix = np.column_stack([answers, ambiguous])
    items, totals = _cohort(matrix)
    items[-1] = ItemResponses("ambigu", 1.0, items[-1].scores)
    stats = analyse(items, totals)
    assert [s.question for s in stats].index("ambigu") == 0
    worst = stats[0]
    assert any("discrimine mal" in f or "discrimination négative" in f for f in worst.flags)
    assert all(s.point_biserial > worst.point_biserial for s in stats[1:])
    assert sum(s.point_biserial > 0.2 for s in stats[1:]) >= 12
    assert [s.point_biserial for s in stats] == sorted(s.point_biserial for s in stats)


def test_distractor_counts_in_option_order_with_empty_answers() -> None:
    choices = {
        "a": ("b",),
        "b": ("b",),
        "c": ("a",),
        "d": (),
        "e": ("b",),
        "f": (),
        "g": ("d",),
        "ghost": ("a",),  # absent from totals: not counted
    }
    scores = {s: (1.0 if c == ("b",) else 0.0) for s, c in choices.items()}
    totals = {s: 0.5 for s in choices if s != "ghost"}
    item = ItemResponses("q", 1.0, scores, choices, options=("a", "b", "c", "d"), correct=("b",))
    (stat,) = analyse([item], totals)
    assert stat.distractors == {"a": 1, "b": 3, "c": 0, "d": 1, "(vide)": 2}
    assert list(stat.distractors) == ["a", "b", "c", "d", "(vide)"]
    assert stat.n == 7
    assert "distracteur jamais choisi : c" in stat.flags
    assert not any("jamais choisi : a" in f or "jamais choisi : d" in f for f in stat.flags)


def test_a_distractor_more_popular_than_the_key_is_flagged() -> None:
    choices: dict[str, tuple[str, ...]] = {"a": ("a",), "b": ("a",), "c": ("a",), "d": ("b",)}
    scores = {s: (1.0 if c == ("b",) else 0.0) for s, c in choices.items()}
    item = ItemResponses("q", 1.0, scores, choices, options=("a", "b", "c"), correct=("b",))
    (stat,) = analyse([item], dict.fromkeys(choices, 0.5))
    assert "distracteur plus choisi que la bonne réponse : a" in stat.flags


def test_a_wrong_key_gives_negative_discrimination_and_a_flag() -> None:
    rng = np.random.default_rng(5)
    ability = np.sort(rng.normal(size=40))
    good = (rng.random((40, 8)) < 1 / (1 + np.exp(-2 * ability[:, None]))).astype(float)
    wrong_key = (ability < 0).astype(float)
    items, totals = _cohort(np.column_stack([good, wrong_key]))
    stat = _by_question(analyse(items, totals))["q8"]
    assert stat.point_biserial < 0
    assert stat.discrimination < 0
    assert "discrimination négative : vérifier la clé" in stat.flags


def test_easy_and_hard_items_are_flagged() -> None:
    students = [f"s{i:02d}" for i in range(20)]
    totals = {s: i / 19 for i, s in enumerate(students)}
    easy = ItemResponses("easy", 1.0, {s: (0.0 if i == 0 else 1.0) for i, s in enumerate(students)})
    hard = ItemResponses("hard", 1.0, {s: (1.0 if i >= 17 else 0.0) for i, s in enumerate(students)})
    middle = ItemResponses("middle", 1.0, {s: (1.0 if i >= 10 else 0.0) for i, s in enumerate(students)})
    stats = _by_question(analyse([easy, hard, middle], totals))
    assert "trop facile (p > 0,9)" in stats["easy"].flags
    assert "trop difficile (p < 0,2)" in stats["hard"].flags
    assert not any("trop" in f for f in stats["middle"].flags)


def test_constant_scores_give_nan_sorted_last_without_crashing() -> None:
    rng = np.random.default_rng(1)
    matrix = (rng.random((15, 3)) < 0.5).astype(float)
    matrix[:, 1] = 1.0
    items, totals = _cohort(matrix)
    stats = analyse(items, totals)
    assert stats[-1].question == "q1"
    assert math.isnan(stats[-1].point_biserial)
    assert stats[-1].difficulty == 1.0
    assert stats[-1].discrimination == 0.0
    assert "r non défini (scores constants)" in stats[-1].flags
    assert not any(math.isnan(s.point_biserial) for s in stats[:-1])


def test_constant_rest_score_gives_nan() -> None:
    item = ItemResponses("q", 1.0, {"a": 1.0, "b": 0.0, "c": 1.0})
    other = ItemResponses("r", 1.0, {"a": 1.0, "b": 1.0, "c": 1.0})
    stats = _by_question(analyse([item, other], {"a": 1.0, "b": 0.5, "c": 1.0}))
    assert math.isnan(stats["q"].point_biserial)
    assert stats["q"].discrimination == pytest.approx(1.0)


def test_fewer_than_two_students() -> None:
    item = ItemResponses("q", 1.0, {"a": 1.0})
    other = ItemResponses("r", 1.0, {"a": 0.0})
    stats = analyse([item, other], {"a": 0.5})
    assert [s.n for s in stats] == [1, 1]
    for s in stats:
        assert math.isnan(s.point_biserial)
        assert math.isnan(s.discrimination)
        assert "trop peu de réponses (n = 1)" in s.flags
    (empty,) = analyse([ItemResponses("z", 1.0, {})], {})
    assert empty.n == 0
    assert math.isnan(empty.difficulty)
    assert empty.flags == ("aucune réponse",)


def test_students_absent_from_totals_are_skipped() -> None:
    item = ItemResponses("q", 1.0, {"a": 1.0, "b": 0.0, "c": 0.0, "x": 0.0})
    (stat,) = analyse([item], {"a": 0.9, "b": 0.1, "c": 0.2})
    assert stat.n == 3
    assert stat.difficulty == pytest.approx(1 / 3)


def test_invalid_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="outside"):
        ItemResponses("q", 1.0, {"a": 1.5})
    with pytest.raises(ValueError, match="max_points"):
        ItemResponses("q", 0.0, {})
    with pytest.raises(ValueError, match="unknown choices"):
        ItemResponses("q", 1.0, {"a": 0.0}, {"a": ("z",)}, options=("a", "b"), correct=("a",))
    with pytest.raises(ValueError, match="share"):
        analyse([ItemResponses("q", 1.0, {}), ItemResponses("q", 1.0, {})], {})


def test_plot_is_written_as_png(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    matrix = (rng.random((20, 5)) < 0.6).astype(float)
    matrix[:, 4] = 1.0  # nan point-biserial: left out of the scatter
    items, totals = _cohort(matrix)
    target = tmp_path / "out" / "items.png"
    written = plot_items(analyse(items, totals), target)
    assert written == target
    assert target.read_bytes()[:8] == PNG_MAGIC
    assert target.stat().st_size > 5000


def test_plot_with_no_items(tmp_path: Path) -> None:
    target = plot_items([], tmp_path / "empty.png")
    assert target.read_bytes()[:8] == PNG_MAGIC


def test_html_table_escapes_and_has_french_headers() -> None:
    item = ItemResponses(
        "q<script>&",
        1.0,
        {"a": 1.0, "b": 0.0, "c": 0.5},
        {"a": ("a",), "b": (), "c": ("a", "b")},
        options=("a", "b"),
        correct=("a",),
    )
    stats = analyse(
        [item, ItemResponses("r", 1.0, {"a": 1.0, "b": 0.0, "c": 1.0})], {"a": 1.0, "b": 0.0, "c": 0.75}
    )
    table = items_table_html(stats)
    assert table.startswith("<table>") and table.endswith("</table>")
    assert "q&lt;script&gt;&amp;" in table
    assert "<script>" not in table
    for header in (
        "Question",
        "n",
        "Difficulté",
        "Discrimination",
        "r point-bisérial",
        "Distracteurs",
        "Alertes",
    ):
        assert f"<th>{header}</th>" in table
    assert "(vide) : 1" in table
    assert "0,50" in table
    assert table.count("<tr>") == 3
