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

Argument facts: what the call passes for each argument, positional and by keyword, as an
`ArgFact`: a constant expression (resolved across modules when asked:
`ProjectSymbols.parameter_origin`), one of the caller's own parameters passed on, a piece of the
request (`request.args[...]`, `request.GET`, `request.json`), or nothing known (None). A name the
caller assigns itself is nothing known: only constants, parameters and request reads are facts.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Iterator

from reviewer.astfacts import children, dotted_name
from reviewer.entrypoints import SAFE_CONVERTER
from reviewer.project.values import PARAM, SAFE_ANNOTATIONS, TEXT, Expr, expr_of

# Argument facts (`CallEdge.args` / `kwargs`): the caller's parameter `text` passed on, a read
# of the request, or a constant expression (any other Expr kind, resolved when asked).
PASSED, REQUEST = "passed", "request"
# Names that hold the request in the frameworks the project model knows (Flask's global,
# Django's and DRF's view parameter).
REQUEST_NAMES = frozenset({"request"})
INJECTORS = frozenset({"Depends", "Security"})


@dataclass(frozen=True)
class CallEdge:
    caller: str  # "function" or "Class.method"
    callee: str  # dotted, as written: "helper", "services.helper", "self.helper"
    line: int
    # The context managers open around the call, outermost first, as written: `transaction.atomic()`
    # (a call ends with "()"), `conn` (an object used as its own context manager).
    within: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()  # the caller's decorators, the same way
    # What the call passes: positional arguments in order (None: nothing known; a starred
    # argument ends the list), keyword arguments by name (only those with a fact).
    args: tuple[Expr | None, ...] = ()
    kwargs: tuple[tuple[str, Expr], ...] = ()

    def to_json(self) -> Any:
        data = [self.caller, self.callee, self.line, list(self.within), list(self.decorators)]
        if self.args or self.kwargs:
            data.append([arg.to_json() if arg is not None else None for arg in self.args])
            data.append([[name, value.to_json()] for name, value in self.kwargs])
        return data

    @staticmethod
    def from_json(data: Any) -> "CallEdge":
        args = tuple(Expr.from_json(arg) if arg is not None else None for arg in data[5]) if len(data) > 5 else ()
        kwargs = tuple((name, Expr.from_json(value)) for name, value in data[6]) if len(data) > 6 else ()
        return CallEdge(data[0], data[1], int(data[2]), tuple(data[3]), tuple(data[4]), args, kwargs)

    def argument(self, position: int, name: str) -> Expr | None:
        """The fact for the callee's parameter `name`, `position`-th of its positional ones
        (-1: keyword-only): passed by keyword, else by position; None when not known."""
        for keyword, value in self.kwargs:
            if keyword == name:
                return value
        return self.args[position] if 0 <= position < len(self.args) else None


class DecodedEdges(Sequence[CallEdge]):
    """A file's call edges (a tuple as FileSymbols holds them), made from their JSON when first
    read: most queries resolve a name through a file's imports and bindings and never read
    its edges, and making them is most of the cost of a file's symbols (on airflow-core,
    about 0.13 s of the 0.19 s it takes to make every file's). Equal to the tuple of its edges."""

    __slots__ = ("_data", "_edges")

    def __init__(self, data: Sequence[Any]) -> None:
        self._data = data  # the edges' JSON until they are made
        self._edges: tuple[CallEdge, ...] | None = None

    def edges(self) -> tuple[CallEdge, ...]:
        if self._edges is None:
            self._edges = tuple(CallEdge.from_json(edge) for edge in self._data)
            self._data = ()
        return self._edges

    def __getitem__(self, index):  # type: ignore[override]
        return self.edges()[index]

    def __len__(self) -> int:
        return len(self._data) if self._edges is None else len(self._edges)

    def __iter__(self) -> Iterator[CallEdge]:
        return iter(self.edges())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DecodedEdges):
            other = other.edges()
        return isinstance(other, tuple) and self.edges() == other

    __hash__ = None  # type: ignore[assignment] - a tuple's hash would need every edge made

    def __repr__(self) -> str:
        return repr(self.edges())

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (self.edges(),))


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
    found, assigned = _calls(node.body, ())
    passed: dict[str, Expr] | None = None
    local: frozenset[str] = frozenset()
    for call, within in found:
        callee = dotted_name(call.func)
        if callee and callee.split(".")[0] in known and (not callee.startswith(("self.", "cls.")) or callee.count(".") == 1):
            if passed is None:
                passed, local = _passed(caller, node, assigned)
            args: list[Expr | None] = []
            for argument in call.args:
                if isinstance(argument, ast.Starred):
                    break
                args.append(_fact(argument, passed, local))
            kwargs = tuple((k.arg, fact) for k in call.keywords if k.arg and (fact := _fact(k.value, passed, local)) is not None)
            if not any(args) and not kwargs:
                args = []
            yield CallEdge(caller, callee, call.lineno, within, decorators, tuple(args), kwargs)


