"""Query sites: the columns ORM queries filter and order by, per function.

Built from the stdlib `ast` in the index pass (`query_sites` section), for the index advisor.
A site is one query chain, read from its outermost call down to its root:

- Django: `Model.objects.filter(a=..., b__gte=...)`, `.exclude(...)`, `.get(...)`,
  `.order_by("-c")` on a chain rooted at `<Model>.objects` (or `_default_manager`): the first
  part of each lookup is a field of the model; a lookup that goes through a relation
  (`customer__email=`) is on another table and is left out, as are `Q(...)` objects.
- SQLAlchemy: `.where(...)`, `.filter(...)`, `.order_by(...)` arguments that compare or call
  a method on `Model.column` (`Model.a == x`, `Model.b.in_(...)`, `Model.c.desc()`, inside
  `and_(...)`), and `.filter_by(a=...)` on a chain rooted at `session.query(Model)` or
  `select(Model)`.

- Raw SQL (`raw_sql_sites`, reviewer.orm.rawsites, asked per file by the index advisor for the files of list
  handlers only, so that no other scan pays for it): a `SELECT` a function executes through a
  database call (`cursor.execute(...)`, `session.execute(text(...))`, ...), lifted and parsed
  once by the SQL sites (`FileContext.sql_site`, reviewer.sql.sites): per table of its `FROM` /
  `JOIN`s, the columns its `WHERE` compares with a value (the conjuncts; not `IS NULL`, not
  booleans, not inside an `OR`) and those its `JOIN ... ON` conditions use, and the `ORDER BY`
  columns of a single-table query. Only files holding a literal `SELECT ... WHERE` / `ORDER BY`
  and a call of something named like an SQL sink are read with libcst; subqueries, CTEs and
  set operations are left out, as are columns whose table is ambiguous.

The model is kept as the file writes it (a class name); a raw SQL site names its table instead.
"""

from __future__ import annotations

from types import MappingProxyType
import ast
from dataclasses import dataclass
from typing import Any, Mapping

from reviewer import astfacts
from reviewer.astfacts import dotted_name
from reviewer.discovery import in_migrations_package, is_test_path
from reviewer.model import FileKind
from reviewer.provider import IndexProvider

SECTION = "query_sites"
DJANGO_FILTERS = frozenset({"filter", "exclude", "get"})
SA_FILTERS = frozenset({"where", "filter"})
ORDER = "order_by"
QUERY_METHODS = DJANGO_FILTERS | SA_FILTERS | {ORDER, "filter_by"}
MANAGERS = frozenset({"objects", "_default_manager"})
DJANGO_LOOKUPS = frozenset({
    "exact", "iexact", "contains", "icontains", "in", "gt", "gte", "lt", "lte", "startswith", "istartswith",
    "endswith", "iendswith", "range", "date", "year", "month", "day", "week_day", "isnull", "regex", "iregex",
    "search", "unaccent", "trigram_similar",
})
SA_COLUMN_METHODS = frozenset({"in_", "like", "ilike", "is_", "isnot", "is_not", "between", "startswith", "endswith",
                               "contains", "desc", "asc", "notin_", "not_in"})
JOINS = frozenset({"join", "outerjoin", "join_from", "select_related", "prefetch_related"})
FRESH_ROOTS = frozenset({"query", "select"})
SA_WRAPPERS = frozenset({"and_", "desc", "asc", "nulls_last", "nulls_first", "func.lower", "lower"})


@dataclass(frozen=True)
class QuerySite:
    path: str
    line: int
    col: int
    function: str  # `Class.method` or `function`
    owner: str  # the enclosing class, "" for a module-level function
    model: str
    filters: tuple[str, ...]  # columns compared, sorted
    order: tuple[str, ...]  # columns ordered by, in order
    fresh: bool  # the chain starts the query (`Model.objects`, `select(Model)`), not a query built elsewhere
    joined: bool  # the function's queries join another table
    table: str = ""  # the table a raw SQL site reads (its `model` is then "")


def _chain(call: ast.Call) -> list[ast.Call]:
    """The calls of a method chain, outermost first."""
    found = []
    node: ast.AST = call
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        found.append(node)
        node = node.func.value
    if isinstance(node, ast.Call):
        found.append(node)
    return found


def _django_root(call: ast.Call) -> str | None:
    """`Order` of a chain rooted at `Order.objects`."""
    node: ast.AST = call
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS and isinstance(node.value, ast.Name):
            return node.value.id if node.value.id[:1].isupper() else None
    return None


def _sa_root_name(calls: list[ast.Call]) -> str:
    return (dotted_name(calls[-1].func) or "").rsplit(".", 1)[-1]


def _sa_root(calls: list[ast.Call]) -> str | None:
    """`Order` of `session.query(Order)...` / `select(Order)...`."""
    innermost = calls[-1]
    name = dotted_name(innermost.func) or ""
    if name.rsplit(".", 1)[-1] in ("query", "select") and len(innermost.args) == 1 and isinstance(innermost.args[0], ast.Name):
        model = innermost.args[0].id
        return model if model[:1].isupper() else None
    return None


def _model_column(node: ast.AST) -> tuple[str, str] | None:
    """(`Order`, `status`) for `Order.status`, `Order.status.desc()`, `desc(Order.status)`."""
    if isinstance(node, ast.Call):
        name = dotted_name(node.func) or ""
        if isinstance(node.func, ast.Attribute) and node.func.attr in SA_COLUMN_METHODS:
            return _model_column(node.func.value)
        if name in SA_WRAPPERS and len(node.args) == 1:
            return _model_column(node.args[0])
        return None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id[:1].isupper():
        return node.value.id, node.attr.lower()
    return None


