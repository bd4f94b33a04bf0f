"""Per-function summary "returns a `data:` / `file:` URI", computed once per file in the index
pass (`ast`) and resolved across modules through call edges by `ProjectSymbols.returns_local_uri`.

A function returns a local URI when each of its returns is one: a string literal (or an
f-string) whose text starts with `data:` or `file:`, the result of a data-URI producer named
for an image's data URI (segno's `png_data_uri()`), a local name every assignment of which is
one, or a call of another function that itself returns one (kept here as the callee's name as
written, resolved by the merged model)."""

from __future__ import annotations

import ast
import re

from reviewer.astfacts import dotted_name
from reviewer.project.queries import function_statements, target_names

LOCAL_SCHEMES = ("data:", "file:")
# Producers of an image's data URI by their name (segno's `png_data_uri` / `svg_data_uri`). A
# bare `data_uri` / `data_url` is not one: it often names the URL of some data (superset's
# `normalize_example_data_url` gives an https URL of a CSV file).
DATA_URI_PRODUCER = re.compile(r"(png|svg|jpe?g|gif|webp|image|img)_?data_?ur[il]$", re.IGNORECASE)
MAX_DEPTH = 3


def is_local_uri_text(text: str) -> bool:
    """Text that starts a `data:` or `file:` URI."""
    return text.lower().startswith(LOCAL_SCHEMES)


def is_data_uri_producer(name: str) -> bool:
    """A function or method named for producing an image's data URI."""
    return bool(DATA_URI_PRODUCER.search(name))


def local_uri_returns(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...] | None:
    """The callees (dotted, as written: `helper`, `self.qr`, `utils.make_uri`) whose results
    the function returns when every return of it is a local URI or one of those calls; None
    when some return is something else (or the function returns nothing)."""
    returns: list[ast.expr] = []
    assigned: dict[str, list[ast.expr | None]] = {}
    for statement in function_statements(node):
        if isinstance(statement, ast.Return):
            if statement.value is None:
                return None
            returns.append(statement.value)
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                for name in target_names(target):
                    assigned.setdefault(name, []).append(statement.value if isinstance(target, ast.Name) else None)
        elif isinstance(statement, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
            for name in target_names(statement.target):
                assigned.setdefault(name, []).append(statement.value if isinstance(statement, ast.AnnAssign) else None)
    if not returns:
        return None
    callees: list[str] = []
    for value in returns:
        if not _local_uri(value, assigned, callees, 0):
            return None
    return tuple(dict.fromkeys(callees))


def _local_uri(value: ast.expr | None, assigned: dict[str, list[ast.expr | None]], callees: list[str], depth: int) -> bool:
    if value is None or depth > MAX_DEPTH:
        return False
    if isinstance(value, ast.Constant):
        return isinstance(value.value, str) and is_local_uri_text(value.value)
    if isinstance(value, ast.JoinedStr):
        first = value.values[0] if value.values else None
        return isinstance(first, ast.Constant) and isinstance(first.value, str) and is_local_uri_text(first.value)
    if isinstance(value, ast.Name):
        values = assigned.get(value.id)
        return bool(values) and all(_local_uri(item, assigned, callees, depth + 1) for item in values)
    if isinstance(value, ast.Call) and isinstance(value.func, (ast.Name, ast.Attribute)):
        name = value.func.id if isinstance(value.func, ast.Name) else value.func.attr
        if is_data_uri_producer(name):
            return True
        callee = dotted_name(value.func)
        if callee:
            callees.append(callee)
            return True
    return False