def _passed(caller: str, node: ast.FunctionDef | ast.AsyncFunctionDef, assigned: frozenset[str]) -> tuple[dict[str, Expr], frozenset[str]]:
    """The facts for the caller's parameters passed on, each with its position among the
    caller's own positional parameters (-1: keyword-only) so that the caller's callers can be
    read in turn (only those it never rebinds and no framework injects), and the caller's own
    names (its parameters and what it assigns)."""
    arguments = node.args
    every = frozenset(a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs])
    positional = [a.arg for a in [*arguments.posonlyargs, *arguments.args]]
    if "." in caller and positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    passed = {
        name: Expr(PASSED, name, (Expr(TEXT, str(positional.index(name) if name in positional else -1)),))
        for name in every - assigned - _injected(arguments)
    }
    converted = {
        name for decorator in node.decorator_list if isinstance(decorator, ast.Call)
        for argument in decorator.args if isinstance(argument, ast.Constant) and isinstance(argument.value, str)
        for name in SAFE_CONVERTER.findall(argument.value)
    }
    for parameter in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        if parameter.arg in passed and (_scalar(parameter.annotation) or parameter.arg in converted):
            # Typed as a number, UUID, date or Literal, or matched by a route's number or UUID
            # converter: whatever the callers pass, the value can carry no SQL syntax, as safe
            # as a constant (a route handler's `id: int`, Flask's `<int:id>`).
            passed[parameter.arg] = Expr(TEXT, "0")
    return passed, every | assigned


_SAFE_TAILS = frozenset(name.rsplit(".", 1)[-1] for name in SAFE_ANNOTATIONS)


def _scalar(annotation: ast.expr | None) -> bool:
    """An annotation of a type that cannot carry SQL syntax (SAFE_ANNOTATIONS by its last
    name, `Literal[...]`), also when optional (`int | None`, `Optional[int]`)."""
    if annotation is None:
        return False
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [annotation.left, annotation.right]
        return any(_scalar(side) for side in sides) and all(_scalar(side) or _none(side) for side in sides)
    if isinstance(annotation, ast.Subscript):
        head = (dotted_name(annotation.value) or "").rsplit(".", 1)[-1]
        if head == "Literal":
            return True
        return head in ("Optional", "Annotated") and _scalar(annotation.slice.elts[0] if isinstance(annotation.slice, ast.Tuple) else annotation.slice)
    return (dotted_name(annotation) or "").rsplit(".", 1)[-1] in _SAFE_TAILS


def _none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _fact(node: ast.AST, parameters: dict[str, Expr], local: frozenset[str]) -> Expr | None:
    """What an argument is: the caller's parameter passed on (`parameters`: those the caller
    never rebinds and no framework injects), a read of the request, a constant expression over
    names that are not the caller's own (`local`: its parameters and assigned names), or None."""
    if isinstance(node, ast.Name) and node.id in parameters:
        return parameters[node.id]
    head = node
    while isinstance(head, (ast.Attribute, ast.Subscript, ast.Call)):
        head = head.func if isinstance(head, ast.Call) else head.value
    if head is not node and isinstance(head, ast.Name) and head.id in REQUEST_NAMES and (head.id in parameters or head.id not in local):
        return Expr(REQUEST)
    if isinstance(node, (ast.Constant, ast.JoinedStr, ast.BinOp, ast.Attribute, ast.Name, ast.Tuple, ast.List)):
        value = expr_of(node, local)
        if value is not None and not _has_kind(value, PARAM):
            return value
    return None


def _injected(arguments: ast.arguments) -> frozenset[str]:
    """Parameters a framework fills with a dependency (`db = Depends(get_db)`), not the client."""
    positional = [*arguments.posonlyargs, *arguments.args]
    pairs = [*zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults), *zip(arguments.kwonlyargs, arguments.kw_defaults)]
    return frozenset(
        parameter.arg for parameter, default in pairs
        if isinstance(default, ast.Call) and (dotted_name(default.func) or "").rsplit(".", 1)[-1] in INJECTORS
    )


def _has_kind(expr: Expr, kind: str) -> bool:
    return expr.kind == kind or any(_has_kind(item, kind) for item in expr.items)


def _calls(statements: list[ast.stmt], within: tuple[str, ...]) -> tuple[list[tuple[ast.Call, tuple[str, ...]]], frozenset[str]]:
    """The calls made in `statements`, in source order (depth first), each with the context
    managers open around it, and the names the statements assign. Iterative: a recursive
    generator passes each call up through every level of nesting, and deep code made that the
    index's most expensive step. The stack holds nodes, and the context managers open from
    there on (a tuple) where a `with` changes them: most nodes of a body are in no `with`, and
    a pair per node cost a third of this."""
    found: list[tuple[ast.Call, tuple[str, ...]]] = []
    assigned: set[str] = set()
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
        elif kind is ast.Name:
            if type(node.ctx) is not ast.Load:  # type: ignore[attr-defined]
                assigned.add(node.id)  # type: ignore[attr-defined]
        else:
            if kind is ast.Call:
                found.append((node, opened))
            stack += reversed(children(node))
    return found, frozenset(assigned)


# Code that runs later, not where it is written (its calls are not the function's own).
_LATER = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda})
