"""libcst helpers the API rules share: method chains, response constructors, error bodies,
unbounded fetches and the SQL a cursor ran. Queries over small subtrees (a return value, one
call), never a walk of the whole file."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import libcst as cst
from sqlglot import exp

from reviewer.names import dotted
from reviewer.walk import children

# Response constructors: simple name -> (body keyword, status keyword).
RESPONSES = {
    "JSONResponse": ("content", "status_code"), "ORJSONResponse": ("content", "status_code"),
    "UJSONResponse": ("content", "status_code"), "jsonify": (None, None), "JsonResponse": ("data", "status"),
    "Response": ("data", "status"), "make_response": (None, None), "HttpResponse": ("content", "status"),
}
# Attributes of a request object that hold the raw payload (Flask `request.json`/`form`/
# `values`, DRF `request.data`, Django `request.POST`/`body`), and its methods that return it
# (`get_json()`, Starlette `await request.json()`/`form()`/`body()`).
RAW_ATTRIBUTES = frozenset({"json", "form", "data", "POST", "body", "values", "files"})
RAW_CALLS = frozenset({"get_json", "json", "form", "body"})
QUERYSET_METHODS = frozenset(
    {"all", "filter", "exclude", "order_by", "select_related", "prefetch_related", "annotate", "values",
     "values_list", "only", "defer", "distinct", "extra", "using", "reverse", "alias"}
)
BOUNDING_METHODS = frozenset(
    {"limit", "paginate", "slice", "first", "one", "one_or_none", "scalar", "scalar_one", "scalar_one_or_none",
     "get", "count", "exists", "aggregate", "fetchone", "fetchmany", "in_", "get_or_404", "first_or_404",
     "iterator", "latest", "earliest", "in_bulk", "last", "one_or_404"}
)
PAGE_PARAMS = frozenset({"limit", "offset", "page", "page_size", "per_page", "size", "cursor", "first", "after",
                         "before", "last", "skip", "take", "params", "pagination", "paginator"})


def simple_name(context: Any, func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        resolved = context.resolve(func) or func.value
        return resolved.rsplit(".", 1)[-1]
    return ""


def subtree(node: cst.CSTNode, prune: Callable[[cst.CSTNode], bool] | None = None) -> Iterator[cst.CSTNode]:
    """Nodes of a subtree; `prune` drops a node and everything under it."""
    stack = [node]
    while stack:
        item = stack.pop()
        if prune is not None and prune(item):
            continue
        yield item
        stack.extend(children(item))


def chain(expr: cst.BaseExpression) -> list[tuple[str, cst.Call | None]]:
    """Method chain of an expression, innermost first: `a.b(x).c()` -> [(a, None), (b, call), (c, call)]."""
    out: list[tuple[str, cst.Call | None]] = []
    node: cst.BaseExpression = expr
    while True:
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            out.append((node.func.attr.value, node))
            node = node.func.value
        elif isinstance(node, cst.Attribute):
            out.append((node.attr.value, None))
            node = node.value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
            out.append((node.func.value, node))
            # select(Model) etc: look no deeper
            break
        elif isinstance(node, cst.Subscript):
            out.append(("[]", None))
            node = node.value
        elif isinstance(node, cst.Await):
            node = node.expression
        elif isinstance(node, cst.Name):
            out.append((node.value, None))
            break
        else:
            break
    out.reverse()
    return out


class Unparsed:
    """SQL that was lifted but does not parse (a hole in an odd place): its token types."""

    def __init__(self, tokens: set) -> None:
        self.tokens = tokens


def sql_of(context: Any, call: cst.Call) -> "exp.Expression | Unparsed | None":
    """The parsed statement a database call executes (its SQL site, `FileContext.sql_site`),
    the token types of lifted SQL that does not parse, or None when nothing is known. In
    `db.execute(text("..."))` the SQL is text()'s."""
    site = context.sql_site(call)
    if site is None:
        return None
    found = _statement(site)
    argument = site.sink.argument
    if found is None and isinstance(argument, cst.Call) and argument is not call:
        found = sql_of(context, argument)
    return found


