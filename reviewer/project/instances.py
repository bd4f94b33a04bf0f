"""Instances of project classes, and what their methods and properties return.

Summary "returns a constant / returns a placeholder clause" reached through an object: lnbits'
`db.timestamp_now` (a property of its `Database` class that returns the dialect's `now()`) or
`conn.timestamp_placeholder("now")` (a method that returns `to_timestamp(:now)`), where `db`
is a module-level `Database(...)` imported from another module and `conn` a parameter typed
`Connection | None`.

Index pass (`ast`, per file, kept in the file's symbols):
- `module_instances`: module-level names bound once to a call (`db = Database("main")`); the
  project model resolves the callee to a project class when the names are merged;
- `call_return`: a helper's return value that is another call (`return placeholder(key)`),
  as a `values.CALL` expression its summary resolves.

The walk side (libcst: which project classes an expression is an instance of) is
reviewer.project.receivers; this module loads no parser, so a warm scan stays parser-free.
"""

from __future__ import annotations

import ast
from typing import Mapping

from reviewer.astfacts import dotted_name
from reviewer.project.values import CALL, Expr, expr_of



def module_instance(value: ast.AST | None) -> str | None:
    """The callee, as written, of a module-level `name = Callee(...)`; None for anything else."""
    if isinstance(value, ast.Call) and isinstance(value.func, (ast.Name, ast.Attribute)):
        return dotted_name(value.func)
    return None


def call_return(node: ast.AST | None, params: frozenset[str], local: Mapping[str, ast.AST]) -> Expr | None:
    """`return helper(a, "b")` / `return self.quote(name)`: a CALL expression over positional
    arguments made of constants and parameters; None for anything else (keyword or starred
    arguments, an argument that is not a constant expression)."""
    if not isinstance(node, ast.Call) or node.keywords or not isinstance(node.func, (ast.Name, ast.Attribute)):
        return None
    callee = dotted_name(node.func)
    if callee is None:
        return None
    head = callee.split(".")[0]
    if head in params and head not in ("self", "cls"):
        return None  # a method of an argument: nothing the project defines
    arguments = []
    for argument in node.args:
        if isinstance(argument, ast.Starred):
            return None
        value = expr_of(argument, params, local)
        if value is None:
            return None
        arguments.append(value)
    return Expr(CALL, callee, tuple(arguments))
