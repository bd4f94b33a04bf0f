"""Per-function response summaries of the project model, read from `ast` in the index pass
(cached with the file's other symbols, by content) and resolved across modules by
`ProjectSymbols`:

- `Paging`: "returns a paginated response". What the function does about pagination in its own
  body: it takes page inputs (a parameter `limit` / `offset` / `page` / `cursor` ...: a
  pagination dependency when a handler `Depends` on it), it pages (calls a paginator, applies
  `.limit()` with `.offset()`, or slices with bounds built from page inputs), the page-size
  parameters it clamps; and, to follow, the project callables whose results it returns and
  the FastAPI dependencies of its parameters. `ProjectSymbols.returns_paginated` follows those
  into helpers in other modules and into methods inherited from base classes and mixins.
- `ErrorBody`: "returns an error body of shape S". The shape (top-level keys, and the keys of
  nested objects) of the JSON error response a function returns: a `JSONResponse` /
  `jsonify` / DRF `Response` / `JsonResponse` with a dict body and a 4xx / 5xx status, or a
  status its caller gives (an error helper, `api_error(code, message, status)`) or the
  exception it handles carries (an exception handler, `exc.status_code`).

Both follow `returned_callees` (the project callables whose results a function returns):
`ProjectSymbols.returns_paginated` and `ProjectSymbols.error_body` go through them into helpers
in other modules and into methods inherited from base classes and mixins.

The shape primitives (`shape_of`, `status_value`, `response_parts`) are the error-shape
analysis' too (reviewer.web.errorshape reads the same bodies site by site).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any, Mapping

from reviewer.astfacts import dotted_name, tail_name, walk
from reviewer.names import last_name
from reviewer.project.queries import function_statements, target_names
from reviewer.provider import FrozenMap, freeze

# Pagination inputs: a function or class taking one of these is a pagination dependency
# (`Depends(pagination_params)`, `params: PageParams = Depends()`).
PAGINATION_INPUTS = frozenset({"limit", "offset", "page", "page_size", "pagesize", "per_page", "perpage", "size",
                               "cursor", "skip", "take", "page_number", "max_results"})
# Library paginators and the DRF methods that paginate (Django's `Paginator`, DRF's
# `paginate_queryset`, fastapi-pagination's `paginate` / `Page`, django-tables2's `RequestConfig`).
PAGINATORS = frozenset({"paginate", "Paginator", "paginate_queryset", "get_page", "get_paginated_response", "Page",
                        "LimitOffsetPage", "CursorPage", "paginated_response", "RequestConfig"})
# Names a slice's bounds are built from when it cuts a page (`rows[offset:offset + limit]`,
# `qs[start:end]` after `start = (page - 1) * size`).
SLICE_BOUNDS = PAGINATION_INPUTS | {"start", "end", "stop", "first", "last"}
DEPENDENCY_MARKERS = frozenset({"Depends", "Security"})

# Callables that build a response from a body and a status, and where each takes them.
RESPONSES = {
    "JSONResponse": ("content", "status_code"),
    "ORJSONResponse": ("content", "status_code"),
    "UJSONResponse": ("content", "status_code"),
    "jsonify": (None, None),
    "JsonResponse": ("data", "status"),
    "Response": ("data", "status"),
    "make_response": (None, None),
}
# Attributes of a parameter that carry a status: the handled exception's (`exc.status_code`).
STATUS_ATTRIBUTES = frozenset({"status_code", "code", "status"})


def is_pagination_name(name: str | None) -> bool:
    """A callable named for pagination (`paginate_query`, `get_paginated_response`,
    `StandardResultsPagination`): the project's own pagination helper or class."""
    return "paginat" in last_name(name).lower()


# --------------------------------------------------------------------------------------------
# "returns a paginated response"


