"""Grading through the queue: the same grades as the local path, and chaos that loses nothing.

Real processes throughout: a PostgreSQL server of the tests' own, ``tpgrade
worker`` and ``tpgrade grade --database`` as a user starts them. After each
fault, every submission has exactly one result, equal in score and status to
the local path's, and no job is left running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from test_resume import alive, descendants

from tpgrade import paths
from tpgrade.cohort.postgres_store import PostgresStore
from tpgrade.cohort.sqlite_store import SqliteStore
from tpgrade.models import SubmissionResult
from tpgrade.sandbox.process import BubblewrapSandbox

pytestmark = pytest.mark.slow

HEARTBEAT = "1"  # seconds: a worker silent for 3 s has its job given to another


SMALL = ("ref", "mutant0", "crash", "slow0", "slow1", "slow2")  # the chaos tests' cohort


def write_cohort(folder: Path, slow: int = 4, only: tuple[str, ...] = ()) -> list[str]:
    """Day 2 submissions of every kind: right, partly wrong, crashing, hanging, unreadable;
    ``slow`` more right ones that take two seconds to load (a job is then under way for a while).
    With ``only``, just those."""
    reference = paths.reference_file("day2").read_text(encoding="utf-8")
    mutants = sorted(paths.mutants_dir("day2").glob("*.py"))[:3]
    folder.mkdir()
    files = {
        "ref.py": reference,
        "alt.py": (Path(__file__).parent / "fixtures" / "day2" / "alt_correct.py").read_text(
            encoding="utf-8"
        ),
        "crash.py": reference + "\nimport os\nos._exit(3)\n",
        "hang.py": reference + "\ndef softmax(z, axis=-1):\n    while True:\n        pass\n",
        "syntax.py": reference + "\ndef broken(:\n",
        **{f"mutant{i}.py": reference + "\n" + m.read_text(encoding="utf-8") for i, m in enumerate(mutants)},
        **{f"slow{i}.py": f"import time\ntime.sleep(2)\n# {i}\n" + reference for i in range(slow)},
    }
    files["stub.ipynb"] = paths.stub_notebook("day2").read_text(encoding="utf-8")
    kept = {name: text for name, text in files.items() if not only or Path(name).stem in only}
    for name, text in kept.items():
        (folder / name).write_text(text)
    return sorted(Path(name).stem for name in kept)


def tpgrade(*args: str) -> list[str]:
    return [sys.executable, "-m", "tpgrade", *args]


def grade_queued(
    folder: Path, url: str, *extra: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        tpgrade("grade", "day2", str(folder), "--database", url, *extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_grading(folder: Path, url: str, errors: int = subprocess.DEVNULL) -> subprocess.Popen[str]:
    """``tpgrade grade --database`` started, not waited for."""
    command = tpgrade("grade", "day2", str(folder), "--database", url)
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, text=True)


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the commands' default folders land there


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def grading_processes(self) -> list[int]:
        """The worker's grading processes (not its resource tracker)."""
        found = []
        for pid in descendants(self.process.pid):
            try:
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(pid)
            except OSError:
                continue
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Any]:
    """Starts ``tpgrade worker`` processes (each in a session of its own); stops them after."""
    started: list[Worker] = []

    def start(url: str, processes: int = 1) -> Worker:
        log = tmp_path / f"worker{len(started)}.log"
        command = tpgrade(
            "worker",
            "--database",
            url,
            "--processes",
            str(processes),
            "--heartbeat",
            HEARTBEAT,
            "--sandbox",
            "process",
        )
        with log.open("wb") as stream:
            process = subprocess.Popen(
                command, stdout=stream, stderr=subprocess.STDOUT, start_new_session=True
            )
        started.append(Worker(process, log))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture(scope="module")
def local_grades(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SubmissionResult]:
    """The cohort graded by the local path, two workers: what the queue must give."""
    root = tmp_path_factory.mktemp("local")
    write_cohort(root / "cohort")
    store = root / "local.sqlite"
    subprocess.run(
        tpgrade(
            "grade",
            "day2",
            str(root / "cohort"),
            "--store",
            str(store),
            "--workers",
            "2",
            "--sandbox",
            "process",
        ),
        capture_output=True,
        check=True,
        timeout=600,
    )
    opened = SqliteStore(store)
    try:
        return {r.student: r for r in opened.latest("day2")}
    finally:
        opened.close()


@pytest.fixture
def database(database_url: str) -> str:
    subprocess.run(tpgrade("db", "init", "--database", database_url), check=True, capture_output=True)
    return database_url


