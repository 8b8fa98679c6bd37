"""The runner protocol under a hostile runner: every event checked, every size capped.

Unit tests of :mod:`tpgrade.wire` (parsing and the codec's arrays) and of the
judge's :class:`tpgrade.judge.session.Channel` and :class:`RemoteStudent` against a
scripted fake runner that writes whatever a hostile one could.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import threading
import time
import typing
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from scripted_sandbox import ScriptedRunner, ScriptedSandbox, honest_load, line, program, ready

from tpgrade.judge.session import Channel, RemoteStudent, RunnerGone
from tpgrade.judge.student import InvalidOutput, Student, StudentTimedOut
from tpgrade.sandbox import Limits
from tpgrade.wire import codec, messages
from tpgrade.wire.messages import (
    EVENTS,
    MAX_ITEMS_PER_LINE,
    CellDone,
    CellStart,
    Load,
    Loaded,
    Ready,
    Result,
    WireError,
    parse_event,
    parse_request,
)

# -- parsing ------------------------------------------------------------------------------


def test_a_well_formed_event_is_parsed_with_its_types() -> None:
    event = parse_event(line(event="cell_done", id=7, index=3, error={"type": "E", "message": "m"}), 7)
    assert isinstance(event, CellDone) and event.index == 3 and event.error is not None
    assert event.error.message == "m" and event.error.traceback == ""


@pytest.mark.parametrize(
    "data",
    [
        line(event="result", id=8, value=1),  # another request
        line(event="cell_start", id=7, index=1),  # a kind not accepted here
        line(event="nonsense", id=7),
        line(id=7, value=1),
        b"[1, 2]",
        b"not json",
        b'{"event": "result", "id": 7, "value": NaN}',
        b'{"event": "result", "id": 7, "value": 1' + b"0" * 30 + b"}",
        b'{"event": "result", "id": 7.0}',
        line(event="raised", id=7, error={"type": "E", "message": "x" * 6000}),
        line(event="raised", id=7, error={"type": "E"}),
        line(event="loaded", id=7, names=["a"] * (messages.MAX_NAMES + 1)),
        line(event="loaded", id=7, names=[1, 2]),
        b'{"event": "result", "id": 7, "value": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        b'{"event": "result", "id": 7, "value": [' + b"0," * MAX_ITEMS_PER_LINE + b"0]}",
        b'{"event": "result", "id": 7, "value": "\xff"}',
    ],
    ids=lambda data: f"{data[:40]!r}...{len(data)}B",
)
def test_malformed_or_unsolicited_events_are_refused(data: bytes) -> None:
    with pytest.raises(WireError):
        parse_event(data, 7, (Result, messages.Raised, Loaded))


def test_every_text_field_of_an_event_has_a_cap() -> None:
    def texts(cls: type) -> Iterator[dataclasses.Field[typing.Any]]:
        hints = typing.get_type_hints(cls)
        for item in dataclasses.fields(cls):
            hint = hints[item.name]
            inner = [a for a in typing.get_args(hint) if isinstance(a, type) and dataclasses.is_dataclass(a)]
            if hint is str or str in typing.get_args(hint):
                yield item
            for nested in inner:
                yield from texts(nested)

    for cls in EVENTS.values():
        for item in texts(cls):
            assert "max_chars" in item.metadata, (cls.__name__, item.name)


def test_lone_surrogates_become_replacement_characters() -> None:
    event = parse_event(b'{"event": "invalid", "id": 1, "message": "a\\ud800b"}', 1)
    assert isinstance(event, messages.Invalid)
    event.message.encode("utf-8")  # storable
    assert codec.decode("x\udc80y").encode("utf-8")


def test_requests_round_trip() -> None:
    request = Load(id=3, cells=[messages.CellSource(index=0, source="x = 1\n" * 2000)], ref_base=10)
    assert parse_request(messages.encode_request(request)) == request


# -- the codec's arrays ---------------------------------------------------------------------


def npy_with_header(header: str, data: bytes = b"") -> dict[str, str]:
    padded = header.ljust(118) + "\n"
    raw = b"\x93NUMPY\x01\x00" + len(padded).to_bytes(2, "little") + padded.encode() + data
    return {"$npy": base64.b64encode(raw).decode()}


@pytest.mark.parametrize(
    "header, data",
    [
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (10**12,), }", b"\0" * 16),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }", b"\0" * 16),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", b"\0" * 16),  # too short
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", b"\0" * 16),  # too long
        ("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", b"\0" * 8),
        ("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", b"\0" * 8),
        ("{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }", b"\0" * 12),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", b""),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': " + "(1," * 40 + ")" * 40 + ", }", b"\0" * 8),
        ("__import__('os')", b""),
    ],
    ids=lambda part: part[:50] if isinstance(part, str) else f"{len(part)}B",
)
def test_crafted_arrays_are_refused_before_allocation(header: str, data: bytes) -> None:
    with pytest.raises(codec.CodecError):
        codec.decode(npy_with_header(header, data))


def test_arrays_keep_their_order_dtype_and_values() -> None:
    fortran = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    for array in (fortran, np.arange(6, dtype=np.int32), np.zeros((0, 3)), np.array(True), np.float32(2.5)):
        back = codec.decode(codec.encode(array))
        np.testing.assert_array_equal(back, array)
        assert back.dtype == np.asarray(array).dtype and back.shape == np.shape(array)
    buffer = io.BytesIO()
    np.save(buffer, np.arange(3.0))
    assert codec.decode({"$npy": base64.b64encode(buffer.getvalue()).decode()}).flags.writeable


def test_integers_beyond_64_bits_do_not_cross() -> None:
    with pytest.raises(codec.CodecError):
        codec.encode(2**64)
    with pytest.raises(codec.CodecError):
        codec.decode([1, -(2**63) - 1])
    assert codec.decode(codec.encode([2**63 - 1, -(2**63)])) == [2**63 - 1, -(2**63)]


# -- the judge's reader, on a scripted runner ---------------------------------------------


def test_an_endless_line_is_cut_at_its_cap_and_memory_stays_bounded() -> None:
    sent = threading.Event()

    def script(requests: Iterator[dict[str, typing.Any]], write: Callable[[bytes], None]) -> None:
        ready(write)
        chunk = b"A" * (1 << 20)
        for _ in range(64):  # 64 MB without a newline
            write(chunk)
        sent.set()

    channel = Channel(ScriptedRunner(script), iter(range(1, 100)))
    channel.receive(time.monotonic() + 10, 0, (Ready,), 1 << 20)
    with pytest.raises(RunnerGone) as gone:
        channel.receive(time.monotonic() + 30, 1, (Result,), 4 << 20)
    assert gone.value.kind == "protocol" and "volumineuse" in gone.value.message
    assert len(channel._buffer) == 0 and not sent.is_set()  # stopped reading at the cap
    channel.close()


def test_forged_cell_starts_do_not_extend_a_cell_nor_the_load() -> None:
    def script(requests: Iterator[dict[str, typing.Any]], write: Callable[[bytes], None]) -> None:
        ready(write)
        for request in requests:
            if request["op"] != "load":
                continue
            cells = request["cells"]
            if cells and cells[0]["index"] == 0:  # cell 0 "runs forever", restarting its clock
                for _ in range(400):
                    write(line(event="cell_start", id=request["id"], index=0) + b"\n")
                    time.sleep(0.05)
            honest_load(request, write, ["x1"])

    sandbox = ScriptedSandbox(script)
    remote = RemoteStudent(sandbox, program(2), Limits(), cell_timeout=1.0, load_budget=5.0)
    started = time.monotonic()
    report = remote.start()
    assert time.monotonic() - started < 5.0  # refused at once, long before the 20 s of forging
    assert [(i.index, i.kind) for i in report.issues] == [(0, "error")]
    assert "x1" in remote.defined()
    remote.close()


def test_a_cell_that_never_ends_is_stopped_by_the_judges_clock() -> None:
    def script(requests: Iterator[dict[str, typing.Any]], write: Callable[[bytes], None]) -> None:
        ready(write)
        for request in requests:
            cells = request["cells"]
            if cells and cells[0]["index"] == 0:
                write(line(event="cell_start", id=request["id"], index=0) + b"\n")
                time.sleep(60)
            honest_load(request, write, [])

    remote = RemoteStudent(ScriptedSandbox(script), program(2), Limits(), cell_timeout=0.5, load_budget=5.0)
    started = time.monotonic()
    report = remote.start()
    assert time.monotonic() - started < 5.0
    assert [(i.index, i.kind) for i in report.issues] == [(0, "timed_out")]
    remote.close()


def test_the_load_budget_bounds_a_load_whose_every_cell_overruns() -> None:
    def script(requests: Iterator[dict[str, typing.Any]], write: Callable[[bytes], None]) -> None:
        ready(write)
        for request in requests:
            if request["cells"]:
                write(line(event="cell_start", id=request["id"], index=request["cells"][0]["index"]) + b"\n")
                time.sleep(60)
            honest_load(request, write, [])

    remote = RemoteStudent(ScriptedSandbox(script), program(50), Limits(), cell_timeout=0.4, load_budget=2.0)
    started = time.monotonic()
    report = remote.start()
    assert time.monotonic() - started < 2.0 + 5.0
    kinds = {i.kind for i in report.issues}
    assert kinds == {"timed_out"} and len(report.issues) <= 100
    assert any("temps total de chargement" in i.message for i in report.issues)
    remote.close()


def test_a_flood_of_load_events_keeps_a_bounded_report() -> None:
    def script(requests: Iterator[dict[str, typing.Any]], write: Callable[[bytes], None]) -> None:
        ready(write)
        for request in requests:
            for cell in request["cells"]:
                write(line(event="cell_start", id=request["id"], index=cell["index"]) + b"\n")
                error = {"type": "E", "message": "x" * 4000}
                write(line(event="cell_done", id=request["id"], index=cell["index"], error=error) + b"\n")
            write(line(event="loaded", id=request["id"], names=[]) + b"\n")

    remote = RemoteStudent(
        ScriptedSandbox(script), program(3000), Limits(), cell_timeout=5.0, load_budget=60.0
    )
    report = remote.start()
    assert len(report.issues) == 100 and "2901 autres" in report.issues[-1].message
    assert len(report.model_dump_json()) < 100_000
    remote.close()


def calls_script(answer: Callable[[dict[str, typing.Any], Callable[[bytes], None]], None]) -> typing.Any:
    def script(requests: Iterator[dict[str, typing.Any]], write: Callable[[bytes], None]) -> None:
        ready(write)
        for request in requests:
            if request["op"] == "load":
                honest_load(request, write, ["f"])
            elif request["op"] in ("isolate", "end"):
                write(line(event="result", id=request["id"], value=None) + b"\n")
            else:
                answer(request, write)

    return script


def student_over(script: typing.Any, budget: float = 60.0) -> tuple[RemoteStudent, Student]:
    remote = RemoteStudent(ScriptedSandbox(script), program(1), Limits(), 5.0, 30.0, submission_budget=budget)
    remote.start()
    remote.enter_question("f")
    return remote, Student(remote, timeout=2.0)


def test_an_answer_to_another_request_costs_the_call_and_restarts_the_runner() -> None:
    def answer(request: dict[str, typing.Any], write: Callable[[bytes], None]) -> None:
        write(line(event="result", id=request["id"] + 1, value=1) + b"\n")

    remote, student = student_over(calls_script(answer))
    with pytest.raises(InvalidOutput):
        student.f()
    assert remote._channel is None  # nothing stale can reach the next call
    remote.close()


def test_an_answer_that_does_not_decode_is_invalid_output() -> None:
    def answer(request: dict[str, typing.Any], write: Callable[[bytes], None]) -> None:
        value = npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (10**9,), }")
        write(line(event="result", id=request["id"], value=value) + b"\n")

    remote, student = student_over(calls_script(answer))
    with pytest.raises(InvalidOutput):
        student.f()
    remote.close()


def test_the_submission_budget_ends_every_later_call() -> None:
    def answer(request: dict[str, typing.Any], write: Callable[[bytes], None]) -> None:
        time.sleep(0.5)
        write(line(event="result", id=request["id"], value=1) + b"\n")

    remote, student = student_over(calls_script(answer), budget=1.5)
    assert student.f() == 1
    with pytest.raises(StudentTimedOut):
        for _ in range(10):
            student.f()
    with pytest.raises(StudentTimedOut, match="temps total"):
        student.f()
    remote.close()


def test_the_events_the_judge_waits_for_are_the_ones_it_accepts() -> None:
    """The load accepts only cell and loaded events, in order, for its own id."""
    assert parse_event(line(event="cell_start", id=2, index=0), 2, (CellStart,))
    with pytest.raises(WireError):
        parse_event(line(event="cell_done", id=2, index=0), 2, (CellStart,))


def test_the_images_runner_digest_covers_the_whole_sandbox_side() -> None:
    from tpgrade.sandbox.docker import runner_files

    files = runner_files()
    assert {"wire/messages.py", "wire/codec.py", "wire/limits.py", "runner/server.py"} <= set(files)
    assert all(name.startswith(("runner/", "wire/")) for name in files)


def test_the_sandbox_side_imports_nothing_of_the_judge() -> None:
    """runner/ and wire/ run inside the sandbox: the standard library, NumPy, PyTorch and each other only."""
    import ast
    import sys

    from tpgrade.paths import PACKAGE_DIR

    allowed_roots = set(sys.stdlib_module_names) | {"numpy", "torch"}
    for package in ("runner", "wire"):
        for path in (PACKAGE_DIR / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    inside = name.startswith(("tpgrade.wire", "tpgrade.runner")) or name in ("tpgrade",)
                    if name == "tpgrade" and isinstance(node, ast.ImportFrom):
                        inside = all(a.name in ("wire", "runner") for a in node.names)
                    assert inside or name.split(".")[0] in allowed_roots, f"{path.name} imports {name}"


def test_a_fork_still_busy_after_its_answer_costs_a_fresh_runner_not_the_control_timeout() -> None:
    from tpgrade.judge.session import CONTROL_TIMEOUT, END_TIMEOUT

    def script(requests: Iterator[dict[str, typing.Any]], write: Callable[[bytes], None]) -> None:
        ready(write)
        for request in requests:
            if request["op"] == "load":
                honest_load(request, write, ["f"])
            elif request["op"] == "isolate":
                write(line(event="result", id=request["id"], value=None) + b"\n")
            elif request["op"] != "end":  # the fork is still in student code: no answer to end
                write(line(event="result", id=request["id"], value=1) + b"\n")

    remote, student = student_over(script)
    assert student.f() == 1
    started = time.monotonic()
    remote.enter_question("g")
    assert time.monotonic() - started < (END_TIMEOUT + CONTROL_TIMEOUT) / 2
    assert remote._channel is None  # the next question gets a fresh runner
    remote.close()


def test_request_ids_cannot_be_guessed_from_the_one_a_runner_serves() -> None:
    from itertools import islice, pairwise

    from tpgrade.judge.session import request_ids

    ids = list(islice(request_ids(), 1000))
    assert len(set(ids)) == len(ids) and all(0 < i < 2**63 for i in ids)
    assert not any(0 < later - earlier <= 1000 for earlier, later in pairwise(ids))