@dataclass(frozen=True)
class Paging:
    """What a function does about pagination (see the module docstring)."""

    inputs: bool = False  # takes page inputs
    paginates: bool = False  # pages in its own body
    # The parameters it bounds: any it clamps with `min(x, 100)`, and the page inputs it
    # compares (`if limit > 100: raise ...`).
    clamps: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()  # FastAPI dependencies of its parameters (as written)
    # Its page inputs handed whole to project callables: (parameter, callee as written, the
    # argument's slot: a positional index "0" ... or a keyword), for `ProjectSymbols.clamped_slots`.
    passes: tuple[tuple[str, str, str], ...] = ()
    parameters: tuple[str, ...] = ()  # its positional parameters, when it clamps or passes

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.inputs:
            data["inputs"] = True
        if self.paginates:
            data["paginates"] = True
        for key in ("clamps", "dependencies", "parameters"):
            if getattr(self, key):
                data[key] = list(getattr(self, key))
        if self.passes:
            data["passes"] = [list(item) for item in self.passes]
        return data

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "Paging":
        return Paging(
            bool(data.get("inputs")), bool(data.get("paginates")), tuple(data.get("clamps", ())), tuple(data.get("dependencies", ())),
            tuple((item[0], item[1], item[2]) for item in data.get("passes", ())), tuple(data.get("parameters", ())),
        )


# The node types paging_summary reads (the parser makes no subclasses of them).
_PAGING_NODES = frozenset({ast.Call, ast.Compare, ast.Subscript})


def paging_summary(node: ast.FunctionDef | ast.AsyncFunctionDef, known: frozenset[str] = frozenset()) -> Paging | None:
    """The function's `Paging`, None when it has no fact about pagination. `known`: the names a
    call must start with to reach a project callable (the module's bindings and imports)."""
    args = node.args
    positional = tuple(a.arg for a in [*args.posonlyargs, *args.args])
    params = [*positional, *(a.arg for a in args.kwonlyargs)]
    page_params = set(params) & PAGINATION_INPUTS
    inputs = bool(page_params)
    methods: set[str] = set()
    clamped: set[str] = set()
    compared: set[str] = set()
    passes: list[tuple[str, str, str]] = []
    sliced = False
    for item in walk(node):
        kind = type(item)
        if kind not in _PAGING_NODES:
            continue  # most nodes: one look
        if kind is ast.Call:
            callee = tail_name(item.func) or ""  # `q.limit(n).offset(m)`: a chain's methods too
            methods.add(callee)
            if callee == "min":
                clamped.update(n.id for n in walk(item) if isinstance(n, ast.Name))
            elif page_params:
                passes.extend(_passed(item, page_params, known))
        elif kind is ast.Compare and any(isinstance(op, (ast.Gt, ast.GtE, ast.Lt, ast.LtE)) for op in item.ops):
            compared.update(n.id for n in walk(item) if isinstance(n, ast.Name))
        elif kind is ast.Subscript and isinstance(item.slice, ast.Slice) and not sliced:
            bounds = [b for b in (item.slice.lower, item.slice.upper) if b is not None]
            sliced = any(_names(bound) & SLICE_BOUNDS for bound in bounds)
    paginates = (
        sliced
        or any(is_pagination_name(m) for m in methods)
        or bool(PAGINATORS & methods)
        or {"limit", "offset"} <= methods
    )
    clamps = tuple(sorted((clamped & set(params)) | (compared & page_params)))
    passes = list(dict.fromkeys(passes))
    summary = Paging(inputs, paginates, clamps, _dependencies(node), tuple(passes), positional if clamps or passes else ())
    return summary if summary != Paging() else None


def _passed(call: ast.Call, names: set[str], known: frozenset[str]) -> list[tuple[str, str, str]]:
    """(parameter, callee, slot) for each of `names` a call of a project callable is given whole."""
    callee = dotted_name(call.func)
    if not callee or not _reaches_project(callee, known):
        return []
    found = []
    for position, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            break  # the slots after `*args` are not known
        if isinstance(arg, ast.Name) and arg.id in names:
            found.append((arg.id, callee, str(position)))
    for keyword in call.keywords:
        if keyword.arg is not None and isinstance(keyword.value, ast.Name) and keyword.value.id in names:
            found.append((keyword.value.id, callee, keyword.arg))
    return found


def class_takes_page_inputs(node: ast.ClassDef) -> bool:
    """A class of page inputs: a pydantic model or dataclass with a `limit` / `page` ... field
    (its `__init__`'s parameters are the method's own `Paging`)."""
    return any(
        isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.target.id in PAGINATION_INPUTS
        for statement in node.body
    )


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in walk(node) if isinstance(n, ast.Name)} | {n.attr for n in walk(node) if isinstance(n, ast.Attribute)}