def _statement(site: Any) -> "exp.Expression | Unparsed | None":
    if not site.has_text or not site.is_statement:
        return None
    if site.statement is not None:
        return site.statement
    try:
        from sqlglot.tokens import Tokenizer

        return Unparsed({token.token_type.name for token in Tokenizer().tokenize(site.text)})
    except Exception:  # noqa: BLE001 - untokenizable text is simply unknown
        return None


def sql_is_bounded(tree: exp.Expression | None) -> bool:
    """LIMIT/FETCH, GROUP BY, an aggregate, or an IN-list: a bounded result. Unknown SQL counts as
    bounded (never guess)."""
    if tree is None:
        return True
    if isinstance(tree, Unparsed):
        return not ("SELECT" in tree.tokens and not tree.tokens & {"LIMIT", "FETCH", "GROUP_BY", "IN", "COUNT", "SUM"})
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    if select is None:
        return True
    if select.args.get("limit") or select.args.get("fetch") or select.args.get("group"):
        return True
    if any(isinstance(e, exp.AggFunc) for e in select.expressions for e in e.walk()):
        return True
    where = select.args.get("where")
    if where is not None and (where.find(exp.In) is not None or where.find(exp.EQ) is not None and _eq_on_id(where)):
        return True
    return False


def _eq_on_id(where: exp.Expression) -> bool:
    for eq in where.find_all(exp.EQ):
        column = eq.this if isinstance(eq.this, exp.Column) else None
        if column is not None and column.name.lower() == "id":
            return True
    return False


def is_queryset_chain(links: list[tuple[str, cst.Call | None]]) -> bool:
    names = [name for name, _ in links]
    return "objects" in names and names[-1] in QUERYSET_METHODS


def unbounded_fetch(context: Any, expr: cst.BaseExpression, cursor_sql: dict[str, exp.Expression | None]) -> bool:
    """An expression that yields every row of a query: `.all()`, `scalars(...).all()`,
    `cur.fetchall()` after SQL without LIMIT, or an unsliced Django queryset."""
    if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
        return False
    links = chain(expr)
    names = [name for name, _ in links]
    if any(name in BOUNDING_METHODS for name in names) or "[]" in names:
        return False
    last = names[-1]
    if last == "fetchall":
        receiver = expr.func.value
        if isinstance(receiver, cst.Name) and receiver.value in cursor_sql:
            return not sql_is_bounded(cursor_sql[receiver.value])
        for _, call in links:
            if call is not None and call is not expr and context.sink(call) is not None:
                return not sql_is_bounded(sql_of(context, call))
        return False
    if last == "fetchall":
        return False
    if is_queryset_chain(links):
        return not any(_ids_filter(call) for _, call in links if call is not None)
    if last == "all" and not expr.args and len(links) >= 2:
        for _, call in links:
            if call is not None and context.sink(call) is not None:
                lifted = sql_of(context, call)
                if lifted is not None:
                    return not sql_is_bounded(lifted)
        head = names[0]
        # session.query(M)..., db.scalars(select(M)), db.execute(select(M)), M.query...
        if "query" in names or "scalars" in names or "execute" in names or head in ("select",):
            text = context.module.code_for_node(expr)
            return "in_(" not in text and ".limit(" not in text
    return False


def _ids_filter(call: cst.Call) -> bool:
    for arg in call.args:
        if arg.keyword is not None and (arg.keyword.value.endswith("__in") or arg.keyword.value in ("pk", "id")):
            return True
    return False


def names_in(node: cst.CSTNode, skip: Callable[[cst.CSTNode], bool] | None = None) -> set[str]:
    """Names read in a subtree, not descending into nodes `skip` accepts or attribute names."""
    found: set[str] = set()
    stack: list[cst.CSTNode] = [node]
    while stack:
        item = stack.pop()
        if skip is not None and skip(item):
            continue
        if isinstance(item, cst.Name):
            found.add(item.value)
        elif isinstance(item, cst.Attribute):
            stack.append(item.value)
            continue
        stack.extend(children(item))
    return found


