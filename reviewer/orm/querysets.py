"""Row sources: which ORM query an expression's rows come from, and what it eager-loads.

`QueryTracker.rows_of(expr)` answers, for an expression met during the batched visit,
"these are rows (or one row) of model M, from the query at node Q, with these relation
paths loaded eagerly". It follows local variables (F5 scopes, every assignment so far),
one level of same-module helper functions and methods that return a query (summarised when
the walk leaves them), loop variables bound by the rules, Django managers and custom
querysets (their `get_queryset` eager loading, from the model graph), SQLAlchemy `select()`
statements through `session.scalars/execute`, `session.query(M)` and Flask-SQLAlchemy's
`M.query`, and relation collections of known instances.

Rules own a tracker per file and forward `visit_Return` / `leave_FunctionDef` to it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

import libcst as cst

from reviewer.lines import split_lines
from reviewer.orm.modelgraph import ModelGraph, Relation
from reviewer.names import dotted
from reviewer.project.queries import MANAGER, RETURNS, SELF_CALL, SESSION, QueryUse
from reviewer.project.ormvocab import (  # the vocabulary is shared with the project model
    DJANGO_CHAIN,
    DJANGO_READS,
    DJANGO_SINGLE,
    DJANGO_VALUES,
    SA_ATTRIBUTE_REFINERS,
    SA_CHAIN,
    SA_PLAIN_ROWS,
    SA_READ_METHODS,
    SA_SELECT,
    SA_SESSION_ROWS,
    SA_SINGLE,
    WRAPPERS,
    django_paths,
    path_pieces,
    sa_eager_paths,
    sessionish,
)

if TYPE_CHECKING:  # pragma: no cover
    from reviewer.context import FileContext
    from reviewer.project.symbols import FunctionQueries
    from reviewer.rule import Autofix

Path = tuple[str, ...]

# Prefetched related managers answer these from the prefetch cache.
PREFETCH_CACHE_METHODS = frozenset({"all", "count", "exists", "__iter__"})


@dataclass(frozen=True)
class Rows:
    model: str
    framework: str  # "django" or "sqlalchemy"
    many: bool
    origin: cst.CSTNode  # the query expression: where the rows come from
    eager: frozenset[Path] = frozenset()
    opaque: bool = False  # eager loading we cannot read (a variable argument, a wildcard)
    instances: bool = True  # False for values()/values_list() and SQLAlchemy Row tuples
    certain: bool = True  # False for relations of a parameter whose loading is unknown
    awaited: bool = False  # came through an awaited (async) call
    select_all: bool = False  # Django select_related() without arguments
    sliced: bool = False  # bounded by a slice (`qs[:5]`)
    manager: str = ""  # Django custom manager/queryset class, for its own methods
    via: tuple[str, str] = ("", "")  # (parent model, relation) for a relation collection of an instance
    helper: str = ""  # the project function (another module's, or a later one) that returned the rows
    helper_path: str = ""  # its file
    helper_ends: tuple[tuple[int, int], ...] = ()  # where its returned querysets end (ReturnedRows.ends)

    def covers(self, path: Path, relation: Relation) -> bool:
        if self.opaque or path in self.eager or relation.eager_by_mapping:
            return True
        # select_related() without arguments follows every non-null forward relation.
        return self.select_all and relation.framework == "django" and relation.kind in ("fk", "o2o")


_paths = django_paths


def _prefix(prefix: Path, paths: frozenset[Path]) -> set[Path]:
    return {prefix + p for p in paths}


class QueryTracker:
    def __init__(self, context: "FileContext") -> None:
        self.context = context
        self.graph: ModelGraph = context.orm_graph
        self.bindings: list[dict[str, Rows]] = []  # loop variable -> its row, one frame per loop (innermost last)
        self.summaries: dict[str, Rows | None] = {}  # "helper" or "Class.method" -> returned rows
        self._returns: list[list[cst.BaseExpression]] = []
        self._frames: list[int] = []  # binding frames pushed per comprehension

    # -- feeding: the engine calls these during the batched walk (context.shared) --------
    def visit_For(self, node: cst.For) -> None:
        self.bindings.append(bind_loop(self, node.target, node.iter))

    def leave_For(self, node: cst.For) -> None:
        self.bindings.pop()

    def _enter_comprehension(self, node) -> None:
        pairs = comprehension_pairs(node)
        for target, iterable in pairs:
            self.bindings.append(bind_loop(self, target, iterable))
        self._frames.append(len(pairs))

    def _leave_comprehension(self, node) -> None:
        for _ in range(self._frames.pop() if self._frames else 0):
            self.bindings.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _enter_comprehension
    leave_ListComp = leave_SetComp = leave_GeneratorExp = leave_DictComp = _leave_comprehension

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._returns.append([])

    def visit_Return(self, node: cst.Return) -> None:
        if self._returns and node.value is not None:
            self._returns[-1].append(node.value)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Summarise the function the walk is leaving (its scope is still current)."""
        returns = self._returns.pop() if self._returns else []
        if not returns or not self.graph:
            return
        found = [self.rows_of(value) for value in returns]
        rows = _combine(found)
        self.summaries[self._key(node.name.value)] = rows

    def _key(self, name: str) -> str:
        stack = self.context.scopes.stack
        # The function's own scope is on top while leaving; its class, if any, right below.
        owner = stack[-2] if len(stack) >= 2 else None
        if owner is not None and owner.kind == "class" and isinstance(owner.node, cst.ClassDef):
            return f"{owner.node.name.value}.{name}"
        return name

    def enclosing_class(self) -> str | None:
        for scope in reversed(self.context.scopes.stack):
            if scope.kind == "class" and isinstance(scope.node, cst.ClassDef):
                return scope.node.name.value
        return None

    # -- models -------------------------------------------------------------------------
    def model_name(self, node: cst.BaseExpression) -> str | None:
        """The model class an expression names (`Order`, `models.Order`, an oscar alias)."""
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return None
        qualified = self.context.resolve(node) or ""
        last = qualified.rsplit(".", 1)[-1]
        if not last or not last[0].isupper():
            return None
        if self.graph.model(last) is not None:
            module = qualified.rsplit(".", 1)[0] if "." in qualified else ""
            imported = bool(module) and module != dotted(node).rsplit(".", 1)[0]
            if imported and not self.graph.defined_in(last, module):
                return None  # a library's model of the same name (or a migration's shadow copy)
            return self.graph.name_for(last, module if imported else "")
        alias = self.graph.aliases.get(last)
        if alias and self.graph.model(alias) is not None:
            return alias
        return None

    # -- rows ---------------------------------------------------------------------------
    def rows_of(self, expr: cst.BaseExpression, _depth: int = 0, _limits: dict[str, int] | None = None) -> Rows | None:
        if _depth > 12 or not self.graph:
            return None
        kind = type(expr)
        if kind is cst.Await:
            found = self.rows_of(expr.expression, _depth + 1, _limits)  # type: ignore[attr-defined]
            return replace(found, awaited=True) if found else None
        if kind is cst.Name:
            return self._name(expr, _depth, _limits)  # type: ignore[arg-type]
        if kind is cst.Attribute:
            return self._attribute(expr, _depth, _limits)  # type: ignore[arg-type]
        if kind is cst.Call:
            return self._call(expr, _depth, _limits)  # type: ignore[arg-type]
        if kind is cst.Subscript:
            found = self.rows_of(expr.value, _depth + 1, _limits)  # type: ignore[attr-defined]
            if found is None or not found.many:
                return None
            if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Slice):  # type: ignore[attr-defined]
                return replace(found, sliced=True)
            return replace(found, many=False)
        return None

    def _name(self, node: cst.Name, depth: int, limits: dict[str, int] | None) -> Rows | None:
        name = node.value
        for frame in reversed(self.bindings):
            if name in frame:
                return frame[name]
        found = self.context.scopes.lookup(name)
        if found is None:
            return None
        scope, assignments = found
        if not assignments:
            parameter = scope.parameters.get(name)
            if parameter is not None and parameter.annotation is not None:
                model = self.model_name(parameter.annotation)
                if model is not None:
                    return Rows(model, self.graph.framework(model), False, parameter.annotation, certain=False)
            return None
        if scope is self.context.scopes.module and scope is not self.context.scopes.current:
            if len(assignments) != 1:
                return None
        limit = (limits or {}).get(name, len(assignments))
        results = []
        for number, assignment in enumerate(assignments[:limit]):
            if assignment.op != "=":
                return None
            results.append(self.rows_of(assignment.value, depth + 1, {**(limits or {}), name: number}))
        return _combine(results)

    def _attribute(self, node: cst.Attribute, depth: int, limits: dict[str, int] | None) -> Rows | None:
        attr = node.attr.value
        model = self.model_name(node.value)
        if model is not None:
            framework = self.graph.framework(model)
            if framework == "django":
                return self._manager_rows(model, attr, node)
            if framework == "sqlalchemy" and attr == "query":
                return Rows(model, framework, True, node)
            return None
        parent = self.rows_of(node.value, depth + 1, limits)
        if parent is None or parent.many or not parent.instances:
            return None
        relation = self.graph.relation(parent.model, attr)
        if relation is None or not relation.many or not relation.target or self.graph.model(relation.target) is None:
            return None
        sub = frozenset(p[1:] for p in parent.eager if p[0] == attr and len(p) > 1)
        return Rows(
            relation.target,
            parent.framework,
            True,
            node,
            eager=sub,
            opaque=parent.opaque,
            certain=parent.certain,
            awaited=parent.awaited,
            via=(parent.model, attr),
        )

    def _manager_rows(self, model: str, attr: str, node: cst.CSTNode) -> Rows | None:
        """Rows of a Django model's manager `attr`, with its `get_queryset` eager loading."""
        manager = self.graph.manager(model, attr)
        if manager is None:
            return None
        rows = Rows(model, "django", True, node, manager=_manager_name(self.graph, model, attr))
        known, paths = self.graph.manager_method(manager, "get_queryset")
        if known:
            if paths is None:
                return replace(rows, opaque=True)
            rows = replace(rows, eager=frozenset(p for path in paths for p in _paths("__".join(path))))
        return rows

    # -- the project model: functions of other modules ---------------------------------
    def callee(self, func: cst.BaseExpression) -> "FunctionQueries | None":
        """The ORM summary (project model) of the function or method a call reaches: an
        imported or module-level function, `Class.method`, or a method of a local instance
        (`svc = OrderService(db)`, a parameter annotated with the class)."""
        symbols = self.context.symbols
        if symbols is None:
            return None
        name = dotted(func)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head in ("self", "cls"):
            owner = self.enclosing_class()
            return symbols.queries(self.context.path, f"{owner}.{rest}") if owner and rest and "." not in rest else None
        found = self.context.scopes.lookup(head)
        if found is not None and found[0] is not self.context.scopes.module:
            scope, assignments = found
            owner = None
            if len(assignments) == 1 and assignments[0].op == "=" and isinstance(assignments[0].value, cst.Call):
                owner = dotted(assignments[0].value.func)
            elif not assignments and head in scope.parameters and scope.parameters[head].annotation is not None:
                owner = dotted(scope.parameters[head].annotation)
            if owner is None or not rest or "." in rest or not owner.rsplit(".", 1)[-1][:1].isupper():
                return None
            name = f"{owner}.{rest}"
        return symbols.queries(self.context.path, name) or (
            symbols.queries(self.context.path, self.context.resolve(func) or name) if self.context.resolve(func) != name else None
        )

    def member(self, model: str, name: str) -> "FunctionQueries | None":
        """The summary of the method or property `name` of a model class, defined on the
        class or inherited from a project base class (any module)."""
        symbols = self.context.symbols
        key = self.graph.key(model)
        facts = self.graph.model(model)
        if symbols is None or key is None or facts is None:
            return None
        path, cls = facts.path, key.rsplit(".", 1)[-1]
        found = symbols.queries(path, f"{cls}.{name}")
        if found is None:
            symbol = symbols.class_symbol(path, cls)
            for ancestor in symbols.ancestors(symbol) if symbol is not None else ():
                found = symbols.queries(path, f"{ancestor}.{name}")
                if found is not None:
                    break
        return found

    def member_queries(self, model: str, name: str) -> tuple["FunctionQueries | None", list[HiddenQuery]]:
        """What calling the method / reading the property `name` of one `model` instance
        costs, per its summary "runs a query": a query whatever was loaded (a manager read,
        a session call, a relation method that bypasses the prefetch cache), or relation
        paths that load lazily unless the rows eager-load them."""
        found = self.member(model, name)
        if found is None:
            return None, []
        needs: list[HiddenQuery] = []
        returned = found.summary.returns
        if returned is not None and returned.many and found.model_name:
            needs.append(HiddenQuery(QueryUse(RETURNS, (found.model_name,))))
        for use in found.summary.queries:
            if use.kind == SESSION:
                needs.append(HiddenQuery(use))
            elif use.kind == MANAGER:
                target = use.chain[0].rsplit(".", 1)[-1]
                if self.graph.model(target) is not None and (self.graph.manager(target, use.chain[1]) is not None or use.chain[1] == "query"):
                    needs.append(HiddenQuery(use))
            else:
                needs.extend(self._self_chain(model, use))
        return found, needs

    def _self_chain(self, model: str, use: QueryUse) -> list[HiddenQuery]:
        current: str | None = model
        path: Path = ()
        for number, attr in enumerate(use.chain):
            relation = self.graph.relation(current, attr)
            if relation is None:
                break
            path += (attr,)
            last = number + 1 == len(use.chain)
            if relation.dynamic:
                return [HiddenQuery(use)]
            if relation.many:
                if use.kind == SELF_CALL and last and relation.framework == "django" and use.method not in PREFETCH_CACHE_METHODS:
                    return [HiddenQuery(use, path, use.method)]
                if use.kind == SELF_CALL and not last:
                    return []  # a method of a row of the collection: not read here
                return [HiddenQuery(use, path)]
            if not relation.target or self.graph.model(relation.target) is None:
                return [HiddenQuery(use, path)]
            current = relation.target
        return [HiddenQuery(use, path)] if path else []

    def unloaded(self, rows: Rows, chain: Path) -> Path | None:
        """The first relation along `chain` that each row loads lazily, else None."""
        model: str | None = rows.model
        path: Path = ()
        for number, name in enumerate(chain):
            relation = self.graph.relation(model, name)
            if relation is None:
                return None
            path += (name,)
            following = chain[number + 1] if number + 1 < len(chain) else None
            covered = rows.covers(path, relation)
            if relation.framework == "django" and relation.many:
                return None if covered and (following is None or following in PREFETCH_CACHE_METHODS) else path
            if relation.dynamic or not covered:
                return path
            if relation.many or not relation.target or self.graph.model(relation.target) is None:
                return None
            model = relation.target
        return None

    def ends_many(self, model: str, path: Path) -> bool:
        """Whether the relation path ends in a collection (a query per row to read it)."""
        current: str | None = model
        relation = None
        for attr in path:
            relation = self.graph.relation(current, attr)
            if relation is None:
                return False
            current = relation.target
        return relation is not None and relation.many

    def costly(self, rows: Rows, hidden: list[HiddenQuery]) -> list[HiddenQuery]:
        """The hidden queries the rows' eager loading does not answer."""
        return [h for h in hidden if not h.path or h.call or self.unloaded(rows, h.path) is not None]

    def _project_rows(self, node: cst.Call) -> Rows | None:
        """Rows a project function returns, per its summary ("returns rows of model M with
        eager loads E"), as the model graph names the model."""
        found = self.callee(node.func)
        returned = found.summary.returns if found is not None else None
        if returned is None or not found.model_name:  # type: ignore[union-attr]
            return None
        model = self.graph.name_for(found.model_name, found.model_module)  # type: ignore[union-attr]
        if model is None or self.graph.model(model) is None:
            return None
        if found.model_module and not self.graph.defined_in(model, found.model_module):  # type: ignore[union-attr]
            return None  # a library's class of the same name
        framework = self.graph.framework(model)
        if returned.manager:
            base = self._manager_rows(model, returned.manager, node) if framework == "django" else None
        else:
            base = Rows(model, "sqlalchemy", True, node) if framework == "sqlalchemy" else None
        if base is None:
            return None
        return replace(
            base,
            many=returned.many,
            eager=base.eager | frozenset(returned.eager),
            opaque=base.opaque or returned.opaque,
            instances=returned.instances,
            select_all=returned.select_all,
            helper=f"`{found.qualified}` ({found.path})",  # type: ignore[union-attr]
            helper_path=found.path,  # type: ignore[union-attr]
            helper_ends=returned.ends,
        )

    def _call(self, node: cst.Call, depth: int, limits: dict[str, int] | None) -> Rows | None:
        func = node.func
        args = [a for a in node.args if a.keyword is None and a.star == ""]
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            receiver = func.value
            if method == "query" and args:
                model = self.model_name(args[0].value)
                if model is not None:
                    return Rows(model, "sqlalchemy", True, node)
            if method == "get" and len(args) >= 2:
                model = self.model_name(args[0].value)
                if model is not None and self.graph.framework(model) == "sqlalchemy":
                    rows = Rows(model, "sqlalchemy", False, node)
                    options = next((a.value for a in node.args if a.keyword is not None and a.keyword.value == "options"), None)
                    if isinstance(options, (cst.List, cst.Tuple)):
                        rows = self._sa_options(rows, [e.value for e in options.elements])
                    return rows
            if method in SA_SESSION_ROWS and args:
                statement = self.rows_of(args[0].value, depth + 1, limits)
                if statement is not None and statement.framework == "sqlalchemy":
                    return replace(statement, instances=(method == "scalars"), origin=node)
            if method == "select" and args and dotted(receiver) is not None:
                model = self.model_name(args[0].value)  # Flask-SQLAlchemy `db.select(M)`
                if model is not None:
                    return Rows(model, "sqlalchemy", True, node)
            rows = self.rows_of(receiver, depth + 1, limits)
            if rows is None:
                if isinstance(receiver, cst.Name) and receiver.value in ("self", "cls"):
                    owner = self.enclosing_class()
                    if owner is not None and f"{owner}.{method}" in self.summaries:
                        return self.summaries[f"{owner}.{method}"]
                return self._project_rows(node)
            return self._chain(rows, method, node, depth, limits)
        if isinstance(func, cst.Name):
            qualified = self.context.resolve(func) or func.value
            if qualified in SA_SELECT or (func.value == "select" and qualified == "select"):
                if args:
                    model = self.model_name(args[0].value)
                    if model is not None and self.graph.framework(model) == "sqlalchemy":
                        return Rows(model, "sqlalchemy", True, node)
                return None
            if func.value in WRAPPERS and args:
                return self.rows_of(args[0].value, depth + 1, limits)
            if qualified.endswith("get_object_or_404") and args:
                model = self.model_name(args[0].value)
                if model is not None:
                    return Rows(model, self.graph.framework(model), False, node)
                inner = self.rows_of(args[0].value, depth + 1, limits)
                return replace(inner, many=False, origin=node) if inner else None
            if qualified.endswith("get_list_or_404") and args:
                return self.rows_of(args[0].value, depth + 1, limits)
            if func.value in self.summaries:
                return self.summaries[func.value]
            return self._project_rows(node)
        return None

    def _chain(self, rows: Rows, method: str, node: cst.Call, depth: int, limits: dict[str, int] | None) -> Rows | None:
        args = [a.value for a in node.args if a.keyword is None and a.star == ""]
        if rows.framework == "django":
            if not rows.many:
                return None
            if method in ("select_related", "prefetch_related"):
                if method == "select_related" and not node.args:
                    return replace(rows, select_all=True, origin=node)
                eager = set(rows.eager)
                for argument in node.args:
                    paths = self._django_eager(argument.value, depth, limits)
                    if paths is None:
                        return replace(rows, opaque=True, origin=node)
                    eager |= paths
                return replace(rows, eager=frozenset(eager), origin=node)
            if method in DJANGO_CHAIN:
                return replace(rows, origin=node)
            if method in DJANGO_VALUES:
                return replace(rows, instances=False, origin=node)
            if method in DJANGO_SINGLE:
                return replace(rows, many=False, origin=node)
            manager = self.graph.managers.get(rows.manager) if rows.manager else None
            known, paths = self.graph.manager_method(manager, method)
            if known:
                if paths is None:
                    return replace(rows, opaque=True, origin=node)
                extra = {p for path in paths for p in _paths("__".join(path))}
                return replace(rows, eager=rows.eager | extra, origin=node)
            return None
        # SQLAlchemy
        if method == "options":
            if any(a.star for a in node.args):  # `*options`: loads this walk does not read
                return replace(rows, opaque=True, origin=rows.origin)
            return replace(self._sa_options(rows, args), origin=rows.origin)
        if method in SA_CHAIN:
            if not rows.many:
                return None
            if method == "scalars":
                return replace(rows, instances=True)
            return rows
        if method in SA_SINGLE:
            # `result.scalar_one()` is the entity; `result.first()` on `execute()` is a Row.
            return replace(rows, many=False, instances=rows.instances or method.startswith("scalar"))
        if method in SA_PLAIN_ROWS:
            return replace(rows, instances=False)
        return None

    # -- eager options ------------------------------------------------------------------
    def _django_eager(self, value: cst.BaseExpression, depth: int, limits: dict[str, int] | None) -> set[Path] | None:
        if isinstance(value, cst.SimpleString):
            text = value.evaluated_value
            return _paths(text) if isinstance(text, str) else None
        if isinstance(value, cst.Call) and isinstance(value.func, (cst.Name, cst.Attribute)):
            if (self.context.resolve(value.func) or "").rsplit(".", 1)[-1] != "Prefetch" or not value.args:
                return None
            lookup = value.args[0].value
            if not isinstance(lookup, cst.SimpleString) or not isinstance(lookup.evaluated_value, str):
                return None
            base = tuple(p for p in lookup.evaluated_value.split("__") if p)
            paths = _paths(lookup.evaluated_value)
            inner_eager: frozenset[Path] = frozenset()
            for number, argument in enumerate(value.args[1:], start=1):
                keyword = argument.keyword.value if argument.keyword is not None else None
                if keyword == "to_attr" and isinstance(argument.value, cst.SimpleString):
                    attr = argument.value.evaluated_value
                    if isinstance(attr, str):
                        base = base[:-1] + (attr,)
                        paths.add(base)
                elif keyword == "queryset" or (keyword is None and number == 1):
                    inner = self.rows_of(argument.value, depth + 1, limits)
                    if inner is None or inner.opaque:
                        return None
                    inner_eager = inner.eager
            return paths | _prefix(base, inner_eager)
        return None

    def _sa_options(self, rows: Rows, options: list[cst.BaseExpression]) -> Rows:
        eager = set(rows.eager)
        for option in options:
            paths = self._sa_option(option)
            if paths is None:
                return replace(rows, opaque=True)
            eager |= paths
        return replace(rows, eager=frozenset(eager))

    def _sa_option(self, option: cst.BaseExpression) -> set[Path] | None:
        """Paths an SQLAlchemy loader option (possibly chained) loads eagerly."""
        steps: list[cst.Call] = []
        node: cst.BaseExpression = option
        while isinstance(node, cst.Call):
            steps.append(node)
            func = node.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
                node = func.value
            else:
                break
        steps.reverse()
        return sa_eager_paths((_cst_loader_name(step.func), [_cst_pieces(a.value) for a in step.args if a.keyword is None])
                              for step in steps)  # fmt: skip


