"""The trust boundary and the layers, enforced on the source: a forbidden import fails here.

Layers go one way, each importing only from its own layer and those below:

    commands (Typer)            commands.*
    service                     service.* (the web front: accounts, hand-in, receipts, pages, API)
    course, reports, exam       course.* (check, validate, demo, release, gradescope), notebook,
                                reports.* (feedback, gradebook, Moodle, summary, similarity), exam.*
    cluster                     cluster.* (the job queue, workers, reaper, coordinator)
    cohort                      cohort.* (intake, batch, stores, late policy, adjustments)
    judge                       judge.* (submission reading, source rules, the remote student,
                                the pytest plugin, the engine for one submission), grader
    sandbox                     sandbox.* (one module per backend, the warm start, images)
    base                        errors, models, statuses, messages, paths, identity, display, magics,
                                wire.*

and the runner (untrusted: it runs in the sandbox) imports only the protocol (``wire``),
the standard library, NumPy and PyTorch; ``wire`` imports nothing else of tpgrade.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cli" / "tpgrade"
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        (
            "tpgrade",
            "errors",
            "models",
            "statuses",
            "messages",
            "paths",
            "identity",
            "display",
            "magics",
            "wire",
        ),
    ),
    ("runner", ("runner",)),
    ("sandbox", ("sandbox",)),
    ("judge", ("judge", "grader")),
    ("cohort", ("cohort",)),
    ("cluster", ("cluster",)),
    ("course, reports, exam", ("course", "notebook", "reports", "exam")),
    ("service", ("service",)),
    ("commands", ("commands", "__main__")),
]
RANK = {top: rank for rank, (_, tops) in enumerate(LAYERS) for top in tops}
RUNNER_MAY_IMPORT = frozenset(sys.stdlib_module_names) | {"numpy", "torch", "tpgrade"}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found[".".join(("tpgrade", *parts)).removesuffix(".__init__")] = path
    return found


def top(module: str) -> str:
    """``tpgrade.sandbox.docker`` -> ``sandbox``; ``tpgrade`` -> ``tpgrade``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def imports(path: Path, module: str) -> list[str]:
    """Every module ``path`` imports (relative imports resolved), the lazy ones in functions too."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append(base)
            if base == "tpgrade":  # from tpgrade import paths
                found += [f"tpgrade.{alias.name}" for alias in node.names if alias.name != "__version__"]
    return found


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(m for m in modules() if top(m) not in RANK)
    assert unplaced == [], f"place these modules in a layer of {__name__}: {unplaced}"


def test_layers_import_only_downwards() -> None:
    wrong = []
    for module, path in modules().items():
        for imported in imports(path, module):
            if imported.startswith("tpgrade") and RANK.get(top(imported), -1) > RANK[top(module)]:
                wrong.append(f"{module} ({LAYERS[RANK[top(module)]][0]}) imports {imported}")
    assert wrong == []


def test_the_runner_imports_only_the_protocol_the_standard_library_numpy_and_torch() -> None:
    wrong = []
    for module, path in modules().items():
        if top(module) not in ("runner", "wire"):
            continue
        for imported in imports(path, module):
            allowed = ("tpgrade.wire",) if top(module) == "wire" else ("tpgrade.wire", "tpgrade.runner")
            outside = imported.startswith("tpgrade") and not imported.startswith(allowed)
            if outside or imported.split(".")[0] not in RUNNER_MAY_IMPORT:
                wrong.append(f"{module} imports {imported}")
    assert wrong == []


def test_nothing_imports_the_commands() -> None:
    commands = set(LAYERS[-1][1])
    wrong = [
        f"{module} imports {imported}"
        for module, path in modules().items()
        if top(module) not in commands
        for imported in imports(path, module)
        if imported.startswith("tpgrade.") and top(imported) in commands
    ]
    assert wrong == []


def test_a_forbidden_import_is_seen(tmp_path: Path) -> None:
    """The checker itself: an import of the judge from the runner, and a lazy one, are found."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import os\n\ndef f():\n    from tpgrade.judge.plugin import run_graders\n", encoding="utf-8"
    )
    assert "tpgrade.judge.plugin" in imports(probe, "tpgrade.runner.probe")
    relative = tmp_path / "relative.py"
    relative.write_text("from ..judge.engine import grade_file\n", encoding="utf-8")
    assert "tpgrade.judge.engine" in imports(relative, "tpgrade.runner.relative")
