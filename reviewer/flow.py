"""Data-flow lite: per-scope assignments and parameters, collected during the batched visit.

The engine feeds every node to `Scopes` before the rules see it, so when a rule looks at
`cur.execute(sql)` it can ask which values `sql` was given earlier in the same function.
Assignments are recorded when their statement is left, so `sql = sql + x` refers to the
earlier `sql` while its own right-hand side is being visited.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from reviewer.names import ImportMap, dotted

# Decorator attribute names that make a function an HTTP handler (FastAPI, Flask, Starlette).
ROUTE_DECORATORS = frozenset({"get", "post", "put", "patch", "delete", "route", "api_route", "head", "options"})


@dataclass
class Assignment:
    op: str  # "=" or "+="
    value: cst.BaseExpression


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

    def record(self, name: str, op: str, value: cst.BaseExpression) -> None:
        self.assignments.setdefault(name, []).append(Assignment(op, value))


class Scopes:
    """The scope stack of the walk in progress, plus the file's import map."""

    def __init__(self, imports: ImportMap) -> None:
        self.imports = imports
        self.module = Scope(None, "module")
        self.stack: list[Scope] = [self.module]

    # -- feeding, called by the engine's batched visitor -------------------------------
    def on_visit(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.FunctionDef):
            scope = Scope(node, "function", is_handler=self._is_handler(node))
            self._add_parameters(scope, node.params)
            self.stack.append(scope)
        elif isinstance(node, cst.Lambda):
            scope = Scope(node, "lambda")
            self._add_parameters(scope, node.params)
            self.stack.append(scope)
        elif isinstance(node, cst.ClassDef):
            self.stack.append(Scope(node, "class"))
        elif isinstance(node, cst.Import):
            self.imports.add_import(node)
        elif isinstance(node, cst.ImportFrom):
            self.imports.add_import_from(node)

    def on_leave(self, node: cst.CSTNode) -> None:
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            self.stack.pop()
        elif isinstance(node, cst.Assign):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.current.record(target.target.value, "=", node.value)
        elif isinstance(node, cst.AnnAssign):
            if isinstance(node.target, cst.Name) and node.value is not None:
                self.current.record(node.target.value, "=", node.value)
        elif isinstance(node, cst.AugAssign):
            if isinstance(node.target, cst.Name) and isinstance(node.operator, cst.AddAssign):
                self.current.record(node.target.value, "+=", node.value)

    # -- queries, for rules ----------------------------------------------------------
    @property
    def current(self) -> Scope:
        return self.stack[-1]

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
