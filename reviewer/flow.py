"""Data-flow lite: per-scope assignments and parameters, collected during the batched visit.

The engine feeds every node to `Scopes` before the rules see it, so when a rule looks at
`cur.execute(sql)` it can ask which values `sql` was given earlier in the same function.
Assignments are recorded when their statement is left, so `sql = sql + x` refers to the
earlier `sql` while its own right-hand side is being visited.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from reviewer.entrypoints import ROUTE_DECORATORS, SAFE_CONVERTER
from reviewer.names import ImportMap, dotted



@dataclass
class Assignment:
    op: str  # "=", "+=" or "for" (a loop target; `value` is the iterable)
    value: cst.BaseExpression
    # The if/else arms the assignment sits in, outermost first: ((id of the If, "body" or
    # "orelse"), ...). Two assignments are alternatives when they sit in different arms of
    # the same If.
    branch: tuple[tuple[int, str], ...] = ()


def exclusive(first: Assignment, second: Assignment) -> bool:
    """True when the two assignments sit in different arms of one if/else, so at most one of
    them runs."""
    for (left_if, left_arm), (right_if, right_arm) in zip(first.branch, second.branch):
        if left_if != right_if:
            return False
        if left_arm != right_arm:
            return True
    return False


@dataclass
class Parameter:
    name: str
    annotation: cst.BaseExpression | None
    default: cst.BaseExpression | None


@dataclass
class Scope:
    node: cst.CSTNode | None  # None for the module
    kind: str  # "module", "function", "class", "lambda"
    assignments: dict[str, list[Assignment]] = field(default_factory=dict)
    parameters: dict[str, Parameter] = field(default_factory=dict)
    is_handler: bool = False
    # Parameters a route converter types (`/<int:account_id>`), so they arrive as numbers.
    converted: frozenset[str] = frozenset()
    # `with EXPR as name` / `async with EXPR as name`: name -> EXPR (receiver provenance).
    bindings: dict[str, cst.BaseExpression] = field(default_factory=dict)
    # `name.append(x)` / `name.extend([...])`: name -> [(assignments made before it, x)].
    appends: dict[str, list[tuple[int, cst.BaseExpression]]] = field(default_factory=dict)
    # Values of the `return` statements of a function scope.
    returns: list[cst.BaseExpression] = field(default_factory=list)
    # Names checked against a collection before this point, the failing branch leaving the
    # function (`if x not in ALLOWED: raise ...`, `assert x in ALLOWED`): name -> collection.
    guarded: dict[str, cst.BaseExpression] = field(default_factory=dict)
    # `name[key] = ...`: name -> the keys stored (a dict literal's keys stay constant only
    # when every key stored later is one too).
    stores: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)

    def record(self, name: str, op: str, value: cst.BaseExpression, branch: tuple = ()) -> None:
        self.assignments.setdefault(name, []).append(Assignment(op, value, branch))


class Scopes:
    """The scope stack of the walk in progress, plus the file's import map."""

    def __init__(self, imports: ImportMap) -> None:
        self.imports = imports
        self.module = Scope(None, "module")
        self.stack: list[Scope] = [self.module]
        # Functions of the module seen so far (module-level by name, methods by method name),
        # for one level of summaries: a helper that returns SQL text.
        self.functions: dict[str, Scope] = {}
        self.methods: dict[str, Scope] = {}
        # if/else arms being walked, and the nodes that open one.
        self._arms: dict[int, tuple[int, str]] = {}
        self._branch: list[tuple[int, str]] = []

    # -- feeding, called by the engine's batched visitor -------------------------------
    def on_visit(self, node: cst.CSTNode) -> None:
        kind = type(node)
        if self._arms and id(node) in self._arms:
            self._branch.append(self._arms[id(node)])
        if kind is cst.If:
            self._arms[id(node.body)] = (id(node), "body")  # type: ignore[attr-defined]
            if node.orelse is not None:  # type: ignore[attr-defined]
                self._arms[id(node.orelse)] = (id(node), "orelse")  # type: ignore[attr-defined]
        elif kind is cst.With:
            for item in node.items:  # type: ignore[attr-defined]
                if item.asname is not None and type(item.asname.name) is cst.Name:
                    self.current.bindings[item.asname.name.value] = item.item
        elif kind is cst.For:
            for name in _target_names(node.target):  # type: ignore[attr-defined]
                self.current.record(name, "for", node.iter, tuple(self._branch))  # type: ignore[attr-defined]
        if kind is cst.FunctionDef:
            scope = Scope(node, "function", is_handler=self._is_handler(node), converted=_converted(node))  # type: ignore[arg-type]
            self._add_parameters(scope, node.params)  # type: ignore[attr-defined]
            self.stack.append(scope)
        elif kind is cst.Lambda:
            scope = Scope(node, "lambda")
            self._add_parameters(scope, node.params)  # type: ignore[attr-defined]
            self.stack.append(scope)
        elif kind is cst.ClassDef:
            self.stack.append(Scope(node, "class"))
        elif kind is cst.Import:
            self.imports.add_import(node)  # type: ignore[arg-type]
        elif kind is cst.ImportFrom:
            self.imports.add_import_from(node)  # type: ignore[arg-type]

    def on_leave(self, node: cst.CSTNode) -> None:
        kind = type(node)
        if self._arms and id(node) in self._arms:
            self._branch.pop()
            del self._arms[id(node)]
        if kind is cst.FunctionDef or kind is cst.Lambda or kind is cst.ClassDef:
            scope = self.stack.pop()
            if kind is cst.FunctionDef:
                name = node.name.value  # type: ignore[attr-defined]
                if self.current is self.module:
                    self.functions[name] = scope
                elif self.current.kind == "class":
                    self.methods[name] = scope
        elif kind is cst.Assign:
            for target in node.targets:  # type: ignore[attr-defined]
                if type(target.target) is cst.Name:
                    self.current.record(target.target.value, "=", node.value, tuple(self._branch))  # type: ignore[attr-defined]
                elif type(target.target) is cst.Subscript and type(target.target.value) is cst.Name:
                    keys = [element.slice.value for element in target.target.slice if isinstance(element.slice, cst.Index)]
                    self.current.stores.setdefault(target.target.value.value, []).extend(keys or [target.target])
        elif kind is cst.AnnAssign:
            if type(node.target) is cst.Name and node.value is not None:  # type: ignore[attr-defined]
                self.current.record(node.target.value, "=", node.value, tuple(self._branch))  # type: ignore[attr-defined]
        elif kind is cst.AugAssign:
            if type(node.target) is cst.Name and type(node.operator) is cst.AddAssign:  # type: ignore[attr-defined]
                self.current.record(node.target.value, "+=", node.value, tuple(self._branch))  # type: ignore[attr-defined]
        elif kind is cst.Return:
            if node.value is not None:  # type: ignore[attr-defined]
                self.current.returns.append(node.value)  # type: ignore[attr-defined]
        elif kind is cst.If:
            if node.orelse is None and leaves_block(node.body):  # type: ignore[attr-defined]
                self._guard(node.test, cst.NotIn)  # type: ignore[attr-defined]
        elif kind is cst.Assert:
            self._guard(node.test, cst.In)  # type: ignore[attr-defined]
        elif kind is cst.Call:
            func = node.func  # type: ignore[attr-defined]
            if (
                type(func) is cst.Attribute
                and func.attr.value in ("append", "extend")
                and type(func.value) is cst.Name
                and len(node.args) == 1  # type: ignore[attr-defined]
            ):
                name = func.value.value
                scope = self.current
                scope.appends.setdefault(name, []).append((len(scope.assignments.get(name, ())), node.args[0].value))  # type: ignore[attr-defined]

    # -- queries, for rules ----------------------------------------------------------
    @property
    def current(self) -> Scope:
        return self.stack[-1]

    @property
    def enclosing_class(self) -> str | None:
        """The name of the class whose method is being walked, when that class is defined at
        module level."""
        classes = [scope for scope in self.stack if scope.kind == "class"]
        if len(classes) == 1 and self.stack[1] is classes[0]:
            return classes[0].node.name.value  # type: ignore[union-attr]
        return None

    @property
    def function(self) -> Scope | None:
        """The innermost enclosing function scope, if any."""
        for scope in reversed(self.stack):
            if scope.kind == "function":
                return scope
        return None

    def lookup(self, name: str) -> tuple[Scope, list[Assignment]] | None:
        """Assignments made so far to `name` in the innermost scope that binds it
        (skipping class scopes, as Python does for code in methods)."""
        for scope in reversed(self.stack):
            if scope.kind == "class" and scope is not self.current:
                continue
            if name in scope.assignments:
                return scope, scope.assignments[name]
            if name in scope.parameters:
                return scope, []
        return None

    def parameter(self, name: str) -> Parameter | None:
        for scope in reversed(self.stack):
            if scope.kind == "class" and scope is not self.current:
                continue
            if name in scope.assignments:
                return None
            if name in scope.parameters:
                return scope.parameters[name]
        return None

    def binding(self, name: str) -> cst.BaseExpression | None:
        """What produced a local name: the `with ... as name` item, else its last plain
        assignment in the innermost scope that binds it (None for parameters and unknowns)."""
        for scope in reversed(self.stack):
            if scope.kind == "class" and scope is not self.current:
                continue
            if name in scope.bindings:
                return scope.bindings[name]
            if name in scope.assignments:
                plain = [a for a in scope.assignments[name] if a.op == "="]
                return plain[-1].value if plain else None
            if name in scope.parameters:
                return None
        return None

    def module_constant(self, name: str) -> cst.BaseExpression | None:
        """The value of a module-level name assigned exactly once, if the current scope does
        not shadow it."""
        found = self.lookup(name)
        if found is None or found[0] is not self.module:
            return None
        assignments = found[1]
        if len(assignments) == 1 and assignments[0].op == "=":
            return assignments[0].value
        return None

    # -- helpers -----------------------------------------------------------------------
    def _guard(self, test: cst.BaseExpression, operator: type) -> None:
        if type(test) is cst.Comparison and len(test.comparisons) == 1 and type(test.left) is cst.Name:
            target = test.comparisons[0]
            if type(target.operator) is operator:
                self.current.guarded[test.left.value] = target.comparator

    def _is_handler(self, node: cst.FunctionDef) -> bool:
        for decorator in node.decorators:
            target = decorator.decorator
            if isinstance(target, cst.Call):
                target = target.func
            if isinstance(target, cst.Attribute) and target.attr.value in ROUTE_DECORATORS:
                return True
            name = dotted(target) if isinstance(target, (cst.Name, cst.Attribute)) else None
            if name and self.imports.resolve(target) in ("rest_framework.decorators.api_view",):
                return True
        return False

    @staticmethod
    def _add_parameters(scope: Scope, params: cst.Parameters) -> None:
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        if isinstance(params.star_arg, cst.Param):
            every.append(params.star_arg)
        if params.star_kwarg is not None:
            every.append(params.star_kwarg)
        for param in every:
            annotation = param.annotation.annotation if param.annotation is not None else None
            scope.parameters[param.name.value] = Parameter(param.name.value, annotation, param.default)


def _target_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _target_names(element.value)]
    return []


def _converted(node: cst.FunctionDef) -> frozenset[str]:
    names: set[str] = set()
    for decorator in node.decorators:
        call = decorator.decorator
        if isinstance(call, cst.Call) and call.args and isinstance(call.args[0].value, cst.SimpleString):
            path = call.args[0].value.evaluated_value
            if isinstance(path, str):
                names.update(SAFE_CONVERTER.findall(path))
    return frozenset(names)


def leaves_block(body: cst.BaseSuite) -> bool:
    """The block ends by leaving the function or the loop (raise, return, continue, abort())."""
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    if not statements:
        return False
    last = statements[-1]
    small = last.body if isinstance(last, cst.SimpleStatementLine) else (last.body if isinstance(last, cst.SimpleStatementSuite) else [])
    if not small:
        return False
    final = small[-1]
    if isinstance(final, (cst.Raise, cst.Return, cst.Continue)):
        return True
    return isinstance(final, cst.Expr) and isinstance(final.value, cst.Call) and dotted(final.value.func) in ("abort", "flask.abort")
