"""Per-function ORM summaries of the project model, read from `ast` in the index pass.

For every function and method of a file (cached with the file's other symbols, by content):

- `ReturnedRows`: "returns rows of model M with eager loads E": the query its returns build
  (a Django manager chain, `session.query(M)`, `session.scalars(select(M))`, a `select(M)`
  statement), through the function's own single-assignment locals, with the relation paths
  `select_related` / `prefetch_related` / loader options load, whether the rows are one or
  many, and whether they are model instances;
- `IteratedParameter`: "iterates parameter p and reads relation r": a loop or comprehension
  over a parameter, and the attribute chains read on each item.

The model is kept as the file names it (`Order`, `models.Order`); `ProjectSymbols.rows`
resolves it across modules, and the query tracker maps it onto the model graph. JSON only at
the cache boundary.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import Any, Mapping

from reviewer.astfacts import STATEMENTS, dotted_name, keyword_value, walk
from reviewer.project.ormvocab import (
    DJANGO_CHAIN,
    DJANGO_EAGER,
    DJANGO_SINGLE,
    DJANGO_VALUES,
    DJANGO_READS,
    SA_ATTRIBUTE_REFINERS,
    SA_CHAIN,
    SA_PLAIN_ROWS,
    SA_READ_METHODS,
    SA_SESSION_ROWS,
    SA_SINGLE,
    WRAPPERS,
    django_paths,
    path_pieces,
    sa_eager_paths,
    sessionish,
)

Path = tuple[str, ...]
MAX_DEPTH = 12
MAX_USES = 8
PROPERTY_DECORATORS = frozenset({"property", "cached_property"})
SESSION_CALLS = frozenset({"query", "execute", "scalars", "scalar", "get"})
WRITE_CALLS = frozenset(
    {"update", "delete", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create", "add", "remove", "clear", "set", "append", "extend", "save", "commit", "flush"}
)
# Model methods whose reads are not queries of the row's relations.
READ_CALLS = DJANGO_READS | SA_READ_METHODS | {"aggregate", "values", "values_list", "iterator"}
SA_MODULES = ("sqlalchemy", "sqlmodel")


@dataclass(frozen=True)
class ReturnedRows:
    """What a function returns: rows (or a statement) of the model `model` names."""

    model: str  # dotted, as the defining file writes it
    manager: str = ""  # the Django manager attribute (`objects`), "" for SQLAlchemy
    many: bool = True
    eager: tuple[Path, ...] = ()
    opaque: bool = False  # eager loading that cannot be read (a variable argument)
    instances: bool = True
    select_all: bool = False  # Django select_related() without arguments
    statement: bool = False  # an SQLAlchemy select() not yet executed
    # Where each `return` expression ends, (line, UTF-8 byte column) as `ast` gives them, when
    # every one is a Django queryset method chain: an eager load can be appended there.
    ends: tuple[tuple[int, int], ...] = ()

    def to_json(self) -> Any:
        return [self.model, self.manager, self.many, [list(p) for p in self.eager], self.opaque, self.instances, self.select_all,
                self.statement, [list(end) for end in self.ends]]  # fmt: skip

    @staticmethod
    def from_json(data: Any) -> "ReturnedRows":
        return ReturnedRows(data[0], data[1], data[2], tuple(tuple(p) for p in data[3]), data[4], data[5], data[6], data[7],
                            tuple((int(line), int(column)) for line, column in data[8]))  # fmt: skip


@dataclass(frozen=True)
class IteratedParameter:
    """A parameter the function loops over, and the attribute chains read on each item."""

    parameter: str
    index: int  # its position among the positional parameters (`self` / `cls` not counted)
    reads: tuple[Path, ...]

    def to_json(self) -> Any:
        return [self.parameter, self.index, [list(p) for p in self.reads]]

    @staticmethod
    def from_json(data: Any) -> "IteratedParameter":
        return IteratedParameter(data[0], data[1], tuple(tuple(p) for p in data[2]))


# Kinds of QueryUse (RETURNS: the query a function returns, which its caller runs; it stands
# for the ReturnedRows summary where a use is wanted, and is never collected as such).
MANAGER, SESSION, SELF_CALL, SELF_READ, RETURNS = "manager", "session", "self-call", "self-read", "returns"


@dataclass(frozen=True)
class QueryUse:
    """A database access in a function body ("runs a query"):

    - MANAGER: a read through a model's manager or query property (`Payment.objects.filter(
      ...).aggregate(...)`, `Payment.query.count()`): `chain` is the model as written and the
      attribute, `method` the read;
    - SESSION: a session or connection call (`db.session.query(...)`, `session.execute(...)`);
    - SELF_CALL: a method called on a chain of `self` (`self.payments.filter(...)`): `chain`
      is the attributes, `method` the first call; a query when the chain is a relation, unless
      the caller prefetched it and the method reads the prefetch cache;
    - SELF_READ: an attribute chain read on `self` (`self.customer.name`): a lazy load when it
      crosses a relation the caller did not load.
    """

    kind: str
    chain: Path
    method: str = ""

    def to_json(self) -> Any:
        return [self.kind, list(self.chain), self.method]

    @staticmethod
    def from_json(data: Any) -> "QueryUse":
        return QueryUse(data[0], tuple(data[1]), data[2])


@dataclass(frozen=True)
class QuerySummary:
    returns: ReturnedRows | None = None
    iterates: tuple[IteratedParameter, ...] = ()
    queries: tuple[QueryUse, ...] = ()
    is_property: bool = False  # a `@property` / `cached_property` of its class
    getter: bool = False  # every `return` returns a value (it computes something, not a procedure)

    def __bool__(self) -> bool:
        return self.returns is not None or bool(self.iterates) or bool(self.queries)

    def to_json(self) -> Any:
        return {
            "returns": self.returns.to_json() if self.returns is not None else None,
            "iterates": [item.to_json() for item in self.iterates],
            "queries": [use.to_json() for use in self.queries],
            "property": self.is_property,
            "getter": self.getter,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "QuerySummary":
        returns = data.get("returns")
        return QuerySummary(
            ReturnedRows.from_json(returns) if returns is not None else None,
            tuple(IteratedParameter.from_json(item) for item in data.get("iterates", ())),
            tuple(QueryUse.from_json(item) for item in data.get("queries", ())),
            bool(data.get("property", False)),
            bool(data.get("getter", False)),
        )


def summarise(
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    imports: Mapping[str, tuple[str, str, int]],
    method: bool,
    accesses: bool = True,
    on_self: bool = True,
) -> QuerySummary:
    """The ORM summary of one function (`method`: its first parameter is `self` / `cls`;
    `accesses`: the file's text can hold a query, so its database accesses are looked for;
    `on_self`: the file can define models, so a method's reads of `self` are kept)."""
    statements = list(function_statements(node))
    assigned: dict[str, list[ast.AST | None]] = {}
    returns: list[ast.AST | None] = []
    for statement in statements:
        if isinstance(statement, ast.Return):
            returns.append(statement.value)
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(statement.value)
                else:
                    for name in target_names(target):
                        assigned.setdefault(name, []).append(None)
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
            for name in target_names(statement.target):
                value = statement.value if isinstance(statement, ast.AnnAssign) else None
                assigned.setdefault(name, []).append(value)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                if item.optional_vars is not None:
                    for name in target_names(item.optional_vars):
                        assigned.setdefault(name, []).append(None)
    local = {name: values[0] for name, values in assigned.items() if len(values) == 1 and values[0] is not None}
    reader = _Reader(imports, local, _built_lists(statements, local))
    rows = None
    if returns and all(value is not None for value in returns):
        found = [reader.rows(value, 0) for value in returns]  # type: ignore[arg-type]
        rows = _combine(found)
        if rows is not None and rows.manager and all(_queryset_chain(value) for value in returns):
            rows = replace(rows, ends=tuple((value.end_lineno, value.end_col_offset) for value in returns))  # type: ignore[union-attr]
    args = node.args
    positional = [a.arg for a in [*args.posonlyargs, *args.args]]
    if method and positional:
        positional = positional[1:]
    iterates = _iterated(statements, positional, assigned)
    queries = _accesses(statements, on_self and method and bool(args.args) and args.args[0].arg == "self") if accesses or on_self else ()
    is_property = method and any((dotted_name(d) or "").rsplit(".", 1)[-1] in PROPERTY_DECORATORS for d in node.decorator_list)
    getter = bool(queries) and bool(returns) and all(value is not None for value in returns)
    return QuerySummary(rows, iterates, queries, is_property and bool(queries), getter)


def _built_lists(statements: list[ast.stmt], local: Mapping[str, ast.AST]) -> dict[str, tuple[ast.expr, ...] | None]:
    """The items of each local list built by its literal and `.append(x)` / `.extend([...])`
    calls anywhere in the function (`options = [...]; if x: options.append(...)`, then
    `.options(*options)`): every item it may hold; None when it grows any other way."""
    found: dict[str, list[ast.expr] | None] = {
        name: list(value.elts) for name, value in local.items() if isinstance(value, (ast.List, ast.Tuple))
    }
    for statement in statements:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)):
            continue
        items = found.get(call.func.value.id)
        if items is None:
            continue
        if call.func.attr == "append" and len(call.args) == 1 and not call.keywords:
            items.append(call.args[0])
        elif call.func.attr == "extend" and len(call.args) == 1 and isinstance(call.args[0], (ast.List, ast.Tuple)):
            items.extend(call.args[0].elts)
        elif call.func.attr not in ("copy", "count", "index"):
            found[call.func.value.id] = None
    return {name: tuple(items) if items is not None else None for name, items in found.items()}


def _queryset_chain(node: ast.AST | None) -> bool:
    """A Django queryset method call (`Order.objects.filter(...)`), on which another queryset
    method can be called: not a slice, a single row, `values()` or a wrapper like `list()`."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in APPENDABLE


# Queryset methods after which `.select_related()` / `.prefetch_related()` may be called
# (`iterator()` returns a generator; Django refuses them after a combinator such as `union()`).
APPENDABLE = (DJANGO_CHAIN | DJANGO_EAGER) - {"iterator", "union", "intersection", "difference"}


def _combine(found: list[ReturnedRows | None]) -> ReturnedRows | None:
    if not found or any(rows is None for rows in found):
        return None
    first = found[0]
    assert first is not None
    if any(rows.model != first.model or rows.statement != first.statement for rows in found if rows is not None):
        return None
    eager: set[Path] = set()
    for rows in found:
        eager |= set(rows.eager)  # type: ignore[union-attr]
    return replace(
        first,
        many=any(r.many for r in found if r),
        eager=tuple(sorted(eager)),
        opaque=any(r.opaque for r in found if r),
        instances=all(r.instances for r in found if r),
        select_all=any(r.select_all for r in found if r),
    )


class _Reader:
    def __init__(
        self, imports: Mapping[str, tuple[str, str, int]], local: Mapping[str, ast.AST], lists: Mapping[str, tuple[ast.expr, ...] | None] | None = None,
    ) -> None:
        self.imports = imports
        self.local = local
        self.lists = lists or {}

    def _imported_from(self, name: str, modules: tuple[str, ...]) -> str:
        """The name a local name imports from one of `modules`, else ""."""
        target = self.imports.get(name)
        if target is None or target[2] or not target[0].startswith(modules):
            return ""
        return target[1] or target[0]

    def _is_select(self, func: ast.AST) -> bool:
        if isinstance(func, ast.Name):
            return self._imported_from(func.id, SA_MODULES) == "select"
        if isinstance(func, ast.Attribute) and func.attr == "select" and isinstance(func.value, ast.Name):
            target = self.imports.get(func.value.id)
            return target is not None and not target[2] and (target[0].startswith(SA_MODULES) and not target[1])
        return False

    def rows(self, node: ast.AST, depth: int) -> ReturnedRows | None:
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, ast.Await):
            return self.rows(node.value, depth + 1)
        if isinstance(node, ast.Name):
            value = self.local.get(node.id)
            return self.rows(value, depth + 1) if value is not None else None
        if isinstance(node, ast.Attribute):
            model = _model(node.value)
            if model is None:
                return None
            if node.attr == "query":
                return ReturnedRows(model)  # Flask-SQLAlchemy `Model.query`
            return ReturnedRows(model, manager=node.attr)
        if isinstance(node, ast.Subscript):
            found = self.rows(node.value, depth + 1)
            if found is None or not found.many:
                return None
            return found if isinstance(node.slice, ast.Slice) else replace(found, many=False)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        return None

    def _call(self, node: ast.Call, depth: int) -> ReturnedRows | None:
        func = node.func
        args = [a for a in node.args if not isinstance(a, ast.Starred)]
        if isinstance(func, ast.Name) and func.id in WRAPPERS and args and not self.imports.get(func.id):
            return self.rows(args[0], depth + 1)
        if self._is_select(func):
            model = _model(args[0]) if len(args) == 1 else None
            return ReturnedRows(model, statement=True) if model else None
        if not isinstance(func, ast.Attribute):
            return None
        method = func.attr
        if method == "query" and len(args) == 1 and _model(args[0]) is not None:
            return ReturnedRows(_model(args[0]))  # type: ignore[arg-type]
        if method in SA_SESSION_ROWS and args:
            statement = self.rows(args[0], depth + 1)
            if statement is None or not statement.statement:
                return None
            return replace(statement, statement=False, instances=(method == "scalars"))
        if method == "get" and len(args) >= 2 and _model(args[0]) is not None:
            rows = ReturnedRows(_model(args[0]), many=False)  # type: ignore[arg-type]
            options = keyword_value(node, "options")
            return self._options(rows, options.elts) if isinstance(options, (ast.List, ast.Tuple)) else rows
        rows = self.rows(func.value, depth + 1)
        if rows is None:
            return None
        return self._chain(rows, method, node, depth)

    def _chain(self, rows: ReturnedRows, method: str, node: ast.Call, depth: int) -> ReturnedRows | None:
        if rows.manager:  # Django
            if not rows.many:
                return None
            if method in DJANGO_EAGER:
                if method == "select_related" and not node.args:
                    return replace(rows, select_all=True)
                eager = set(rows.eager)
                for argument in node.args:
                    paths = self._django_eager(argument, depth)
                    if paths is None:
                        return replace(rows, opaque=True)
                    eager |= paths
                return replace(rows, eager=tuple(sorted(eager)))
            if method in DJANGO_CHAIN:
                return rows
            if method in DJANGO_VALUES:
                return replace(rows, instances=False)
            if method in DJANGO_SINGLE:
                return replace(rows, many=False)
            return None  # a custom queryset method: its eager loading is not read here
        if method == "options":
            return self._options(rows, node.args)
        if method in SA_CHAIN:
            if not rows.many:
                return None
            return replace(rows, instances=True) if method == "scalars" else rows
        if method in SA_SINGLE:
            return replace(rows, many=False, instances=rows.instances or method.startswith("scalar"))
        if method in SA_PLAIN_ROWS:
            return replace(rows, instances=False)
        return None

    def _django_eager(self, value: ast.AST, depth: int) -> set[Path] | None:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return django_paths(value.value)
        if not (isinstance(value, ast.Call) and (dotted_name(value.func) or "").rsplit(".", 1)[-1] == "Prefetch" and value.args):
            return None
        lookup = value.args[0]
        if not (isinstance(lookup, ast.Constant) and isinstance(lookup.value, str)):
            return None
        base = tuple(p for p in lookup.value.split("__") if p)
        paths = django_paths(lookup.value)
        to_attr = keyword_value(value, "to_attr")
        if isinstance(to_attr, ast.Constant) and isinstance(to_attr.value, str):
            base = base[:-1] + (to_attr.value,)
            paths.add(base)
        queryset = keyword_value(value, "queryset") or (value.args[1] if len(value.args) > 1 else None)
        if queryset is not None:
            inner = self.rows(queryset, depth + 1)
            if inner is None or inner.opaque:
                return None
            paths |= {base + path for path in inner.eager}
        return paths

    def _options(self, rows: ReturnedRows, options: list[ast.expr]) -> ReturnedRows:
        """The rows with the paths loader options load; opaque when one cannot be read (a
        `*options` list is read through the items `_built_lists` found for it)."""
        eager = set(rows.eager)
        expanded: list[ast.expr] = []
        for option in options:
            if isinstance(option, ast.Starred):
                items = self.lists.get(option.value.id) if isinstance(option.value, ast.Name) else None
                if items is None:
                    return replace(rows, opaque=True)
                expanded.extend(items)
            else:
                expanded.append(option)
        for option in expanded:
            paths = _sa_option(option)
            if paths is None:
                return replace(rows, opaque=True)
            eager |= paths
        return replace(rows, eager=tuple(sorted(eager)))


def _sa_option(option: ast.AST) -> set[Path] | None:
    """Paths an SQLAlchemy loader option (possibly chained) loads eagerly; None when it
    cannot be read."""
    steps: list[ast.Call] = []
    node = option
    while isinstance(node, ast.Call):
        steps.append(node)
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call):
            node = node.func.value
        else:
            break
    return sa_eager_paths((_loader_name(step.func), [_pieces(argument) for argument in step.args]) for step in reversed(steps))


def _loader_name(func: ast.AST) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _pieces(argument: ast.AST) -> Path | None:
    if isinstance(argument, ast.Call) and isinstance(argument.func, ast.Attribute) and argument.func.attr in SA_ATTRIBUTE_REFINERS:
        return _pieces(argument.func.value)
    if isinstance(argument, ast.Attribute):
        return (argument.attr,)
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return path_pieces(argument.value)
    return None


def _model(node: ast.AST) -> str | None:
    """A class name as written (`Order`, `models.Order`): the last part is capitalised."""
    name = dotted_name(node)
    if name is None or not name.rsplit(".", 1)[-1][:1].isupper():
        return None
    return name


def _iterated(statements: list[ast.stmt], positional: list[str], assigned: Mapping[str, list]) -> tuple[IteratedParameter, ...]:
    """Loops and comprehensions over a parameter (never reassigned), and the attribute chains
    read on the loop variable in their bodies."""
    candidates = {name for name in positional if name not in assigned}
    if not candidates:
        return ()
    reads: dict[str, set[Path]] = {}
    for statement in statements:
        pairs: list[tuple[ast.AST, ast.AST, list[ast.AST]]] = []
        if isinstance(statement, (ast.For, ast.AsyncFor)):
            pairs.append((statement.target, statement.iter, list(statement.body)))
        elif isinstance(statement, (ast.Return, ast.Assign, ast.AnnAssign, ast.Expr)) and statement.value is not None:
            for inner in walk(statement.value):
                if isinstance(inner, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                    body = [inner.key, inner.value] if isinstance(inner, ast.DictComp) else [inner.elt]
                    for generator in inner.generators:
                        pairs.append((generator.target, generator.iter, [*body, *generator.ifs]))
        for target, iterable, body in pairs:
            if not (isinstance(target, ast.Name) and isinstance(iterable, ast.Name) and iterable.id in candidates):
                continue
            chains = reads.setdefault(iterable.id, set())
            for part in body:
                for sub in walk(part):
                    if isinstance(sub, ast.Attribute):
                        chain = _chain_on(sub, target.id)
                        if chain:
                            chains.add(chain)
    found = []
    for name, chains in reads.items():
        longest = {c for c in chains if not any(o != c and o[: len(c)] == c for o in chains)}
        if longest:
            found.append(IteratedParameter(name, positional.index(name), tuple(sorted(longest))))
    return tuple(sorted(found, key=lambda item: item.index))


def _accesses(statements: list[ast.stmt], on_self: bool) -> tuple[QueryUse, ...]:
    """The database accesses of a function body (see QueryUse); `on_self`: a method whose
    first parameter is `self`, so chains of `self` are looked at too."""
    # Lines are left out: a summary that only moved must not re-check the files that use it.
    uses: dict[tuple[str, Path, str], int] = {}
    inner: set[int] = set()  # calls and attributes already part of a chain
    for statement in statements:
        for part in _expressions(statement):
            for node in walk(part):
                if id(node) in inner:
                    continue
                if isinstance(node, ast.Call):
                    found = _call_access(node, on_self, inner)
                    if found is not None:
                        uses.setdefault(found, node.lineno)
                elif on_self and isinstance(node, ast.Attribute):
                    chain = _chain_on(node, "self")
                    if chain:
                        for sub in _attribute_nodes(node):
                            inner.add(id(sub))
                        uses.setdefault((SELF_READ, chain, ""), node.lineno)
    found = [QueryUse(kind, chain, method) for (kind, chain, method), _ in sorted(uses.items(), key=lambda item: item[1])]
    # A read that another read extends (`self.customer` of `self.customer.name`) says nothing more.
    reads = {use.chain for use in found if use.kind == SELF_READ}
    found = [use for use in found if use.kind != SELF_READ or not any(o != use.chain and o[: len(use.chain)] == use.chain for o in reads)]
    return tuple(found[:MAX_USES])


def _call_access(node: ast.Call, on_self: bool, inner: set[int]) -> tuple[str, Path, str] | None:
    """The access an outermost call of a chain makes, marking the chain's inner nodes."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return None
    methods: list[str] = []
    first: ast.Call = node  # the innermost call of the chain
    current: ast.AST = node
    while isinstance(current, (ast.Call, ast.Attribute)):
        if isinstance(current, ast.Call):
            if current is not node:
                inner.add(id(current))
            if not isinstance(current.func, ast.Attribute):
                break
            inner.add(id(current.func))
            methods.append(current.func.attr)
            first = current
            current = current.func.value
        else:
            inner.add(id(current))
            if isinstance(current.value, ast.Call):
                current = current.value
                continue
            break
    root = current
    method = methods[0] if methods else ""
    if method in WRITE_CALLS:
        return None  # a write (per row, ORM003's), not a read

    # A read through a model's manager: `Model.objects.<chain>.<read>()`.
    if isinstance(root, ast.Attribute) and method in READ_CALLS:
        model = _model(root.value)
        if model is not None:
            return MANAGER, (model, root.attr), method
    # A session call: `db.session.query(...)`, `session.execute(...)`.
    if methods and methods[-1] in SESSION_CALLS and isinstance(first.func, ast.Attribute):
        receiver = first.func.value
        name = dotted_name(receiver) or ""
        if isinstance(receiver, ast.Call) and (dotted_name(receiver.func) or "").rsplit(".", 1)[-1] == "object_session":
            name = "session"  # `object_session(self).query(...)`
        if name and sessionish(name) and not (methods[-1] == "get" and len(first.args) < 2):
            return SESSION, (), methods[-1]
    # A method called on a chain of `self`: `self.payments.filter(...).count()`.
    if on_self and isinstance(root, ast.Attribute):
        chain = _chain_on(root, "self")
        if chain:
            return SELF_CALL, chain, methods[-1]
    return None


def _expressions(statement: ast.stmt) -> list[ast.AST]:
    """The expressions a statement evaluates itself (not those of its nested blocks)."""
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        return [statement.iter]
    if isinstance(statement, (ast.If, ast.While)):
        return [statement.test]
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return [item.context_expr for item in statement.items]
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Try)) or type(statement).__name__ in ("TryStar", "Match"):
        return []
    return [statement]


def _attribute_nodes(node: ast.AST) -> list[ast.AST]:
    found = []
    while isinstance(node, ast.Attribute):
        found.append(node)
        node = node.value
    return found


def _chain_on(node: ast.Attribute, name: str) -> Path | None:
    """`o.customer.name` read on the loop variable `o` -> ("customer", "name")."""
    parts: list[str] = []
    current: ast.AST = node
    while isinstance(current, ast.Attribute):
        parts.append(current.attr)
        current = current.value
    if not (isinstance(current, ast.Name) and current.id == name):
        return None
    return tuple(reversed(parts))


def function_statements(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[ast.stmt, ...]:
    """body_statements of a function's body, listed once and kept on the node: the symbols
    pass reads them five times per function (its queries, paging, error bodies, returned
    callees, URIs, a short method's returns)."""
    found = node.__dict__.get(STATEMENTS)
    if found is None:
        found = node.__dict__[STATEMENTS] = tuple(body_statements(node.body))
    return found


def body_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements of a function body, nested blocks included, nested functions and classes
    not (a statement-level walk: expressions are never visited), in source order (each
    statement, then the blocks it holds)."""
    found: list[ast.stmt] = []
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        found.append(node)
        kind = type(node)
        if kind in _NO_BLOCKS or kind in _DEFINITIONS:
            continue
        nested: list[ast.stmt] = []
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list):
                nested += block
        for handler in getattr(node, "handlers", ()):
            nested += handler.body
        for case in getattr(node, "cases", ()):
            nested += case.body
        stack += reversed(nested)
    return found


_DEFINITIONS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
# Statements that hold no block of statements (most of a body): nothing nested to look for.
_NO_BLOCKS = frozenset({
    ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Pass, ast.Break, ast.Continue, ast.Raise,
    ast.Assert, ast.Delete, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal,
})


def target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in target_names(element)]
    if isinstance(target, ast.Starred):
        return target_names(target.value)
    return []