def _boolean(node: ast.AST) -> bool:
    """`True`, `False`, `true()`, `false()`: a low-cardinality comparison no index alone serves."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, bool)
    return isinstance(node, ast.Call) and (dotted_name(node.func) or "").rsplit(".", 1)[-1] in ("true", "false") and not node.args


def _sa_compared(node: ast.AST) -> list[tuple[str, str]]:
    if isinstance(node, ast.Compare):
        found = _model_column(node.left)
        return [found] if found and not any(_boolean(c) for c in node.comparators) else []
    if isinstance(node, ast.Call) and (dotted_name(node.func) or "").rsplit(".", 1)[-1] == "and_":
        return [pair for arg in node.args for pair in _sa_compared(arg)]
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
        return [pair for value in node.values for pair in _sa_compared(value)]
    found = _model_column(node)
    return [found] if found and isinstance(node, ast.Call) else []


def _django_field(lookup: str) -> str | None:
    parts = lookup.lower().split("__")
    if len(parts) > 2 or len(parts) == 2 and parts[1] not in DJANGO_LOOKUPS:
        return None  # through a relation: another table's column
    return parts[0]


def _site(calls: list[ast.Call]) -> tuple[str, list[str], list[str]] | None:
    """(model, filtered columns, ordered columns) of one chain; booleans are not filters."""
    django = _django_root(calls[0])
    sa_root = _sa_root(calls)
    filters: dict[str, list[str]] = {}
    order: dict[str, list[str]] = {}
    for call in calls:
        method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        if method not in QUERY_METHODS:
            continue
        if django and method in DJANGO_FILTERS | {ORDER}:
            if method == ORDER:
                for arg in call.args:
                    value = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
                    if value and "__" not in value and value != "?":
                        order.setdefault(django, []).append(value.lstrip("-").lower())
            else:
                filters.setdefault(django, []).extend(
                    f for f in (_django_field(k.arg) for k in call.keywords if k.arg and not _boolean(k.value)) if f
                )
            continue
        if method == "filter_by" and sa_root:
            filters.setdefault(sa_root, []).extend(k.arg.lower() for k in call.keywords if k.arg)
        elif method in SA_FILTERS:
            for arg in call.args:
                for model, column in _sa_compared(arg):
                    filters.setdefault(model, []).append(column)
        elif method == ORDER:
            for arg in call.args:
                found = _model_column(arg)
                if found:
                    order.setdefault(found[0], []).append(found[1])
    models = set(filters) | set(order)
    if len(models) != 1:
        return None  # a join of several models, or nothing read
    model = models.pop()
    return model, sorted(set(filters.get(model, ()))), list(dict.fromkeys(order.get(model, ())))


class _Walker(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.owner: list[str] = []
        self.function: list[str] = []
        self.sites: list[QuerySite] = []

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.owner.append(node.name)
        self.generic_visit(node)
        self.owner.pop()

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.function.append(node.name)
        inner: set[int] = set()
        # A join anywhere in the function: its queries are over several tables.
        joins = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in JOINS for n in astfacts.walk(node))
        for call in (n for n in astfacts.walk(node) if isinstance(n, ast.Call)):
            if id(call) in inner or not (isinstance(call.func, ast.Attribute) and call.func.attr in QUERY_METHODS):
                continue
            calls = _chain(call)
            inner.update(id(c) for c in calls)
            found = _site(calls)
            if found and (found[1] or found[2]):
                owner = self.owner[-1] if self.owner else ""
                name = f"{owner}.{self.function[0]}" if owner else self.function[0]
                fresh = _django_root(calls[0]) is not None or _sa_root_name(calls) in FRESH_ROOTS
                joined = joins
                self.sites.append(QuerySite(self.path, call.lineno, call.col_offset + 1, name, owner, found[0],
                                            tuple(found[1]), tuple(found[2]), fresh, joined))
        for child in node.body:
            if isinstance(child, ast.ClassDef):
                self.visit(child)
        self.function.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function


def query_sites(path: str, tree: ast.Module) -> list[QuerySite]:
    walker = _Walker(path)
    walker.visit(tree)
    return walker.sites


class QuerySitesProvider(IndexProvider):
    """Feeds the `query_sites` section: the columns each function's queries filter and order by."""

    name = SECTION
    empty = MappingProxyType({})
    triggers = (".filter(", ".where(", ".order_by(", ".get(", ".exclude(", ".filter_by(")
    file_kinds = frozenset({FileKind.PYTHON})

    def collect(self, path: str, kind: FileKind, text: str, tree: ast.Module | None) -> Any:
        if tree is None or is_test_path(path) or in_migrations_package(path):
            return None
        found = query_sites(path, tree)
        rows = [[s.line, s.col, s.function, s.owner, s.model, list(s.filters), list(s.order), s.fresh, s.joined] for s in found]
        return {"sites": rows} if rows else None

    def merge(self, facts: Mapping[str, Any]) -> Any:
        return {"sites": [[path, *site] for path in sorted(facts) for site in facts[path]["sites"]]}


def sites(index: Any) -> list[QuerySite]:
    section = QuerySitesProvider.of(index)
    return [QuerySite(s[0], s[1], s[2], s[3], s[4], s[5], tuple(s[6]), tuple(s[7]), s[8], s[9]) for s in section.get("sites", ())]