@dataclass(frozen=True)
class HiddenQuery:
    """A database access inside a model method or property (one of its summary's QueryUse):
    `path` is the relation path that eager loading would answer (() when none would), `call`
    the relation method that queries even when the path is prefetched."""

    use: QueryUse
    path: Path = ()
    call: str = ""

    def describe(self) -> str:
        if self.use.kind == MANAGER:
            return f"runs `{'.'.join(self.use.chain)}...{self.use.method}()`"
        if self.use.kind == SESSION:
            return f"runs a session `{self.use.method}()`"
        if self.use.kind == RETURNS:
            return f"returns a new `{self.use.chain[0]}` query"
        if self.call:
            return f"runs `self.{'.'.join(self.path)}.{self.call}()`"
        if not self.path:
            return f"queries `self.{'.'.join(self.use.chain)}`"
        return f"loads `self.{'.'.join(self.path)}`"


def _combine(found: list[Rows | None]) -> Rows | None:
    """One Rows for several assignments / returns: all must be known and of one model."""
    if not found or any(rows is None for rows in found):
        return None
    first = found[0]
    assert first is not None
    if any(rows.model != first.model for rows in found if rows is not None):
        return None
    if len(found) == 1:
        return first
    eager: set[Path] = set()
    for rows in found:
        eager |= rows.eager  # type: ignore[union-attr]
    return replace(
        found[-1],  # type: ignore[arg-type]
        many=any(r.many for r in found if r),
        eager=frozenset(eager),
        opaque=any(r.opaque for r in found if r),
        instances=all(r.instances for r in found if r),
        select_all=any(r.select_all for r in found if r),
        sliced=all(r.sliced for r in found if r),
        origin=first.origin,
    )


