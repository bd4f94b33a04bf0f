"""A fast pre-order walk of a libcst tree, for the engine's one batched visit.

libcst's own `Module.visit` rebuilds every node through `_visit_and_replace_children`;
measured on 280 wagtail files (89k lines) it cost 35 s against 9 s for parsing. This walk
reads the dataclass fields of each node instead, skips whitespace and punctuation nodes, and
keeps source order (decorators before the function they decorate). It is iterative, so deep
expression chains cannot exhaust Python's recursion limit.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Iterator

import libcst as cst

# Fields that hold only whitespace, comments or punctuation.
SKIPPED_FIELDS = frozenset(
    {
        "lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "comma", "semicolon", "colon",
        "equal", "dot", "leading_lines", "lines_after_decorators", "header", "footer",
        "trailing_whitespace", "newline", "asynchronous", "star", "default_indent",
        "default_newline", "encoding", "has_trailing_newline", "start", "end", "prefix",
        "whitespace", "indent", "footer", "empty_lines",
    }
)
# Where dataclass field order is not source order.
SOURCE_ORDER = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
}

_fields: dict[type, tuple[str, ...]] = {}
_is_node: dict[type, bool] = {}


def child_fields(kind: type) -> tuple[str, ...]:
    names = _fields.get(kind)
    if names is None:
        if kind in SOURCE_ORDER:
            names = SOURCE_ORDER[kind]
        else:
            names = tuple(
                field.name
                for field in dataclasses.fields(kind)
                if field.name not in SKIPPED_FIELDS and not field.name.startswith("whitespace")
            )
        _fields[kind] = names
    return names


def is_node(kind: type) -> bool:
    known = _is_node.get(kind)
    if known is None:
        known = _is_node[kind] = issubclass(kind, cst.CSTNode) and not issubclass(
            kind, (cst.BaseParenthesizableWhitespace, cst.EmptyLine, cst.TrailingWhitespace, cst.Comment, cst.Newline)
        )
    return known


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    for name in child_fields(type(node)):
        value = getattr(node, name, None)
        if value is None:
            continue
        kind = type(value)
        if kind is list or kind is tuple:
            for item in value:
                if is_node(type(item)):
                    out.append(item)
        elif is_node(kind):
            out.append(value)
    return out


def walk(root: cst.CSTNode, enter: Callable[[cst.CSTNode], None], leave: Callable[[cst.CSTNode], None]) -> None:
    """Call `enter` on each node before its children and `leave` after them."""
    LEAVE = object()
    stack: list = [root]
    while stack:
        item = stack.pop()
        if item is LEAVE:
            leave(stack.pop())
            continue
        enter(item)
        stack.append(item)
        stack.append(LEAVE)
        stack.extend(reversed(children(item)))


def descendants(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`root` and every node below it, in source order (the walk's order), without recursion."""
    stack: list[cst.CSTNode] = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))
