"""The runner protocol, shared by the judge and the runner: its one definition.

The judge (trusted) and the runner (untrusted, in the sandbox) speak JSON
lines over the runner's stdin and stdout. Both sides import this package;
the runner imports nothing else of tpgrade but :mod:`tpgrade.runner`.

- :mod:`tpgrade.wire.messages`: one :class:`~tpgrade.wire.messages.Op` per
  request and one :class:`~tpgrade.wire.messages.Kind` per event, each with
  a typed shape, and the caps on what the runner may send.
- :mod:`tpgrade.wire.codec`: values as plain data (JSON, arrays as ``.npy``
  bytes, everything else kept in the runner behind a reference).
- :mod:`tpgrade.wire.limits`: the runner's resource limits and the rlimits
  that enforce their per-process part.

A conversation (ids written 1, 2, 3 here; the judge draws each at random)::

    runner  {"event": "ready", "id": 0, "pid": ...}
    judge   {"op": "load", "id": 1, "cells": [{"index": 0, "source": ...}, ...]}
    runner  {"event": "cell_start", "id": 1, "index": 0}
            {"event": "cell_done", "id": 1, "index": 0, "error": null | {...}}   (per cell)
            {"event": "loaded", "id": 1, "names": [...]}
    judge   {"op": "isolate", "id": 2, "numpy_only": false}   (a fork serves one question)
    runner  {"event": "result", "id": 2}
    judge   {"op": "call", "id": 3, "target": {"name": "softmax"}, "args": ..., "kwargs": ...}
    runner  {"event": "result" | "raised" | "invalid" | "crashed", "id": 3, ...}
    judge   {"op": "end", "id": 4}                              (the question's fork ends)
    runner  {"event": "result", "id": 4}

Rules the judge enforces, because student code runs in the runner and can
write well-formed messages of its own:

- every request has an id drawn at random, so that the code serving one
  request cannot answer the next ones in advance;
- every event carries the id of the request it answers; an event for another
  id, of a kind the request cannot produce, or for a cell other than the one
  the judge expects, breaks the protocol: the current cell or call is lost
  and the runner is started again, so nothing stale reaches the next one;
- every budget is the judge's clock (per cell, per call, per load, per
  submission); no event starts or extends one;
- a line is read up to ``MAX_LOAD_LINE_BYTES`` during a load and
  ``MAX_ANSWER_LINE_BYTES`` for an answer, its values counted before
  decoding (``MAX_ITEMS_PER_LINE``), integers bounded while decoding, every
  text field capped, arrays' headers checked before any allocation; what
  breaks a cap is ``invalid_output`` for a call and a failed cell for a load.
"""