def _manager_name(graph: ModelGraph, model: str, attr: str) -> str:
    facts = graph.model(model)
    return facts.managers.get(attr, "") if facts else ""


def chain_of(node: cst.BaseExpression) -> tuple[cst.Name, list[cst.Attribute]] | None:
    """`o.customer.address.city` -> (Name o, [Attribute .customer, .address, .city])."""
    attributes: list[cst.Attribute] = []
    while isinstance(node, cst.Attribute):
        attributes.append(node)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    return node, attributes[::-1]


def eager_call(rows: Rows, graph: ModelGraph, path: Path) -> str:
    """The eager-loading call that loads `path` on the rows' query (on the parent's query
    for a relation collection)."""
    if rows.via[0]:
        parent = replace(rows, model=rows.via[0], via=("", ""))
        return eager_call(parent, graph, (rows.via[1], *path))
    if rows.framework == "django":
        many = False
        current: str | None = rows.model
        for attr in path:
            relation = graph.relation(current, attr)
            if relation is None:
                break
            many = many or relation.many or relation.kind == "generic"
            current = relation.target
        method = "prefetch_related" if many else "select_related"
        return f'.{method}("{"__".join(path)}")'
    parts = []
    current = rows.model
    for attr in path:
        relation = graph.relation(current, attr)
        loader = "selectinload" if relation is not None and relation.many else "joinedload"
        parts.append(f"{loader}({current}.{attr})")
        current = relation.target if relation is not None and relation.target else "?"
    return f".options({'.'.join(parts)})"


