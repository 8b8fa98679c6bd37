"""Warm runners (process sandbox as root): one zygote per slot, a fork per submission.

What one submission's runner leaves behind (files in its scratch, shared
memory, processes, module state) must not reach the next one, and each
runner must be as confined as a cold one: its own uid, no capabilities, its
own PID namespace.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tpgrade.judge.session import Channel
from tpgrade.sandbox import Limits
from tpgrade.sandbox.process import BubblewrapSandbox
from tpgrade.wire import codec
from tpgrade.wire.messages import (
    Call,
    CellDone,
    CellSource,
    CellStart,
    Load,
    Loaded,
    Ready,
    Result,
    TargetSpec,
)

pytestmark = [
    pytest.mark.skipif(
        os.geteuid() != 0, reason="warm runners need root (cold runners are tested elsewhere)"
    ),
    pytest.mark.slow,  # starts real sandboxes: not in the fast tier (python -m pytest -m "not slow")
]

LEAVE_TRACES = """
import os, subprocess, sys, numpy
open('/tmp/trace', 'w').write('left by the first submission')
open('/dev/shm/trace', 'w').write('shared memory')
numpy.SECRET = 'module state'
os.environ['TRACE'] = '1'
sleeper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'], start_new_session=True)
"""

LOOK_AROUND = """
import os, sys, numpy
def look():
    status = open('/proc/self/status').read()
    capabilities = [line.split()[1] for line in status.splitlines() if line.startswith(('CapEff', 'CapBnd', 'CapPrm'))]
    pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
    return {
        'files': sorted(os.listdir('/tmp')) + sorted(os.listdir('/dev/shm')),
        'numpy_state': hasattr(numpy, 'SECRET'),
        'env': os.environ.get('TRACE'),
        'uid': os.getuid(),
        'capabilities': capabilities,
        'pids': pids,
        'no_new_privs': [l for l in status.splitlines() if l.startswith('NoNewPrivs')][0].split()[1],
        'numpy_preloaded': 'numpy' in sys.modules,
        'seccomp': [l for l in status.splitlines() if l.startswith('Seccomp:')][0].split()[1],
        'hostname': __import__('socket').gethostname(),
        'interfaces': sorted(name for _, name in __import__('socket').if_nameindex()),
    }
