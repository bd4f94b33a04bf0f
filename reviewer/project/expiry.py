"""Per-function summary of the project model: "checks a JWT's expiry by hand" (`ExpiryFlow`),
read from `ast` in the index pass (cached with the file's other symbols, by content) and
followed across modules by `ProjectSymbols.expiry_checked`.

Values are tracked by kind: the payload (a decode's result, or anything built from it:
`TokenPayload(**payload)`), its expiry (`exp` read from a payload: `payload["exp"]`,
`.get("exp")`, `.exp`, or a value built from one: `int(payload["exp"])`) and the clock
(`time.time()`, `datetime.now()`, ...). A function's summary says, for each seed it can be
given, what it does with the value:

- `param:<name>:<kind>`: its parameter `name` holds a payload or an expiry;
- `decode:<line>`: the JWT decode call on that line (a payload);
- `call:<callee>:<kind>`: the result of its call of the project callable `callee` (as written)
  is a payload or an expiry (the callee decodes and hands the value back); an expiry only in
  functions that read the clock, the only ones that can compare it.

and for each seed (`Flow`): whether the function compares the expiry with the clock itself, the
kind of value it returns, and the project callables it passes the value to (with the argument
slots that receive it). Only files that name `exp`, `verify_exp` or an expiry (`expired`,
`expires`) are summarised: a function that reads a payload's expiry, or decodes with the check
off, names it, and so do most helpers on the way (`validate` calling `is_expired`); a module on
the way that names none of them is not followed.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from reviewer.astfacts import SCOPES, children, dotted_name, walk
from reviewer.names import CANONICAL, ImportMap
from reviewer.provider import FrozenMap

DECODERS = frozenset({"jwt.decode", "jose.jwt.decode", "jwt.api_jwt.decode"})
# Calls that read the clock: the other side of a hand-made expiry check.
CLOCKS = frozenset({
    "time.time", "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
    "django.utils.timezone.now", "arrow.utcnow", "arrow.now", "pendulum.now",
})
PAYLOAD, EXP, CLOCK = "payload", "exp", "clock"
SCOPE_TYPES = frozenset(SCOPES)
STATEMENT_TYPES = frozenset({ast.Assign, ast.AnnAssign, ast.Return})
KINDS = (PAYLOAD, EXP)
# A file that names neither reads a payload's `exp` nor decodes with the check off. (`exp\b`
# starts with a literal, which the regex engine looks for fast; the word's start is checked
# by hand: `\bexp\b` made the engine try every position of every file.)
EXP_END = re.compile(r"exp\b")


@dataclass(frozen=True)
class Flow:
    """What a function does with one seed (see the module docstring)."""

    checked: bool = False  # compares the expiry with the clock in its own body
    returned: str | None = None  # the kind of value it returns (PAYLOAD, EXP), if one
    # (callee as written, ((slot, kind), ...)): slot is a positional index ("0") or a keyword
    passes: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    def to_json(self) -> list[Any]:
        return [self.checked, self.returned, [[callee, [list(slot) for slot in slots]] for callee, slots in self.passes]]

    @staticmethod
    def from_json(data: Any) -> "Flow":
        return Flow(bool(data[0]), data[1], tuple((callee, tuple((s[0], s[1]) for s in slots)) for callee, slots in data[2]))


@dataclass(frozen=True)
class ExpiryFlow:
    """Summary "checks a JWT's expiry by hand" of one function: its positional parameters (the
    instance's included, for a method) and the flow of each seed that does something."""

    parameters: tuple[str, ...]
    method: bool
    flows: FrozenMap  # seed -> Flow

    def to_json(self) -> list[Any]:
        return [list(self.parameters), self.method, {seed: flow.to_json() for seed, flow in self.flows.items()}]

    @staticmethod
    def from_json(data: Any) -> "ExpiryFlow":
        return ExpiryFlow(tuple(data[0]), bool(data[1]), FrozenMap((seed, Flow.from_json(flow)) for seed, flow in data[2].items()))


def mentions_expiry(source: str) -> bool:
    if not source or "verify_exp" in source or "xpir" in source:  # `expired(claims)`, `Expiry`: a helper on the way
        return True
    for match in EXP_END.finditer(source):
        start = match.start()
        if start == 0 or not (source[start - 1].isalnum() or source[start - 1] == "_"):
            return True
    return False


def expiry_flow(node: ast.FunctionDef | ast.AsyncFunctionDef, imports: ImportMap, known: frozenset[str], method: bool) -> ExpiryFlow | None:
    """The function's `ExpiryFlow`, None when no seed does anything. `known`: the names a call
    must start with to reach a project callable (the module's bindings and imports)."""
    walker = _Walker(node, imports, known | ({"self", "cls"} if method else frozenset()))
    qualified = [_qualified(call.func, imports) for call in walker.calls]
    clock = any(name in CLOCKS for name in qualified)
    if not clock and not walker.returns and not any(walker.project_callee(call) for call in walker.calls):
        return None  # it neither compares with the clock, returns nor hands anything on
    args = node.args
    parameters = tuple(a.arg for a in [*args.posonlyargs, *args.args])
    flows: dict[str, Flow] = {}
    used = walker.names - ({parameters[0]} if method and parameters else set())  # the instance is no payload
    for param in [*parameters, *(a.arg for a in args.kwonlyargs)]:
        if param not in used:
            continue  # a parameter the body never reads carries nothing
        payload = walker.flow({param: PAYLOAD}, {})
        _keep(flows, f"param:{param}:{PAYLOAD}", payload)
        # An expiry goes where a payload would (a payload's `exp` read aside); it does more only
        # where the clock is read to compare it with.
        if clock or payload != Flow():
            _keep(flows, f"param:{param}:{EXP}", walker.flow({param: EXP}, {}))
    for call, name in zip(walker.calls, qualified):
        if name in DECODERS:
            _keep(flows, f"decode:{call.lineno}", walker.flow({}, {id(call): PAYLOAD}))
    by_callee: dict[str, list[ast.Call]] = {}
    for call in walker.calls:
        callee = walker.project_callee(call)
        if callee is not None:
            by_callee.setdefault(callee, []).append(call)
    for callee, calls in by_callee.items():
        # A payload got back may be checked here or handed on to a check; an expiry got back
        # is checked by comparing it with the clock, so only where the clock is read.
        for kind in KINDS if clock else (PAYLOAD,):
            _keep(flows, f"call:{callee}:{kind}", walker.flow({}, {id(call): kind for call in calls}))
    return ExpiryFlow(parameters, method, FrozenMap(flows)) if flows else None


def _keep(flows: dict[str, Flow], seed: str, flow: Flow) -> None:
    if flow != Flow():
        flows[seed] = flow


def _qualified(node: ast.AST, imports: ImportMap) -> str:
    name = imports.imported_name(node) or ""
    return CANONICAL.get(name, name)


class _Walker:
    """One function's own body (nested functions, classes and lambdas left out), walked once per
    seed."""

    def __init__(self, node: ast.FunctionDef | ast.AsyncFunctionDef, imports: ImportMap, known: frozenset[str]) -> None:
        self.imports = imports
        self.known = known
        self.statements: list[ast.Assign | ast.AnnAssign | ast.Return] = []
        self.comparisons: list[ast.Compare] = []
        self.calls: list[ast.Call] = []
        names: set[str] = set()
        stack: list[ast.AST] = list(reversed(node.body))
        while stack:  # depth first, in source order; one look at each node's type
            item = stack.pop()
            kind = type(item)
            if kind in SCOPE_TYPES:
                continue
            if kind is ast.Name:
                names.add(item.id)  # type: ignore[attr-defined]
            elif kind is ast.Call:
                self.calls.append(item)  # type: ignore[arg-type]
            elif kind is ast.Compare:
                self.comparisons.append(item)  # type: ignore[arg-type]
            elif kind in STATEMENT_TYPES:
                self.statements.append(item)  # type: ignore[arg-type]
            stack.extend(reversed(children(item)))
        self.names = frozenset(names)
        self.returns = any(type(item) is ast.Return and item.value is not None for item in self.statements)
        self.assignments = [item for item in self.statements if type(item) is not ast.Return and item.value is not None]
        self._refs: dict[int, tuple[frozenset[str], frozenset[int], bool]] = {}

    def _inert(self, expr: ast.AST, names: dict[str, str], seeds: dict[int, str]) -> bool:
        """No kind can come of `expr`: it reads no name that holds one, holds no seed and reads
        no clock (what most of a function is, for most seeds: skipped without a look)."""
        refs = self._refs.get(id(expr))
        if refs is None:
            inside = walk(expr)
            calls = [item for item in inside if isinstance(item, ast.Call)]
            refs = self._refs[id(expr)] = (
                frozenset(item.id for item in inside if isinstance(item, ast.Name)),
                frozenset(id(item) for item in calls),
                any(_qualified(item.func, self.imports) in CLOCKS for item in calls),
            )
        return not refs[2] and refs[0].isdisjoint(names) and refs[1].isdisjoint(seeds)

    def project_callee(self, call: ast.Call) -> str | None:
        callee = dotted_name(call.func)
        if not callee:
            return None
        head = callee.split(".")[0]
        if head in ("self", "cls"):
            return callee if callee.count(".") == 1 and head in self.known else None
        return callee if head in self.known else None

    def flow(self, names: dict[str, str], seeds: dict[int, str]) -> Flow:
        names = dict(names)
        for _ in range(2):  # twice: a name bound below its use in a loop
            before = dict(names)
            for statement in self.assignments:
                if self._inert(statement.value, names, seeds):  # type: ignore[arg-type]
                    continue
                kind = self.kind(statement.value, names, seeds)  # type: ignore[arg-type]
                if kind is not None:
                    for target in statement.targets if isinstance(statement, ast.Assign) else [statement.target]:
                        if isinstance(target, ast.Name):
                            names[target.id] = kind
            if names == before:
                break  # the second round would bind nothing new
        returned = None
        for statement in self.statements:
            if isinstance(statement, ast.Return) and statement.value is not None and not self._inert(statement.value, names, seeds):
                returned = self.kind(statement.value, names, seeds) or returned
        checked = any(
            not self._inert(node, names, seeds)
            and {EXP, CLOCK} <= {self.kind(operand, names, seeds) for operand in (node.left, *node.comparators)}
            for node in self.comparisons
        )
        passes: list[tuple[str, tuple[tuple[str, str], ...]]] = []
        for call in self.calls:
            callee = self.project_callee(call)
            if callee is None or self._inert(call, names, seeds):
                continue
            slots: list[tuple[str, str]] = []
            position = 0
            for arg in call.args:
                if isinstance(arg, ast.Starred):
                    continue
                kind = self.kind(arg, names, seeds)
                if kind in KINDS:
                    slots.append((str(position), kind))  # type: ignore[arg-type]
                position += 1
            for keyword in call.keywords:
                kind = self.kind(keyword.value, names, seeds)
                if keyword.arg is not None and kind in KINDS:
                    slots.append((keyword.arg, kind))  # type: ignore[arg-type]
            if slots:
                passes.append((callee, tuple(slots)))
        return Flow(checked, returned if returned in KINDS else None, tuple(dict.fromkeys(passes)))

    def kind(self, expr: ast.AST, names: dict[str, str], seeds: dict[int, str]) -> str | None:
        if id(expr) in seeds:
            return seeds[id(expr)]
        if isinstance(expr, ast.Name):
            return names.get(expr.id)
        if isinstance(expr, ast.Await):
            return self.kind(expr.value, names, seeds)
        if isinstance(expr, ast.Attribute):
            return EXP if expr.attr == "exp" and self.kind(expr.value, names, seeds) == PAYLOAD else None
        if isinstance(expr, ast.Subscript):
            index = expr.slice
            if isinstance(index, ast.Constant) and index.value == "exp" and self.kind(expr.value, names, seeds) == PAYLOAD:
                return EXP
            return None
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, (ast.Name, ast.Attribute)) and _qualified(func, self.imports) in CLOCKS:
                return CLOCK
            if isinstance(func, ast.Attribute):
                head = self.kind(func.value, names, seeds)
                first = expr.args[0] if expr.args else None
                if func.attr == "get" and head == PAYLOAD and isinstance(first, ast.Constant) and first.value == "exp":
                    return EXP
                if func.attr == "timestamp" and head == CLOCK:
                    return CLOCK
            values = [arg.value if isinstance(arg, ast.Starred) else arg for arg in expr.args] + [k.value for k in expr.keywords]
            kinds = {self.kind(value, names, seeds) for value in values} - {None}
            return kinds.pop() if len(kinds) == 1 else None  # built from one of them: `TokenPayload(**payload)`
        if isinstance(expr, ast.BinOp):
            kinds = {self.kind(expr.left, names, seeds), self.kind(expr.right, names, seeds)} - {None}
            return kinds.pop() if len(kinds) == 1 else None
        if isinstance(expr, ast.BoolOp):
            kinds = {self.kind(value, names, seeds) for value in expr.values} - {None}
            return kinds.pop() if len(kinds) == 1 else None
        return None