# --------------------------------------------------------------------------------------------
# Loops: which names change per iteration


LITERAL_ITERABLES = (cst.List, cst.Tuple, cst.Set)
BATCH_WORDS = ("batch", "chunk", "page", "slice", "partition")
# Retry loops (`for attempt in Retrying(...)`, `run_with_db_retries()`) repeat one unit of work.
RETRY_WORDS = ("attempt", "retr")


@dataclass
class Loop:
    node: cst.CSTNode
    names: set[str]  # the loop variables and names computed from them in the body
    literal: bool  # over a literal collection or range(): a fixed, small number of passes
    batched: bool  # over batches / chunks / pages: the per-iteration query is the batching
    conditional_depth: int  # `if` blocks open when the loop started


class LoopStack:
    """The `for` loops and comprehensions around the node being visited, with the names that
    vary per iteration. Shared per file (`context.shared(LoopStack)`): the engine feeds it
    For, comprehensions, If and Assign during the batched walk."""

    def __init__(self, context: "FileContext | None" = None) -> None:
        self.loops: list[Loop] = []
        self.conditionals = 0

    # -- feeding ------------------------------------------------------------------------
    def visit_For(self, node: cst.For) -> None:
        self.enter(node, [(node.target, node.iter)])

    def leave_For(self, node: cst.For) -> None:
        self.leave()

    def _enter_comprehension(self, node) -> None:
        self.enter(node, comprehension_pairs(node))

    def _leave_comprehension(self, node) -> None:
        self.leave()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _enter_comprehension
    leave_ListComp = leave_SetComp = leave_GeneratorExp = leave_DictComp = _leave_comprehension

    def leave_Assign(self, node: cst.Assign) -> None:
        self.assign(node)

    def visit_If(self, node: cst.If) -> None:
        self.conditionals += 1

    def leave_If(self, node: cst.If) -> None:
        self.conditionals -= 1

    def enter(self, node: cst.CSTNode, pairs: list[tuple[cst.BaseExpression, cst.BaseExpression]]) -> None:
        names: set[str] = set()
        literal = batched = False
        for target, iterable in pairs:
            names |= {n.value for n in names_in(target)}
            literal = literal or _literal_iterable(iterable)
            words = " ".join([*(n.value for n in names_in(target)), *(n.value for n in names_in(iterable))]).lower()
            batched = batched or any(word in words for word in BATCH_WORDS)
            literal = literal or any(word in words for word in RETRY_WORDS)
        self.loops.append(Loop(node, names, literal, batched, self.conditionals))

    def leave(self) -> None:
        if self.loops:
            self.loops.pop()

    def assign(self, node: cst.Assign) -> None:
        if not self.loops:
            return
        loop = self.loops[-1]
        if any(n.value in loop.names for n in names_in(node.value)):
            for target in node.targets:
                loop.names |= {n.value for n in names_in(target.target)}

    @property
    def innermost(self) -> Loop | None:
        return self.loops[-1] if self.loops else None

    def depends(self, expr: cst.CSTNode) -> Loop | None:
        """The innermost loop whose per-iteration names the expression reads."""
        used = {n.value for n in names_in(expr)}
        for loop in reversed(self.loops):
            if used & loop.names:
                return loop
        return None

    def conditional(self) -> bool:
        loop = self.innermost
        return loop is not None and self.conditionals > loop.conditional_depth


