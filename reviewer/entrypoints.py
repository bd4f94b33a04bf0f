"""How a module of the scanned project is started: as a program of its own (a top-level
`if __name__ == "__main__":`) or as a Django management command, the two shapes of code that a
person (or a cron job) runs from a command line rather than the deployed service calling it.

One definition for every analysis that asks, over stdlib `ast` trees (the index providers) and
libcst trees (the rules) alike: OPS001 (a program that prompts the person running it),
ORM010's single-writer code and OPS004's worker loops.
"""

from __future__ import annotations

import ast
import re
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import libcst as cst

MANAGEMENT_COMMANDS = "/management/commands/"
# Flask / Werkzeug path converters that only match numbers or UUIDs (`<int:item_id>`).
SAFE_CONVERTER = re.compile(r"<(?:int|float|uuid):(\w+)>")
# Decorator attribute names that make a function an HTTP handler (FastAPI, Flask, Starlette):
# the deployed service calls it with the client's request.
ROUTE_DECORATORS = frozenset({"get", "post", "put", "patch", "delete", "route", "api_route", "head", "options"})


def is_route_decorator(written: str) -> bool:
    """A decorator as the project model's call edges record it (`app.get()`, `router.post()`,
    `bp.route()`, DRF's `api_view()`): the function is a route handler."""
    return written.endswith("()") and written[:-2].rsplit(".", 1)[-1] in ROUTE_DECORATORS | {"api_view"}


def is_main_guard(statement: Any) -> bool:
    """`if __name__ == "__main__":` (either side of the `==`), as an `ast` or a libcst `If`."""
    if isinstance(statement, ast.If):
        test = statement.test
        if not isinstance(test, ast.Compare) or len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
            return False
        sides = (test.left, test.comparators[0])
        return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
            isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)
    cst = sys.modules.get("libcst")  # a libcst node means libcst is loaded; a warm scan loads no parser
    if cst is not None and isinstance(statement, cst.If):
        test = statement.test
        if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1 or not isinstance(test.comparisons[0].operator, cst.Equal):
            return False
        sides = (test.left, test.comparisons[0].comparator)
        return any(isinstance(s, cst.Name) and s.value == "__name__" for s in sides) and any(
            isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__" for s in sides)
    return False


def runs_as_program(module: "ast.Module | cst.Module") -> bool:
    """The module has a top-level `if __name__ == "__main__":` block: it is run as a program."""
    return any(is_main_guard(statement) for statement in module.body)


def is_management_command(path: str) -> bool:
    """A Django management command: a module of a `management/commands/` package."""
    return MANAGEMENT_COMMANDS in f"/{path}"


def is_command_line_program(path: str, module: "ast.Module | cst.Module") -> bool:
    """A program started from a command line: a management command or a `__main__` module."""
    return is_management_command(path) or runs_as_program(module)
