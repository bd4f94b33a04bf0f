"""Direct call edges of the project model: which function calls which, and what is open around the call.

Per file (index pass, `ast`, cached with the file's symbols): for each call made in the body of
a module-level function or a method, a `CallEdge` with the callee as the code writes it
(`helper`, `services.place_order`, `self._fill`, `OrderService.create`), the context managers
of the `with` / `async with` statements open around the call and the caller's decorators.
Nested functions and lambdas are left out: their body runs later, outside what is open around
their definition. Test files have no edges (a test's calls say nothing about production
callers). Only calls that can reach a function of the project are kept (a name the
module binds or imports, or a method of `self` / `cls`); `ProjectSymbols.callers` resolves
them across modules.

The edges record names as written; what a name opens (a transaction, a lock) is for the
analyses to decide (reviewer.transactions reads `within` and `decorators`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Iterator

from reviewer.astfacts import children, dotted_name


@dataclass(frozen=True)
class CallEdge:
    caller: str  # "function" or "Class.method"
    callee: str  # dotted, as written: "helper", "services.helper", "self.helper"
    line: int
    # The context managers open around the call, outermost first, as written: `transaction.atomic()`
    # (a call ends with "()"), `conn` (an object used as its own context manager).
    within: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()  # the caller's decorators, the same way

    def to_json(self) -> Any:
        return [self.caller, self.callee, self.line, list(self.within), list(self.decorators)]

    @staticmethod
    def from_json(data: Any) -> "CallEdge":
        return CallEdge(data[0], data[1], int(data[2]), tuple(data[3]), tuple(data[4]))


def written(node: ast.AST) -> str:
    """A context manager or decorator as an edge records it: `a.b()` for a call, `a.b` for a name."""
    if isinstance(node, ast.Call):
        name = dotted_name(node.func)
        return f"{name}()" if name else ""
    return dotted_name(node) or ""


def call_edges(tree: ast.Module, known: frozenset[str]) -> tuple[CallEdge, ...]:
    """The edges of a module's functions and methods. `known` holds the names the module binds
    or imports: a call whose head is not one of them (a local, a builtin) reaches no project
    function by its name."""
    edges: list[CallEdge] = []
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            edges.extend(_function_edges(statement.name, statement, known))
        elif isinstance(statement, ast.ClassDef):
            for method in statement.body:
                if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    edges.extend(_function_edges(f"{statement.name}.{method.name}", method, known | {"self", "cls"}))
    return tuple(edges)


def _function_edges(caller: str, node: ast.FunctionDef | ast.AsyncFunctionDef, known: frozenset[str]) -> Iterator[CallEdge]:
    decorators = tuple(filter(None, (written(d) for d in node.decorator_list)))
    for call, within in _calls(node.body, ()):
        callee = dotted_name(call.func)
        if callee and callee.split(".")[0] in known and (not callee.startswith(("self.", "cls.")) or callee.count(".") == 1):
            yield CallEdge(caller, callee, call.lineno, within, decorators)


def _calls(statements: list[ast.stmt], within: tuple[str, ...]) -> list[tuple[ast.Call, tuple[str, ...]]]:
    """The calls made in `statements`, in source order (depth first), each with the context
    managers open around it. Iterative: a recursive generator passes each call up through
    every level of nesting, and deep code made that the index's most expensive step. The stack
    holds nodes, and the context managers open from there on (a tuple) where a `with` changes
    them: most nodes of a body are in no `with`, and a pair per node cost a third of this."""
    found: list[tuple[ast.Call, tuple[str, ...]]] = []
    opened = within
    stack: list[Any] = list(reversed(statements))
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is tuple:
            opened = node  # the context managers open from here on
        elif kind in _LATER:
            continue  # runs later, outside what is open here
        elif kind is ast.With or kind is ast.AsyncWith:
            inside: list[Any] = []
            current = opened
            for item in node.items:  # type: ignore[attr-defined]
                inside += (current, item.context_expr)
                name = written(item.context_expr)
                current = (*current, name) if name else current
            inside.append(current)
            inside += node.body  # type: ignore[attr-defined]
            inside.append(opened)  # after the `with`: what was open before it
            stack += reversed(inside)
        else:
            if kind is ast.Call:
                found.append((node, opened))
            stack += reversed(children(node))
    return found


# Code that runs later, not where it is written (its calls are not the function's own).
_LATER = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda})