# Maintenance commands whose purpose is to wipe data: deleting row by row (so that each row's
# `delete()`, signals and cascades run) is the point, and the command runs once, by hand.
WIPE_WORDS = ("wipe", "purge", "clear", "clean", "delete", "remove", "reset", "flush", "prune", "truncate", "erase", "destroy")
COMMAND_DECORATORS = frozenset({"command", "cli"})


def is_wipe_command_module(path: str) -> bool:
    """A Django management command named for a wipe (`management/commands/purge_events.py`)."""
    parts = path.split("/")
    return len(parts) >= 3 and parts[-3:-1] == ["management", "commands"] and any(w in parts[-1].lower() for w in WIPE_WORDS)


def is_wipe_command(node: cst.FunctionDef) -> bool:
    """A CLI command (`@app.cli.command("reset-db")`, `@click.command()`, typer) named for a wipe."""
    for decorator in node.decorators:
        target = decorator.decorator
        call = target if isinstance(target, cst.Call) else None
        func = call.func if call is not None else target
        if not (isinstance(func, cst.Attribute) and func.attr.value in COMMAND_DECORATORS) and not (
            isinstance(func, cst.Name) and func.value in COMMAND_DECORATORS
        ):
            continue
        names = [node.name.value]
        if call is not None and call.args and isinstance(call.args[0].value, cst.SimpleString):
            names.append(str(call.args[0].value.evaluated_value))
        if any(word in name.lower() for name in names for word in WIPE_WORDS):
            return True
    return False