"""


@pytest.fixture
def sandbox() -> Iterator[BubblewrapSandbox]:
    box = BubblewrapSandbox([], warm=True)
    yield box
    box.close()


def shown_under_tmp(sandbox: BubblewrapSandbox) -> list[str]:
    """The mount points a fresh /tmp holds: folders of the Python installation under /tmp (if any)."""
    return sorted({p.relative_to("/tmp").parts[0] for p in sandbox.visible[:-1] if p.is_relative_to("/tmp")})


def run(sandbox: BubblewrapSandbox, source: str, call: str | None = None) -> tuple[Channel, object]:
    channel = Channel(sandbox.launch(Limits(), slot=5), itertools.count(1))
    deadline = time.monotonic() + 60
    assert isinstance(channel.receive(deadline, 0, (Ready,), 1 << 20), Ready)
    load = Load(id=channel.next_id(), cells=[CellSource(index=0, source=source)])
    channel.send(load)
    while not isinstance(channel.receive(deadline, load.id, (CellStart, CellDone, Loaded), 1 << 20), Loaded):
        pass
    value = None
    if call is not None:
        request = Call(id=channel.next_id(), target=TargetSpec(name=call), args=[], kwargs={"$dict": []})
        channel.send(request)
        result = channel.receive(deadline, request.id, (Result,), 1 << 20)
        assert isinstance(result, Result), result
        value = codec.decode(result.value, lambda ref: None)
    return channel, value


def test_nothing_of_one_submission_reaches_the_next(sandbox: BubblewrapSandbox) -> None:
    first, _ = run(sandbox, LEAVE_TRACES)
    assert first.process.descendants() >= 1  # the sleeper runs
    first.close()
    second, seen = run(sandbox, LOOK_AROUND, "look")
    try:
        assert isinstance(seen, dict)
        assert seen["files"] == shown_under_tmp(sandbox)
        assert seen["numpy_state"] is False and seen["env"] is None
        assert seen["numpy_preloaded"] is True  # warm: imported once by the zygote
        assert seen["pids"] == [1, 2]  # its own PID namespace: an init and the runner, no sleeper
        assert seen["uid"] >= 200000
        assert all(int(mask, 16) == 0 for mask in seen["capabilities"])
        assert seen["no_new_privs"] == "1"
        assert seen["seccomp"] == "2"  # the judge's filter, installed after the uid drop
        assert seen["hostname"] == "tpgrade" and seen["interfaces"] == ["lo"]  # its own UTS and network
    finally:
        second.close()


def test_each_submission_gets_its_own_uid(sandbox: BubblewrapSandbox) -> None:
    uids = []
    for _ in range(3):
        channel, seen = run(sandbox, LOOK_AROUND, "look")
        channel.close()
        assert isinstance(seen, dict)
        uids.append(seen["uid"])
    assert len(set(uids)) == 3


def test_a_killed_runner_reports_its_signal_and_the_next_one_starts(sandbox: BubblewrapSandbox) -> None:
    channel, _ = run(sandbox, "import os, signal\ndef die():\n    os.kill(os.getpid(), signal.SIGSEGV)\n")
    channel.send(Call(id=channel.next_id(), target=TargetSpec(name="die"), args=[], kwargs={"$dict": []}))
    assert channel.process.wait(10) == 128 + 11
    assert "SIGSEGV" in channel.process.exit_description()
    channel.close()
    again, seen = run(sandbox, LOOK_AROUND, "look")
    again.close()
    assert isinstance(seen, dict) and seen["files"] == shown_under_tmp(sandbox)


def test_a_dead_zygote_is_replaced(sandbox: BubblewrapSandbox) -> None:
    channel, _ = run(sandbox, "x = 1")
    channel.close()
    zygote = sandbox._zygotes[5]
    os.killpg(zygote.popen.pid, 9)
    zygote.popen.wait()
    channel, seen = run(sandbox, LOOK_AROUND, "look")
    channel.close()
    assert isinstance(seen, dict) and seen["pids"] == [1, 2]
    assert sandbox._zygotes[5] is not zygote


def test_a_python_installation_under_tmp_stays_visible(tmp_path: Path) -> None:
    """A virtual environment under /tmp is bound over the sandbox's /tmp; each runner's fresh
    /tmp must show it again (read-only), or imports fail inside the runner."""
    assert tmp_path.is_relative_to("/tmp")
    library = tmp_path / "site"
    library.mkdir()
    (library / "shipped_module.py").write_text("VALUE = 42\n")
    box = BubblewrapSandbox([], warm=True)
    box.visible.insert(0, library)  # as if the Python installation lived there
    try:
        source = (
            f"import sys, os\nsys.path.insert(0, {str(library)!r})\nimport shipped_module\n"
            f"def probe():\n    return [shipped_module.VALUE, os.access({str(library)!r}, os.W_OK), sorted(os.listdir('/tmp'))]\n"
        )
        channel, seen = run(box, source, "probe")
        channel.close()
    finally:
        box.close()
    assert isinstance(seen, list)
    assert seen[0] == 42 and seen[1] is False
    assert seen[2] == sorted({tmp_path.relative_to("/tmp").parts[0], *shown_under_tmp(box)})


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_what_torch_imports_on_first_use_is_imported_once_before_a_question_forks(warm: bool) -> None:
    """Otherwise each fresh fork that builds an optimizer imports torch._dynamo again (1.5 s)."""
    from tpgrade.judge.session import RemoteStudent
    from tpgrade.judge.student import Student
    from tpgrade.judge.submission import program_from_source

    source = (
        "import torch\ndef lazy_parts_loaded():\n    import sys\n    return 'torch._dynamo' in sys.modules\n"
    )
    box = BubblewrapSandbox([], warm=warm)
    remote = RemoteStudent(box, program_from_source(source), Limits(), 30.0, 60.0)
    try:
        remote.start()
        remote.enter_question("lazy_parts_loaded")
        assert Student(remote, timeout=30.0).call("lazy_parts_loaded", fresh=True) is True
    finally:
        remote.close()
        box.close()
