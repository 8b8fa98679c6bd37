"""Rules checked on a submission's source text, on the judge's side.

"NumPy only" means: the function, and every function or class of the
submission that it uses, neither imports nor names torch, JAX or another
autograd library, statically or dynamically. Dynamic tricks that would hide
such a use (``__import__``, ``importlib``, ``exec``, ``eval``,
``sys.modules``...) are refused in those functions too.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

FORBIDDEN_MODULES = frozenset(
    {
        "torch",
        "jax",
        "jaxlib",
        "autograd",
        "tensorflow",
        "keras",
        "mxnet",
        "paddle",
        "functorch",
        "chainer",
        "theano",
        "tinygrad",
        "flax",
        "optax",
    }
)
DYNAMIC_NAMES = frozenset(
    {
        "__import__",
        "exec",
        "eval",
        "compile",
        "globals",
        "vars",
        "importlib",
        "__builtins__",
        "builtins",
        "__loader__",
        "__spec__",
    }
)
DYNAMIC_ATTRIBUTES = frozenset({"modules", "import_module", "__import__", "__globals__", "__dict__"})

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass
class _Module:
    definitions: dict[str, tuple[int, Definition]] = field(default_factory=dict)
    forbidden_aliases: dict[str, str] = field(default_factory=dict)


def _root(module: str | None) -> str:
    return (module or "").split(".")[0]


def _names_in(node: ast.AST) -> Iterator[str]:
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            yield child.id


def _bound_names(target: ast.expr) -> Iterator[str]:
    """Names a target binds: ``x``, ``a, b``, ``*rest``; not the parts of ``d[k]`` or ``o.a``."""
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _bound_names(element)
    elif isinstance(target, ast.Starred):
        yield from _bound_names(target.value)


def _local_names(node: Definition) -> set[str]:
    """Parameters and names assigned inside a definition: they shadow module-level names."""
    local: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.arg):
            local.add(child.arg)
        elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store | ast.Del):
            local.add(child.id)
    return local


def _scan_module_statement(cell: int, node: ast.stmt, module: _Module) -> None:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        module.definitions[node.name] = (cell, node)
    elif isinstance(node, ast.Import):
        for alias in node.names:
            if _root(alias.name) in FORBIDDEN_MODULES:
                module.forbidden_aliases[(alias.asname or alias.name).split(".")[0]] = alias.name
    elif isinstance(node, ast.ImportFrom):
        if _root(node.module) in FORBIDDEN_MODULES:
            for alias in node.names:
                module.forbidden_aliases[alias.asname or alias.name] = node.module or ""
    elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        value = node.value
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if value is not None and any(n in module.forbidden_aliases for n in _names_in(value)):
            # Only names bound as a whole: ``curves[lr] = torch...`` does not make ``lr`` torch.
            for target in targets:
                for name in _bound_names(target):
                    module.forbidden_aliases[name] = "torch"
    elif isinstance(node, ast.If | ast.Try | ast.With | ast.For | ast.While):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                _scan_module_statement(cell, child, module)


@dataclass(frozen=True)
class SubmissionSource:
    """The code cells of a submission as the runner executes them."""

    cells: tuple[str, ...] = ()

    def _module(self) -> _Module:
        module = _Module()
        for index, text in enumerate(self.cells):
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError):
                continue
            for node in tree.body:
                _scan_module_statement(index, node, module)
        return module

    def numpy_only_violations(self, name: str) -> list[str]:
        """Messages (French) for each way ``name`` or its helpers leave NumPy."""
        return self._walk(name, _violations)

    def forbidden_name_violations(self, name: str, forbidden: tuple[str, ...]) -> list[str]:
        """Messages (French) for each use of a ``forbidden`` name (e.g. a ready-made
        attention function) by ``name`` or its helpers, as a name or an attribute."""

        aliases = self._aliases_of(forbidden)

        def uses(node: Definition, module: _Module) -> Iterator[str]:
            shadowing = _local_names(node)
            for child in ast.walk(node):
                used = child.id if isinstance(child, ast.Name) else getattr(child, "attr", None)
                aliased = used in aliases and not (isinstance(child, ast.Name) and used in shadowing)
                if isinstance(child, ast.Name | ast.Attribute) and (used in forbidden or aliased):
                    yield f"utilisation interdite de {used} (ligne {child.lineno})"
                elif isinstance(child, ast.alias) and child.name.split(".")[-1] in forbidden:
                    yield f"import interdit de {child.name}"
            yield from (p for p in _violations(node, module) if "dynamique" in p)

        return self._walk(name, uses)

    def _aliases_of(self, forbidden: tuple[str, ...]) -> set[str]:
        """Module-level names bound to a forbidden name (``import ... as x``, ``x = F.name``).

        Only top-level statements count: a local of some function assigned from a
        forbidden call says nothing about the same name elsewhere."""
        aliases: set[str] = set()
        for text in self.cells:
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError):
                continue
            for node in tree.body:
                if isinstance(node, ast.Import | ast.ImportFrom):
                    for alias in node.names:
                        if alias.name.split(".")[-1] in forbidden:
                            aliases.add(alias.asname or alias.name.split(".")[-1])
                elif isinstance(node, ast.Assign) and any(
                    getattr(n, "attr", getattr(n, "id", None)) in forbidden for n in ast.walk(node.value)
                ):
                    aliases.update(name for target in node.targets for name in _bound_names(target))
        return aliases

    def _walk(self, name: str, check: Callable[[Definition, _Module], Iterator[str]]) -> list[str]:
        module = self._module()
        if name not in module.definitions:
            return []
        problems: list[str] = []
        seen: set[str] = set()
        pending = [name]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            cell, node = module.definitions[current]
            where = (
                f"dans {current} (cellule {cell + 1})"
                if current == name
                else (f"dans la fonction auxiliaire {current} (cellule {cell + 1}), appelée par {name}")
            )
            for problem in dict.fromkeys(check(node, module)):
                problems.append(f"{problem} {where}")
            pending.extend(n for n in _names_in(node) if n in module.definitions and n not in seen)
        return problems


def _violations(node: Definition, module: _Module) -> Iterator[str]:
    local = _local_names(node)
    for child in ast.walk(node):
        if isinstance(child, ast.Import):
            for alias in child.names:
                if _root(alias.name) in FORBIDDEN_MODULES:
                    yield f"import de {alias.name} (ligne {child.lineno})"
        elif isinstance(child, ast.ImportFrom) and _root(child.module) in FORBIDDEN_MODULES:
            yield f"import depuis {child.module} (ligne {child.lineno})"
        elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
            if child.id in module.forbidden_aliases and child.id not in local:
                origin = module.forbidden_aliases[child.id]
                yield f"utilisation de {origin} via « {child.id} » (ligne {child.lineno})"
            elif child.id in DYNAMIC_NAMES:
                yield f"import ou exécution dynamique « {child.id} » (ligne {child.lineno})"
        elif isinstance(child, ast.Attribute) and child.attr in DYNAMIC_ATTRIBUTES:
            yield f"accès dynamique « .{child.attr} » (ligne {child.lineno})"
        elif (
            isinstance(child, ast.Constant)
            and isinstance(child.value, str)
            and child.value.split(".")[0] in FORBIDDEN_MODULES
        ):
            yield f"nom de module interdit « {child.value} » (ligne {child.lineno})"
