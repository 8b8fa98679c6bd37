"""The runner protocol's messages: one :class:`Op` per request, one :class:`Kind` per event.

A message is one JSON object on one line. Requests (judge → runner) carry an
``id`` chosen by the judge; every event (runner → judge) carries the id of
the request it answers, so an event the judge did not ask for is recognised
as such. Events are parsed by :func:`parse_event` under caps checked before
and during decoding: bytes per line (the judge's reader enforces them),
items per line, digits per integer, characters per text field, names per
load. Nothing here trusts the runner: a line that breaks a rule raises
:class:`WireError`, and the judge decides what that costs.

Standard library only: the runner imports this module inside the sandbox.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing

# Bound at import: student code, which runs in this process later, may patch the builtins.
from builtins import bool, bytes, dict, getattr, int, isinstance, len, list, str, tuple, type  # noqa: UP029
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

# Caps on what the runner may send. An honest runner stays far below them:
# answers are a few arrays (sent as one base64 string each) and small lists.
MAX_LOAD_LINE_BYTES = 4 << 20  # a load event: a cell's error, or the names defined
MAX_ANSWER_LINE_BYTES = 16 << 20  # an answer: the encoded value of one call
MAX_ITEMS_PER_LINE = 100_000  # JSON values in one line (lists, dicts, numbers, strings)
MAX_INT_DIGITS = 20  # integers beyond int64 are not data we ask for
MAX_NAMES = 10_000  # names a loaded submission may report
MAX_NAME_CHARS = 200
MAX_TYPE_CHARS = 200
MAX_MESSAGE_CHARS = 5_000
MAX_TRACEBACK_CHARS = 10_000


class WireError(ValueError):
    """A message that breaks the protocol (malformed, too large, or not the one expected)."""


class Op(StrEnum):
    """What the judge asks of the runner."""

    LOAD = "load"  # execute the submission's cells, in order
    CALL = "call"  # call a target with arguments; answer its return value
    GET = "get"  # answer the value of a target
    KEEP = "keep"  # keep a value on the runner's side; answer its reference
    ISOLATE = "isolate"  # serve the next requests from a fresh fork of the loaded runner
    END = "end"  # end the fork that serves the requests


class Kind(StrEnum):
    """What the runner answers."""

    READY = "ready"  # the runner started (id 0)
    CELL_START = "cell_start"
    CELL_DONE = "cell_done"
    LOADED = "loaded"  # the load is over: the names the submission defined
    RESULT = "result"  # the answer to call/get/keep/isolate/end
    RAISED = "raised"  # the student's code raised
    INVALID = "invalid"  # the value returned is not plain data
    CRASHED = "crashed"  # the fork serving the request ended during it


def _cap(chars: int) -> dict[str, int]:
    return {"max_chars": chars}


# -- requests -------------------------------------------------------------------------


@dataclass(frozen=True)
class CellSource:
    index: int
    source: str


@dataclass(frozen=True)
class TargetSpec:
    """What a call reaches: a name, a kept value, or a judge-written probe; then attributes."""

    name: str | None = None
    ref: int | None = None
    attrs: list[str] = field(default_factory=list)
    probe: str | None = None  # the probe's source
    probe_name: str | None = None


@dataclass(frozen=True)
class Request:
    op: ClassVar[Op]
    id: int


@dataclass(frozen=True)
class Load(Request):
    op: ClassVar[Op] = Op.LOAD
    cells: list[CellSource]
    ref_base: int = 0


@dataclass(frozen=True)
class Call(Request):
    op: ClassVar[Op] = Op.CALL
    target: TargetSpec
    args: Any = None  # codec data of a list
    kwargs: Any = None  # codec data of a dict


@dataclass(frozen=True)
class Get(Request):
    op: ClassVar[Op] = Op.GET
    target: TargetSpec


@dataclass(frozen=True)
class Keep(Request):
    op: ClassVar[Op] = Op.KEEP
    value: Any


@dataclass(frozen=True)
class Isolate(Request):
    op: ClassVar[Op] = Op.ISOLATE
    numpy_only: bool = False  # PyTorch is forbidden in the fork (a "NumPy only" question)


@dataclass(frozen=True)
class End(Request):
    op: ClassVar[Op] = Op.END


REQUESTS: dict[str, type[Request]] = {cls.op.value: cls for cls in (Load, Call, Get, Keep, Isolate, End)}

# -- events ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorInfo:
    """An exception raised by student code, as text."""

    type: str = field(metadata=_cap(MAX_TYPE_CHARS))
    message: str = field(metadata=_cap(MAX_MESSAGE_CHARS))
    traceback: str = field(default="", metadata=_cap(MAX_TRACEBACK_CHARS))


@dataclass(frozen=True)
class Event:
    kind: ClassVar[Kind]
    id: int


@dataclass(frozen=True)
class Ready(Event):
    kind: ClassVar[Kind] = Kind.READY
    pid: int = 0


@dataclass(frozen=True)
class CellStart(Event):
    kind: ClassVar[Kind] = Kind.CELL_START
    index: int


@dataclass(frozen=True)
class CellDone(Event):
    kind: ClassVar[Kind] = Kind.CELL_DONE
    index: int
    error: ErrorInfo | None = None


@dataclass(frozen=True)
class Loaded(Event):
    kind: ClassVar[Kind] = Kind.LOADED
    names: list[str] = field(
        default_factory=list, metadata={"max_items": MAX_NAMES, "max_chars": MAX_NAME_CHARS}
    )


@dataclass(frozen=True)
class Result(Event):
    kind: ClassVar[Kind] = Kind.RESULT
    value: Any = None  # codec data


@dataclass(frozen=True)
class Raised(Event):
    kind: ClassVar[Kind] = Kind.RAISED
    error: ErrorInfo


@dataclass(frozen=True)
class Invalid(Event):
    kind: ClassVar[Kind] = Kind.INVALID
    message: str = field(metadata=_cap(MAX_MESSAGE_CHARS))


@dataclass(frozen=True)
class Crashed(Event):
    kind: ClassVar[Kind] = Kind.CRASHED
    message: str = field(metadata=_cap(MAX_MESSAGE_CHARS))


EVENTS: dict[str, type[Event]] = {
    cls.kind.value: cls for cls in (Ready, CellStart, CellDone, Loaded, Result, Raised, Invalid, Crashed)
}

# -- encoding -------------------------------------------------------------------------


def _plain(message: Any) -> dict[str, Any]:
    """A message as a JSON object: dataclass fields (``None`` fields left out)."""
    data: dict[str, Any] = {}
    for item in _FIELDS[type(message)]:
        value = getattr(message, item.name)
        if value is None:
            continue
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            value = _plain(value)
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            value = [_plain(element) for element in value]
        data[item.name] = value
    return data


def encode_request(request: Request) -> bytes:
    return (json.dumps({"op": request.op.value, **_plain(request)}) + "\n").encode()


def encode_event(event: Event) -> bytes:
    """One line; non-finite floats are not JSON (the codec spells them out)."""
    return (json.dumps({"event": event.kind.value, **_plain(event)}, allow_nan=False) + "\n").encode()


# -- decoding -------------------------------------------------------------------------


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise WireError("integer too large")
    return int(text)


def _no_constant(text: str) -> Any:
    raise WireError(f"{text} is not JSON")


def loads(line: bytes) -> Any:
    """JSON under the caps: item count checked before decoding, integers while decoding."""
    items = line.count(b",") + line.count(b"[") + line.count(b"{")
    if items > MAX_ITEMS_PER_LINE:
        raise WireError(f"too many values in one message ({items})")
    try:
        return json.loads(line, parse_int=_bounded_int, parse_constant=_no_constant)
    except WireError:
        raise
    except (ValueError, RecursionError, MemoryError) as exc:  # UnicodeDecodeError is a ValueError
        raise WireError(f"malformed message ({type(exc).__name__})") from None


def _hints(cls: type) -> dict[str, Any]:
    return _HINTS[cls]


def valid_text(text: str) -> str:
    """``text`` with lone surrogates (which JSON escapes can make, and UTF-8 cannot hold) replaced."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _check_text(value: Any, metadata: typing.Mapping[str, Any], name: str) -> str:
    """Text; every text field of an event has a ``max_chars`` (requests come from the judge)."""
    if type(value) is not str:
        raise WireError(f"{name}: text expected")
    if "max_chars" in metadata and len(value) > metadata["max_chars"]:
        raise WireError(f"{name}: text too long")
    return valid_text(value)


