"""Small helpers over stdlib `ast` trees, shared by the index providers (routes, model graph,
migrations), which read facts with `ast` because it is far cheaper than libcst."""

from __future__ import annotations

import ast
from typing import Iterator


def dotted_name(node: ast.AST) -> str | None:
    """`a.b.c` for a Name/Attribute chain, None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted_name(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def keyword_value(call: ast.Call, name: str) -> ast.AST | None:
    """The value passed to a call as `name=...`, if it was."""
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def own_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes of a body, not descending into the functions, classes and lambdas it defines
    (which are yielded themselves, without their insides)."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, SCOPES):
            stack.extend(ast.iter_child_nodes(node))