def _literal_iterable(node: cst.BaseExpression) -> bool:
    if isinstance(node, LITERAL_ITERABLES):
        return True
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "range"


def names_in(node: cst.CSTNode) -> list[cst.Name]:
    """Every Name in a subtree (attribute names excluded), without a libcst visitor."""
    found: list[cst.Name] = []
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            found.append(current)
            continue
        if isinstance(current, cst.Attribute):
            stack.append(current.value)
            continue
        if isinstance(current, cst.Arg):
            stack.append(current.value)
            continue
        stack.extend(current.children)
    return found


def comprehension_pairs(node) -> list[tuple[cst.BaseExpression, cst.BaseExpression]]:
    pairs = []
    clause = node.for_in
    while clause is not None:
        pairs.append((clause.target, clause.iter))
        clause = clause.inner_for_in
    return pairs


# --------------------------------------------------------------------------------------------
# What a call does to the database

DJANGO_WRITES = frozenset({"create", "update_or_create", "update", "delete"})
INSTANCE_WRITES = frozenset({"save", "delete"})
SA_SESSION_EXEC = frozenset({"execute", "scalars", "scalar"})
SA_BUILDERS = {"select": "read", "insert": "write", "update": "write", "delete": "write"}


@dataclass(frozen=True)
class DbCall:
    action: str  # "read", "write" or "commit"
    label: str  # how the call reads in a message
    chain: tuple[cst.Call, ...]  # the calls of the chain (inner ones are not reported again)
    table: cst.BaseExpression | None = None  # the model / table a statement builder targets
    model: str | None = None  # the model a Django query reads, or an ORM write saves or deletes through
    method: str = ""  # `save` / `delete` when the write goes through the model instance's own method


