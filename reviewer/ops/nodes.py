"""Reading libcst nodes, shared by the security and operations rules: a call's keyword and
positional arguments, a string's value, `True` / `False` / `None`, the name an assignment
binds. The words of names and paths they judge are reviewer.ops.secops'."""

from __future__ import annotations

import libcst as cst


def string_value(expr: cst.BaseExpression | None) -> str | None:
    """The value of a plain string literal (implicit concatenation included), else None."""
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(expr, cst.ConcatenatedString):
        left, right = string_value(expr.left), string_value(expr.right)
        return left + right if left is not None and right is not None else None
    return None


def is_true(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def is_false_or_none(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value in ("False", "None")


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def has_star_kwargs(call: cst.Call) -> bool:
    return any(arg.star == "**" for arg in call.args)


def positional(call: cst.Call, index: int) -> cst.Arg | None:
    args = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return args[index] if index < len(args) else None


def target_name(node: cst.BaseExpression) -> str | None:
    """The name an assignment target or a subscript key gives a value: `X`, `obj.X`, `d["X"]`."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            return string_value(index.value)
    return None
