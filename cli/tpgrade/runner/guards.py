"""What the runner captures before student code loads: the PyTorch guard and the probes' accessors.

The runner imports this module before it runs any student cell. From then
on the student's code may patch anything in the process, so what a guard or
a probe relies on is taken now (or, if torch is not imported yet, the moment
torch finishes importing, before the importing code resumes):

- :func:`forbid_torch` makes every PyTorch operation raise
  :class:`TorchForbidden` in this process (a question's fork): a torch
  function mode and a dispatch mode, pushed with torch's own functions as
  captured, catch torch functions, tensor methods and the operators that
  autograd runs; where torch is not imported yet, importing it (or JAX, or
  another autograd library) is refused. :func:`guard_intact` says whether
  the guard is still in place and was never tripped (a student's ``except``
  does not erase the attempt).
- :data:`TRUSTED` is what probes use to look at a student's module: the
  tensors and sub-modules it holds, read from its instance dictionaries with
  the accessors of ``torch.nn.Module``, ``dict`` and ``tuple`` as captured
  (never a method the student's class could override), and the leaf tensors
  that an output actually depends on, read from the autograd graph.

Standard library and torch only: this runs inside the sandbox.
"""

from __future__ import annotations

import builtins
import contextlib
import gc
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Iterator
from typing import Any

FORBIDDEN_MESSAGE = "PyTorch est interdit dans une question « NumPy seulement »"
# Imports refused under the guard (roots of module names), when not imported yet.
REFUSED_MODULES = frozenset(
    {
        "torch",
        "functorch",
        "jax",
        "jaxlib",
        "autograd",
        "tensorflow",
        "keras",
        "mxnet",
        "paddle",
        "chainer",
        "theano",
        "tinygrad",
        "flax",
        "optax",
    }
)
MAX_OBJECTS = 200_000  # objects a walk of a module visits at most

# Taken before any student code: the student may rebind the names, not these objects.
_modules = sys.modules
_meta_path = sys.meta_path
_insert = list.insert
_remove = list.remove
_dict_get = dict.get
_dict_values = dict.values
_tuple_len = tuple.__len__
_tuple_item = tuple.__getitem__
_list_copy = list.copy
_find_on_path = importlib.machinery.PathFinder.find_spec
_referents = gc.get_referents
_type = type
_id = id
_isinstance = isinstance
_len = len
_heap_type = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class written in Python (its attributes can be patched)
BUILTINS = dict(builtins.__dict__)  # the builtins as they were, for probes (``isinstance``, ``sum``...)


class TorchForbidden(ModuleNotFoundError):
    """PyTorch was used where only NumPy is allowed.

    A :class:`ModuleNotFoundError`, so that a library trying an optional import
    of torch (or JAX...) under the guard goes on without it, as where it is not
    installed.
    """

    def __init__(self, detail: str = "") -> None:
        super().__init__(FORBIDDEN_MESSAGE + (f" ({detail})" if detail else ""))


_torch: dict[str, Any] = {}  # captured from torch once it is imported
_state = {"installed": False, "tripped": 0}


def _trip(what: object) -> None:
    _state["tripped"] += 1
    name = getattr(what, "__name__", None) or _type(what).__name__
    raise TorchForbidden(f"{str(name)[:80]} appelé")


