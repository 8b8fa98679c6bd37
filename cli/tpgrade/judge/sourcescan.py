"""Where a submission binds its module-level names: a static scan of its cells (judge side).

Python runs the cells in order, and a name's value once they have run is the
last of its bindings that ran. :func:`scan` lists every statement that can
bind a module-level name (``def``, ``class``, assignments of every form,
imports, ``for``/``with``/``except``/``match`` targets, the walrus, ``del``,
``global`` declarations in functions), each marked *certain* when it runs for
sure once its cell starts (at the top level of the cell, after inert
statements only). It also lists what changes a value in place (an attribute
or item stored on it, a method called on it), the constructs that could bind
names out of sight (``globals()``, ``exec``, ``__dict__``...), and the cells
it could not analyse (nested too deeply for the parser here: the runner,
with a higher recursion limit, may still run them).

A cell that Python cannot compile binds nothing: the runner cannot run it
either. Every walk here is iterative, so that no tree is too deep for it.
"""

from __future__ import annotations

import ast
import re
import symtable
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

BindingKind = Literal["def", "lambda", "class", "alias", "import", "star", "value", "del", "global"]
Scope = symtable.SymbolTable
Order = tuple[int, int]  # (cell, statement): where a statement runs in the submission

# Names and attributes through which code can bind or replace names, or the
# code of functions, without a statement that says so.
DYNAMIC_BINDER_NAMES = frozenset({"globals", "vars", "exec", "eval", "__builtins__", "builtins", "__main__"})
DYNAMIC_BINDER_ATTRIBUTES = frozenset(
    {
        "__dict__",
        "__globals__",
        "__builtins__",
        "__code__",
        "__defaults__",
        "__kwdefaults__",
        "__closure__",
        "f_globals",
        "f_locals",
        "f_builtins",
        "_getframe",
        "get_referrers",
        "get_objects",
        "pythonapi",
    }
)
DYNAMIC_BINDER_MODULES = frozenset({"builtins", "__main__", "ctypes"})
# Strings that name a way in (``__import__("__main__")``, ``getattr(f, "__globals__")``).
DYNAMIC_BINDER_STRINGS = DYNAMIC_BINDER_ATTRIBUTES | DYNAMIC_BINDER_MODULES
# Modules whose plain ``import`` cannot fail in a runner: it does not end its cell early.
SAFE_MODULES = frozenset(
    {
        "numpy",
        "math",
        "cmath",
        "typing",
        "collections",
        "functools",
        "itertools",
        "operator",
        "copy",
        "random",
    }
)
_COMPREHENSIONS = {
    ast.ListComp: "listcomp",
    ast.SetComp: "setcomp",
    ast.DictComp: "dictcomp",
    ast.GeneratorExp: "genexpr",
}
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Binding:
    """One statement that may bind ``name`` at module level."""

    name: str
    kind: BindingKind
    cell: int
    line: int
    order: Order
    certain: bool
    node: ast.AST | None = None  # def/class/lambda node, or the code whose value is bound
    scopes: tuple[Scope, ...] = ()  # the symbol tables of ``node``'s own scopes
    module: str = ""  # imports: the dotted name imported
    target: str = ""  # alias: the name whose value is copied


@dataclass(frozen=True)
class Unit:
    """Code whose names a graded object may read: a def, a class, a lambda, a statement."""

    cell: int
    line: int
    node: ast.AST
    scopes: tuple[Scope, ...]  # symbol tables of the scopes nested in it (exact name resolution)
    label: str
    at: Order | None = None  # where its module-level code runs (None: a function, run when called)


@dataclass(frozen=True)
class Mutation:
    unit: Unit
    by_store: bool  # an attribute or item stored (``m.f = ...``), not only a method called


@dataclass(frozen=True)
class Dynamic:
    cell: int
    line: int
    word: str
    mentions: frozenset[str] = frozenset()  # names, attributes and strings of its top-level statement