def _call_chain(call: cst.Call) -> list[cst.Call]:
    chain = [call]
    node: cst.BaseExpression = call.func
    while True:
        while isinstance(node, cst.Attribute):
            node = node.value
        if isinstance(node, cst.Call):
            chain.append(node)
            node = node.func
        else:
            return chain


def _root(call: cst.Call) -> cst.BaseExpression:
    node: cst.BaseExpression = call
    while isinstance(node, (cst.Call, cst.Attribute)):
        node = node.func if isinstance(node, cst.Call) else node.value
    return node


def _sessionish(node: cst.BaseExpression) -> bool:
    return sessionish(dotted(node) or "")


def classify_call(call: cst.Call, tracker: QueryTracker) -> DbCall | None:
    """The database effect of a call: an ORM / DB-API read, write, or commit."""
    func = call.func
    context = tracker.context
    chain = tuple(_call_chain(call))
    if isinstance(func, cst.Name):
        qualified = context.resolve(func) or ""
        if qualified.endswith("get_object_or_404") and call.args and tracker.model_name(call.args[0].value):
            return DbCall("read", "get_object_or_404()", chain)
        return None
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    receiver = func.value
    # DB-API and text SQL: the statement kind decides.
    site = context.sql_site(call)
    if site is not None:
        kind = _sql_kind(site)
        if kind is not None:
            return DbCall(kind, f"{site.sink.label}", chain)
    if method in ("commit", "flush") and not call.args and _sessionish(receiver):
        return DbCall("commit", f"{dotted(receiver)}.{method}()", chain)
    # SQLAlchemy session calls.
    if method in SA_SESSION_EXEC and call.args:
        statement = call.args[0].value
        builder = _builder(statement, context)
        if builder is not None:
            return DbCall(SA_BUILDERS[builder], f"{method}({builder}(...))", chain, _builder_table(statement))
    if (method == "get" and len(call.args) >= 2 and _sessionish(receiver) and tracker.model_name(call.args[0].value)
            and tracker.graph.framework(tracker.model_name(call.args[0].value) or "") == "sqlalchemy"):  # not a cache's .get
        return DbCall("read", f"{dotted(receiver) or 'session'}.get()", chain)
    # ORM query chains rooted at a model.
    root = _root(call)
    rows = tracker.rows_of(call) if method in DJANGO_READS | SA_READ_METHODS else None
    model = tracker.model_name(root) if isinstance(root, (cst.Name, cst.Attribute)) else None
    if model is None and len(chain) > 1:
        model_call = chain[-1]
        if isinstance(model_call.func, cst.Attribute) and model_call.func.attr.value == "query" and model_call.args:
            model = tracker.model_name(model_call.args[0].value)
    manager = _manager_chain(call)
    if model is not None:
        framework = tracker.graph.framework(model)
        if framework == "django" and manager:
            if method in DJANGO_READS:
                return DbCall("read", f"{model}.{manager}...{method}()", chain, model=model)
            if method in DJANGO_WRITES:
                # `create()` saves through the model; a queryset `update()` / `delete()` does not.
                through = "save" if method in ("create", "update_or_create") else ""
                return DbCall("write", f"{model}.{manager}...{method}()", chain, model=model, method=through)
        if framework == "sqlalchemy" and method in SA_READ_METHODS and (rows is not None or _has_query(call)):
            return DbCall("read", f"{model} query `.{method}()`", chain)
    elif manager == "objects" and isinstance(root, cst.Name) and root.value[:1].isupper():
        # A model the graph does not know (a library's, e.g. `User.objects`).
        if method in DJANGO_READS:
            return DbCall("read", f"{root.value}.objects...{method}()", chain)
        if method in DJANGO_WRITES:
            return DbCall("write", f"{root.value}.objects...{method}()", chain)
    if method in INSTANCE_WRITES and isinstance(receiver, cst.Name):
        instance = tracker.rows_of(receiver)
        if instance is not None and not instance.many and instance.framework == "django":
            return DbCall("write", f"{receiver.value}.{method}()", chain, model=instance.model, method=method)
        constructed = _constructed_model(receiver, tracker) if instance is None else None
        if constructed:
            return DbCall("write", f"{receiver.value}.{method}()", chain, model=constructed, method=method)
    return None


def _manager_chain(call: cst.Call) -> str:
    """`objects` (or another manager name) when the chain reads `Model.<manager>.<method>`."""
    node: cst.BaseExpression = call.func
    while True:
        if isinstance(node, cst.Attribute):
            if isinstance(node.value, cst.Name) and node.value.value[:1].isupper():
                return node.attr.value if node is not call.func else ""
            node = node.value
        elif isinstance(node, cst.Call):
            node = node.func
        else:
            return ""


def _has_query(call: cst.Call) -> bool:
    node: cst.BaseExpression = call.func
    while isinstance(node, (cst.Attribute, cst.Call)):
        if isinstance(node, cst.Attribute) and node.attr.value == "query":
            return True
        node = node.value if isinstance(node, cst.Attribute) else node.func
    return False


def _constructed_model(name: cst.Name, tracker: QueryTracker) -> str | None:
    """The Django model a name was built from (`e = Event(**row)`), else None."""
    found = tracker.context.scopes.lookup(name.value)
    if not found or not found[1]:
        return None
    value = found[1][-1].value
    if not isinstance(value, cst.Call):
        return None
    model = tracker.model_name(value.func)
    return model if model is not None and tracker.graph.framework(model) == "django" else None


