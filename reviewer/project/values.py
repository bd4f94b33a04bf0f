"""Constant expressions read from `ast`: what a module-level name, a class attribute or a
helper's return value is built from, before names are resolved across modules.

An `Expr` is a small typed tree: known text, a reference to another name (resolved when the
project's modules are merged), a concatenation, a collection, a choice between alternatives,
an operation on constants whose text is not worked out, a parameter of the function being
summarised, the result of a call (in a function's summary only), or a placeholder list (`", ".join(["%s"] * len(ids))`). `None` stands for "not a
constant". JSON only at the cache boundary (`to_json` / `from_json`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from reviewer.astfacts import dotted_name

TEXT, REF, CONCAT, COLLECTION, CHOICE, OPAQUE, PARAM, IMPORTED = (
    "text", "ref", "concat", "collection", "choice", "opaque", "param", "imported",
)
# A helper's return value that is the result of another call of the project (`return
# placeholder(key)`, `return self.quote(name)`): TEXT holds the callee as written, the items its
# positional arguments. Only a function summary holds one (reviewer.project.instances).
CALL = "call"
# Driver placeholders a repeated list is made of (`["%s"] * n`, `"?" * n`).
PLACEHOLDER_ELEMENTS = frozenset({"%s", "?", "%d"})
# %-conversions and format specs that raise on anything but a number.
NUMERIC_CONVERSIONS = frozenset("difeEgGxXo")
NUMERIC_SPECS = frozenset("dfeEgGxXob%n")
# Parameter types that cannot carry SQL syntax: FastAPI and pydantic coerce a request's value
# to them or reject it (reviewer.sql.sqltext, reviewer.project.calls).
SAFE_ANNOTATIONS = frozenset(
    {
        "int", "float", "bool", "uuid.UUID", "decimal.Decimal", "datetime.date", "datetime.datetime",
        "datetime.time", "datetime.timedelta", "pydantic.PositiveInt", "pydantic.NonNegativeInt",
        "pydantic.conint", "pydantic.UUID4",
    }
)
COLLECTION_CALLS = frozenset({"frozenset", "set", "tuple", "list"})


@dataclass(frozen=True)
class Expr:
    kind: str
    text: str = ""  # TEXT: the text; REF: the dotted name; PARAM / IMPORTED: the local name
    items: tuple["Expr", ...] = ()

    def to_json(self) -> Any:
        return [self.kind, self.text, [item.to_json() for item in self.items]] if self.items else [self.kind, self.text]

    @staticmethod
    def from_json(data: Any) -> "Expr":
        items = tuple(Expr.from_json(item) for item in data[2]) if len(data) > 2 else ()
        return Expr(data[0], data[1], items)


def text(value: str) -> Expr:
    return Expr(TEXT, value)


def percent_fields(fmt: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, key) of each %-conversion; key is "" for positional, "%" for `%%`."""
    position = 0
    while True:
        start = fmt.find("%", position)
        if start < 0 or start + 1 >= len(fmt):
            return
        cursor = start + 1
        key = ""
        if fmt[cursor] == "%":
            yield start, cursor + 1, "%"
            position = cursor + 1
            continue
        if fmt[cursor] == "(":
            close = fmt.find(")", cursor)
            if close < 0:
                return
            key = fmt[cursor + 1 : close]
            cursor = close + 1
        while cursor < len(fmt) and fmt[cursor] in "#0- +.*0123456789":
            cursor += 1
        if cursor < len(fmt) and fmt[cursor] in "sdifrauxXeEgGco":
            yield start, cursor + 1, key
            position = cursor + 1
        else:
            position = cursor


def expr_of(node: ast.AST | None, params: frozenset[str] = frozenset(), local: Mapping[str, ast.AST] | None = None, depth: int = 0) -> Expr | None:
    """The constant expression `node` builds, or None when it is not made of constants
    (`params` are the parameters of a function being summarised, `local` its names
    assigned once)."""
    if node is None or depth > 8:
        return None
    again = depth + 1
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bytes):
            return text(value.decode("utf-8", "replace"))
        if value is Ellipsis:
            return None
        return text(value if isinstance(value, str) else str(value))
    if isinstance(node, ast.JoinedStr):
        parts: list[Expr] = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                spec = part.format_spec
                if part.conversion == -1 and isinstance(spec, ast.JoinedStr) and _numeric_spec(spec):
                    parts.append(text("0"))
                    continue
                inner = expr_of(part.value, params, local, again)
            else:
                inner = expr_of(part, params, local, again)
            if inner is None:
                return None
            parts.append(inner)
        return Expr(CONCAT, items=tuple(parts))
    if isinstance(node, ast.Name):
        if node.id in params:
            return Expr(PARAM, node.id)
        if local is not None and node.id in local:
            return expr_of(local[node.id], params, None, again)
        return Expr(REF, node.id)
    if isinstance(node, ast.Attribute):
        name = dotted_name(node)
        if name is None or name.split(".")[0] in params:
            return None
        return Expr(REF, name)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return _all(COLLECTION, node.elts, params, local, again)
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):
            return None
        return _all(COLLECTION, [*node.keys, *node.values], params, local, again)  # type: ignore[list-item]
    if isinstance(node, ast.IfExp):
        return _all(CHOICE, [node.body, node.orelse], params, local, again)
    if isinstance(node, ast.UnaryOp):
        return _all(OPAQUE, [node.operand], params, local, again)
    if isinstance(node, ast.BinOp):
        return _binary(node, params, local, again)
    if isinstance(node, ast.Call):
        return _call(node, params, local, again)
    return None