def response_parts(context: Any, call: cst.Call) -> tuple[str, cst.BaseExpression | None, cst.BaseExpression | None] | None:
    """(constructor, body, status) of a response constructor call, else None. A class of the
    project's own (arches' `JSONResponse(HttpResponse)`) takes the keywords of the framework
    response it derives from, across modules (the project's symbols)."""
    name = _response_class(context, call.func)
    if name not in RESPONSES:
        return None
    body_kw, status_kw = RESPONSES[name]
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    body = positional[0] if positional else None
    status = positional[1] if len(positional) > 1 and name != "jsonify" else None
    for arg in call.args:
        if arg.keyword is not None:
            if body_kw and arg.keyword.value == body_kw:
                body = arg.value
            if status_kw and arg.keyword.value == status_kw:
                status = arg.value
    if name == "jsonify" and body is None and any(arg.keyword is not None for arg in call.args):
        body = cst.Dict([cst.DictElement(cst.SimpleString(f'"{a.keyword.value}"'), a.value) for a in call.args if a.keyword])
    return name, body, status


def _response_class(context: Any, func: cst.BaseExpression) -> str:
    """The simple name of the response class a constructor call builds: for a project class,
    that of its nearest framework base named in RESPONSES (its own name means nothing: arches'
    `JSONResponse` is Django's `HttpResponse`, with `status=`, not Starlette's)."""
    symbols = getattr(context, "symbols", None)
    written = dotted(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
    if symbols is not None and written:
        own = symbols.class_symbol(context.path, written)
        if own is not None:
            bases = (name.rsplit(".", 1)[-1] for name, symbol in symbols.ancestry(own) if symbol is None)
            return next((base for base in bases if base in RESPONSES), "")
    return simple_name(context, func)


def dict_keys(node: cst.BaseExpression | None) -> dict[str, cst.BaseExpression]:
    if not isinstance(node, cst.Dict):
        return {}
    out = {}
    for element in node.elements:
        if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
            key = element.key.evaluated_value
            if isinstance(key, str):
                out[key] = element.value
    return out


def is_error_body(node: cst.BaseExpression | None) -> bool:
    """A dict literal that says "this failed": an `error`/`errors` member with a value,
    `success: False`, `ok: False` or `status: "error"`."""
    keys = dict_keys(node)
    if not keys or "data" in keys:
        return False
    for name in ("error", "errors"):
        value = keys.get(name)
        if value is None:
            continue
        if isinstance(value, cst.Name) and value.value in ("None", "False"):
            continue
        if isinstance(value, (cst.List, cst.Dict, cst.Tuple)) and not getattr(value, "elements", None):
            continue
        return True
    for name in ("success", "ok"):
        value = keys.get(name)
        if isinstance(value, cst.Name) and value.value == "False":
            return True
    status = keys.get("status")
    if isinstance(status, cst.SimpleString) and status.evaluated_value in ("error", "fail", "failed", "failure"):
        return True
    return False


GRAPHQL_LIBRARIES = ("graphql", "graphene", "strawberry", "ariadne", "graphene_django", "strawberry_django")


def is_graphql_module(context: Any) -> bool:
    """The module imports a GraphQL library: its `{"errors": [...]}` bodies are GraphQL
    responses, whose shape and status the GraphQL-over-HTTP protocol fixes."""
    return any(target.split(".")[0] in GRAPHQL_LIBRARIES for target in context.imports.aliases.values())


def is_errors_document(node: cst.BaseExpression | None) -> bool:
    """`{"errors": [...]}` with at most `data` / `extensions`: a GraphQL response body."""
    keys = dict_keys(node)
    return "errors" in keys and set(keys) <= {"errors", "data", "extensions"}


def code(context: Any, node: cst.CSTNode, limit: int = 60) -> str:
    text = " ".join(context.module.code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