def _builder(statement: cst.BaseExpression, context) -> str | None:
    node = statement
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        node = node.func.value
    if isinstance(node, cst.Call) and isinstance(node.func, (cst.Name, cst.Attribute)):
        qualified = context.resolve(node.func) or ""
        last = qualified.rsplit(".", 1)[-1]
        if last in SA_BUILDERS and (qualified.startswith(("sqlalchemy", "sqlmodel")) or dotted(node.func) in (f"db.{last}", f"sa.{last}")):
            return last
    return None


def _builder_table(statement: cst.BaseExpression) -> cst.BaseExpression | None:
    node = statement
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        node = node.func.value
    if isinstance(node, cst.Call) and node.args:
        return node.args[0].value
    return None


def _sql_kind(site) -> str | None:
    """"write" or "read" for the raw statement of an SQL site, None for anything else."""
    from sqlglot import exp

    tree = site.statement
    if isinstance(tree, (exp.Insert, exp.Update, exp.Delete, exp.Merge)):
        return "write"
    if isinstance(tree, (exp.Select, exp.Union)):
        return "read"
    return None


def bind_loop(tracker: QueryTracker, target: cst.BaseExpression, iterable: cst.BaseExpression) -> dict[str, Rows]:
    """Loop variable -> the row it holds, when the loop runs over a multi-row query."""
    if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) and iterable.func.value == "enumerate":
        if isinstance(target, cst.Tuple) and len(target.elements) == 2 and iterable.args:
            target = target.elements[1].value
            iterable = iterable.args[0].value
        else:
            return {}
    if not isinstance(target, cst.Name):
        return {}
    rows = tracker.rows_of(iterable)
    if rows is None or not rows.many:
        return {}
    return {target.value: replace(rows, many=False)}


def eager_load_fix(rows: Rows, calls: str, text_of: Callable[[str], str | None] | None = None) -> "Autofix | None":
    """The fix that appends the eager-loading `calls` (`.select_related("user")...`) to the
    Django query the rows come from: in this file, or at each `return` of the project helper
    in another module that returned them (`text_of` reads that file). Unsafe: the code then
    runs other queries (a join, one more query per prefetch), and a prefetch is ignored by
    `.iterator()` without a chunk size; a helper's other callers get the eager load too.
    Not offered for SQLAlchemy (`.options(...)` needs the loader imports and a query object,
    not a result), a sliced query, or rows read through a parent's relation collection."""
    from reviewer.rule import Autofix, Change

    if rows.framework != "django" or rows.sliced or rows.opaque or rows.via[0] or not calls:
        return None
    if rows.helper:
        return _helper_eager_load(rows, calls, text_of)
    origin = rows.origin
    if not isinstance(origin, (cst.Call, cst.Attribute)):
        return None
    try:
        fixed = cst.parse_expression("_" + calls)
    except cst.ParserSyntaxError:
        return None
    # `_` stands for the query: put the query in its place.
    target = fixed
    while isinstance(target, cst.Call) and isinstance(target.func, cst.Attribute) and isinstance(target.func.value, cst.Call):
        target = target.func.value
    if not (isinstance(target, cst.Call) and isinstance(target.func, cst.Attribute) and isinstance(target.func.value, cst.Name)):
        return None
    placeholder = target.func.value
    replacement = fixed.deep_replace(placeholder, origin)
    if target is fixed and _same_method(origin, fixed):
        # `.select_related("a")` on a query ending in `.select_related("b")`: one call, two names.
        from reviewer.fixnodes import with_argument

        replacement = origin
        for argument in fixed.args:
            replacement = with_argument(replacement, argument.with_changes(comma=cst.MaybeSentinel.DEFAULT))
    return Autofix(f"Eager-load on the query: `{calls}`", (Change(origin, replacement),))


def _helper_eager_load(rows: Rows, calls: str, text_of: Callable[[str], str | None] | None) -> "Autofix | None":
    """`calls` appended where each of the helper's returned querysets ends, in its own file."""
    from reviewer.model import Edit
    from reviewer.rule import Autofix, Change

    text = text_of(rows.helper_path) if text_of is not None and rows.helper_path and rows.helper_ends else None
    if text is None:
        return None
    lines = split_lines(text)
    edits = []
    for line, byte_column in rows.helper_ends:
        if not 0 < line <= len(lines):
            return None
        try:
            column = len(lines[line - 1].encode("utf-8")[:byte_column].decode("utf-8"))
        except UnicodeDecodeError:
            return None
        edits.append(Change(Edit(rows.helper_path, line, column + 1, line, column + 1, calls)))
    return Autofix(f"Eager-load on the query in {rows.helper}: `{calls}`", tuple(edits))


def _same_method(query: cst.BaseExpression, call: cst.Call) -> bool:
    """`query` ends in a call of the method `call` makes, with arguments and no `*args`."""
    return (
        isinstance(query, cst.Call)
        and isinstance(query.func, cst.Attribute)
        and isinstance(call.func, cst.Attribute)
        and query.func.attr.value == call.func.attr.value
        and bool(query.args)
        and not any(argument.star for argument in query.args)
    )


def _cst_loader_name(func: cst.BaseExpression) -> str:
    return func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""


def _cst_pieces(value: cst.BaseExpression) -> Path | None:
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in SA_ATTRIBUTE_REFINERS:
        return _cst_pieces(value.func.value)
    if isinstance(value, cst.Attribute):
        return (value.attr.value,)
    if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
        return path_pieces(value.evaluated_value)
    return None
