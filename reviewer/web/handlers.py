"""libcst helpers for the API rules: which function is a route handler, and for which
methods (its decorator, its view class), the status a response sets, and a visitor mixin that
keeps the handler a rule's visit is in. The routes themselves, read with `ast` in the index
pass, are reviewer.web.routes'."""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from reviewer.names import dotted, module_name_for
from reviewer.web.routes import HTTP_METHODS, VIEW_BASE_NAMES, VIEW_MODULES, RoutesProvider, last_name


def decorator_route(context: Any, decorator: cst.Decorator) -> tuple[str, list[str]] | None:
    """(kind, HTTP methods) when a decorator makes a function a handler."""
    target = decorator.decorator
    call = target if isinstance(target, cst.Call) else None
    func = call.func if call is not None else target
    if isinstance(func, cst.Attribute) and call is not None:
        attr = func.attr.value
        if attr in HTTP_METHODS and call.args and isinstance(call.args[0].value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            return "route", [attr.upper()]
        if attr in ("route", "api_route") and call.args:
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == "methods":
                    return "route", _cst_strings(arg.value) or ["GET"]
            return "route", ["GET"]
    name = last_name(context.resolve(func) if isinstance(func, (cst.Name, cst.Attribute)) else None)
    if name == "api_view":
        methods = _cst_strings(call.args[0].value) if call is not None and call.args else []
        return "api_view", methods or ["GET"]
    if name == "action" and call is not None:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "methods":
                return "action", _cst_strings(arg.value) or ["GET"]
        return "action", ["GET"]
    if name in ("require_GET", "require_safe"):
        return "django", ["GET"]
    if name == "require_POST":
        return "django", ["POST"]
    return None


def _cst_strings(node: cst.BaseExpression) -> list[str]:
    out = []
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        for element in node.elements:
            if isinstance(element.value, cst.SimpleString):
                value = element.value.evaluated_value
                if isinstance(value, str):
                    out.append(value.upper())
    return out


CLASS_METHOD_VERBS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE",
                      "list": "GET", "retrieve": "GET", "create": "POST", "update": "PUT",
                      "partial_update": "PATCH", "destroy": "DELETE"}


def is_view_class(context: Any, node: cst.ClassDef) -> bool:
    for base in node.bases:
        name = context.resolve(base.value) if isinstance(base.value, (cst.Name, cst.Attribute)) else None
        if not name:
            continue
        if last_name(name) in VIEW_BASE_NAMES or name.startswith(VIEW_MODULES):
            return True
        if name in RoutesProvider.of(context.index).views:
            return True
    module = module_name_for(context.path)
    return f"{module}.{node.name.value}" in RoutesProvider.of(context.index).views


class Handler:
    """A function that serves HTTP requests, as the API rules see it."""

    def __init__(self, node: cst.FunctionDef, methods: list[str], anchor: cst.CSTNode, kind: str,
                 status_code: int | None = None, path: str = "") -> None:
        self.node = node
        self.methods = methods
        self.anchor = anchor  # where route-level findings point: the route decorator, else the def
        self.kind = kind  # route (FastAPI/Flask), api_view, action, method (class view), django
        self.status_code = status_code
        self.path = path

    @property
    def is_get(self) -> bool:
        """Serves GET only (a Django view with no method decorator serves every method and
        counts as GET for reads, see `only_get`)."""
        return self.methods == ["ANY"] or ("GET" in self.methods and not {"POST", "PUT", "PATCH", "DELETE"} & set(self.methods))

    @property
    def only_get(self) -> bool:
        """Declared GET-only: the write cannot belong to another method's branch."""
        return self.methods != ["ANY"] and self.is_get


def handler_for(context: Any, node: cst.FunctionDef, class_stack: list[cst.ClassDef]) -> Handler | None:
    """The handler a function is: by its decorators, as a method of a view class, or as a
    function that a Django URLconf routes to (from the route index)."""
    for decorator in node.decorators:
        found = decorator_route(context, decorator)
        if found is not None:
            kind, methods = found
            status = None
            path = ""
            target = decorator.decorator
            if isinstance(target, cst.Call):
                for index, arg in enumerate(target.args):
                    if arg.keyword is not None and arg.keyword.value == "status_code":
                        status = status_of(context, arg.value)
                    if index == 0 and arg.keyword is None and isinstance(arg.value, cst.SimpleString):
                        value = arg.value.evaluated_value
                        path = value if isinstance(value, str) else ""
            return Handler(node, methods, decorator, kind, status, path)
    if class_stack and is_view_class(context, class_stack[-1]):
        verb = CLASS_METHOD_VERBS.get(node.name.value)
        if verb:
            return Handler(node, [verb], node, "method")
        return None
    if not class_stack:
        module = module_name_for(context.path)
        wanted = f"{module}.{node.name.value}"
        methods = sorted({r.method for r in RoutesProvider.of(context.index).routes_of(wanted)})
        if methods:
            return Handler(node, methods, node, "django")
    return None


def status_of(context: Any, node: cst.BaseExpression) -> int | None:
    """An HTTP status from an int literal or a named constant (`status.HTTP_201_CREATED`,
    `HTTPStatus.CREATED`)."""
    if isinstance(node, cst.Integer):
        try:
            return int(node.value)
        except ValueError:
            return None
    name = dotted(node) if isinstance(node, (cst.Name, cst.Attribute)) else None
    if name:
        match = re.search(r"HTTP_(\d{3})", name)
        if match:
            return int(match.group(1))
        from http import HTTPStatus

        last = name.rsplit(".", 1)[-1]
        if "HTTPStatus" in name and last in HTTPStatus.__members__:
            return int(HTTPStatus[last])
    return None


class HandlerScope:
    """Mixin for PythonRules: keeps the class stack and the handler being visited
    (`self.handler`, a Handler or None) during the batched walk. Rules that define
    visit_/leave_ FunctionDef or ClassDef themselves call these first."""

    def _handler_state(self) -> tuple[list, list]:
        if not hasattr(self, "_classes"):
            self._classes: list[cst.ClassDef] = []
            self._functions: list[Handler | None] = []
        return self._classes, self._functions

    @property
    def handler(self) -> "Handler | None":
        _, functions = self._handler_state()
        return functions[-1] if functions else None

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._handler_state()[0].append(node)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._handler_state()[0].pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        classes, functions = self._handler_state()
        if functions and functions[-1] is not None:
            functions.append(functions[-1])  # nested function: still the handler's body
            return
        # Only methods directly in a class are class-view methods.
        owner = classes if classes and node in classes[-1].body.body else []
        functions.append(handler_for(self.context, node, owner))  # type: ignore[attr-defined]

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._handler_state()[1].pop()