def _dependencies(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    """`p = Depends(pagination_params)`, `p: Annotated[Params, Depends(get_page)]`,
    `params: PageParams = Depends()` (the annotation is the dependency), as written."""
    args = node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    defaults: dict[str, ast.expr] = {}
    positional = [*args.posonlyargs, *args.args]
    for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
        defaults[arg.arg] = default
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        if default is not None:
            defaults[arg.arg] = default
    found: list[str] = []
    for arg in every:
        annotation = arg.annotation
        for where in (defaults.get(arg.arg), annotation):
            for item in walk(where) if where is not None else ():
                if isinstance(item, ast.Call) and last_name(dotted_name(item.func)) in DEPENDENCY_MARKERS:
                    target = item.args[0] if item.args else _annotated_type(annotation)
                    name = dotted_name(target) if target is not None else None
                    if name:
                        found.append(name)
    return tuple(dict.fromkeys(found))


def _annotated_type(annotation: ast.expr | None) -> ast.expr | None:
    """The type an annotation names: `Params`, `Annotated[Params, Depends()]` -> `Params`."""
    if isinstance(annotation, ast.Subscript) and last_name(dotted_name(annotation.value)) == "Annotated":
        inner = annotation.slice
        return inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else None
    return annotation


def returned_callees(node: ast.FunctionDef | ast.AsyncFunctionDef, known: frozenset[str]) -> tuple[str, ...]:
    """The project callables (as written: `helper`, `services.list_orders`, `self.paginate`)
    whose results the function returns: calls in its return values, and in the values of the
    locals it returns."""
    assigned: dict[str, list[ast.expr]] = {}
    returns: list[ast.expr] = []
    for statement in function_statements(node):
        if isinstance(statement, ast.Return) and statement.value is not None:
            returns.append(statement.value)
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                for name in target_names(target):
                    assigned.setdefault(name, []).append(statement.value)
    found: list[str] = []
    seen: set[str] = set()
    pending = list(returns)
    while pending:
        value = pending.pop(0)
        for item in walk(value):
            if isinstance(item, ast.Call):
                callee = dotted_name(item.func)
                if callee and _reaches_project(callee, known):
                    found.append(callee)
            elif isinstance(item, ast.Name) and item.id in assigned and item.id not in seen:
                seen.add(item.id)
                pending.extend(assigned[item.id])
    return tuple(dict.fromkeys(found))


def _reaches_project(callee: str, known: frozenset[str]) -> bool:
    head = callee.split(".")[0]
    if head in ("self", "cls"):
        return callee.count(".") == 1
    return head in known


# --------------------------------------------------------------------------------------------
# "returns an error body of shape S"


@dataclass(frozen=True)
class ErrorBody:
    """An error response a function returns: the body's shape (key -> nested shape, or "str" /
    "list" / "value"), its status (None: the caller's or the handled exception's) and line."""

    shape: FrozenMap
    status: int | None
    line: int

    @property
    def helper(self) -> bool:
        """The status is the caller's (or the exception's): the function builds the project's
        error bodies for others (`api_error(...)`, an exception handler)."""
        return self.status is None

    def to_json(self) -> list[Any]:
        return [dict(self.shape), self.status, self.line]

    @staticmethod
    def from_json(data: Any) -> "ErrorBody":
        return ErrorBody(freeze(data[0]), data[1], int(data[2]))


def status_value(node: ast.AST | None) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    text = ast.unparse(node) if node is not None else ""
    match = re.search(r"HTTP_(\d{3})", text)
    if match:
        return int(match.group(1))
    if "HTTPStatus." in text:
        from http import HTTPStatus

        name = text.rsplit(".", 1)[-1]
        if name in HTTPStatus.__members__:
            return int(HTTPStatus[name])
    return None


def shape_of(node: ast.AST) -> Any:
    """A dict literal's shape: key -> nested shape for dict values, "str"/"list"/"value" for the
    rest. None when the body is not a dict literal."""
    if isinstance(node, ast.Call) and tail_name(node.func) == "dict" and not node.args:
        return {k.arg: "value" for k in node.keywords if k.arg}
    if not isinstance(node, ast.Dict):
        return None
    shape: dict[str, Any] = {}
    for key, value in zip(node.keys, node.values):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            if key is None:
                continue
            return None
        nested = shape_of(value)
        if nested is not None:
            shape[key.value] = nested
        elif isinstance(value, (ast.Constant, ast.JoinedStr)) and isinstance(getattr(value, "value", ""), str):
            shape[key.value] = "str"
        elif isinstance(value, (ast.List, ast.ListComp)):
            shape[key.value] = "list"
        else:
            shape[key.value] = "value"
    return shape


def response_parts(call: ast.Call) -> tuple[ast.AST | None, ast.AST | None, bool] | None:
    """(body, status node, status given) of a response constructor call."""
    name = tail_name(call.func)
    if name not in RESPONSES:
        return None
    body_kw, status_kw = RESPONSES[name]
    body = call.args[0] if call.args else None
    status = call.args[1] if len(call.args) > 1 and name not in ("jsonify",) else None
    for keyword in call.keywords:
        if body_kw and keyword.arg == body_kw:
            body = keyword.value
        if status_kw and keyword.arg == status_kw:
            status = keyword.value
    if name == "make_response" and isinstance(body, ast.Call) and tail_name(body.func) == "jsonify":
        body = body.args[0] if body.args else None
    if name == "jsonify" and call.keywords and body is None:
        return ast.Dict(keys=[ast.Constant(k.arg) for k in call.keywords], values=[k.value for k in call.keywords]), None, False
    return body, status, status is not None


def unwrap_body(body: ast.AST | None, function: ast.AST | None) -> ast.AST | None:
    """See through `jsonable_encoder(body)` and a local `body = {...}` assignment."""
    for _ in range(3):
        if isinstance(body, ast.Call) and len(body.args) == 1 and tail_name(body.func) in ("jsonable_encoder", "dict", "jsonify"):
            body = body.args[0]
        elif isinstance(body, ast.Name) and function is not None:
            found = None
            for item in walk(function):
                if isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == body.id for t in item.targets):
                    found = item.value
            if found is None:
                return body
            body = found
        else:
            break
    return body