def _capture(torch: Any) -> None:
    """Take what the guard and the probes need from a freshly imported torch."""
    if _torch:
        return
    from torch.overrides import TorchFunctionMode
    from torch.utils._python_dispatch import TorchDispatchMode

    class NoTorchFunctions(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            _trip(func)

    class NoTorchDispatch(TorchDispatchMode):  # type: ignore[no-untyped-call]
        def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            _trip(func)

    C = torch._C
    _torch.update(
        torch=torch,
        function_mode=NoTorchFunctions,
        dispatch_mode=NoTorchDispatch,
        push_function=C._push_on_torch_function_stack,
        pop_function=C._pop_torch_function_stack,
        function_stack_len=C._len_torch_function_stack,
        function_stack_at=C._get_function_stack_at,
        push_dispatch=C._push_on_torch_dispatch_stack,
        pop_dispatch=lambda: C._pop_torch_dispatch_stack(None),
        dispatch_stack_len=C._len_torch_dispatch_stack,
        dispatch_stack_at=C._get_dispatch_stack_at,
        no_torch_function=C.DisableTorchFunction,
        Module=torch.nn.Module,
        Tensor=torch.Tensor,
        Parameter=torch.nn.Parameter,
        plain_tensor_types=(
            torch.Tensor,
            torch.nn.Parameter,
            getattr(torch.nn.parameter, "Buffer", torch.Tensor),
        ),
        module_dict=torch.nn.Module.__dict__["__dict__"].__get__,
        numel=C.TensorBase.numel,
        requires_grad=C.TensorBase.__dict__["requires_grad"].__get__,
        grad_fn=C.TensorBase.__dict__["grad_fn"].__get__,
        python_node_next=C._FunctionBase.__dict__["next_functions"].__get__,
        autograd_grad=torch.autograd.grad,
        no_grad=torch.no_grad,
    )


class _TorchWatcher(importlib.abc.MetaPathFinder):
    """Captures torch the moment it finishes importing, if it was not imported before this module."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "torch" or _torch:
            return None
        for finder in _list_copy(_meta_path):
            if finder is self or _isinstance(finder, _Refuser):
                continue
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find is not None else None
            if spec is not None and spec.loader is not None:
                spec.loader = _CapturingLoader(spec.loader)
                return spec
        return None


class _CapturingLoader(importlib.abc.Loader):
    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        # torch sees its own loader while it initialises itself.
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        self.loader.exec_module(module)
        _capture(module)


class _Refuser(importlib.abc.MetaPathFinder):
    """Refuses the libraries not imported yet (torch imports parts of itself lazily: those go through)."""

    def __init__(self) -> None:
        self.refused = frozenset(root for root in REFUSED_MODULES if _dict_get(_modules, root) is None)

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name.partition(".")[0] in self.refused and _find_on_path(name, path) is not None:
            # Not counted as a use: a library that tries an optional import goes on without it.
            raise TorchForbidden(f"import {name[:80]}")
        return None  # not installed: the import fails as it would anyway


if "torch" in _modules:
    _capture(_modules["torch"])
else:
    _insert(_meta_path, 0, _TorchWatcher())


class _Guard:
    """The modes and the import refusal of one installation of the guard."""

    def __init__(self) -> None:
        self.refuser = _Refuser()
        self.function_mode: Any = None
        self.dispatch_mode: Any = None
        self.torch_absent = False
        self.tripped_before = _state["tripped"]

    def install(self) -> None:
        torch = _dict_get(_modules, "torch")
        if torch is not None and not _torch:
            _capture(torch)  # torch came in past the watcher: the best that can still be taken
        _insert(_meta_path, 0, self.refuser)
        if torch is None:
            self.torch_absent = True
            return
        self.function_mode = _torch["function_mode"]()
        self.dispatch_mode = _torch["dispatch_mode"]()
        _torch["push_function"](self.function_mode)
        _torch["push_dispatch"](self.dispatch_mode)

    def intact(self) -> bool:
        if _state["tripped"] != self.tripped_before:
            return False
        if sys.meta_path is not _meta_path or self.refuser not in _list_copy(_meta_path):
            return False
        if self.torch_absent:
            return _dict_get(_modules, "torch") is None
        return self._on_stack("function", self.function_mode) and self._on_stack(
            "dispatch", self.dispatch_mode
        )

    def _on_stack(self, kind: str, mode: Any) -> bool:
        at = _torch[f"{kind}_stack_at"]
        return any(at(i) is mode for i in range(_torch[f"{kind}_stack_len"]()))

    def uninstall(self) -> None:
        with contextlib.suppress(ValueError):
            _remove(_meta_path, self.refuser)
        for kind, mode in (("dispatch", self.dispatch_mode), ("function", self.function_mode)):
            if mode is not None and self._on_stack(kind, mode):
                # Pop down to our mode: whatever the guarded code pushed above it goes too.
                while _torch[f"{kind}_stack_len"]() and _torch[f"pop_{kind}"]() is not mode:
                    pass


_installed: list[_Guard] = []


def forbid_torch() -> None:
    """From now on in this process, any PyTorch operation raises :class:`TorchForbidden`."""
    if _installed:
        return
    guard = _Guard()
    guard.install()
    _installed.append(guard)
    _state["installed"] = True


def guard_intact() -> bool:
    """Whether the guard of :func:`forbid_torch` is still in place and no PyTorch use was attempted."""
    return bool(_installed) and all(guard.intact() for guard in _installed)


class GuardReport:
    intact = True


@contextlib.contextmanager
def torch_forbidden() -> Iterator[GuardReport]:
    """The guard for the duration of a ``with`` block (in-process public checks and tests)."""
    guard = _Guard()
    report = GuardReport()
    guard.install()
    try:
        yield report
    finally:
        report.intact = guard.intact()
        guard.uninstall()


# -- what probes use to look at a student's module ----------------------------------


def _torch_or_capture() -> dict[str, Any]:
    if not _torch:
        torch = _dict_get(_modules, "torch")
        if torch is None:
            import torch  # the watcher captures it
        else:
            _capture(torch)
    return _torch


def _children(value: Any, t: dict[str, Any]) -> list[Any]:
    """What a walk of a module's state looks into: instance dictionaries, containers."""
    kind = _type(value)
    if _isinstance(value, t["Module"]):
        return [t["module_dict"](value)]
    if _isinstance(value, dict):
        return list(_dict_values(value))
    if _isinstance(value, list):
        return _list_copy(value)
    if _isinstance(value, tuple):
        return [_tuple_item(value, i) for i in range(_tuple_len(value))]
    if _isinstance(value, set | frozenset):
        return list(_referents(value))
    if kind.__flags__ & _heap_type and not _isinstance(value, type | types.FunctionType | types.ModuleType):
        # An object of a class written in Python: its attributes, read without its methods.
        return [r for r in _referents(value) if _type(r) is dict]
    return []


def _walk(model: Any) -> tuple[list[Any], list[Any], list[str]]:
    """(tensors, NumPy arrays, problems): what ``model`` holds, each object once."""
    t = _torch_or_capture()
    numpy = _dict_get(_modules, "numpy")
    ndarray = numpy.ndarray if numpy is not None else ()
    tensors: list[Any] = []
    arrays: list[Any] = []
    problems: list[str] = []
    seen: set[int] = set()
    stack = [model]
    while stack:
        value = stack.pop()
        if _id(value) in seen:
            continue
        seen.add(_id(value))
        if _len(seen) > MAX_OBJECTS:
            problems.append("le modèle contient trop d'objets pour être inspecté")
            break
        if _isinstance(value, t["Tensor"]):
            if _type(value) not in t["plain_tensor_types"]:
                problems.append(
                    f"le modèle contient un tenseur d'un type inhabituel ({_type(value).__name__})"
                )
            tensors.append(value)
        elif ndarray and _isinstance(value, ndarray):
            arrays.append(value)
        else:
            stack.extend(_children(value, t))
    return tensors, arrays, problems


def module_tensors(model: Any) -> tuple[list[Any], list[str]]:
    """(every tensor that ``model`` holds, problems): parameters, buffers, tensor attributes,
    tensors in containers and in plain objects it holds; each tensor once."""
    tensors, _, problems = _walk(model)
    return tensors, problems


def count_tensor_values(model: Any) -> tuple[int, list[str]]:
    """(number of values in every tensor and NumPy array ``model`` holds, problems)."""
    t = _torch_or_capture()
    tensors, arrays, problems = _walk(model)
    with t["no_torch_function"]():
        total = sum(int(t["numel"](tensor)) for tensor in tensors)
    if arrays:
        size = _type(arrays[0]).__mro__[-2].__dict__["size"].__get__  # numpy.ndarray.size
        total += sum(int(size(array)) for array in arrays)
    return total, problems


def module_parameters(model: Any) -> list[Any]:
    """The tensors of ``model`` that an optimiser should train: those that require a gradient."""
    t = _torch_or_capture()
    tensors, _ = module_tensors(model)
    with t["no_torch_function"]():
        return [tensor for tensor in tensors if t["requires_grad"](tensor)]


def graph_leaves(output: Any) -> list[Any]:
    """The tensors requiring a gradient that ``output`` depends on, read from its autograd graph."""
    t = _torch_or_capture()
    leaves: list[Any] = []
    seen: set[int] = set()
    outputs = output if _isinstance(output, list | tuple) else [output]
    stack: list[Any] = []
    for value in outputs:
        if not _isinstance(value, t["Tensor"]):
            continue
        node = t["grad_fn"](value)
        if node is None and t["requires_grad"](value):
            leaves.append(value)
        elif node is not None:
            stack.append(node)
    while stack:
        node = stack.pop()
        if node is None or _id(node) in seen:
            continue
        seen.add(_id(node))
        if _len(seen) > MAX_OBJECTS:
            break
        variable = getattr(node, "variable", None) if not _type(node).__flags__ & _heap_type else None
        if variable is not None:
            leaves.append(variable)
            continue
        # A node class written in Python (a custom autograd.Function) could patch next_functions.
        heap = _type(node).__flags__ & _heap_type
        following = t["python_node_next"](node) if heap else node.next_functions
        stack.extend(pair[0] for pair in following)
    unique = {_id(leaf): leaf for leaf in leaves}
    return list(unique.values())


def module_attribute(model: Any, *names: str) -> Any:
    """``model.a.b`` read from the registered sub-modules, parameters and buffers
    (then the instance dictionary), without the class's ``__getattr__``; None if absent."""
    t = _torch_or_capture()
    value = model
    for name in names:
        if not _isinstance(value, t["Module"]):
            return None
        state = t["module_dict"](value)
        found = None
        for table in ("_modules", "_parameters", "_buffers"):
            registered: Any = _dict_get(state, table)
            if _isinstance(registered, dict) and _dict_get(registered, name) is not None:
                found = _dict_get(registered, name)
                break
        value = found if found is not None else _dict_get(state, name)
        if value is None:
            return None
    return value


TRUSTED = types.SimpleNamespace(
    attribute=module_attribute,
    module_tensors=module_tensors,
    count_tensor_values=count_tensor_values,
    parameters=module_parameters,
    graph_leaves=graph_leaves,
    grad=lambda *args, **kwargs: _torch_or_capture()["autograd_grad"](*args, **kwargs),
    numel=lambda tensor: int(_torch_or_capture()["numel"](tensor)),
)
"""The probes' view of a student's module (``trusted`` in a probe's namespace)."""