@dataclass
class Scan:
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    mutations: dict[str, list[Mutation]] = field(default_factory=dict)
    dynamic: list[Dynamic] = field(default_factory=list)
    unreadable: list[tuple[int, frozenset[str]]] = field(default_factory=list)
    sys_aliases: set[str] = field(default_factory=lambda: {"sys"})
    dynamic_aliases: set[str] = field(default_factory=set)  # names bound to sys.modules, builtins...
    scope_index: dict[int, dict[tuple[str, int], list[Scope]]] = field(default_factory=dict)

    def bind(self, binding: Binding) -> None:
        self.bindings.setdefault(binding.name, []).append(binding)

    def candidates(self, name: str, before: Order | None = None) -> list[Binding]:
        """The bindings of ``name`` that may give its value once every cell has run (or,
        ``before`` a statement, when it runs): the last certain one and all that follow
        it, star imports included (they may bind any name); bindings made in functions
        (``global``) may have run at any time."""
        own = self.bindings.get(name, []) if name != "*" else []
        events = [*own, *self.bindings.get("*", [])]
        if before is not None:
            events = [b for b in events if b.kind == "global" or b.order < before]
        events.sort(key=lambda b: (b.kind == "global", b.order))
        last = max((i for i, b in enumerate(events) if b.certain and b.kind != "global"), default=0)
        return [b for b in events[last:] if b.kind != "del"]

    def unreadable_cells_naming(self, name: str, before: Order | None = None) -> list[int]:
        last = before[0] if before is not None else len(self.scope_index) + len(self.unreadable)
        return [
            cell
            for cell, words in self.unreadable
            if cell < last and (name in words or words & DYNAMIC_BINDER_NAMES)
        ]


def scan(cells: Iterable[str]) -> Scan:
    result = Scan()
    for index, text in enumerate(cells):
        _scan_cell(index, text, result)
    return result


def _scan_cell(index: int, text: str, result: Scan) -> None:
    try:
        compile(text, f"<cellule {index + 1}>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return  # the runner cannot run it: it binds nothing
    except (RecursionError, MemoryError):
        result.unreadable.append((index, _words(text)))
        return
    try:
        tree = ast.parse(text)
        table = symtable.symtable(text, f"<cellule {index + 1}>", "exec")
        _CellScanner(index, tree, table, result).run()
    except (RecursionError, MemoryError):
        result.unreadable.append((index, _words(text)))


def _words(text: str) -> frozenset[str]:
    """Every identifier-like word of ``text``, normalised as Python normalises identifiers."""
    return frozenset(unicodedata.normalize("NFKC", word) for word in _WORD.findall(text))


def root_name(node: ast.AST) -> str | None:
    """``a`` for ``a``, ``a.b[c].d``, ``a.b(...).c``."""
    while True:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute | ast.Subscript | ast.Starred):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return None


def _changed_root(node: ast.AST) -> str | None:
    """The name whose value an in-place change of ``node`` changes: ``a`` for ``a.b[c]`` and
    ``a.get(k)``; none for what a function returns (``len(x).to_bytes()`` changes no ``len``)."""
    while True:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute | ast.Subscript | ast.Starred):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        else:
            return None


def bound_names(target: ast.AST) -> Iterator[str]:
    """Names a target binds as a whole: ``x``, ``a, b``, ``*rest``; not ``d[k]`` or ``o.a``."""
    stack = [target]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Tuple | ast.List):
            stack.extend(node.elts)
        elif isinstance(node, ast.Starred):
            stack.append(node.value)


def _pattern_names(pattern: ast.AST) -> Iterator[str]:
    for node in ast.walk(pattern):
        if isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            yield node.name
        elif isinstance(node, ast.MatchMapping) and node.rest:
            yield node.rest


def annotations_of(node: ast.AST) -> list[ast.AST]:
    """The annotation expressions of a def (they do not run when it is called)."""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        return []
    args = node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    found: list[ast.AST] = [arg.annotation for arg in every if arg is not None and arg.annotation is not None]
    returns = getattr(node, "returns", None)
    return [*found, returns] if returns is not None else found


