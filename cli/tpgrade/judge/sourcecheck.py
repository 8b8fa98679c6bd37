"""Rules checked on a submission's source text, on the judge's side.

"NumPy only" is checked on the object actually graded: the binding of the
name that gives its value once every cell has run (see
:mod:`tpgrade.judge.sourcescan`). That binding must be a plain ``def`` or
``lambda``; then its code, decorators and defaults, and everything they reach
(the module-level names read, the functions, classes and values bound to
them, the statements that change those values in place), must neither import
nor name torch, JAX or another autograd library, statically or dynamically.
Dynamic tricks (``__import__``, ``importlib``, ``exec``, ``eval``,
``sys.modules``...) are refused in that code, and constructs anywhere that
could rebind a name out of sight (``globals()``, ``__code__``...) make the
check fail when they name the graded function (``globals()['f'] = g``); the
same constructs elsewhere do not, so that a trick in one function does not cost
the other questions: the runner enforces the rule at run time, where they
would take effect (:mod:`tpgrade.runner.guards`).

``forbid`` rules (no ready-made attention or GNN layer) walk the same code.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from tpgrade.judge.sourcescan import (
    Binding,
    Order,
    Scan,
    Unit,
    body_nodes,
    module_names,
    module_scope_parts,
    scan,
    scope_globals,
    walk_code,
)

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
DYNAMIC_ATTRIBUTES = frozenset(
    {
        "import_module",
        "__import__",
        "__globals__",
        "__dict__",
        "__code__",
        "__closure__",
        "__defaults__",
        "__kwdefaults__",
        "f_globals",
        "f_locals",
        "_getframe",
        "get_referrers",
        "get_objects",
    }
)
_MAX_ALIASES = 20


def _root(module: str) -> str:
    return module.lstrip(".").split(".")[0]


@dataclass(frozen=True)
class SubmissionSource:
    """The code cells of a submission as the runner executes them."""

    cells: tuple[str, ...] = ()

    @cached_property
    def _scan(self) -> Scan:
        return scan(self.cells)

    def numpy_only_violations(self, name: str) -> list[str]:
        """Messages (French) for each way ``name`` or what it reaches leaves NumPy."""
        return self._check(name, _NumpyOnly())

    def forbidden_name_violations(self, name: str, forbidden: tuple[str, ...]) -> list[str]:
        """Messages (French) for each use of a ``forbidden`` name (e.g. a ready-made
        attention function) by ``name`` or what it reaches, as a name or an attribute."""
        return self._check(name, _ForbiddenNames(frozenset(forbidden)))

    def _check(self, name: str, rule: _Rule) -> list[str]:
        try:
            return _Checker(self._scan, name, rule).run()
        except (RecursionError, MemoryError):
            return [f"le code de {name} n'a pas pu être analysé (trop volumineux ou trop imbriqué)"]


class _Rule:
    """What a rule forbids; the walk over what the graded object reaches is shared."""

    needs_plain_function = False

    def module_forbidden(self, module: str) -> bool:
        return False

    def code_problems(self, unit: Unit, scan: Scan) -> Iterator[str]:
        """Problems in the code of ``unit`` itself (imports, names, attributes, strings)."""
        for node in walk_code([unit.node]):
            line = getattr(node, "lineno", unit.line)
            if isinstance(node, ast.Name) and node.id in DYNAMIC_NAMES:
                yield f"import ou exécution dynamique « {node.id} » (ligne {line})"
            elif isinstance(node, ast.Attribute) and (
                node.attr in DYNAMIC_ATTRIBUTES
                or (
                    node.attr == "modules"
                    and isinstance(node.value, ast.Name)
                    and node.value.id in scan.sys_aliases
                )
            ):
                yield f"accès dynamique « .{node.attr} » (ligne {line})"
            else:
                yield from self.node_problems(node, line)

    def node_problems(self, node: ast.AST, line: int) -> Iterator[str]:
        return iter(())


class _NumpyOnly(_Rule):
    needs_plain_function = True

    def module_forbidden(self, module: str) -> bool:
        return _root(module) in FORBIDDEN_MODULES

    def node_problems(self, node: ast.AST, line: int) -> Iterator[str]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if self.module_forbidden(alias.name):
                    yield f"import de {alias.name} (ligne {line})"
        elif isinstance(node, ast.ImportFrom) and self.module_forbidden(node.module or ""):
            yield f"import depuis {node.module} (ligne {line})"
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and self.module_forbidden(node.value)
        ):
            yield f"nom de module interdit « {node.value[:40]} » (ligne {line})"


@dataclass(frozen=True)
class _ForbiddenNames(_Rule):
    forbidden: frozenset[str]

    def module_forbidden(self, module: str) -> bool:
        return any(part in self.forbidden for part in module.lstrip(".").split("."))

    def node_problems(self, node: ast.AST, line: int) -> Iterator[str]:
        used = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
        if isinstance(node, ast.Name | ast.Attribute) and used in self.forbidden:
            yield f"utilisation interdite de {used} (ligne {line})"
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names]
            if isinstance(node, ast.ImportFrom):
                modules = [f"{node.module or ''}.{a.name}" for a in node.names]
            for module in modules:
                if self.module_forbidden(module):
                    yield f"import interdit de {module.lstrip('.')} (ligne {line})"


class _Checker:
    def __init__(self, scan: Scan, name: str, rule: _Rule) -> None:
        self.scan = scan
        self.name = name
        self.rule = rule
        self.problems: list[str] = []
        self.pending: list[tuple[Unit, str]] = []
        self.seen_units: set[int] = set()
        self.seen_names: set[tuple[str, Order | None]] = set()

    def run(self) -> list[str]:
        self._unseen_bindings()
        self._graded(self.name, 0)
        while self.pending:
            unit, where = self.pending.pop(0)
            for problem in dict.fromkeys(self.rule.code_problems(unit, self.scan)):
                self._problem(f"{problem} {where}")
            for read, at in sorted(self._reads(unit), key=lambda pair: (pair[0], pair[1] or (-1, -1))):
                self._resolve(read, at, unit, where)
        return list(dict.fromkeys(self.problems))

    def _problem(self, text: str) -> None:
        self.problems.append(text)

    # -- the graded binding --------------------------------------------------------
    def _unseen_bindings(self) -> None:
        """Code that could rebind the graded name out of sight, in a statement that names it
        (``globals()['f'] = ...``, ``f.__code__ = ...``, a function that does so). Other such
        code elsewhere costs nothing here: what it might do to the graded function at run
        time, the runner's guard sees."""
        for dynamic in self.scan.dynamic:
            if self.name not in dynamic.mentions:
                continue
            self._problem(
                f"la cellule {dynamic.cell + 1} utilise {_quoted(dynamic.word)} (ligne {dynamic.line}), qui peut "
                f"remplacer {self.name} sans que le correcteur puisse le voir"
            )

    def _graded(self, name: str, depth: int, via: str = "", before: Order | None = None) -> None:
        candidates = self.scan.candidates(name, before)
        unreadable = self.scan.unreadable_cells_naming(name, before)
        for cell in unreadable:
            self._problem(_unreadable(cell, name))
        # No binding found and nothing that could bind out of sight: the source shown is
        # not all of the code (a live notebook's functions without their cells), nothing to check.
        for binding in candidates:
            where = f"dans {name} (cellule {binding.cell + 1}){via}"
            if binding.kind in ("def", "lambda") or (
                binding.kind == "class" and not self.rule.needs_plain_function
            ):
                self._add_unit(binding, where)
            elif binding.kind == "alias" and depth < _MAX_ALIASES:
                bound = f", à quoi {self.name} est liée (cellule {binding.cell + 1}, ligne {binding.line})"
                self._graded(binding.target, depth + 1, via or bound, binding.order)
            elif binding.kind == "star":
                if self.rule.needs_plain_function or self.rule.module_forbidden(binding.module):
                    self._problem(
                        f"{name} peut venir de « from {binding.module} import * » (cellule {binding.cell + 1}) : "
                        "définissez-la par def"
                    )
            elif binding.kind == "import" and not self.rule.needs_plain_function:
                if self.rule.module_forbidden(binding.module):
                    self._problem(f"{name} est importée de {binding.module} (cellule {binding.cell + 1})")
            elif binding.kind in ("value", "global") and not self.rule.needs_plain_function:
                self._add_unit(binding, where)
            else:
                self._problem(f"{name} {_not_plain(binding)} : définissez-la par une simple fonction (def)")

    # -- what the graded code reaches ---------------------------------------------------
    def _add_unit(self, binding: Binding | Unit, where: str) -> None:
        node = binding.node
        if node is None or id(node) in self.seen_units:
            return
        self.seen_units.add(id(node))
        # Module-level code is read where it runs; a function binding a global, when called.
        at = (
            binding.at if isinstance(binding, Unit) else (None if binding.kind == "global" else binding.order)
        )
        self.pending.append((Unit(binding.cell, binding.line, node, binding.scopes, "", at), where))

    def _reads(self, unit: Unit) -> set[tuple[str, Order | None]]:
        """Module-level names that ``unit``'s code reads (or writes), each with where it is
        read: the statement where module-level code runs, or None for code that runs when
        called (any time after loading). Code in a lambda or a comprehension of module-level
        code counts both ways, a class body too (it runs at once; its methods later)."""
        node = unit.node
        index = self.scan.scope_index.get(unit.cell, {})
        at = unit.at
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            direct, nested = module_names(module_scope_parts(node), index)  # decorators, defaults, bases
            body = scope_globals(unit.scopes) if unit.scopes else _body_names(node)
            if isinstance(node, ast.ClassDef):
                nested |= body
            reads = {(name, at) for name in direct | nested} | {(name, None) for name in nested | body}
        else:
            direct, nested = module_names([node], index)
            reads = {(name, at) for name in direct | nested} | {(name, None) for name in nested}
        return reads

    def _resolve(self, name: str, at: Order | None, reader: Unit, where: str) -> None:
        if (name, at) in self.seen_names:
            return
        self.seen_names.add((name, at))
        line = _first_use(reader, name)
        for cell in self.scan.unreadable_cells_naming(name, at):
            self._problem(f"{_unreadable(cell, name)} (ligne {line}) {where}")
        candidates = self.scan.candidates(name, at)
        for binding in candidates:
            self._reached(binding, name, line, where)
        imported = any(b.kind == "import" for b in candidates)
        for mutation in self.scan.mutations.get(name, []):
            ran_before = at is None or mutation.unit.at is None or mutation.unit.at < at
            if ran_before and (mutation.by_store or not imported):
                unit = mutation.unit
                self._add_unit(
                    unit,
                    f"dans {unit.label} de la cellule {unit.cell + 1} (ligne {unit.line}), qui modifie « {name} »",
                )
        if imported:
            self._patched_modules(candidates)

    def _reached(self, binding: Binding, name: str, line: int, where: str) -> None:
        cell = binding.cell + 1
        if binding.kind == "star":
            if self.rule.module_forbidden(binding.module):
                self._problem(
                    f"« {name} » (ligne {line}) peut venir de « from {binding.module} import * » (cellule {cell}) {where}"
                )
        elif binding.kind == "import":
            if self.rule.module_forbidden(binding.module):
                self._problem(f"utilisation de {binding.module} via « {name} » (ligne {line}) {where}")
        elif binding.kind == "alias":
            reader = Unit(binding.cell, binding.line, binding.node or ast.Pass(), (), "")
            self._resolve(
                binding.target,
                binding.order,
                reader,
                f"dans la valeur de « {name} » (cellule {cell}), utilisée par {self.name}",
            )
        elif binding.kind in ("def", "lambda"):
            self._add_unit(
                binding, f"dans la fonction auxiliaire {name} (cellule {cell}), appelée par {self.name}"
            )
        elif binding.kind == "class":
            self._add_unit(binding, f"dans la classe {name} (cellule {cell}), utilisée par {self.name}")
        elif binding.kind == "global":
            self._add_unit(
                binding,
                f"dans la fonction de la cellule {cell} (ligne {binding.line}), qui redéfinit « {name} »",
            )
        else:
            self._add_unit(
                binding,
                f"dans la valeur de « {name} » (cellule {cell}, ligne {binding.line}), utilisée par {self.name}",
            )

    def _patched_modules(self, imports: list[Binding]) -> None:
        """Attributes stored on any name bound to the same module (``np2.exp = ...`` changes ``np.exp``)."""
        roots = {_root(b.module) for b in imports if b.kind == "import"}
        for other, bindings in self.scan.bindings.items():
            if (other, None) in self.seen_names or not any(
                b.kind == "import" and _root(b.module) in roots for b in bindings
            ):
                continue
            for mutation in self.scan.mutations.get(other, []):
                if mutation.by_store:
                    unit = mutation.unit
                    self._add_unit(
                        unit,
                        f"dans {unit.label} de la cellule {unit.cell + 1} (ligne {unit.line}), qui modifie « {other} »",
                    )