def stored(url: str) -> dict[str, SubmissionResult]:
    store = PostgresStore(url)
    try:
        return {r.student: r for r in store.latest("day2")}
    finally:
        store.close()


def jobs(url: str, status: str) -> int:
    with psycopg.connect(url, autocommit=True) as db:
        row = db.execute(b"SELECT count(*) FROM procrastinate_jobs WHERE status = %s", (status,)).fetchone()
    return int(row[0]) if row else 0


def results_per_key(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as db:
        row = db.execute(
            b"SELECT max(n) FROM (SELECT count(*) AS n FROM results GROUP BY day, student, submission_hash) k"
        ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def assert_same_grades(got: dict[str, SubmissionResult], want: dict[str, SubmissionResult]) -> None:
    assert sorted(got) == sorted(want)
    for student, result in want.items():
        other = got[student]
        assert (other.status, other.score) == (result.status, result.score), student
        assert {q: (v.status, v.score) for q, v in other.questions.items()} == {
            q: (v.status, v.score) for q, v in result.questions.items()
        }, student


def assert_whole(url: str, want: dict[str, SubmissionResult], students: list[str]) -> None:
    """Exactly one result per submission, the local path's grades, no job left running."""
    assert_same_grades(stored(url), {student: want[student] for student in students})
    assert results_per_key(url) == 1
    assert jobs(url, "doing") == 0 and jobs(url, "todo") == 0


def wait_for(condition: Any, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_two_workers_give_the_local_paths_grades(
    tmp_path: Path, database: str, workers: Any, local_grades: dict[str, SubmissionResult]
) -> None:
    students = write_cohort(tmp_path / "cohort")
    assert sorted(local_grades) == students
    assert len({r.score for r in local_grades.values()}) >= 3  # full marks, partial, zero
    workers(database)
    workers(database)
    graded = grade_queued(tmp_path / "cohort", database)
    assert graded.returncode == 0, graded.stderr
    assert_whole(database, local_grades, students)
    assert f"{len(students)} graded now, 0 already in the store" in " ".join(graded.stdout.split())
    again = grade_queued(tmp_path / "cohort", database)
    assert f"0 graded now, {len(students)} already in the store" in " ".join(again.stdout.split())
    assert jobs(database, "succeeded") == len(students)  # the second run put no job in

    adjusted = subprocess.run(
        tpgrade("adjust", "day2", "ref", "softmax", "0", "--comment", "copie", "--database", database),
        capture_output=True,
        text=True,
        check=False,
    )
    assert adjusted.returncode == 0, adjusted.stderr
    reported = subprocess.run(
        tpgrade("report", "day2", "--database", database, "--out", str(tmp_path / "reports")),
        capture_output=True,
        text=True,
        check=False,
    )
    assert reported.returncode == 0, reported.stderr
    gradebook = (tmp_path / "reports" / "gradebook_day2.csv").read_text(encoding="utf-8")
    assert all(student in gradebook for student in students)
    assert "ajusté par l'enseignant" in (tmp_path / "reports" / "feedback" / "ref.md").read_text(
        encoding="utf-8"
    )
    pairs = tmp_path / "pairs.csv"
    compared = subprocess.run(
        tpgrade("similarity", "day2", "--database", database, "--threshold", "0.9", "--out", str(pairs)),
        capture_output=True,
        text=True,
        check=False,
    )
    assert compared.returncode == 0, compared.stderr
    found = {tuple(line.split(",")[:2]) for line in pairs.read_text(encoding="utf-8").splitlines()[1:]}
    assert ("ref", "slow0") in found and ("alt", "ref") not in found  # the stored files, compared


def test_a_grading_process_killed_mid_job_is_replaced_and_its_job_run_again(
    tmp_path: Path, database: str, workers: Any, local_grades: dict[str, SubmissionResult]
) -> None:
    students = write_cohort(tmp_path / "cohort", only=SMALL)
    worker = workers(database)
    coordinator = start_grading(tmp_path / "cohort", database)
    wait_for(lambda: jobs(database, "doing") == 1 and jobs(database, "succeeded") >= 2)
    victims = worker.grading_processes()
    assert len(victims) == 1
    os.kill(victims[0], signal.SIGKILL)
    assert coordinator.wait(timeout=600) == 0
    assert_whole(database, local_grades, students)
    assert worker.grading_processes() and worker.grading_processes() != victims  # started again
    assert "stopped (exit -9): starting it again" in worker.log.read_text()


def test_a_whole_worker_killed_leaves_no_runner_and_another_worker_finishes(
    tmp_path: Path, database: str, workers: Any, local_grades: dict[str, SubmissionResult]
) -> None:
    students = write_cohort(tmp_path / "cohort", only=SMALL)
    first = workers(database, processes=2)
    coordinator = start_grading(tmp_path / "cohort", database)
    wait_for(lambda: jobs(database, "doing") >= 1 and jobs(database, "succeeded") >= 2)
    everything = descendants(first.process.pid) | {first.process.pid}
    os.killpg(first.process.pid, signal.SIGKILL)
    first.process.wait()
    wait_for(lambda: not alive(everything), 30)
    sandbox = BubblewrapSandbox([])
    try:
        assert sandbox.runner_processes(range(48, 64)) == []  # no runner of the worker's slots
    finally:
        sandbox.close()
    workers(database)
    assert coordinator.wait(timeout=600) == 0
    assert_whole(database, local_grades, students)


def test_postgresql_restarted_mid_batch_loses_nothing(
    tmp_path: Path,
    postgres_server: Any,
    database: str,
    workers: Any,
    local_grades: dict[str, SubmissionResult],
) -> None:
    students = write_cohort(tmp_path / "cohort", only=SMALL)
    worker = workers(database)
    coordinator = start_grading(tmp_path / "cohort", database, errors=subprocess.PIPE)
    wait_for(lambda: jobs(database, "succeeded") >= 2)
    postgres_server.restart()
    _, errors = coordinator.communicate(timeout=600)
    assert coordinator.returncode == 0, errors
    assert worker.process.poll() is None  # the worker rode it out
    assert_whole(database, local_grades, students)


def test_the_coordinator_killed_and_run_again_finds_everything(
    tmp_path: Path, database: str, workers: Any, local_grades: dict[str, SubmissionResult]
) -> None:
    students = write_cohort(tmp_path / "cohort", only=SMALL)
    workers(database)
    coordinator = start_grading(tmp_path / "cohort", database)
    wait_for(lambda: jobs(database, "succeeded") >= 2)
    coordinator.kill()
    coordinator.wait()
    again = grade_queued(tmp_path / "cohort", database)
    assert again.returncode == 0, again.stderr
    assert_whole(database, local_grades, students)


def test_a_job_that_keeps_losing_its_worker_ends_as_a_system_error(database: str, tmp_path: Path) -> None:
    """The reaper: a job whose worker went silent is queued again, twice; the third time it
    ends, and the submission gets a system error telling the student to hand in again."""
    import asyncio

    from tpgrade.cluster.jobs import JobOptions, enqueue, new_app
    from tpgrade.cluster.reaper import reap
    from tpgrade.cohort.postgres_store import Submission

    store = PostgresStore(database)
    app = new_app(database)
    submission = Submission("day2", "dora", "h", "dora.py", b"x = 1\n", "12", 0.0)
    assert enqueue(store, app, submission, "v1", "cpu", JobOptions(), replace=False)
    assert not enqueue(store, app, submission, "v1", "cpu", JobOptions(), replace=False)  # one job only
    said: list[str] = []
    with psycopg.connect(database, autocommit=True) as db:
        for _ in range(3):  # a worker takes the job, then goes silent
            db.execute(
                b"INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '1 hour')"
            )
            db.execute(
                b"UPDATE procrastinate_jobs SET status = 'doing', "
                b"worker_id = (SELECT max(id) FROM procrastinate_workers) WHERE status = 'todo'"
            )
            said += asyncio.run(reap(app, database, stalled_after=3))
    assert [line.split(": ", 1)[1] for line in said] == [
        "its worker stopped; attempt 2 queued",
        "its worker stopped; attempt 3 queued",
        "stopped 3 times; marked as a system error",
    ]
    result = store.find("day2", "dora", "h", "v1")
    store.close()
    assert result is not None and result.status == "error"
    assert "resoumettez le même fichier, sans pénalité" in result.message and result.participant == "12"
    assert jobs(database, "failed") == 1 and jobs(database, "doing") == 0


def test_bad_databases_are_one_clear_line_each(
    postgres_server: Any, database_url: str, tmp_path: Path
) -> None:
    from postgres_server import _free_port

    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.py").write_text("x = 1\n")
    cases = {
        f"postgresql://tpgrade:secret@127.0.0.1:{_free_port()}/tpgrade": "cannot reach the database",
        postgres_server.url("missing_db"): "does not exist",
        postgres_server.url("postgres", password="wrong"): "password authentication failed",
        database_url: "tpgrade db init",  # reachable, never initialised
    }
    for url, said in cases.items():
        for command in (
            ("grade", "day2", str(tmp_path / "c"), "--database", url),
            ("db", "status", "--database", url),
        ):
            run = subprocess.run(tpgrade(*command), capture_output=True, text=True, timeout=120, check=False)
            assert run.returncode == 5, (command, run.stderr)
            assert said in run.stderr and "Traceback" not in run.stderr and "secret" not in run.stderr


def test_workers_on_other_hosts_grade_over_the_network_and_one_killed_loses_nothing(
    tmp_path: Path, local_grades: dict[str, SubmissionResult]
) -> None:
    """PostgreSQL and two workers each in a network namespace of their own (the coordinator
    in the root one); one worker killed outright mid-run, the other finishes."""
    from network_hosts import Hosts
    from postgres_server import PostgresServer, stop_quietly

    try:
        hosts = Hosts()
    except RuntimeError as exc:
        if os.environ.get("TPGRADE_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(str(exc))
    started: list[subprocess.Popen[bytes]] = []
    server = None
    try:
        db_host, db_address = hosts.add()
        server = PostgresServer(tmp_path / "postgres", host=db_address, inside=Hosts.inside(db_host))
        url = server.database()
        subprocess.run(tpgrade("db", "init", "--database", url), check=True, capture_output=True)
        for _ in range(2):
            name, _ = hosts.add()
            command = [*Hosts.inside(name), *tpgrade("worker", "--database", url, "--heartbeat", HEARTBEAT)]
            command += ["--sandbox", "process"]
            started.append(
                subprocess.Popen(
                    command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
                )
            )
        students = write_cohort(tmp_path / "cohort", only=(*SMALL, "slow3", "alt", "mutant1"))
        coordinator = start_grading(tmp_path / "cohort", url)
        wait_for(lambda: jobs(url, "succeeded") >= 2 and jobs(url, "doing") == 2)
        os.killpg(started[0].pid, signal.SIGKILL)
        started[0].wait()
        assert coordinator.wait(timeout=600) == 0
        assert_whole(url, local_grades, students)
    finally:
        for process in started:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=120)
        if server is not None:
            stop_quietly(server)
        hosts.close()


def test_a_worker_leaves_jobs_of_other_graders_and_says_so(database: str) -> None:
    from tpgrade.cluster.jobs import JobOptions, enqueue, new_app
    from tpgrade.cohort.postgres_store import Submission

    store = PostgresStore(database)
    try:
        submission = Submission("day2", "erin", "h", "erin.py", b"x = 1\n", "", 0.0)
        assert enqueue(
            store, new_app(database), submission, "0123456789ab", "cpu", JobOptions(), replace=False
        )
    finally:
        store.close()
    worker = subprocess.Popen(
        tpgrade("worker", "--database", database, "--heartbeat", HEARTBEAT, "--sandbox", "process"),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stderr is not None
        line = worker.stderr.readline()
        assert "1 job(s) of day2 wait for graders 0123456789ab" in line and "leaves them" in line
        wait_for(lambda: "serving" in worker.stderr.readline() if worker.stderr else False, 60)
        time.sleep(3)
        assert jobs(database, "todo") == 1  # left for a worker with that course
    finally:
        worker.terminate()
        worker.communicate(timeout=120)
    assert worker.returncode == 0


def test_a_cuda_worker_without_a_gpu_stops_with_one_line(database: str) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is visible here: the worker would grade (the device run covers it)")
    run = subprocess.run(
        tpgrade("worker", "--database", database, "--device", "cuda", "--sandbox", "process"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 4, run.stderr
    assert "no GPU is visible" in run.stderr and "Traceback" not in run.stderr


def test_files_the_local_path_refuses_unread_are_refused_without_a_job(database: str, tmp_path: Path) -> None:
    from tpgrade.judge.submission import MAX_BYTES

    folder = tmp_path / "c"
    folder.mkdir()
    with (folder / "huge.py").open("wb") as stream:
        stream.truncate(MAX_BYTES + 1)  # never read nor sent to the database
    (folder / "empty.py").write_text("")
    run = grade_queued(folder, database, timeout=120)
    assert run.returncode == 0, run.stderr
    results = stored(database)
    assert {name: r.status for name, r in results.items()} == {"huge": "rejected", "empty": "rejected"}
    assert "trop volumineux" in results["huge"].message and results["huge"].submission_hash
    assert jobs(database, "todo") == 0 and jobs(database, "succeeded") == 0
    with psycopg.connect(database, autocommit=True) as db:
        assert db.execute(b"SELECT count(*) FROM submissions").fetchone() == (0,)