def status_from_caller(status: ast.AST, function: ast.FunctionDef | ast.AsyncFunctionDef | None) -> bool:
    """A status the caller passes (a parameter: `api_error(..., status)`) or the handled
    exception carries (`exc.status_code` of a parameter `exc`). A status the function decides
    itself (`status_code = 503 if failing else 200` in a health probe) is neither."""
    if function is None:
        return False
    params = {a.arg for a in [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]}
    for node in walk(status):
        if isinstance(node, ast.Name) and node.id in params:
            return True
        if isinstance(node, ast.Attribute) and node.attr in STATUS_ATTRIBUTES and isinstance(node.value, ast.Name) and node.value.id in params:
            return True
    return False


def error_bodies(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[ErrorBody, ...]:
    """The error bodies the function returns itself (directly, or as a local it binds once:
    `response = JSONResponse(...); return response`)."""
    bodies: list[ErrorBody] = []
    statements = list(function_statements(node))
    bound: dict[str, list[ast.expr]] = {}
    for statement in statements:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                for name in target_names(target):
                    bound.setdefault(name, []).append(statement.value)
    for statement in statements:
        if not isinstance(statement, ast.Return) or statement.value is None:
            continue
        value = statement.value.value if isinstance(statement.value, ast.Await) else statement.value
        if isinstance(value, ast.Name) and len(bound.get(value.id, ())) == 1:
            value = bound[value.id][0]
        status_node: ast.AST | None = None
        if isinstance(value, ast.Tuple) and len(value.elts) >= 2:  # Flask's `jsonify(...), 400`
            value, status_node = value.elts[0], value.elts[1]
        if not isinstance(value, ast.Call):
            continue
        parts = response_parts(value)
        if parts is None:
            continue
        body, status, given = parts
        status_node = status if given else status_node
        shape = shape_of(unwrap_body(body, node)) if body is not None else None
        if not shape or status_node is None:
            continue
        code = status_value(status_node)
        if code is not None and code >= 400:
            bodies.append(ErrorBody(freeze(shape), code, statement.lineno))
        elif code is None and status_from_caller(status_node, node):
            bodies.append(ErrorBody(freeze(shape), None, statement.lineno))
    return tuple(bodies)
