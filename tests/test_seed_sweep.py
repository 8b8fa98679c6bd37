"""``bench/seed_sweep.py`` measures what it claims: correct code passes, a wrong variant is caught."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from tpgrade import paths

ROOT = Path(__file__).resolve().parents[1]


def sweep_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("seed_sweep", ROOT / "bench" / "seed_sweep.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["seed_sweep"] = module  # its worker processes import it by name
    spec.loader.exec_module(module)
    return module


def test_the_sweep_passes_correct_code_and_catches_a_mutant_on_every_seed() -> None:
    sweep = sweep_module()
    implementations = {name: (source, changed) for name, source, changed in sweep.implementations("day5")}
    assert {"reference", "alt_correct", "reference + fit_temperature_golden"} <= set(implementations)
    for name in ("reference", "reference + auroc_trapezoid"):
        source, changed = implementations[name]
        assert sweep.sweep(("day5", name, source, "cheap", range(3), changed)).failures == {}
    mutant = paths.mutants_dir("day5") / "auroc__classes_swapped.py"
    wrong = implementations["reference"][0] + "\n\n" + mutant.read_text(encoding="utf-8")
    assert sweep.sweep(("day5", "mutant", wrong, "cheap", range(3), None)).failures == {"auroc": [0, 1, 2]}


def test_a_seed_variant_is_swept_only_on_what_it_defines() -> None:
    sweep = sweep_module()
    assert sweep.defined_names("import math\n\ndef auroc(s, y):\n    pass\n\nclass Net:\n    pass\n") == {
        "auroc",
        "Net",
    }
    variants = {name: changed for name, _, changed in sweep.implementations("day1") if changed is not None}
    assert variants, "day1 has seed variants"
    assert all(changed for changed in variants.values())
    # Whole implementations are swept on every grader.
    assert dict((name, changed) for name, _, changed in sweep.implementations("day1"))["reference"] is None


def test_every_training_grader_named_in_the_sweep_exists() -> None:
    sweep = sweep_module()
    for day, files in sweep.TRAINING.items():
        for name in files:
            assert (paths.graders_dir(day) / name).is_file(), (day, name)
