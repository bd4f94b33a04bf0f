"""Reading Python migration source with the stdlib `ast`: constant values, call arguments and
the start of a node's source text (never imported, never run)."""

from __future__ import annotations

import ast
from typing import Any

from reviewer.astfacts import keyword_value
from reviewer.lines import split_lines


def const(node: ast.AST | None) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [const(item) for item in node.elts]
    if isinstance(node, ast.JoinedStr):
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = const(node.left), const(node.right)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
    if isinstance(node, ast.Call) and callee(node) in ("text", "dedent") and node.args:
        return const(node.args[0])
    return None


def lower(value: Any) -> str | None:
    """A constant name in lower case; None when it is not a string."""
    return value.lower() if isinstance(value, str) else None


def callee(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def receiver(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id
    return None


def arg(call: ast.Call, position: int, name: str) -> ast.AST | None:
    found = keyword_value(call, name)
    if found is not None:
        return found
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    return positional[position] if position < len(positional) else None


def is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def is_false(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def is_none(node: ast.AST | None) -> bool:
    return node is None or isinstance(node, ast.Constant) and node.value is None


_LINES_OF: list = [None, []]  # [text, its lines] of the file last segmented


def segment(text: str, node: ast.AST) -> str:
    """The start of a node's source text (`ast.get_source_segment` re-splits the whole file on
    every call, which is quadratic on large migrations)."""
    # One file's lines are kept at a time. Keyed by the text object itself, not id(text):
    # CPython reuses a freed object's id, which handed a new file another file's lines.
    if _LINES_OF[0] is text:
        lines = _LINES_OF[1]
    else:
        lines = split_lines(text)
        _LINES_OF[:] = [text, lines]
    first = getattr(node, "lineno", 0) - 1
    if not 0 <= first < len(lines):
        return ""
    last = getattr(node, "end_lineno", None) or first + 1
    column = getattr(node, "col_offset", 0)
    if last == first + 1:
        return short(lines[first][column : getattr(node, "end_col_offset", None)])
    return short(" ".join([lines[first][column:], *lines[first + 1 : min(last, first + 4)]]))


def short(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def body_state(function: ast.FunctionDef | None) -> str:
    """missing, empty (pass / ... / docstring only, and early exits: `if skip(op): return`),
    raise (only raises) or ok."""
    if function is None:
        return "missing"
    body = [s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    body = [s for s in body if not isinstance(s, ast.Pass) and not _early_exit(s)]
    if not body:
        return "empty"
    if all(isinstance(s, ast.Raise) for s in body):
        return "raise"
    return "ok"


def _early_exit(statement: ast.stmt) -> bool:
    """`if <test>: return` with no else: whatever the test asks, the function does nothing more
    on that path (ckan's `if skip_based_on_legacy_engine_version(op, __name__): return`)."""
    return (isinstance(statement, ast.If) and not statement.orelse and len(statement.body) == 1
            and isinstance(statement.body[0], ast.Return) and is_none(statement.body[0].value))