def _all(kind: str, nodes: list[ast.AST], params, local, depth: int) -> Expr | None:
    items = []
    for node in nodes:
        if isinstance(node, ast.Starred):
            return None
        item = expr_of(node, params, local, depth)
        if item is None:
            return None
        items.append(item)
    return Expr(kind, items=tuple(items))


def _binary(node: ast.BinOp, params, local, depth: int) -> Expr | None:
    if isinstance(node.op, ast.Add):
        return _all(CONCAT, [node.left, node.right], params, local, depth)
    if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
        return _percent(node.left.value, node.right, params, local, depth)
    if isinstance(node.op, ast.Mult) and placeholder_list(node):
        return Expr(OPAQUE)  # a repeated placeholder outside a join: a constant string
    operands = _all(OPAQUE, [node.left, node.right], params, local, depth)
    if operands is None or _has_param(operands):
        return None
    return operands


def _percent(fmt: str, right: ast.AST, params, local, depth: int) -> Expr | None:
    if isinstance(right, ast.Dict):
        named = {key.value: value for key, value in zip(right.keys, right.values) if isinstance(key, ast.Constant)}
        positional: list[ast.AST] = []
    else:
        named = {}
        positional = list(right.elts) if isinstance(right, ast.Tuple) else [right]
    parts: list[Expr] = []
    index = 0
    position = 0
    for start, end, key in percent_fields(fmt):
        parts.append(text(fmt[position:start]))
        position = end
        if key == "%":
            parts.append(text("%"))
            continue
        value = named.get(key) if key else (positional[index] if index < len(positional) else None)
        if not key:
            index += 1
        if fmt[end - 1] in NUMERIC_CONVERSIONS:
            parts.append(text("0"))
            continue
        inner = expr_of(value, params, local, depth)
        if inner is None:
            return None
        parts.append(inner)
    parts.append(text(fmt[position:]))
    return Expr(CONCAT, items=tuple(parts))


def _call(node: ast.Call, params, local, depth: int) -> Expr | None:
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "join" and len(node.args) == 1 and not node.keywords:
        separator = expr_of(func.value, params, local, depth)
        if separator is None or separator.kind != TEXT:
            return None
        placeholder = placeholder_list(node.args[0])
        if placeholder:
            return text("%s" if placeholder == "%d" else placeholder)
        items = node.args[0]
        if isinstance(items, (ast.List, ast.Tuple)):
            joined: list[Expr] = []
            for position, element in enumerate(items.elts):
                item = expr_of(element, params, local, depth)
                if item is None or isinstance(element, ast.Starred):
                    return None
                joined.extend([separator, item] if position else [item])
            return Expr(CONCAT, items=tuple(joined))
        operand = expr_of(items, params, local, depth)
        return Expr(OPAQUE, items=(operand,)) if operand is not None and not _has_param(operand) else None
    if isinstance(func, ast.Attribute) and func.attr in ("format", "upper", "lower", "strip"):
        operands = _all(OPAQUE, [func.value, *node.args, *(k.value for k in node.keywords)], params, local, depth)
        return operands if operands is not None and not _has_param(operands) else None
    if isinstance(func, ast.Name) and func.id in COLLECTION_CALLS and len(node.args) <= 1 and not node.keywords:
        if not node.args:
            return Expr(COLLECTION)
        inner = expr_of(node.args[0], params, local, depth)
        return Expr(COLLECTION, items=(inner,)) if inner is not None else None
    return None


def _has_param(expr: Expr) -> bool:
    return expr.kind == PARAM or any(_has_param(item) for item in expr.items)


def _numeric_spec(spec: ast.JoinedStr) -> bool:
    pieces = spec.values
    if not pieces or not all(isinstance(piece, ast.Constant) for piece in pieces):
        return False
    written = "".join(str(piece.value) for piece in pieces)  # type: ignore[attr-defined]
    return bool(written) and written[-1] in NUMERIC_SPECS


def placeholder_list(items: ast.AST) -> str:
    """`["%s"] * n`, `"?" * n`, `("%s" for _ in ids)`, `["?" for _ in ids]`: the placeholder
    repeated, or "" when the items are something else."""

    def single(node: ast.AST) -> str:
        if isinstance(node, ast.Constant) and node.value in PLACEHOLDER_ELEMENTS:
            return str(node.value)
        if isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) == 1:
            return single(node.elts[0])
        return ""

    if isinstance(items, ast.BinOp) and isinstance(items.op, ast.Mult):
        return single(items.left) or single(items.right)
    if isinstance(items, (ast.GeneratorExp, ast.ListComp)):
        return single(items.elt)
    return ""