def module_scope_parts(node: ast.AST) -> list[ast.AST]:
    """What of a def, lambda or class runs where it is defined: decorators, defaults, bases."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        defaults = [d for d in (*node.args.defaults, *node.args.kw_defaults) if d is not None]
        return [*getattr(node, "decorator_list", []), *defaults]
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]
    return [node]


def body_nodes(node: ast.AST) -> list[ast.AST]:
    """What of a def, lambda or class runs in its own scope."""
    if isinstance(node, ast.Lambda):
        return [node.body]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return list(node.body)
    return []


def walk_code(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Every node of ``nodes`` that runs (annotations skipped), iteratively."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            stack.extend([*module_scope_parts(node), *body_nodes(node)])
        elif isinstance(node, ast.AnnAssign):
            stack.extend(n for n in (node.target, node.value) if n is not None)
        else:
            stack.extend(ast.iter_child_nodes(node))


def scope_globals(scopes: Iterable[Scope]) -> set[str]:
    """Module-level names read or written by these scopes and the scopes nested in them."""
    names: set[str] = set()
    stack = list(scopes)
    while stack:
        table = stack.pop()
        for symbol in table.get_symbols():
            if symbol.is_global() and (symbol.is_referenced() or symbol.is_assigned()):
                names.add(symbol.get_name())
        stack.extend(table.get_children())
    return names


def module_names(
    nodes: Iterable[ast.AST], index: dict[tuple[str, int], list[Scope]]
) -> tuple[set[str], set[str]]:
    """(names read by code running in module scope, names read in the scopes nested in it:
    lambdas, comprehensions, defs, resolved by their symbol tables)."""
    direct: set[str] = set()
    nested: set[str] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            direct.add(node.id)
        elif isinstance(node, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            stack.extend(module_scope_parts(node))
            nested |= _nested_names(node, index)
        elif type(node) in _COMPREHENSIONS:
            generators = node.generators  # type: ignore[attr-defined]
            stack.append(generators[0].iter)
            nested |= _nested_names(node, index)
        else:
            stack.extend(ast.iter_child_nodes(node))
    return direct, nested


def scopes_of(node: ast.AST, index: dict[tuple[str, int], list[Scope]]) -> tuple[Scope, ...]:
    name = _COMPREHENSIONS.get(type(node)) or (
        "lambda" if isinstance(node, ast.Lambda) else str(getattr(node, "name", ""))
    )
    return tuple(index.get((name, int(getattr(node, "lineno", -1))), []))


def _nested_names(node: ast.AST, index: dict[tuple[str, int], list[Scope]]) -> set[str]:
    scopes = scopes_of(node, index)
    if scopes:
        return scope_globals(scopes)
    # No table matched (should not happen): every name inside, a safe over-approximation.
    return {n.id for n in walk_code(body_nodes(node) or [node]) if isinstance(n, ast.Name)}


def _index_scopes(table: Scope) -> dict[tuple[str, int], list[Scope]]:
    index: dict[tuple[str, int], list[Scope]] = {}
    stack = list(table.get_children())
    while stack:
        child = stack.pop()
        index.setdefault((child.get_name(), child.get_lineno()), []).append(child)
        stack.extend(child.get_children())
    return index


class _CellScanner:
    def __init__(self, cell: int, tree: ast.Module, table: Scope, result: Scan) -> None:
        self.cell = cell
        self.tree = tree
        self.result = result
        self.index = _index_scopes(table)
        result.scope_index[cell] = self.index
        self.counter = 0
        self.lazy_annotations = any(
            isinstance(s, ast.ImportFrom)
            and s.module == "__future__"
            and any(a.name == "annotations" for a in s.names)
            for s in tree.body
        )

    def run(self) -> None:
        self._find_sys_aliases()
        inert_so_far = True
        # Execution order: each statement, then the statements nested in it.
        stack: list[ast.stmt] = list(reversed(self.tree.body))
        top = set(map(id, self.tree.body))
        while stack:
            stmt = stack.pop()
            self.counter += 1
            at_top = id(stmt) in top
            certain = at_top and inert_so_far and self._cannot_fail(stmt)
            self._bindings(stmt, certain)
            self._mutations(stmt)
            if at_top and not self._inert(stmt):
                inert_so_far = False
            nested = [s for s in ast.iter_child_nodes(stmt) if isinstance(s, ast.stmt)]
            if isinstance(stmt, ast.Try | ast.TryStar):
                nested += [s for handler in stmt.handlers for s in handler.body]
            if isinstance(stmt, ast.Match):
                nested += [s for case in stmt.cases for s in case.body]
            if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                stack.extend(reversed(nested))
        self._functions()
        self._dynamic()

    # -- what runs for sure ---------------------------------------------------
    def _inert(self, stmt: ast.stmt) -> bool:
        """Cannot raise, loop or take time: what follows it in the cell runs too."""
        if isinstance(stmt, ast.Pass) or (
            isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        ):
            return True
        if isinstance(stmt, ast.Import):
            return all(
                alias.name.split(".")[0] in SAFE_MODULES and "." not in alias.name for alias in stmt.names
            )
        if isinstance(stmt, ast.ImportFrom):
            return stmt.module == "__future__"
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            return self._cannot_fail(stmt)
        if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
            value = stmt.value
            if isinstance(value, ast.Lambda):
                return all(isinstance(d, ast.Constant) for d in module_scope_parts(value))
            return isinstance(value, ast.Constant)
        return False

    def _cannot_fail(self, stmt: ast.stmt) -> bool:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            defaults = module_scope_parts(stmt)
            lazy = self.lazy_annotations or not annotations_of(stmt)
            return lazy and all(isinstance(d, ast.Constant) for d in defaults)
        return self._inert(stmt) or isinstance(stmt, ast.Delete)

    # -- bindings ---------------------------------------------------------------
    def _add(self, name: str, kind: BindingKind, stmt: ast.AST, certain: bool, **extra: object) -> None:
        self.result.bind(
            Binding(
                name=name,
                kind=kind,
                cell=self.cell,
                line=getattr(stmt, "lineno", 0),
                order=(self.cell, self.counter),
                certain=certain,
                **extra,  # type: ignore[arg-type]
            )
        )

    def _bindings(self, stmt: ast.stmt, certain: bool) -> None:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            kind: BindingKind = "class" if isinstance(stmt, ast.ClassDef) else "def"
            self._add(stmt.name, kind, stmt, certain, node=stmt, scopes=scopes_of(stmt, self.index))
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                bound = alias.asname or alias.name.split(".")[0]
                module = alias.name if alias.asname else alias.name.split(".")[0]
                self._add(bound, "import", stmt, certain, module=module)
        elif isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                module = "." * stmt.level + (stmt.module or "")
                if alias.name == "*":
                    self._add("*", "star", stmt, False, module=module)
                else:
                    self._add(
                        alias.asname or alias.name, "import", stmt, certain, module=f"{module}.{alias.name}"
                    )
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            value = stmt.value
            for target in targets:
                for name in bound_names(target):
                    if value is None:
                        continue
                    if isinstance(target, ast.Name) and isinstance(value, ast.Lambda):
                        self._add(
                            name, "lambda", stmt, certain, node=value, scopes=scopes_of(value, self.index)
                        )
                    elif isinstance(target, ast.Name) and isinstance(value, ast.Name):
                        self._add(name, "alias", stmt, certain, node=value, target=value.id)
                    else:
                        self._add(name, "value", stmt, certain, node=value)
        elif isinstance(stmt, ast.AugAssign):
            for name in bound_names(stmt.target):
                self._add(name, "value", stmt, False, node=stmt)
        elif isinstance(stmt, ast.For | ast.AsyncFor):
            for name in bound_names(stmt.target):
                self._add(name, "value", stmt, False, node=stmt.iter)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            for item in stmt.items:
                if item.optional_vars is not None:
                    for name in bound_names(item.optional_vars):
                        self._add(name, "value", stmt, False, node=item.context_expr)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            for handler in stmt.handlers:
                if handler.name:
                    # The exception may carry anything raised in the try body.
                    self._add(handler.name, "value", handler, False, node=stmt)
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                for name in _pattern_names(case.pattern):
                    self._add(name, "value", case.pattern, False, node=stmt.subject)
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                for name in bound_names(target):
                    self._add(name, "del", stmt, certain)
        self._walrus(stmt)

    def _header(self, stmt: ast.stmt) -> list[ast.AST]:
        """The parts of a statement that run in module scope (not its nested statements)."""
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            parts = module_scope_parts(stmt)
            return parts if self.lazy_annotations else [*parts, *annotations_of(stmt)]
        return [c for c in ast.iter_child_nodes(stmt) if not isinstance(c, ast.stmt)]

    def _walrus(self, stmt: ast.stmt) -> None:
        stack = self._header(stmt)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                self._add(node.target.id, "value", node, False, node=node.value)
            if isinstance(node, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                stack.extend(module_scope_parts(node))
            elif not isinstance(node, ast.stmt) or node is stmt:
                stack.extend(ast.iter_child_nodes(node))

    # -- changes made in place ------------------------------------------------------
    def _mutations(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return  # what their bodies do is scanned with the functions
        header = self._header(stmt)
        unit = Unit(self.cell, stmt.lineno, stmt, (), "une instruction", at=(self.cell, self.counter))
        for root, by_store in _mutated_roots(stmt, header):
            self.result.mutations.setdefault(root, []).append(Mutation(unit, by_store))

    def _functions(self) -> None:
        """Functions and classes that bind module-level names (``global``) or change values in place."""
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
                continue
            scopes = scopes_of(node, self.index)
            own = {s.get_name() for t in scopes for s in t.get_symbols() if not s.is_global()}
            label = f"la fonction {getattr(node, 'name', 'lambda')}"
            unit = Unit(self.cell, node.lineno, node, scopes, label)
            for table in scopes:
                for symbol in table.get_symbols():
                    if symbol.is_declared_global() and symbol.is_assigned():
                        self._add(symbol.get_name(), "global", node, False, node=node, scopes=scopes)
            if isinstance(node, ast.ClassDef):
                continue
            roots: set[tuple[str, bool]] = set()
            if isinstance(node, ast.Lambda):
                roots.update(_mutated_roots(node.body, [node.body]))
            for sub in walk_code(body_nodes(node)):
                if isinstance(sub, ast.stmt):
                    header = [c for c in ast.iter_child_nodes(sub) if not isinstance(c, ast.stmt)]
                    roots.update(_mutated_roots(sub, header))
            for root, by_store in sorted(roots):
                if root not in own:
                    self.result.mutations.setdefault(root, []).append(Mutation(unit, by_store))

    # -- what could bind out of sight -------------------------------------------------
    def _find_sys_aliases(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                self.result.sys_aliases.update(a.asname or a.name for a in node.names if a.name == "sys")

    def _dynamic(self) -> None:
        found = self.result.dynamic
        module_level = {id(n) for s in self.tree.body for n in _module_level_nodes(s)}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and (
                (node.module or "").split(".")[0] in DYNAMIC_BINDER_MODULES or node.module == "sys"
            ):
                taken = [a for a in node.names if node.module != "sys" or a.name in ("modules", "_getframe")]
                self.result.dynamic_aliases.update(a.asname or a.name for a in taken)
            elif isinstance(node, ast.Import):
                self.result.dynamic_aliases.update(
                    (a.asname or a.name).split(".")[0]
                    for a in node.names
                    if a.name.split(".")[0] in DYNAMIC_BINDER_MODULES
                )
        for statement in self.tree.body:
            self._dynamic_in(statement, module_level, found)

    def _dynamic_in(self, statement: ast.stmt, module_level: set[int], found: list[Dynamic]) -> None:
        nodes = list(ast.walk(statement))
        mentions = frozenset(
            word
            for node in nodes
            for word in (getattr(node, "id", None), getattr(node, "attr", None), getattr(node, "value", None))
            if isinstance(word, str)
        )
        for node in nodes:
            word = None
            if isinstance(node, ast.Name) and (
                node.id in DYNAMIC_BINDER_NAMES
                or node.id in self.result.dynamic_aliases
                or (node.id == "locals" and id(node) in module_level)
            ):
                word = node.id
            elif isinstance(node, ast.Attribute) and (
                node.attr in DYNAMIC_BINDER_ATTRIBUTES
                or (node.attr == "modules" and root_name(node.value) in self.result.sys_aliases)
            ):
                word = f".{node.attr}"
            elif isinstance(node, ast.Constant) and node.value in DYNAMIC_BINDER_STRINGS:
                word = f"« {node.value} »"
            elif isinstance(node, ast.Import | ast.ImportFrom):
                modules = (
                    [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                )
                word = next((m for m in modules if m.split(".")[0] in DYNAMIC_BINDER_MODULES), None)
                if isinstance(node, ast.ImportFrom) and node.module == "sys":
                    taken = [f"sys.{a.name}" for a in node.names if a.name in ("modules", "_getframe")]
                    word = taken[0] if taken else word
            if word is not None:
                found.append(Dynamic(self.cell, getattr(node, "lineno", 0), word, mentions))


def _module_level_nodes(stmt: ast.stmt) -> Iterator[ast.AST]:
    """The nodes of a module-level statement outside the bodies of defs and classes."""
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            stack.extend(module_scope_parts(node))
        else:
            stack.extend(ast.iter_child_nodes(node))


def _mutated_roots(stmt: ast.AST, header: list[ast.AST]) -> Iterator[tuple[str, bool]]:
    """(name, by_store) for each value that ``stmt`` may change in place."""
    targets: list[ast.AST] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor):
        targets = [stmt.target]
    elif isinstance(stmt, ast.Delete):
        targets = list(stmt.targets)
    elif isinstance(stmt, ast.With | ast.AsyncWith):
        targets = [i.optional_vars for i in stmt.items if i.optional_vars is not None]
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.Attribute | ast.Subscript) and not isinstance(node.ctx, ast.Load):
                root = _changed_root(node.value)
                if root:
                    yield root, True
    stack = list(header)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                root = _changed_root(node.func.value)
                if root:
                    yield root, False
            elif isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr") and node.args:
                root = root_name(node.args[0])
                if root:
                    yield root, True
        if not isinstance(
            node, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.stmt
        ):
            stack.extend(ast.iter_child_nodes(node))
        elif node is stmt:
            stack.extend(c for c in ast.iter_child_nodes(node) if not isinstance(c, ast.stmt))
