"""Query sites of raw SQL: the columns a function's literal `SELECT`s filter, join and order
by, read with libcst and sqlglot when the index advisor asks for a file (ORM013); the ORM's
query sites, read with `ast` in the index pass, and what a site is, are reviewer.orm.querysites'."""

from __future__ import annotations

import ast

import libcst as cst
from sqlglot import exp

from reviewer import astfacts
from reviewer.bounds import MAX_LIBCST_TOKENS, token_count
from reviewer.context import FileContext
from reviewer.model import FileKind
from reviewer.orm.querysites import QuerySite
from reviewer.sql.sinks import FUNCTION_SINKS, METHOD_SINKS
from reviewer.sql.sqltext import has_marker
from reviewer.walk import walk

COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In, exp.Like, exp.ILike, exp.Between)


SINK_NAMES = frozenset(METHOD_SINKS) | {name.rsplit(".", 1)[-1] for name in FUNCTION_SINKS}


def _runs_selects(tree: ast.Module) -> bool:
    """The file holds a literal that reads like a filtered or ordered SELECT and calls something
    named like an SQL sink (`execute`, `text`, `raw`, ...): the cheap test before the file is
    read with libcst."""
    selects = calls = False
    for node in astfacts.nodes_of(tree, ast.Constant, ast.Call):
        if isinstance(node, ast.Constant):
            if not selects and isinstance(node.value, str):
                text = node.value.upper()
                selects = "SELECT" in text and ("WHERE" in text or "ORDER BY" in text)
        elif isinstance(node, ast.Call) and not calls:
            func = node.func
            calls = (func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else "") in SINK_NAMES
        if selects and calls:
            return True
    return False


def raw_sql_sites(path: str, text: str, tree: ast.Module, dialect: str = "postgres") -> list[QuerySite]:
    """The query sites of the SELECTs the file's functions execute."""
    if ("SELECT" not in text and "select " not in text) or not _runs_selects(tree):
        return []
    tokens = token_count(text)
    if tokens is not None and tokens > MAX_LIBCST_TOKENS:
        return []
    try:
        module = cst.parse_module(text)
    except Exception:  # noqa: BLE001 - a file libcst cannot read has no raw SQL site
        return []
    context = FileContext(path, FileKind.PYTHON, text, module, None, dialect)  # type: ignore[arg-type]
    owners: list[str] = []
    functions: list[cst.FunctionDef] = []
    sites: list[QuerySite] = []

    def enter(node: cst.CSTNode) -> None:
        context.scopes.on_visit(node)
        if isinstance(node, cst.ClassDef) and not functions:
            owners.append(node.name.value)
        elif isinstance(node, cst.FunctionDef):
            functions.append(node)
        elif isinstance(node, cst.Call) and functions:
            site = context.sql_site(node)
            tree = site.condition_tree if site is not None and site.has_text else None
            if not isinstance(tree, exp.Select):
                return
            owner = owners[-1] if owners else ""
            name = f"{owner}.{functions[0].name.value}" if owner else functions[0].name.value
            line = context.line_of(node)
            for table, filters, order in _select_columns(tree):
                sites.append(QuerySite(path, line, 1, name, owner, "", filters, order, True, False, table))

    def leave(node: cst.CSTNode) -> None:
        if isinstance(node, cst.ClassDef) and owners and not functions and owners[-1] == node.name.value:
            owners.pop()
        elif isinstance(node, cst.FunctionDef) and functions and functions[-1] is node:
            functions.pop()
        context.scopes.on_leave(node)

    walk(module, enter, leave)
    return sites


def _select_columns(select: exp.Select) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(table, filtered and joined columns, ordered columns) per table a plain SELECT reads."""
    if select.args.get("with") or any(select.find_all(exp.Subquery, exp.Union, exp.Intersect, exp.Except)):
        return []
    source = select.args.get("from_") or select.args.get("from")
    joins = select.args.get("joins") or []
    tables = [t for t in ([source.this] if source is not None else []) + [j.this for j in joins]]
    if not tables or not all(isinstance(t, exp.Table) and t.name for t in tables):
        return []
    names = {(t.alias_or_name or t.name).lower(): t.name.lower() for t in tables}
    names.update({t.name.lower(): t.name.lower() for t in tables})
    single = tables[0].name.lower() if len(tables) == 1 else None

    def owner(column: exp.Column) -> str | None:
        if has_marker(column):
            return None  # a name the lifted SQL does not know (`ORDER BY {sort}`)
        return names.get(column.table.lower()) if column.table else single

    filters: dict[str, set[str]] = {}
    searched: set[str | None] = set()  # tables a text search scans whatever their indexes
    where = select.args.get("where")
    for conjunct in _conjuncts(where.this) if where is not None else []:
        if _unanchored(conjunct):
            searched |= {owner(c) for c in conjunct.find_all(exp.Column)}
        if not isinstance(conjunct, COMPARISONS) or _sql_boolean(conjunct) or _unanchored(conjunct):
            continue
        columns = list(conjunct.find_all(exp.Column))
        if len(columns) == 1 and owner(columns[0]):
            filters.setdefault(owner(columns[0]), set()).add(columns[0].name.lower())  # type: ignore[arg-type]
    for join in joins:
        condition = join.args.get("on")
        for conjunct in _conjuncts(condition) if condition is not None else []:
            if isinstance(conjunct, exp.EQ):
                for column in conjunct.find_all(exp.Column):
                    if owner(column):
                        filters.setdefault(owner(column), set()).add(column.name.lower())  # type: ignore[arg-type]
    order: tuple[str, ...] = ()
    ordering = select.args.get("order")
    if single and ordering is not None:
        keys = [o.this for o in ordering.expressions]
        order = (keys[0].name.lower(),) if keys and isinstance(keys[0], exp.Column) and owner(keys[0]) else ()
    found = []
    for table in dict.fromkeys(names.values()):
        if table in searched:
            continue
        columns = tuple(sorted(filters.get(table, ())))
        if columns or (table == single and order):
            found.append((table, columns, order if table == single else ()))
    return found


def _conjuncts(node: exp.Expression) -> list[exp.Expression]:
    """The terms of a chain of ANDs; an OR (or anything else) is one opaque term."""
    if isinstance(node, exp.Paren):
        return _conjuncts(node.this)
    if isinstance(node, exp.And):
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def _unanchored(comparison: exp.Expression) -> bool:
    """A LIKE whose pattern is not a literal with a fixed prefix (`'%term%'`, a placeholder):
    a B-tree index cannot serve it."""
    if not isinstance(comparison, (exp.Like, exp.ILike)):
        return False
    pattern = comparison.expression
    return not (isinstance(pattern, exp.Literal) and pattern.is_string and pattern.this[:1] not in ("%", "_", ""))


def _sql_boolean(comparison: exp.Expression) -> bool:
    return any(isinstance(side, exp.Boolean) for side in comparison.args.values() if isinstance(side, exp.Expression))