def _body_names(node: ast.AST) -> set[str]:
    """Every name in the body of a def, lambda or class (no symbol table matched: over-approximate)."""
    return {n.id for n in walk_code(body_nodes(node)) if isinstance(n, ast.Name)}


def _first_use(unit: Unit, name: str) -> int:
    for node in walk_code([unit.node]):
        if isinstance(node, ast.Name) and node.id == name:
            return getattr(node, "lineno", unit.line)
    return unit.line


def _quoted(word: str) -> str:
    return word if word.startswith("«") else f"« {word} »"


def _unreadable(cell: int, name: str) -> str:
    return f"la cellule {cell + 1} est trop profondément imbriquée pour être analysée et peut redéfinir « {name} »"


def _not_plain(binding: Binding) -> str:
    where = f"(cellule {binding.cell + 1}, ligne {binding.line})"
    if binding.kind == "class":
        return f"est une classe {where}, pas une fonction"
    if binding.kind == "import":
        return f"est importée de {binding.module.lstrip('.')} {where}"
    if binding.kind == "global":
        return f"est redéfinie par « global » dans une fonction {where}"
    if binding.kind == "alias":
        return f"renvoie à un nom trop indirect {where}"
    return f"est liée par une instruction que le correcteur ne peut pas vérifier {where}"