def _build(cls: type, data: Any, where: str) -> Any:
    """An instance of dataclass ``cls`` from ``data``, every field checked against its type."""
    if type(data) is not dict:
        raise WireError(f"{where}: object expected")
    values: dict[str, Any] = {}
    hints = _hints(cls)
    for item in _FIELDS[cls]:
        name = f"{where}.{item.name}"
        if item.name not in data:
            if item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING:
                raise WireError(f"{name}: missing")
            continue
        values[item.name] = _convert(hints[item.name], data[item.name], item.metadata, name)
    return cls(**values)


def _convert(hint: Any, value: Any, metadata: typing.Mapping[str, Any], name: str) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(inner, value, metadata, name)
    if origin is list:
        if type(value) is not list or len(value) > metadata.get("max_items", MAX_ITEMS_PER_LINE):
            raise WireError(f"{name}: list expected (or too long)")
        return [_convert(args[0], element, metadata, f"{name}[]") for element in value]
    if hint is bool:
        if type(value) is not bool:
            raise WireError(f"{name}: boolean expected")
        return value
    if hint is int:
        if type(value) is not int:
            raise WireError(f"{name}: integer expected")
        return value
    if hint is str:
        return _check_text(value, metadata, name)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _build(hint, value, name)
    raise TypeError(f"no wire conversion for {hint!r}")  # a bug of this module


def parse_event(line: bytes, expected_id: int, accepted: tuple[type[Event], ...] = ()) -> Event:
    """The event on ``line``, which must answer request ``expected_id`` and, if ``accepted``
    is given, be of one of those kinds."""
    data = loads(line)
    if type(data) is not dict or type(data.get("event")) is not str or data["event"] not in EVENTS:
        raise WireError("not an event")
    cls = EVENTS[data.pop("event")]
    if accepted and cls not in accepted:
        raise WireError(f"unexpected {cls.kind.value} event")
    event: Event = _build(cls, data, cls.kind.value)
    if event.id != expected_id:
        raise WireError(f"{cls.kind.value} event for request {event.id}, not {expected_id}")
    return event


def parse_request(line: bytes) -> Request:
    """The request on ``line`` (the runner's side: the judge is trusted, the shape still checked)."""
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise WireError(f"malformed request ({type(exc).__name__})") from None
    if type(data) is not dict or data.get("op") not in REQUESTS:
        raise WireError("not a request")
    cls = REQUESTS[data.pop("op")]
    request: Request = _build(cls, data, cls.op.value)
    return request


# Resolved once, at import: in the runner, student code may later patch the builtins
# that resolving annotations relies on (``all``, ``any``, ``__import__``).
_HINTS: dict[type, dict[str, Any]] = {
    cls: typing.get_type_hints(cls)
    for cls in (CellSource, TargetSpec, ErrorInfo, *REQUESTS.values(), *EVENTS.values())
}
_FIELDS: dict[type, tuple[dataclasses.Field[Any], ...]] = {cls: dataclasses.fields(cls) for cls in _HINTS}
