"""The judge's memory and time per submission when the runner's channel is hostile.

Each case is the Day 2 reference with one attack of the security suite
(``tests/hostile_attacks.py``) that writes on the answer channel: a flood of
forged events, a 40 MB line, three million tiny values. Each is graded in a
fresh judge process, which reports its peak resident memory above what it
held once ready (imports and graders loaded) and its wall time. Target: under
300 MB per judge whatever the runner sends.

    python bench/hostile_channel.py [--sandbox process|docker] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
CASES = (
    "control",
    "channel_flood_at_load",
    "channel_flood_during_a_call",
    "channel_huge_line",
    "channel_largest_line_accepted",
    "channel_many_small_values",
    "channel_forged_answers",
)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def grade_one(case: str, sandbox_name: str, folder: Path) -> dict[str, float | str]:
    """Grade one case in this process; the figures as a dict."""
    sys.path.insert(0, str(TESTS))
    from hostile_attacks import ATTACKS, SPLIT_MARKER

    from tpgrade import paths
    from tpgrade.judge.engine import GradingConfig, grade_file, grader_version
    from tpgrade.sandbox import choose_sandbox

    sandbox = choose_sandbox(sandbox_name, [paths.course_root(), folder], allow_none=False)[0]
    reference = paths.reference_file("day2").read_text(encoding="utf-8")
    if case == "control":
        text = reference
    else:
        attack = ATTACKS[case]
        head, marker, tail = reference.partition(SPLIT_MARKER)
        text = head + "\n" + attack.code + marker + tail if attack.at_load else reference + "\n" + attack.code
    submission = folder / f"{case}.py"
    submission.write_text(text, encoding="utf-8")
    config = GradingConfig(
        day="day2",
        tests_dir=paths.graders_dir("day2"),
        sandbox=sandbox,
        grader_version=grader_version("day2"),
        cell_timeout=5.0,
        seed=1234,
    )
    warm = folder / "warm.py"
    warm.write_text(reference, encoding="utf-8")
    grade_file(warm, config)  # the graders imported, the warm runner started
    ready = peak_mb()
    started = time.monotonic()
    result = grade_file(submission, config)
    wall = time.monotonic() - started
    sandbox.close()
    return {
        "case": case,
        "score": f"{result.score:g}/{result.max_score:g}",
        "ready_mb": round(ready, 1),
        "extra_mb": round(peak_mb() - ready, 1),
        "wall_s": round(wall, 2),
        "stored_kb": round(len(result.model_dump_json()) / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", default="process", choices=("process", "docker"))
    parser.add_argument("--repeat", type=int, default=1, help="runs per case (the worst is shown)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: grade one case, print JSON
    args = parser.parse_args()
    if args.one:
        with tempfile.TemporaryDirectory() as folder:
            print(json.dumps(grade_one(args.one, args.sandbox, Path(folder))))
        return
    print(f"sandbox: {args.sandbox}; each case in a fresh judge process; worst of {args.repeat}")
    print(f"{'case':32} {'score':>8} {'ready MB':>9} {'extra MB':>9} {'wall s':>7} {'stored kB':>10}")
    for case in CASES:
        runs = []
        for _ in range(args.repeat):
            done = subprocess.run(
                [sys.executable, __file__, "--sandbox", args.sandbox, "--one", case],
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        worst = max(runs, key=lambda run: float(run["extra_mb"]))
        print(
            f"{case:32} {worst['score']:>8} {worst['ready_mb']:>9} {worst['extra_mb']:>9} "
            f"{max(float(r['wall_s']) for r in runs):>7} {worst['stored_kb']:>10}"
        )


if __name__ == "__main__":
    main()
