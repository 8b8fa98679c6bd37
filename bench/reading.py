"""Benchmark: the judge's cost of reading one handed-in file, for a control and for worst cases.

Reading (``read_program``: JSON, cell splitting, IPython syntax, the nesting
check) and fingerprinting for ``tpgrade similarity`` run on the judge's side
on untrusted bytes, outside every sandbox limit. Each case is read in a fresh
process; the script prints its wall time, its peak memory (RSS) next to an idle
interpreter (the idle figure: tpgrade imported, nothing read), and whether
it was read or rejected. Run:

    python bench/reading.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tpgrade import paths
from tpgrade.judge.submission import MAX_BYTES, MAX_CELLS, MAX_CODE_BYTES, MAX_JSON_CONTAINERS

CODE_BUDGET = MAX_CODE_BYTES - 1024

CHILD = """
import resource, sys, time
from pathlib import Path
from tpgrade.judge.submission import Rejected, read_program
from tpgrade.reports.similarity import _Base, _fingerprint, _parse_cells
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    _, program = read_program(Path(sys.argv[1]))
    outcome = f"{len(program.cells)} cells"
    if sys.argv[2] == "similarity":
        trees, _ = _parse_cells(program)
        outcome += f", {len(_fingerprint(trees, _Base()))} fingerprints"
except Rejected as rejection:
    outcome = f"rejected: {str(rejection)[:60]}"
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{elapsed:.2f}\\t{base / 1024:.0f}\\t{peak / 1024:.0f}\\t{outcome}")
"""


def notebook(cells: list[str], padding: str = "") -> str:
    body = [{"cell_type": "code", "metadata": {}, "outputs": [], "source": source} for source in cells]
    text = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": body})
    return text[:-1] + padding + "}" if padding else text


def cases() -> dict[str, tuple[str, str]]:
    reference = paths.reference_file("day2").read_text(encoding="utf-8")
    room = MAX_BYTES - 64 * 1024  # what padding may take beside the reference
    return {
        "control: the Day 2 reference (.py)": ("py", reference),
        "control: the Day 2 stub notebook": (
            "ipynb",
            paths.stub_notebook("day2").read_text(encoding="utf-8"),
        ),
        "most code allowed, cheapest statements (.py)": ("py", "x;" * (CODE_BUDGET // 2)),
        "most code allowed, in one cell": ("ipynb", notebook(["f()\n" * (CODE_BUDGET // 4)])),
        "most cells allowed": ("ipynb", notebook(["x = 1\n"] * MAX_CELLS)),
        "20 MB of small JSON objects beside the code": (
            "ipynb",
            notebook([reference], ', "pad": [' + "{}," * (room // 3 - len(reference)) + "{}]"),
        ),
        "the most JSON objects allowed, in 20 MB": (
            "ipynb",
            notebook(
                [reference],
                ', "pad": ['
                + '{"k": 1},' * (MAX_JSON_CONTAINERS - 100)
                + '"'
                + "x" * (room - 9 * MAX_JSON_CONTAINERS)
                + '"]',
            ),
        ),
        "20 MB of short strings": (
            "ipynb",
            notebook([reference], ', "pad": [' + '"ab",' * (room // 5) + '"ab"]'),
        ),
        "20 MB of numbers": ("ipynb", notebook([reference], ', "pad": [' + "0.5," * (room // 4) + "0.5]")),
        "20 MB of JSON nested too deep": ("ipynb", "[" * (room // 2) + "]" * (room // 2)),
        "a cell of shell lines only": ("ipynb", notebook(["!ls\n" * (CODE_BUDGET // 4)])),
        "a cell of one long line of quotes": (
            "ipynb",
            notebook(["x = 1 +\n" + "'''a'''" * (CODE_BUDGET // 8)]),
        ),
        "a long help line (obj.attr...?)": ("ipynb", notebook(["a" + ".a" * (CODE_BUDGET // 2 - 2) + ")?"])),
        "a deep expression in a cell": ("ipynb", notebook(["x = 1", "x = a" + ".b" * 20_000])),
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="tpgrade-bench-reading-") as scratch:
        print(f"{'case':50s} {'step':10s} {'wall s':>7s} {'idle MB':>8s} {'peak MB':>8s}  outcome")
        for number, (name, (suffix, text)) in enumerate(cases().items()):
            path = Path(scratch) / f"case{number}.{suffix}"
            path.write_text(text, encoding="utf-8")
            for step in ("read", "similarity"):
                started = time.perf_counter()
                child = subprocess.run(
                    [sys.executable, "-c", CHILD, str(path), step], capture_output=True, text=True, check=True
                )
                elapsed, idle, peak, outcome = child.stdout.strip().split("\t")
                wall = time.perf_counter() - started
                print(
                    f"{name:50s} {step:10s} {float(elapsed):7.2f} {float(idle):8.0f} {float(peak):8.0f}  {outcome} ({wall:.1f} s with start-up)"
                )
        print(
            f"children's peak RSS overall: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB"
        )


if __name__ == "__main__":
    main()
