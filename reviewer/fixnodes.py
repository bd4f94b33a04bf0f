"""libcst edits (reviewer.fixes places them): the node builders rules propose changes with (an
argument added to a call, a keyword argument, an expression from code, an import), and a
module rendered with one of its nodes replaced."""

from __future__ import annotations

from typing import Any

import libcst as cst

from reviewer.rule import Change
from reviewer.walk import children


def replaced(module: cst.Module, target: Any, replacement: Any) -> str | None:
    """The code of `module` with the node `target` replaced (by a node, a FlattenSentinel of
    statements, or an expression's code); None when the target is not a libcst node or the
    code does not parse as an expression."""
    if not isinstance(target, cst.CSTNode):
        return None
    if isinstance(replacement, str):
        replacement = expression(replacement) if isinstance(target, cst.BaseExpression) else None
        if replacement is None:
            return None
    return module.visit(_Replace(target, replacement, _path_to(module, target))).code


def _path_to(root: cst.CSTNode, target: cst.CSTNode) -> frozenset[int] | None:
    """The ids of the nodes from `root` down to `target`, found with the engine's cheap walk;
    None when the walk does not reach it (a node in a field the walk skips)."""
    parent: dict[int, cst.CSTNode] = {}
    stack: list[cst.CSTNode] = [root]
    while stack:
        node = stack.pop()
        if node is target:
            path = {id(node)}
            while id(node) in parent:
                node = parent[id(node)]
                path.add(id(node))
            return frozenset(path)
        for child in children(node):
            parent[id(child)] = node
            stack.append(child)
    return None


class _Replace(cst.CSTTransformer):
    """Replace one node (by identity); the replacement may be a FlattenSentinel of statements.
    Given the path to the target, only that path is rebuilt: libcst rebuilds every node it
    visits, and a fix per operation of a 1,600-line migration rebuilt it 82 times."""

    def __init__(self, target: cst.CSTNode, replacement: Any, path: frozenset[int] | None = None) -> None:
        self.target = target
        self.replacement = replacement
        self.path = path

    def on_visit(self, node: cst.CSTNode) -> bool:
        return self.path is None or id(node) in self.path

    def on_leave(self, original_node, updated_node):  # type: ignore[override]
        return self.replacement if original_node is self.target else updated_node


def with_argument(call: cst.Call, argument: cst.Arg) -> cst.Call:
    """`call` with `argument` added last, laid out like the call's own arguments: on the line
    of the last one, or on a line of its own when each argument has one (with the trailing
    comma kept where there was one)."""
    args = list(call.args)
    if not args:
        return call.with_changes(args=[argument])
    last = args[-1]
    previous = args[-2].comma if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) else None
    one_line = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if isinstance(last.comma, cst.Comma):
        tail = last.comma.whitespace_after
        lead = previous.whitespace_after if previous is not None else call.whitespace_before_args
        if isinstance(tail, cst.ParenthesizedWhitespace) and isinstance(lead, cst.ParenthesizedWhitespace):
            # One argument a line: the last one keeps its comma and comment and moves on to
            # the next line at the arguments' indent; the new one ends where the last one did.
            kept = last.comma.with_changes(whitespace_after=tail.with_changes(indent=lead.indent, last_line=lead.last_line))
            ending = last.comma.with_changes(whitespace_after=tail.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[]))
            args[-1] = last.with_changes(comma=kept)
            return call.with_changes(args=[*args, argument.with_changes(comma=ending)])
        args[-1] = last.with_changes(comma=one_line)
        return call.with_changes(args=[*args, argument.with_changes(comma=last.comma)])
    args[-1] = last.with_changes(comma=previous or one_line, whitespace_after_arg=cst.SimpleWhitespace(""))
    return call.with_changes(args=[*args, argument.with_changes(whitespace_after_arg=last.whitespace_after_arg)])


def keyword_argument(name: str, value: cst.BaseExpression) -> cst.Arg:
    """`name=value`, spelled the PEP 8 way."""
    nothing = cst.SimpleWhitespace("")
    return cst.Arg(value, keyword=cst.Name(name), equal=cst.AssignEqual(whitespace_before=nothing, whitespace_after=nothing))


def expression(code: str) -> cst.BaseExpression | None:
    """`code` as one Python expression, or None when it is not one (a bad option value)."""
    try:
        return cst.parse_expression(code)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return None


def import_change(module: cst.Module, statement: str, name: str, after_imports_only: bool = False) -> Change | None:
    """The change that adds the import `statement` (which binds `name`) after the module's last
    top-level import, unless a top-level import binds `name` already. A module without imports
    gets it after its docstring, else first; or nothing with `after_imports_only`."""
    body = list(module.body)
    last_import = None
    for index, line in enumerate(body):
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for small in line.body:
            if isinstance(small, cst.Import):
                if any(alias.asname is None and module.code_for_node(alias.name).split(".")[0] == name for alias in small.names):
                    return None
                last_import = index
            elif isinstance(small, cst.ImportFrom):
                for alias in () if isinstance(small.names, cst.ImportStar) else small.names:
                    bound = alias.asname.name if alias.asname else alias.name
                    if isinstance(bound, cst.Name) and bound.value == name:
                        return None
                last_import = index
    added = cst.parse_statement(statement)
    if last_import is not None:
        anchor = body[last_import]
        return Change(anchor, cst.FlattenSentinel([anchor, added]))
    first = body[0] if body else None
    if first is None or after_imports_only:
        return None
    if is_docstring(first):
        return Change(first, cst.FlattenSentinel([first, added]))
    return Change(first, cst.FlattenSentinel([added, first]))


def is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )
