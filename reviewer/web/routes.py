"""The route index: every HTTP handler of the project with its method and full path.

Facts are extracted per file with the stdlib `ast` parser (FastAPI / Starlette, Flask, Django
URLconfs, DRF views, routers and settings) and merged into the `routes` section of the project
index: routers are joined to the apps that include them, so each handler gets its full path.
API rules read the section; `reviewer routes PATH` prints it. The small libcst helpers the API
rules share (which function is a handler, and for which methods) are reviewer.web.handlers'.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Mapping


from reviewer.astfacts import dotted_name, forget_walks, keyword_value, nodes_of, walk
from reviewer.provider import EMPTY_MAP, FrozenMap, IndexProvider, freeze
from reviewer.discovery import DEFAULT_DEPLOYMENT, Deployment
from reviewer.model import FileKind
from reviewer.names import ImportMap, dotted, last_name, module_name_for
from reviewer.project.roots import FASTAPI_APPS, FLASK_APPS, app_kind
from reviewer.project.symbols import SECTION as SYMBOLS, ClassSymbol, ProjectSymbols
from reviewer.project.values import CONCAT, IMPORTED, REF, TEXT, Expr, expr_of

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
FASTAPI_ROUTERS = frozenset({"fastapi.APIRouter", "fastapi.routing.APIRouter", "starlette.routing.Router"})
STARLETTE_ROUTES = frozenset({"starlette.routing.Route", "starlette.routing.WebSocketRoute", "starlette.routing.Mount"})
FLASK_BLUEPRINTS = frozenset({"flask.Blueprint", "flask.blueprints.Blueprint", "apiflask.APIBlueprint", "flask_smorest.Blueprint", "quart.Blueprint"})
DRF_ROUTERS = frozenset({"rest_framework.routers.DefaultRouter", "rest_framework.routers.SimpleRouter"})
RESTX_NAMESPACES = frozenset({"flask_restx.Namespace", "flask_restplus.Namespace"})
RESTFUL_APIS = frozenset({"flask_restful.Api", "flask_restx.Api", "flask_restplus.Api", "flask_smorest.Api"})
# Flask-AppBuilder: `@expose(url, methods)` / `@expose_api(name, url, methods)` make a method of a
# BaseView / BaseApi subclass a route below the class's `route_base`; ModelRestApi serves its
# CRUD methods (by name: path, method) unless `include_route_methods` leaves them out.
APPBUILDER = "flask_appbuilder."
APPBUILDER_EXPOSE = frozenset({"expose", "expose_api"})
# `appbuilder.add_view(View, ...)` / `add_view_no_menu` / `add_api`: the classes a project serves
# (kept when the merge finds the class's base chain reaches Flask-AppBuilder).
APPBUILDER_REGISTER = frozenset({"add_view", "add_view_no_menu", "add_api"})
APPBUILDER_APIS = frozenset({"BaseApi", "BaseModelApi", "ModelRestApi"})
APPBUILDER_REST_CRUD = {
    "info": ("/_info", "GET"), "get": ("/<int:pk>", "GET"), "get_list": ("/", "GET"), "post": ("/", "POST"),
    "put": ("/<pk>", "PUT"), "delete": ("/<pk>", "DELETE"),
}
# A router entry whose class may subclass an app class; the merge keeps it as an app or drops it.
APP_CANDIDATE = "app?"

# What a DRF / Django base class serves: action or method name -> (HTTP method, detail route).
ACTIONS = {
    "list": ("GET", False), "create": ("POST", False), "retrieve": ("GET", True),
    "update": ("PUT", True), "partial_update": ("PATCH", True), "destroy": ("DELETE", True),
}
MIXINS = {
    "ListModelMixin": ("list",), "CreateModelMixin": ("create",), "RetrieveModelMixin": ("retrieve",),
    "UpdateModelMixin": ("update", "partial_update"), "DestroyModelMixin": ("destroy",),
}
GENERICS = {
    "ModelViewSet": ("list", "create", "retrieve", "update", "partial_update", "destroy"),
    "ReadOnlyModelViewSet": ("list", "retrieve"),
    "ListAPIView": ("list",), "ListCreateAPIView": ("list", "create"), "CreateAPIView": ("create",),
    "RetrieveAPIView": ("retrieve",), "DestroyAPIView": ("destroy",), "UpdateAPIView": ("update", "partial_update"),
    "RetrieveUpdateAPIView": ("retrieve", "update", "partial_update"),
    "RetrieveDestroyAPIView": ("retrieve", "destroy"),
    "RetrieveUpdateDestroyAPIView": ("retrieve", "update", "partial_update", "destroy"),
    **MIXINS,
}
# Generic (non-viewset) views map actions back onto HTTP method handlers.
VIEW_BASE_NAMES = frozenset(
    {"View", "APIView", "GenericAPIView", "ViewSet", "GenericViewSet", "ModelViewSet", "ReadOnlyModelViewSet",
     "MethodView", "TemplateView", "ListView", "DetailView", "FormView", "CreateView", "UpdateView", "DeleteView",
     "RedirectView", *GENERICS}
)
# Modules whose classes are views (DRF's serializers, permissions and paginators are not).
VIEW_MODULES = (
    "rest_framework.views.", "rest_framework.generics.", "rest_framework.viewsets.", "rest_framework.mixins.",
    "django.views", "flask.views",
)
LIST_VIEWS = frozenset({"ModelViewSet", "ReadOnlyModelViewSet", "ListAPIView", "ListCreateAPIView", "ListModelMixin"})
HEALTH_LIBRARIES = ("health_check", "fastapi_health", "flask_healthz", "healthcheck", "django_health_check")
VERSION_SEGMENT = re.compile(r"(^|/)v\d+(\.\d+)?(/|$)|(^|/)api/v\d+|\{version\}|<version>|\(\?P<version>", re.I)
REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
# DRF methods a view or paginator overrides to paginate (or bound the page size) its own way.
PAGINATING_METHODS = frozenset({"paginate_queryset", "get_paginated_response", "paginator"})
PAGE_SIZE_METHODS = frozenset({"get_limit", "get_page_size", "paginate_queryset"})
PAGE_SIZE_ATTRS = frozenset({"page_size", "default_limit", "max_limit", "max_page_size"})


# --------------------------------------------------------------------------------------------
# Per-file extraction (stdlib ast)


def _const(node: ast.AST | None) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool)):
        return node.value
    return None


def _str_list(node: ast.AST | None) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [str(e.value) for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


HTML_RENDERERS = frozenset({"render_template", "render_template_string", "stream_template"})


def _collect_routes(path: str, tree: ast.Module) -> dict[str, Any]:
    module = module_name_for(path)
    imports = ImportMap(module, path.endswith("__init__.py"))
    facts: dict[str, Any] = {
        "module": module, "routers": {}, "routes": [], "includes": [], "handlers": [], "classes": {},
        "functions": {}, "urlpatterns": [], "pattern_lists": {}, "registrations": [], "settings": {}, "evidence": [],
        "aliases": {}, "returns": {}, "served_views": [],
    }
    for node in nodes_of(tree, ast.Import, ast.ImportFrom, ast.Raise, ast.Call):
        if isinstance(node, ast.Call):
            if last_name(dotted_name(node.func)) in HTML_RENDERERS and not any(e["kind"] == "html-pages" for e in facts["evidence"]):
                # The module renders HTML pages (Flask's Jinja templates): a browser UI, not only a JSON API.
                facts["evidence"].append({"kind": "html-pages", "line": node.lineno, "text": last_name(dotted_name(node.func))})
            if isinstance(node.func, ast.Attribute) and node.func.attr in APPBUILDER_REGISTER and node.args:
                view = node.args[0].func if isinstance(node.args[0], ast.Call) else node.args[0]  # a class or an instance of it
                facts["served_views"].append(dotted_name(view))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.add(node)
            for name in ([a.name for a in node.names] + [getattr(node, "module", None) or ""]):
                if any(name.startswith(lib) for lib in HEALTH_LIBRARIES):
                    facts["evidence"].append({"kind": "health-library", "line": node.lineno, "text": name})
                if name.startswith("fastapi_versioning"):
                    facts["evidence"].append({"kind": "versioning", "line": node.lineno, "text": name})
                if name.split(".")[0] in ("apiflask", "flask_smorest", "connexion", "ninja"):
                    facts["evidence"].append({"kind": "json-errors", "line": node.lineno, "text": name})
        elif isinstance(node, ast.Raise) and node.exc is not None:
            # Django's DisallowedHost raised by the project: it checks the Host header itself
            # (a multi-tenant middleware matching known domains), not through ALLOWED_HOSTS.
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if last_name(dotted_name(raised)) == "DisallowedHost":
                facts["evidence"].append({"kind": "host-check", "line": node.lineno, "text": "DisallowedHost"})
    facts["served_views"] = sorted({imports.qualify(name, local=True) or name for name in facts["served_views"] if name})
    facts["_literal_lists"] = _literal_lists(tree)
    _scan_body(tree.body, "", imports, facts)
    del facts["_literal_lists"]
    return facts


def _scan_body(body: list[ast.stmt], prefix: str, imports: ImportMap, facts: dict[str, Any]) -> None:
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _function(stmt, prefix, imports, facts)
            _scan_body(stmt.body, f"{prefix}{stmt.name}.", imports, facts)
            for info in facts["routers"].values():  # an app factory: the innermost def that builds it
                if "factory" not in info and stmt.lineno < info["line"] <= (stmt.end_lineno or stmt.lineno):
                    info["factory"] = stmt.lineno
        elif isinstance(stmt, ast.ClassDef):
            _class(stmt, prefix, imports, facts)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            _assign(stmt, prefix, imports, facts)
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name) and isinstance(stmt.op, ast.Add):
            _patterns(stmt.target.id, stmt.value, imports, facts)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            _call(stmt.value, prefix, imports, facts)
        elif isinstance(stmt, (ast.If, ast.Try, ast.With)):
            inner = list(getattr(stmt, "body", [])) + list(getattr(stmt, "orelse", []))
            for handler in getattr(stmt, "handlers", []):
                inner.extend(handler.body)
            _scan_body(inner, prefix, imports, facts)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            unrolled_bodies = _unrolled(stmt, facts["_literal_lists"])
            for unrolled in unrolled_bodies:
                _scan_body(unrolled, prefix, imports, facts)
            if not unrolled_bodies:
                _handler_registrations(stmt, prefix, imports, facts)
        elif isinstance(stmt, ast.Return) and prefix and isinstance(stmt.value, ast.Name):
            # An app factory's `return app`: a name bound to the factory's call is that app.
            local = _scoped(stmt.value.id, prefix, facts)
            if local != stmt.value.id:
                facts["returns"].setdefault(prefix[:-1], local)


# Calls that hang a router, app, blueprint or resource below another one.
INCLUDE_CALLS = frozenset({"include_router", "register_blueprint", "mount", "add_resource", "add_url_rule", "add_api_route"})
MAX_UNROLLED = 32


def _literal_lists(tree: ast.Module) -> dict[str, list[ast.expr]]:
    """Module-level names bound to a literal list or tuple (`ROUTERS = [users.router, ...]`)."""
    found: dict[str, list[ast.expr]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            if isinstance(stmt.value, (ast.List, ast.Tuple)):
                found[stmt.targets[0].id] = list(stmt.value.elts)
    return found


def _unrolled(loop: ast.For | ast.AsyncFor, lists: Mapping[str, list[ast.expr]]) -> list[list[ast.stmt]]:
    """`for router, prefix in ((users.router, "/users"), ...): app.include_router(router,
    prefix=prefix)`: the loop body once per element of a literal list (written in the loop
    or bound to a module-level name), its loop variables replaced by the element's parts.
    Other loops, and loops that include nothing, give nothing."""
    if not any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in INCLUDE_CALLS
               for stmt in loop.body for node in walk(stmt)):
        return []
    iterable = loop.iter
    items = list(iterable.elts) if isinstance(iterable, (ast.List, ast.Tuple)) else (
        lists.get(iterable.id, []) if isinstance(iterable, ast.Name) else [])
    names = [loop.target] if isinstance(loop.target, ast.Name) else list(getattr(loop.target, "elts", []))
    if not items or not names or not all(isinstance(name, ast.Name) for name in names):
        return []
    bodies = []
    for item in items[:MAX_UNROLLED]:
        parts = [item] if isinstance(loop.target, ast.Name) else list(getattr(item, "elts", []))
        if len(parts) != len(names) or not all(isinstance(part, (ast.Name, ast.Attribute, ast.Constant)) for part in parts):
            return []
        values = {name.id: part for name, part in zip(names, parts)}  # type: ignore[attr-defined]
        bodies.append([forget_walks(_Substitute(values).visit(copy.deepcopy(stmt))) for stmt in loop.body])
    return bodies


class _Substitute(ast.NodeTransformer):
    def __init__(self, values: Mapping[str, ast.expr]) -> None:
        self.values = values

    def visit_Name(self, node: ast.Name) -> ast.AST:
        value = self.values.get(node.id)
        return ast.copy_location(copy.deepcopy(value), node) if value is not None and isinstance(node.ctx, ast.Load) else node


# Calls that register a global exception handler on an app (Flask, Starlette / FastAPI).
HANDLER_CALLS = frozenset({"register_error_handler", "add_exception_handler"})
# werkzeug's table of its HTTPException classes by status code: a loop that registers a handler
# for each of its codes (or classes) handles every HTTP error, as `HTTPException` would.
DEFAULT_EXCEPTIONS = "werkzeug.exceptions.default_exceptions"


def _handler_registrations(
    node: ast.AST, prefix: str, imports: ImportMap, facts: dict[str, Any], nodes: tuple[ast.AST, ...] | None = None,
) -> None:
    """Exception handlers registered where the route scan does not go: in the methods of a
    helper class the app factory calls (alerta's `ExceptionHandlers.register(app)`) and in
    loops, where `for code in default_exceptions: app.register_error_handler(code, ...)`
    registers DEFAULT_EXCEPTIONS; a handler for another loop's variable is unknown ("?").
    `nodes`: walk(node), when the caller has it."""
    nodes = walk(node) if nodes is None else nodes
    looped: dict[int, str] = {}
    for loop in nodes:
        if isinstance(loop, (ast.For, ast.AsyncFor)):
            names = {n.id for n in walk(loop.target) if isinstance(n, ast.Name)}
            every = _iterates_default_exceptions(loop.iter, imports)
            for item in (n for stmt in loop.body for n in walk(stmt)):
                if isinstance(item, ast.Call) and item.args and isinstance(item.args[0], ast.Name) and item.args[0].id in names:
                    looped[id(item)] = DEFAULT_EXCEPTIONS if every else "?"
    for item in nodes:
        if (isinstance(item, ast.Call) and isinstance(item.func, ast.Attribute) and item.func.attr in HANDLER_CALLS
                and isinstance(item.func.value, ast.Name) and item.args):
            exception = looped.get(id(item)) or _exc_name(item.args[0], imports)
            facts["handlers"].append({"owner": _scoped(item.func.value.id, prefix, facts), "exception": exception, "line": item.lineno,
                                      "function": _handler_function(item)})


def _keyword_handlers(call: ast.Call, owner: str, imports: ImportMap, facts: dict[str, Any]) -> None:
    """`FastAPI(exception_handlers={HTTPException: on_http_error})` (Starlette's too): each pair
    is a handler registered on the app, as `@app.exception_handler(HTTPException)` would be."""
    table = keyword_value(call, "exception_handlers")
    if not isinstance(table, ast.Dict):
        return
    for key, value in zip(table.keys, table.values):
        if key is not None:
            facts["handlers"].append({"owner": owner, "exception": _exc_name(key, imports), "line": key.lineno, "function": dotted_name(value) or ""})


def _handler_function(call: ast.Call) -> str:
    """The handler function a registration call names (`app.add_exception_handler(E, on_error)`), as written."""
    target = call.args[1] if len(call.args) > 1 else keyword_value(call, "handler") or keyword_value(call, "f")
    return (dotted_name(target) or "") if target is not None else ""


def _iterates_default_exceptions(node: ast.AST, imports: ImportMap) -> bool:
    """`default_exceptions`, `.keys()`, `.values()` or `.items()` of werkzeug's table."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("keys", "values", "items"):
        node = node.func.value
    return imports.imported_name(node) == DEFAULT_EXCEPTIONS


def _scoped(name: str, prefix: str, facts: Mapping[str, Any]) -> str:
    """The key of the router, app or blueprint `name` as code in function scope `prefix`
    (`create_app.`) names it: the innermost enclosing function's own binding (each app
    factory of a file builds its own `app`), else the module's name."""
    if "." in name:
        return name
    scopes = prefix.split(".")[:-1]
    while scopes:
        key = ".".join([*scopes, name])
        if key in facts["routers"] or key in facts["aliases"]:
            return key
        scopes.pop()
    return name


def _bind(facts: dict[str, Any], prefix: str, name: str, entry: dict[str, Any]) -> None:
    """A router, app or blueprint bound to `name` in function scope `prefix` (module level when
    empty); `var` keeps the name as written."""
    facts["routers"][f"{prefix}{name}"] = {**entry, "var": name} if prefix else entry


def _assign(stmt: ast.Assign | ast.AnnAssign, prefix: str, imports: ImportMap, facts: dict[str, Any]) -> None:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    value = stmt.value
    names = [t.id for t in targets if isinstance(t, ast.Name)]
    if not names or value is None:
        return
    name = names[0]
    if isinstance(value, ast.Call):
        qualified = imports.imported_name(value.func) or ""
        kind = None
        if qualified in FASTAPI_APPS or last_name(qualified) in ("FastAPI", "Starlette"):
            kind = "fastapi-app"
        elif qualified in FASTAPI_ROUTERS or last_name(qualified) == "APIRouter":
            kind = "fastapi-router"
        elif qualified in FLASK_APPS or last_name(qualified) in ("Flask", "APIFlask"):
            kind = "flask-app"
        elif qualified in FLASK_BLUEPRINTS or last_name(qualified) in ("Blueprint", "APIBlueprint"):
            kind = "blueprint"
        elif qualified in DRF_ROUTERS or last_name(qualified) in ("DefaultRouter", "SimpleRouter"):
            kind = "drf-router"
        elif qualified in RESTX_NAMESPACES or (isinstance(value.func, ast.Attribute) and value.func.attr == "namespace"
                                               and isinstance(value.func.value, ast.Name) and value.args):
            # flask-restx `Namespace("users", path=...)` / `api.namespace("users")`: its routes
            # live under `path`, by default `/<name>`.
            path_node = keyword_value(value, "path")
            name_node = value.args[0] if value.args else keyword_value(value, "name")
            own = _path_fact(path_node) if path_node is not None else _path_fact(name_node)
            _bind(facts, prefix, name, {"kind": "restx-namespace", **own, "line": stmt.lineno})
            if qualified not in RESTX_NAMESPACES:
                facts["includes"].append({"parent": _scoped(value.func.value.id, prefix, facts),  # type: ignore[attr-defined]
                                          "child": _scoped(name, prefix, facts), "prefix": None, "line": stmt.lineno, "kind": "namespace"})
            return
        elif qualified in RESTFUL_APIS:
            kind = "restful-api"
            # `Api(app_or_blueprint, prefix="/v1")`: the Api hangs below what it is given.
            parent = value.args[0] if value.args else keyword_value(value, "app")
            parent_ref = dotted_name(parent) if parent is not None else None
            _bind(facts, prefix, name, {"kind": kind, "prefix": "", "line": stmt.lineno})
            if parent_ref:
                facts["includes"].append({"parent": _scoped(parent_ref, prefix, facts), "child": _scoped(name, prefix, facts),
                                          **_path_fact(keyword_value(value, "prefix")), "line": stmt.lineno, "kind": "api"})
            return
        if kind:
            prefix_node = keyword_value(value, "prefix") if kind.startswith("fastapi") else keyword_value(value, "url_prefix")
            entry = {"kind": kind, **_path_fact(prefix_node), "line": stmt.lineno}
            if kind == "drf-router" and _const(keyword_value(value, "trailing_slash")) is False:
                entry["trailing_slash"] = False
            if kind == "fastapi-app":
                entry["handlers_kw"] = [imports.imported_name(k) or "" for k in _dict_keys(keyword_value(value, "exception_handlers"))]
            if kind in ("fastapi-router", "fastapi-app") and keyword_value(value, "dependencies") is not None:
                entry["dependencies"] = True
            routes = keyword_value(value, "routes") if kind.startswith("fastapi") else None
            if routes is not None:  # Starlette(routes=[Route(...), Mount(...)])
                entry["patterns"] = _pattern_entries(routes, imports, 0)
            _bind(facts, prefix, name, entry)
            if kind == "fastapi-app":
                _keyword_handlers(value, _scoped(name, prefix, facts), imports, facts)
            return
        if qualified.endswith("as_view"):
            return
        written = dotted_name(value.func)
        if written and last_name(written)[:1].islower() and f"{prefix}{name}" not in facts["routers"]:
            # `api_app = create_api_app()`: the name is what the function returns, when that is
            # an app or router of the project (resolved at the merge).
            facts["aliases"][f"{prefix}{name}"] = written
        elif written and last_name(written)[:1].isupper() and f"{prefix}{name}" not in facts["routers"]:
            # An instance of a class that may subclass an app, router or blueprint class
            # (superset's `SupersetApp`, indico's `IndicoFlask` and `IndicoBlueprint`, prefect's
            # `PrefectRouter`), in this module or another: the merge decides through the
            # project's class hierarchy (`_candidate_kind`). Its prefix is the one a router
            # (`prefix=`) or a blueprint (`url_prefix=`) is given.
            prefix_node = keyword_value(value, "prefix")
            entry = {"kind": APP_CANDIDATE, "class": written, **_path_fact(prefix_node if prefix_node is not None else keyword_value(value, "url_prefix")),
                     "line": stmt.lineno, "handlers_kw": [imports.known(k) or "" for k in _dict_keys(keyword_value(value, "exception_handlers"))]}
            if keyword_value(value, "dependencies") is not None:
                entry["dependencies"] = True
            _bind(facts, prefix, name, entry)
            _keyword_handlers(value, _scoped(name, prefix, facts), imports, facts)
    if name == "urlpatterns" or _is_pattern_list(value, imports):
        _patterns(name, value, imports, facts)
    elif name in ("REST_FRAMEWORK", "ROOT_URLCONF", "INSTALLED_APPS", "DATABASES", "MIDDLEWARE", "handler404", "handler500"):
        facts["settings"][name] = {"line": stmt.lineno, "value": _literal(value)}
    elif isinstance(value, ast.Constant) and isinstance(value.value, str) and (
        "application/vnd." in value.value or value.value.lower() in ("api-version", "x-api-version", "accept-version")
    ):
        facts["evidence"].append({"kind": "versioning", "line": stmt.lineno, "text": value.value})


def _dict_keys(node: ast.AST | None) -> list[ast.AST]:
    if isinstance(node, ast.Dict):
        return [k for k in node.keys if k is not None]
    return []


def _literal(node: ast.AST) -> Any:
    if isinstance(node, ast.Dict):
        out = {}
        for key, value in zip(node.keys, node.values):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                out[key.value] = _literal(value)
        return out
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [_literal(e) for e in node.elts]
    const = _const(node)
    if const is not None:
        return const
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    return dotted_name(node) or "?"


def _call(call: ast.Call, prefix: str, imports: ImportMap, facts: dict[str, Any]) -> None:
    if not isinstance(call.func, ast.Attribute) or not isinstance(call.func.value, ast.Name):
        return
    owner, attr = _scoped(call.func.value.id, prefix, facts), call.func.attr
    if attr in ("include_router", "register_blueprint", "mount", "add_namespace") and (call.args or attr == "mount"):
        if attr == "mount":
            prefix_node = call.args[0] if call.args else keyword_value(call, "path")
            child = call.args[1] if len(call.args) > 1 else keyword_value(call, "app")
        else:
            prefix_node = keyword_value(call, {"include_router": "prefix", "add_namespace": "path"}.get(attr, "url_prefix"))
            child = call.args[0]
        # Names as this file writes them; the merge resolves them through the project symbols.
        ref = dotted_name(child) if child is not None else None
        if ref:
            facts["includes"].append({"parent": owner, "child": _scoped(ref, prefix, facts), **_path_fact(prefix_node),
                                      "line": call.lineno, "kind": attr})
    elif attr == "init_app" and call.args and dotted_name(call.args[0]):
        # `api.init_app(app)` (Flask-RESTful): the same edge as `Api(app)`.
        facts["includes"].append({"parent": _scoped(dotted_name(call.args[0]) or "", prefix, facts), "child": owner, "prefix": None,
                                  "line": call.lineno, "kind": "init_app"})
    elif attr == "add_resource" and len(call.args) >= 2:
        handler = imports.name_of(call.args[0])
        for path in (_const(arg) for arg in call.args[1:]):
            if isinstance(path, str) and handler:
                facts["routes"].append(
                    {"owner": owner, "methods": [], "path": path,
                     "handler": handler, "line": call.lineno, "status_code": None, "response_model": None, "view": "class"}
                )
    elif attr in ("extend", "append") and call.args and (owner == "urlpatterns" or owner in facts["pattern_lists"]):
        value = call.args[0]
        _patterns(owner, ast.List(elts=[value]) if attr == "append" else value, imports, facts)
    elif attr in HANDLER_CALLS and call.args:
        facts["handlers"].append({"owner": owner, "exception": _exc_name(call.args[0], imports), "line": call.lineno,
                                  "function": _handler_function(call)})
    elif attr in ("add_api_route", "add_url_rule", "add_route") and call.args:
        path = _const(call.args[0])
        # Flask's `add_url_rule(rule, endpoint, view_func)`; FastAPI's `add_api_route(path, endpoint)`.
        position = 2 if attr == "add_url_rule" else 1
        view = call.args[position] if len(call.args) > position else keyword_value(call, "view_func" if position == 2 else "endpoint")
        methods = [m.upper() for m in _str_list(keyword_value(call, "methods"))]
        handler = None
        if isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute) and view.func.attr == "as_view":
            handler = imports.name_of(view.func.value)
            kind = "class"
        elif isinstance(view, ast.Lambda):  # `add_url_rule("/ping", "ping", lambda: ("", 204))`
            handler = f"{facts['module']}.<lambda>"
            kind = "function"
        elif view is not None:
            handler = imports.name_of(view)
            kind = "function"
        if isinstance(path, str) and handler:
            facts["routes"].append(
                {"owner": owner, "methods": methods, "path": path, "handler": handler, "line": call.lineno,
                 "status_code": None, "response_model": None, "view": kind}
            )
    elif attr == "register" and call.args and len(call.args) >= 2:
        prefix = _const(call.args[0])
        if isinstance(prefix, str):
            facts["registrations"].append(
                {"router": owner, "prefix": prefix, "viewset": imports.name_of(call.args[1]), "line": call.lineno}
            )


def _exc_name(node: ast.AST, imports: ImportMap) -> Any:
    const = _const(node)
    if const is not None:
        return const
    return imports.imported_name(node) or "?"


def _route_decorator(decorator: ast.AST, imports: ImportMap) -> dict[str, Any] | None:
    if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
        return None
    owner = dotted_name(decorator.func.value)
    attr = decorator.func.attr
    if owner is None or "." in owner:
        return None
    if attr in HTTP_METHODS or attr in ("route", "api_route", "websocket"):
        path = _const(decorator.args[0]) if decorator.args else _const(keyword_value(decorator, "path") or keyword_value(decorator, "rule"))
        if not isinstance(path, str):
            return None
        if attr in HTTP_METHODS:
            methods = [attr.upper()]
        elif attr == "websocket":
            methods = ["WEBSOCKET"]
        else:
            methods = [m.upper() for m in _str_list(keyword_value(decorator, "methods"))] or (["GET"] if attr == "route" else ["GET"])
        status = _const(keyword_value(decorator, "status_code"))
        status_node = keyword_value(decorator, "status_code")
        if status is None and status_node is not None:
            status = _status_from_name(dotted_name(status_node))
        model = keyword_value(decorator, "response_model")
        return {
            "owner": owner, "methods": methods, "path": path, "line": decorator.lineno,
            "status_code": status if isinstance(status, int) else None,
            "response_model": ast.unparse(model) if model is not None else None,
        }
    if attr in ("exception_handler", "errorhandler", "app_errorhandler") and decorator.args:
        return {"owner": owner, "exception": _exc_name(decorator.args[0], imports), "line": decorator.lineno, "handler": True}
    return None


def _status_from_name(name: str | None) -> int | None:
    if not name:
        return None
    match = re.search(r"(\d{3})", name)
    return int(match.group(1)) if match else None


def _function(node: ast.FunctionDef | ast.AsyncFunctionDef, prefix: str, imports: ImportMap, facts: dict[str, Any]) -> None:
    qualname = f"{prefix}{node.name}"
    info: dict[str, Any] = {"line": node.lineno}
    for decorator in node.decorator_list:
        found = _route_decorator(decorator, imports)
        if found:
            found["owner"] = _scoped(found["owner"], prefix, facts)
        if found and found.get("handler"):
            facts["handlers"].append({"owner": found["owner"], "exception": found["exception"], "line": found["line"], "function": qualname})
        elif found:
            found["handler"] = f"{facts['module']}.{qualname}"
            found["view"] = "function"
            facts["routes"].append(found)
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = imports.imported_name(target) or ""
        if last_name(name) == "api_view":
            methods = _str_list(decorator.args[0]) if isinstance(decorator, ast.Call) and decorator.args else []
            methods = methods or _str_list(keyword_value(decorator, "http_method_names")) if isinstance(decorator, ast.Call) else methods
            info["api_view"] = [m.upper() for m in methods] or ["GET"]
        elif last_name(name) in ("require_GET", "require_safe"):
            info["require"] = ["GET"]
        elif last_name(name) == "require_POST":
            info["require"] = ["POST"]
        elif last_name(name) == "require_http_methods" and isinstance(decorator, ast.Call) and decorator.args:
            info["require"] = [m.upper() for m in _str_list(decorator.args[0])]
    facts["functions"][qualname] = info


def _class(node: ast.ClassDef, prefix: str, imports: ImportMap, facts: dict[str, Any]) -> None:
    qualname = f"{prefix}{node.name}"
    bases = [imports.imported_name(base) or "" for base in node.bases]
    info: dict[str, Any] = {"line": node.lineno, "bases": bases, "methods": {}, "actions": [], "attrs": {}}
    for stmt in node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            info["methods"][stmt.name] = stmt.lineno
            nodes = walk(stmt)
            _handler_registrations(stmt, f"{qualname}.{stmt.name}.", imports, facts, nodes)
            for item in nodes:
                # `self.default_limit = settings.PAGINATE_COUNT` in __init__ sizes the paginator too
                if isinstance(item, ast.Assign):
                    for target in item.targets:
                        if isinstance(target, ast.Attribute) and last_name(dotted_name(target.value)) == "self" and target.attr in PAGE_SIZE_ATTRS:
                            info["attrs"].setdefault(target.attr, {"line": item.lineno, "value": "?"})
            for decorator in stmt.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                exposed = _appbuilder_expose(decorator, imports)
                if exposed is not None:
                    info.setdefault("exposes", []).append({"name": stmt.name, "detail": False, "line": decorator.lineno, **exposed})
                if last_name(imports.imported_name(target)) == "action" and isinstance(decorator, ast.Call):
                    detail = _const(keyword_value(decorator, "detail"))
                    url_path = _const(keyword_value(decorator, "url_path"))
                    methods = [m.upper() for m in _str_list(keyword_value(decorator, "methods"))] or ["GET"]
                    info["actions"].append(
                        {"name": stmt.name, "methods": methods, "detail": bool(detail), "line": decorator.lineno,
                         "url_path": url_path if isinstance(url_path, str) else stmt.name}
                    )
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    info["attrs"][target.id] = {"line": stmt.lineno, "value": _literal(stmt.value)}
        elif isinstance(stmt, ast.ClassDef) and stmt.name == "Meta":
            for inner in stmt.body:
                if isinstance(inner, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "ordering" for t in inner.targets):
                    info["ordering"] = True
    facts["classes"][qualname] = info
    for decorator in node.decorator_list:
        # `@blp.route("/pets")` on a MethodView (flask-smorest, Flask): the class serves the
        # path with the HTTP methods it defines, unless the decorator names them.
        found = _route_decorator(decorator, imports)
        if found and not found.get("handler"):
            found["owner"] = _scoped(found["owner"], prefix, facts)
            if keyword_value(decorator, "methods") is None:  # type: ignore[arg-type]
                found["methods"] = []
            facts["routes"].append({**found, "handler": f"{facts['module']}.{qualname}", "view": "class"})


def _appbuilder_expose(decorator: ast.expr, imports: ImportMap) -> dict[str, Any] | None:
    """`@expose("/path", methods=[...])` / `@expose_api(name, url, methods)` of Flask-AppBuilder
    (imported from it, or defined in it): the path below the class's route base and the
    methods; None for any other decorator."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    qualified = imports.name_of(target) or ""
    if last_name(qualified) not in APPBUILDER_EXPOSE or not qualified.startswith(APPBUILDER):
        return None
    call = decorator if isinstance(decorator, ast.Call) else None
    args = list(call.args) if call is not None else []
    if last_name(qualified) == "expose_api":  # expose_api(name="", url="", methods=("GET",)): url defaults to /api/<name>
        name, url = _const(args[0] if args else keyword_value(call, "name")), _const(args[1] if len(args) > 1 else keyword_value(call, "url"))
        path = url if isinstance(url, str) and url else f"/api/{name if isinstance(name, str) else ''}"
        methods_node = args[2] if len(args) > 2 else keyword_value(call, "methods")
    else:  # expose(url="/", methods=("GET",))
        url = _const(args[0] if args else keyword_value(call, "url")) if call is not None else "/"
        if not isinstance(url, str):
            return None
        path = url
        methods_node = args[1] if len(args) > 1 else keyword_value(call, "methods")
    return {"url_path": path, "methods": [m.upper() for m in _str_list(methods_node)] or ["GET"]}


DJANGO_ROUTE_CALLS = frozenset({"path", "re_path", "url"})


def _path_fact(node: ast.AST | None, key: str = "prefix") -> dict[str, Any]:
    """A path or prefix argument: `{key: text}` when it is a literal, else `{key: None}` with
    the constant expression it builds and its source text, resolved across modules when the
    index is merged (`prefix=settings.API_V1_STR`, `f"{API_ROOT}/v1"`)."""
    if node is None:
        return {key: None}
    value = _const(node)
    if isinstance(value, str):
        return {key: value}
    expr = expr_of(node)
    return {key: None, f"{key}_expr": expr.to_json() if expr is not None else None, f"{key}_text": ast.unparse(node)}


def _is_route_call(node: ast.AST, imports: ImportMap) -> bool:
    """`path()` / `re_path()` / `url()`, or Starlette's `Route` / `WebSocketRoute` / `Mount`."""
    if not isinstance(node, ast.Call):
        return False
    name = imports.imported_name(node.func) or ""
    return last_name(name) in DJANGO_ROUTE_CALLS or name in STARLETTE_ROUTES


def _is_pattern_list(value: ast.AST | None, imports: ImportMap) -> bool:
    """A list of `path()` / `re_path()` / `url()` entries (a URLconf's patterns under any name)."""
    return isinstance(value, (ast.List, ast.Tuple)) and any(_is_route_call(e, imports) for e in value.elts)


def _patterns(name: str, value: ast.AST, imports: ImportMap, facts: dict[str, Any]) -> None:
    entries = _pattern_entries(value, imports, 0)
    if name == "urlpatterns":
        facts["urlpatterns"].extend(entries)
    elif entries:
        facts["pattern_lists"].setdefault(name, []).extend(entries)


def _pattern_entries(value: ast.AST, imports: ImportMap, depth: int) -> list[dict[str, Any]]:
    """The entries of a URL pattern list: `[path(...), ...]`, `[...] + router.urls`,
    `other_patterns`, `format_suffix_patterns([...])`."""
    if depth > 8:
        return []
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        return _pattern_entries(value.left, imports, depth + 1) + _pattern_entries(value.right, imports, depth + 1)
    if isinstance(value, ast.Call) and not _is_route_call(value, imports) and value.args:
        return _pattern_entries(value.args[0], imports, depth + 1)
    line = getattr(value, "lineno", 0)
    if isinstance(value, ast.Attribute) and value.attr == "urls":
        return [{"route": "", "regex": False, "line": line, "include_router": dotted_name(value.value)}]
    if isinstance(value, (ast.Name, ast.Attribute)):
        return [{"route": "", "regex": False, "line": line, "include_ref": dotted_name(value)}]
    if not isinstance(value, (ast.List, ast.Tuple)):
        return []
    entries = []
    for item in value.elts:
        if not isinstance(item, ast.Call) or not item.args or not _is_route_call(item, imports):
            continue
        kind = imports.imported_name(item.func) or ""
        entry = {**_path_fact(item.args[0], "route"), "regex": last_name(kind) in ("re_path", "url"), "line": item.lineno}
        if kind in STARLETTE_ROUTES:
            target = _starlette_target(item, kind, imports, depth)
        else:
            target = _pattern_target(item.args[1] if len(item.args) > 1 else keyword_value(item, "view"), imports, depth)
        if target is not None:
            entries.append({**entry, **target})
    return entries


def _starlette_target(item: ast.Call, kind: str, imports: ImportMap, depth: int) -> dict[str, Any] | None:
    """What a Starlette `Route(path, endpoint, methods=[...])`, `WebSocketRoute(path,
    endpoint)` or `Mount(path, routes=[...] | app=sub_app)` routes to."""
    second = item.args[1] if len(item.args) > 1 else None
    if last_name(kind) == "Mount":
        routes = keyword_value(item, "routes")
        if routes is not None:
            entries = _pattern_entries(routes, imports, depth + 1)
            return {"include_list": entries}
        app = second if second is not None else keyword_value(item, "app")
        ref = dotted_name(app) if app is not None else None
        return {"mount_app": ref} if ref else None
    endpoint = second if second is not None else keyword_value(item, "endpoint")
    handler = imports.name_of(endpoint) if endpoint is not None else None
    if not handler:
        return None
    methods = ["WEBSOCKET"] if last_name(kind) == "WebSocketRoute" else [m.upper() for m in _str_list(keyword_value(item, "methods"))]
    return {"view": handler, "kind": "endpoint", "methods": methods}


def _pattern_target(view: ast.AST | None, imports: ImportMap, depth: int) -> dict[str, Any] | None:
    """What one `path()` entry routes to: an included URLconf (a dotted module name, a module
    or list of patterns by name, an inline list, a DRF router's `urls`), or a view."""
    if isinstance(view, ast.Call):
        if last_name(imports.imported_name(view.func)) == "include" and view.args:
            target = view.args[0]
            if isinstance(target, ast.Tuple) and target.elts:  # include((patterns, app_name), namespace=...)
                target = target.elts[0]
            const = _const(target)
            if isinstance(const, str):
                return {"include": const}
            if isinstance(target, ast.Attribute) and target.attr == "urls":
                return {"include_router": dotted_name(target.value)}
            if isinstance(target, (ast.List, ast.Tuple)):
                return {"include_list": _pattern_entries(target, imports, depth + 1)}
            ref = dotted_name(target) if target is not None else None
            return {"include_ref": ref} if ref else None
        if isinstance(view.func, ast.Attribute) and view.func.attr == "as_view":
            return {"view": imports.name_of(view.func.value), "kind": "class"}
        # A decorated view: `login_required(views.dashboard)`, `csrf_exempt(Hook.as_view())`.
        return _pattern_target(view.args[0], imports, depth + 1) if view.args and depth < 8 else None
    if isinstance(view, ast.Attribute) and view.attr == "urls":
        if "site" in (dotted_name(view.value) or ""):
            return {"admin": True}
        return {"include_router": dotted_name(view.value)}
    if view is not None:
        handler = imports.name_of(view)
        return {"view": handler, "kind": "function"} if handler else None
    return None


# --------------------------------------------------------------------------------------------
# Per-file facts, typed. `_collect_routes` writes their cache form (JSON) directly; the merge
# reads it back with `FileRoutes.from_json`. A path or prefix argument is a PathFact.


@dataclass(frozen=True, slots=True)
class PathFact:
    """A path or prefix argument (see `_path_fact`): its literal text, else the constant
    expression it builds and its source text (`prefix=settings.API_V1_STR`), resolved across
    modules by the merge; neither when none was given."""

    literal: str | None = None
    expr: Expr | None = None
    text: str | None = None

    def to_json(self, key: str = "prefix") -> dict[str, Any]:
        if self.text is None:
            return {key: self.literal}
        return {key: None, f"{key}_expr": self.expr.to_json() if self.expr is not None else None, f"{key}_text": self.text}

    @staticmethod
    def from_json(data: Mapping[str, Any], key: str = "prefix") -> "PathFact":
        literal = data.get(key)
        expr = data.get(f"{key}_expr")
        return PathFact(literal if isinstance(literal, str) else None, Expr.from_json(expr) if expr is not None else None, data.get(f"{key}_text"))


NO_PATH = PathFact()


@dataclass(frozen=True, slots=True)
class PatternEntry:
    """One entry of a URL pattern list (a Django `path()` / `re_path()` / `url()`, a Starlette
    `Route` / `Mount`): its route, and what it routes to: an included URLconf (`include`, a
    dotted module name; `include_ref`, a module or list by name; `include_list`, inline
    entries; `include_router`, a DRF router's `urls`), a mounted app, the admin, or a view
    (`view`, of `kind` function, class or endpoint, serving `methods`)."""

    route: PathFact
    regex: bool
    line: int
    include: str | None = None
    include_ref: str | None = None
    include_list: tuple["PatternEntry", ...] | None = None
    include_router: str | None = None
    mount_app: str | None = None
    admin: bool = False
    view: str | None = None
    kind: str | None = None
    methods: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {**self.route.to_json("route"), "regex": self.regex, "line": self.line}
        for name in ("include", "include_ref", "include_router", "mount_app", "view", "kind"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.include_list is not None:
            data["include_list"] = [entry.to_json() for entry in self.include_list]
        if self.admin:
            data["admin"] = True
        if self.kind == "endpoint":
            data["methods"] = list(self.methods)
        return data

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "PatternEntry":
        inner = data.get("include_list")
        return PatternEntry(
            PathFact.from_json(data, "route"), bool(data["regex"]), data["line"], data.get("include"), data.get("include_ref"),
            tuple(PatternEntry.from_json(entry) for entry in inner) if inner is not None else None,
            data.get("include_router"), data.get("mount_app"), bool(data.get("admin")), data.get("view"), data.get("kind"),
            tuple(data.get("methods", ())),
        )


def _entries(data: Any) -> tuple[PatternEntry, ...]:
    return tuple(PatternEntry.from_json(entry) for entry in data)


@dataclass(frozen=True, slots=True)
class RouterDecl:
    """An app, router, blueprint, DRF router, Api or namespace bound to a name (`var`, as
    written, when bound in a function: an app factory, whose `def` is at `factory`)."""

    kind: str  # fastapi-app, fastapi-router, flask-app, blueprint, drf-router, restful-api, restx-namespace, app?
    line: int
    prefix: PathFact = NO_PATH
    var: str | None = None
    factory: int | None = None
    trailing_slash: bool = True
    handlers_kw: tuple[str, ...] = ()
    dependencies: bool = False
    patterns: tuple[PatternEntry, ...] | None = None  # Starlette `routes=[...]`
    app_class: str | None = None  # an `app?`: the class it is an instance of

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, **self.prefix.to_json(), "line": self.line}
        if not self.trailing_slash:
            data["trailing_slash"] = False
        if self.handlers_kw or self.kind in ("fastapi-app", APP_CANDIDATE):
            data["handlers_kw"] = list(self.handlers_kw)
        if self.dependencies:
            data["dependencies"] = True
        if self.patterns is not None:
            data["patterns"] = [entry.to_json() for entry in self.patterns]
        if self.app_class is not None:
            data["class"] = self.app_class
        if self.var is not None:
            data["var"] = self.var
        if self.factory is not None:
            data["factory"] = self.factory
        return data

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "RouterDecl":
        patterns = data.get("patterns")
        return RouterDecl(
            data["kind"], data["line"], PathFact.from_json(data), data.get("var"), data.get("factory"), data.get("trailing_slash", True) is not False,
            tuple(data.get("handlers_kw", ())), bool(data.get("dependencies")), _entries(patterns) if patterns is not None else None,
            data.get("class"),
        )


@dataclass(frozen=True, slots=True)
class RouteDecl:
    """A route a decorator or a call declares on an owner (a router, app, blueprint or Api, as
    the file names it), for a function or a view class (`view`)."""

    owner: str
    methods: tuple[str, ...]
    path: str
    handler: str
    line: int
    view: str  # function, class
    status_code: int | None = None
    response_model: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"owner": self.owner, "methods": list(self.methods), "path": self.path, "line": self.line, "status_code": self.status_code,
                "response_model": self.response_model, "handler": self.handler, "view": self.view}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "RouteDecl":
        return RouteDecl(data["owner"], tuple(data["methods"]), data["path"], data["handler"], data["line"], data["view"],
                         data.get("status_code"), data.get("response_model"))


@dataclass(frozen=True, slots=True)
class IncludeDecl:
    """`parent.include_router(child, prefix=...)` and the other edges (see `Include`)."""

    parent: str
    child: str
    prefix: PathFact
    line: int
    kind: str

    def to_json(self) -> dict[str, Any]:
        return {"parent": self.parent, "child": self.child, **self.prefix.to_json(), "line": self.line, "kind": self.kind}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "IncludeDecl":
        return IncludeDecl(data["parent"], data["child"], PathFact.from_json(data), data["line"], data["kind"])


@dataclass(frozen=True, slots=True)
class HandlerDecl:
    owner: str
    exception: Any  # a name, or a status code
    line: int
    function: str = ""  # the handler function, as the file names it ("" when unknown)

    def to_json(self) -> dict[str, Any]:
        return {"owner": self.owner, "exception": self.exception, "line": self.line, **({"function": self.function} if self.function else {})}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "HandlerDecl":
        return HandlerDecl(data["owner"], data["exception"], data["line"], str(data.get("function", "")))


@dataclass(frozen=True, slots=True)
class ActionDecl:
    """A DRF `@action` of a view set, or a Flask-AppBuilder `@expose` method (never `detail`)."""

    name: str
    methods: tuple[str, ...]
    detail: bool
    line: int
    url_path: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "methods": list(self.methods), "detail": self.detail, "line": self.line, "url_path": self.url_path}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "ActionDecl":
        return ActionDecl(data["name"], tuple(data["methods"]), data["detail"], data["line"], data["url_path"])


@dataclass(frozen=True, slots=True)
class AttrDecl:
    """A class attribute: where it is set, and its literal value (frozen; "?" when set in
    `__init__`, a dotted name or "?" for what is not a literal)."""

    line: int
    value: Any

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "value": self.value}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "AttrDecl":
        return AttrDecl(data["line"], freeze(data["value"]))


@dataclass(frozen=True, slots=True)
class ClassDecl:
    """A class of the file (a view, view set, paginator ...): bases as imports qualify them,
    methods with their lines, `@action`s and class attributes."""

    line: int
    bases: tuple[str, ...]
    methods: FrozenMap = EMPTY_MAP  # name -> line
    actions: tuple[ActionDecl, ...] = ()
    attrs: FrozenMap = EMPTY_MAP  # name -> AttrDecl
    ordering: bool = False  # its Meta sets an ordering
    exposes: tuple[ActionDecl, ...] = ()  # Flask-AppBuilder `@expose` methods (`url_path` below the route base)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"line": self.line, "bases": list(self.bases), "methods": dict(self.methods),
                                "actions": [action.to_json() for action in self.actions], "attrs": {k: v.to_json() for k, v in self.attrs.items()}}
        if self.ordering:
            data["ordering"] = True
        if self.exposes:
            data["exposes"] = [expose.to_json() for expose in self.exposes]
        return data

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "ClassDecl":
        return ClassDecl(
            data["line"], tuple(data["bases"]), FrozenMap(data["methods"]), tuple(ActionDecl.from_json(a) for a in data["actions"]),
            FrozenMap((name, AttrDecl.from_json(attr)) for name, attr in data["attrs"].items()), bool(data.get("ordering")), tuple(ActionDecl.from_json(e) for e in data.get("exposes", ())),
        )


@dataclass(frozen=True, slots=True)
class FunctionDecl:
    """A function of the file: its method decorators (`@api_view`, `@require_POST`). What it
    does about pagination is the project model's (`ProjectSymbols.paging`)."""

    line: int
    api_view: tuple[str, ...] | None = None
    require: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"line": self.line}
        if self.api_view is not None:
            data["api_view"] = list(self.api_view)
        if self.require is not None:
            data["require"] = list(self.require)
        return data

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "FunctionDecl":
        api_view, require = data.get("api_view"), data.get("require")
        return FunctionDecl(
            data["line"], tuple(api_view) if api_view is not None else None, tuple(require) if require is not None else None,
        )


@dataclass(frozen=True, slots=True)
class RegistrationDecl:
    """`router.register(prefix, ViewSet)`."""

    router: str
    prefix: str
    viewset: str | None
    line: int

    def to_json(self) -> dict[str, Any]:
        return {"router": self.router, "prefix": self.prefix, "viewset": self.viewset, "line": self.line}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "RegistrationDecl":
        return RegistrationDecl(data["router"], data["prefix"], data["viewset"], data["line"])


@dataclass(frozen=True, slots=True)
class FileRoutes:
    """The per-file facts of the routes section."""

    module: str
    routers: FrozenMap = EMPTY_MAP  # name (`factory.app` in a function) -> RouterDecl
    routes: tuple[RouteDecl, ...] = ()
    includes: tuple[IncludeDecl, ...] = ()
    handlers: tuple[HandlerDecl, ...] = ()
    classes: FrozenMap = EMPTY_MAP  # qualified name in the file -> ClassDecl
    functions: FrozenMap = EMPTY_MAP  # qualified name in the file -> FunctionDecl
    urlpatterns: tuple[PatternEntry, ...] = ()
    pattern_lists: FrozenMap = EMPTY_MAP  # name -> entries
    registrations: tuple[RegistrationDecl, ...] = ()
    settings: FrozenMap = EMPTY_MAP  # name -> AttrDecl (line, literal value)
    evidence: tuple[Evidence, ...] = ()  # file ""
    aliases: FrozenMap = EMPTY_MAP  # name -> the factory call it is bound to
    returns: FrozenMap = EMPTY_MAP  # factory -> the name it returns
    served_views: tuple[str, ...] = ()  # classes given to Flask-AppBuilder's add_view / add_api, as imports qualify them

    def to_json(self) -> dict[str, Any]:
        return {
            "module": self.module, "routers": {name: router.to_json() for name, router in self.routers.items()},
            "routes": [route.to_json() for route in self.routes], "includes": [include.to_json() for include in self.includes],
            "handlers": [handler.to_json() for handler in self.handlers], "classes": {name: cls.to_json() for name, cls in self.classes.items()},
            "functions": {name: function.to_json() for name, function in self.functions.items()},
            "urlpatterns": [entry.to_json() for entry in self.urlpatterns],
            "pattern_lists": {name: [entry.to_json() for entry in entries] for name, entries in self.pattern_lists.items()},
            "registrations": [reg.to_json() for reg in self.registrations], "settings": {name: s.to_json() for name, s in self.settings.items()},
            "evidence": [{"kind": item.kind, "line": item.line, "text": item.text} for item in self.evidence],
            "aliases": dict(self.aliases), "returns": dict(self.returns), "served_views": list(self.served_views),
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "FileRoutes":
        return FileRoutes(
            data["module"],
            FrozenMap((name, RouterDecl.from_json(router)) for name, router in data["routers"].items()),
            tuple(RouteDecl.from_json(route) for route in data["routes"]),
            tuple(IncludeDecl.from_json(include) for include in data["includes"]),
            tuple(HandlerDecl.from_json(handler) for handler in data["handlers"]),
            FrozenMap((name, ClassDecl.from_json(cls)) for name, cls in data["classes"].items()),
            FrozenMap((name, FunctionDecl.from_json(function)) for name, function in data["functions"].items()),
            _entries(data["urlpatterns"]),
            FrozenMap((name, _entries(entries)) for name, entries in data.get("pattern_lists", {}).items()),
            tuple(RegistrationDecl.from_json(reg) for reg in data["registrations"]),
            FrozenMap((name, AttrDecl.from_json(setting)) for name, setting in data["settings"].items()),
            tuple(Evidence(item["kind"], "", item["line"], item["text"]) for item in data["evidence"]),
            FrozenMap(data.get("aliases", {})), FrozenMap(data.get("returns", {})), tuple(data.get("served_views", ())),
        )


# --------------------------------------------------------------------------------------------
# Merge: full paths


def _join(*parts: str | None) -> str:
    """Pieces of a path joined with single slashes; a trailing slash of the last piece that
    says anything (`@router.get("/")`, `path("orders/", ...)`) is kept, as every framework
    here keeps it (`@router.get("")` adds nothing)."""
    text = "/".join(p.strip("/") for p in parts if p and p.strip("/"))
    last = next((p for p in reversed(parts) if p), "")
    return "/" + text + ("/" if text and last.endswith("/") else "")


def _django_path(route: str, regex: bool) -> str:
    if regex:
        route = route.lstrip("^").rstrip("$")
        route = REGEX_GROUP.sub(lambda m: "{" + m.group(1) + "}", route)
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


@dataclass(frozen=True)
class PathText:
    """A path or prefix as far as it is known statically: `text`, where each piece that could
    not be resolved is written `[expression]`, and those expressions (none: complete)."""

    text: str = ""
    unresolved: tuple[str, ...] = ()

    def join(self, *others: "PathText") -> "PathText":
        return PathText(_join(self.text, *(o.text for o in others)), self.unresolved + tuple(u for o in others for u in o.unresolved))


UNKNOWN_PREFIX = PathText("[?]", ("?",))
# Owners that serve nothing until an app includes them (an app is a root).
MOUNTED_KINDS = frozenset({"fastapi-router", "blueprint", "restful-api", "restx-namespace"})
# Owners whose own prefix the one given where they are included replaces.
REPLACED_PREFIX = frozenset({"blueprint", "restx-namespace"})
Key = tuple[str, str]  # (file, name bound at module level there): a router, app, blueprint or pattern list


class _Resolver:
    """Names and path expressions of the route facts, resolved through the project symbols."""

    def __init__(self, symbols: ProjectSymbols) -> None:
        self.symbols = symbols
        self._memo: dict[tuple[str, str, bool], tuple[str, str] | None] = {}

    def _definition(self, path: str, name: str, absolute: bool) -> tuple[str, str] | None:
        key = (path, name, absolute)
        if key not in self._memo:
            self._memo[key] = self.symbols.definition(path, name, absolute=absolute)
        return self._memo[key]

    def key(self, path: str, written: str) -> Key:
        """Where the object `written` in file `path` is defined (through imports and
        re-exports); a name bound in a function (an app factory's `app`) stays the file's."""
        found = self._definition(path, written, False)
        return found if found is not None else (path, written)

    def router(self, path: str, written: str, facts: Mapping[str, FileRoutes], depth: int = 0) -> Key:
        """The key of the router, app or blueprint `written` in file `path` names: a name bound
        to a call of an app factory (`app = create_app()`, here or imported) is the app that
        factory returns."""
        where, name = self.key(path, written)
        found = facts.get(where)
        call = found.aliases.get(name) if found is not None and depth < 4 else None
        if call is None:
            return (where, name)
        factory, function = self.key(where, call)
        returned = facts[factory].returns.get(function) if factory in facts else None
        return self.router(factory, returned, facts, depth + 1) if returned else (where, name)

    def qualified(self, path: str, name: str) -> str:
        """A class or function name (as file `path`'s imports qualify it) under the module
        name of the file that defines it, the name the route index keys classes and
        handlers by; unchanged when it is not defined in the project."""
        found = self._definition(path, name, True)
        return f"{module_name_for(found[0])}.{found[1]}" if found is not None and found[1] else name

    def module(self, path: str, dotted_module: str) -> str | None:
        return self.symbols.find_module(dotted_module, path)

    def text(self, path: str, fact: PathFact) -> PathText | None:
        """The path or prefix a fact holds; None when none was given."""
        if fact.literal is not None:
            return PathText(fact.literal)
        if fact.text is None:
            return None
        return self._expr(path, fact.expr, fact.text)

    def _expr(self, path: str, expr: Expr | None, written: str) -> PathText:
        if expr is not None and expr.kind == TEXT:
            return PathText(expr.text)
        if expr is not None and expr.kind in (REF, IMPORTED):
            constant = self.symbols.constant(path, expr.text)
            if constant is not None and constant.text is not None:
                return PathText(constant.text)
            return PathText(f"[{expr.text}]", (expr.text,))
        if expr is not None and expr.kind == CONCAT:
            parts = [self._expr(path, item, "?") for item in expr.items]
            return PathText("".join(p.text for p in parts), tuple(u for p in parts for u in p.unresolved))
        return PathText(f"[{written}]", (written,))


# --------------------------------------------------------------------------------------------
# The typed `routes` section. The per-file facts (`_collect_routes`) are the index cache's
# JSON and only the merge reads them; rules and analyses read these records.


@dataclass(frozen=True, slots=True)
class Route:
    """A handler with its method and full path (`partial`: some prefix is not known; the
    `[...]` parts of `path` are the `unresolved` ones). A DRF router's route also has the line
    and file of its `register(...)` call."""

    framework: str  # fastapi, starlette, flask, django, drf, unknown
    method: str  # GET ..., or ANY for a Django view that serves every method
    path: str
    handler: str  # qualified name of the function or view method
    file: str
    line: int
    status_code: int | None = None
    response_model: str | None = None
    partial: bool = False
    unresolved: tuple[str, ...] = ()
    registration: int | None = None
    reg_file: str | None = None


@dataclass(frozen=True, slots=True)
class App:
    """A FastAPI / Starlette or Flask app the project builds."""

    file: str
    line: int
    var: str  # the name it is bound to
    key: str  # its key among the file's routers (`create_app.app` in a factory)
    kind: str  # fastapi-app, flask-app
    handlers_kw: tuple[str, ...] = ()  # exceptions given `exception_handlers={...}`
    factory: int | None = None  # line of the `def` of the factory that builds it


@dataclass(frozen=True, slots=True)
class ExceptionHandler:
    file: str
    line: int
    owner: str  # the app, router or blueprint it is registered on
    exception: Any  # the exception's name, or a status code (`errorhandler(404)`)
    function: str = ""  # the handler function as file `file` names it ("" when unknown)


@dataclass(frozen=True, slots=True)
class Setting:
    """A Django setting's literal value (dicts as FrozenMaps, lists as tuples; None when it is
    not a literal), where the first file that sets it does so."""

    file: str
    line: int
    value: Any


@dataclass(frozen=True, slots=True)
class Evidence:
    kind: str  # health-library, versioning, json-errors, host-check, html-pages
    file: str
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Include:
    """A router, blueprint or Api included in another (`include_router`, `register_blueprint`,
    `mount`, `Api(app)` ...); `prefix` when it is a literal."""

    file: str
    line: int
    kind: str
    parent: str
    child: str
    prefix: str | None = None


@dataclass(frozen=True, slots=True)
class UrlConf:
    """A root Django URLconf (ROOT_URLCONF, else one no other URLconf includes)."""

    file: str
    line: int
    module: str


@dataclass(frozen=True, slots=True)
class DrfView:
    """A view class (DRF, Django or Flask), with the actions it serves."""

    file: str
    line: int
    actions: tuple[str, ...]
    pagination_class: bool  # it sets a pagination_class, or paginates its own way


@dataclass(frozen=True, slots=True)
class RoutesSection:
    """The `routes` section."""

    routes: tuple[Route, ...] = ()  # sorted by path, method, file, line
    apps: tuple[App, ...] = ()
    exception_handlers: tuple[ExceptionHandler, ...] = ()
    settings: FrozenMap = EMPTY_MAP  # name -> Setting
    evidence: tuple[Evidence, ...] = ()
    views: FrozenMap = EMPTY_MAP  # qualified class name -> DrfView
    ordered_models: frozenset[str] = frozenset()  # classes whose Meta sets an ordering
    sized_paginators: tuple[str, ...] = ()
    includes: tuple[Include, ...] = ()
    urlconfs: tuple[UrlConf, ...] = ()
    # Paginator classes whose page size is bounded by an inherited `max_limit` /
    # `max_page_size` or an overridden `get_limit` / `get_page_size` / `paginate_queryset`.
    bounded_paginators: frozenset[str] = frozenset()
    by_handler: FrozenMap = EMPTY_MAP  # handler -> its routes

    def routes_of(self, handler: str) -> tuple[Route, ...]:
        """The routes a handler (by qualified name) serves."""
        return self.by_handler.get(handler, ())

    def setting(self, name: str) -> Any:
        """A Django setting's literal value, None when it is not set or not a literal."""
        found = self.settings.get(name)
        return found.value if found is not None else None


def _route(framework: str, method: str, path: PathText, handler: str, file: str, line: int, **extra: Any) -> "Route":
    """One entry of the section's `routes`."""
    return Route(framework, method, path.text, handler, file, line, partial=bool(path.unresolved),
                 unresolved=tuple(dict.fromkeys(path.unresolved)), **extra)


def _candidate_kind(symbols: ProjectSymbols, path: str, callee: str) -> str | None:
    """The owner kind of an instance of the class `callee` (as file `path` names it) whose
    base chain, across modules, reaches an app, router or blueprint class; None otherwise."""
    kind = app_kind(symbols, path, callee)
    if kind is not None:
        return f"{kind}-app"
    lineage = set(symbols.lineage(path, callee))
    if lineage & FASTAPI_ROUTERS:
        return "fastapi-router"
    if lineage & FLASK_BLUEPRINTS:
        return "blueprint"
    return None


def _routers(path: str, data: FileRoutes, symbols: ProjectSymbols) -> dict[str, RouterDecl]:
    """A file's routers, apps and blueprints, an instance of a project class kept as an app,
    router or blueprint when the class hierarchy reaches one of their classes, dropped
    otherwise."""
    found = {}
    for key, info in data.routers.items():
        if info.kind == APP_CANDIDATE:
            kind = _candidate_kind(symbols, path, info.app_class or "")
            if kind is None:
                continue
            info = dataclasses.replace(info, kind=kind)
        found[key] = info
    return found


def merge_routes(facts: Mapping[str, FileRoutes], symbols: ProjectSymbols | None = None) -> "RoutesSection":
    resolver = _Resolver(symbols if isinstance(symbols, ProjectSymbols) else ProjectSymbols.build({}))
    routers = {path: _routers(path, data, resolver.symbols) for path, data in facts.items()}
    classes = ClassTable(resolver.symbols)
    functions: dict[str, tuple[str, FunctionDecl]] = {}
    for path, data in facts.items():
        for name, info in data.classes.items():
            classes.add(path, name, info)
        for name, function in data.functions.items():
            functions[f"{data.module}.{name}"] = (path, function)
    routes: list[Route] = []

    # Pattern lists by (file, name): Django URLconfs and Starlette `routes=[...]`, included by
    # dotted module name, by module or list, inline, or as a DRF router's `urls`.
    lists: dict[Key, tuple[PatternEntry, ...]] = {}
    registrations: dict[Key, list[tuple[str, RegistrationDecl]]] = {}
    for path, data in facts.items():
        if data.urlpatterns:
            lists[(path, "urlpatterns")] = data.urlpatterns
        for name, entries in data.pattern_lists.items():
            lists[(path, name)] = entries
        for reg in data.registrations:
            reg = dataclasses.replace(reg, viewset=resolver.qualified(path, reg.viewset) if reg.viewset else reg.viewset)
            registrations.setdefault(resolver.router(path, reg.router, facts), []).append((path, reg))

    def included_list(path: str, entry: PatternEntry) -> Key | None:
        if entry.include is not None:
            module = resolver.module(path, entry.include) if entry.include else None
            return (module, "urlpatterns") if module else None
        if entry.include_ref:
            found = resolver.key(path, entry.include_ref)
            return (found[0], found[1] or "urlpatterns")
        return None

    def leaves(path: str, entries: tuple[PatternEntry, ...], head: PathText, trail: frozenset):
        """(file, entry, full path) of every entry that is not an include, includes followed."""
        if len(trail) > 8:
            return
        for entry in entries:
            if entry.admin:
                continue
            route = resolver.text(path, entry.route) or PathText()
            here = head.join(PathText(_django_path(route.text, entry.regex), route.unresolved))
            if entry.include_list is not None:
                yield from leaves(path, entry.include_list, here, trail | {(path, entry.line)})
            elif entry.include is not None or entry.include_ref is not None:
                target = included_list(path, entry)
                if target in lists and target not in trail:
                    yield from leaves(target[0], lists[target], here, trail | {target})
            else:
                yield path, entry, here

    reached: set[tuple[str, int]] = set()

    def leaf_routes(path: str, entry: PatternEntry, here: PathText) -> None:
        if entry.include_router:
            for reg_path, reg in registrations.get(resolver.router(path, entry.include_router, facts), []):
                reached.add((reg_path, reg.line))
                owner = owners.get(resolver.router(reg_path, reg.router, facts))
                _viewset_routes(reg, here, reg_path, classes, routes, owner[0] if owner is not None else None)
        elif entry.view:
            _view_routes(dataclasses.replace(entry, view=resolver.qualified(path, entry.view)), here, path, classes, functions, routes)

    # FastAPI / Starlette / Flask: owners (apps, routers, blueprints, Apis) and include edges.
    owners: dict[Key, tuple[RouterDecl, PathText]] = {}
    parents: dict[Key, list[tuple[Key, PathText | None]]] = {}
    for path, data in facts.items():
        for var, info in routers[path].items():
            owners[(path, var)] = (info, resolver.text(path, info.prefix) or PathText())
        for include in data.includes:
            child, parent = resolver.router(path, include.child, facts), resolver.router(path, include.parent, facts)
            parents.setdefault(child, []).append((parent, resolver.text(path, include.prefix)))
    # Starlette `Mount("/admin", app=admin_app)` in an app's `routes=[...]`: `app.mount(...)`.
    for (path, var), (info, _) in owners.items():
        for where, entry, here in leaves(path, info.patterns or (), PathText(), frozenset()):
            if entry.mount_app:
                parents.setdefault(resolver.router(where, entry.mount_app, facts), []).append(((path, var), here))

    def prefixes(node: Key, depth: int = 0) -> list[PathText]:
        found = owners.get(node)
        own = found[1] if found is not None else PathText()
        kind = found[0].kind if found is not None else ""
        edges = parents.get(node, [])
        if not edges and kind in MOUNTED_KINDS:
            return [UNKNOWN_PREFIX.join(own)]  # included nowhere we can follow: mounted where, we do not know
        if not edges or depth > 8:
            return [own]
        out: list[PathText] = []
        for parent, prefix in edges:
            # Flask: register_blueprint(url_prefix=...) replaces the blueprint's own prefix
            # (add_namespace(path=...) a restx namespace's);
            # FastAPI: include_router(prefix=...) goes before the router's own.
            local = prefix if (kind in REPLACED_PREFIX and prefix is not None) else prefix.join(own) if prefix is not None else own
            for head in prefixes(parent, depth + 1):
                full = head.join(local)
                if full not in out:
                    out.append(full)
        return out

    for path, data in facts.items():
        for declared in data.routes:
            owner = resolver.router(path, declared.owner, facts)
            found = owners.get(owner)
            framework = _framework(found[0].kind if found is not None else "", path, facts)
            handler = resolver.qualified(path, declared.handler)
            methods = declared.methods or ("GET",)
            view_class = classes.get(handler) if declared.view == "class" else None
            if view_class is not None:
                methods = tuple(m.upper() for m in view_class[1].methods if m in HTTP_METHODS) or methods
            for head in prefixes(owner):
                for method in methods:
                    routes.append(_route(framework, method, head.join(PathText(declared.path)), handler, path, declared.line,
                                         status_code=declared.status_code, response_model=declared.response_model))
    for key, (info, _) in owners.items():
        if info.patterns:
            for head in prefixes(key):
                for where, entry, here in leaves(key[0], info.patterns, head, frozenset()):
                    leaf_routes(where, entry, here)

    # Django URLconfs: from ROOT_URLCONF, else from every URLconf no other includes.
    def every_entry(entries: tuple[PatternEntry, ...]):
        for entry in entries:
            yield entry
            yield from every_entry(entry.include_list or ())

    included: set[Key] = set()
    included_routers: set[Key] = set()
    for (path, _), entries in lists.items():
        for entry in every_entry(entries):
            target = included_list(path, entry)
            if target is not None:
                included.add(target)
            if entry.include_router:
                included_routers.add(resolver.router(path, entry.include_router, facts))
    roots: list[Key] = []
    for path, data in facts.items():
        conf = data.settings.get("ROOT_URLCONF")
        module = resolver.module(path, conf.value) if conf is not None and isinstance(conf.value, str) else None
        if module is not None and (module, "urlpatterns") in lists and (module, "urlpatterns") not in roots:
            roots.append((module, "urlpatterns"))
    if not roots:
        roots = [key for key in lists if key[1] == "urlpatterns" and key not in included]

    urlconfs = []
    for root in sorted(roots):
        for where, entry, here in leaves(root[0], lists[root], PathText(), frozenset({root})):
            leaf_routes(where, entry, here)
        urlconfs.append(UrlConf(root[0], lists[root][0].line, facts[root[0]].module))
    # A router registered but not included anywhere we follow: its routes are listed under
    # an unknown prefix (one included from a URLconf no root reaches is left out, like it).
    for router, regs in registrations.items():
        if router in included_routers:
            continue
        for reg_path, reg in regs:
            if (reg_path, reg.line) not in reached:
                owner = owners.get(router)
                _viewset_routes(reg, UNKNOWN_PREFIX, reg_path, classes, routes, owner[0] if owner is not None else None)

    _appbuilder_routes(classes, routes, {resolver.qualified(path, name) for path, data in facts.items() for name in data.served_views})
    routes.sort(key=lambda r: (r.path, r.method, r.file, r.line))
    apps = []
    handlers = []
    settings: dict[str, Setting] = {}
    evidence = []
    for path, data in sorted(facts.items()):
        for key, info in routers[path].items():
            if info.kind in ("fastapi-app", "flask-app"):
                apps.append(App(path, info.line, info.var or key, key, info.kind, info.handlers_kw, info.factory))
        for handler in data.handlers:
            handlers.append(ExceptionHandler(path, handler.line, handler.owner, handler.exception, handler.function))
        for name, value in data.settings.items():
            if name not in settings:
                settings[name] = Setting(path, value.line, value.value)
        for item in data.evidence:
            evidence.append(dataclasses.replace(item, file=path))
        for include in data.includes:
            if include.prefix.literal and VERSION_SEGMENT.search(include.prefix.literal):
                evidence.append(Evidence("versioning", path, include.line, include.prefix.literal))
    drf_views = {}
    for qualified, (path, info) in classes.items():
        caps = _capabilities(qualified, classes)
        if caps is not None:
            drf_views[qualified] = (path, info.line, tuple(sorted(caps)), "pagination_class" in _inherited_attrs(qualified, classes))
    bounded = frozenset(
        q for q in classes
        if {"max_limit", "max_page_size"} & set(_inherited_attrs(q, classes)) or _inherited_methods(q, classes) & PAGE_SIZE_METHODS
    )
    ordered_models = sorted(q for q, (p, info) in classes.items() if info.ordering)
    sized = sorted(
        q for q, (p, info) in classes.items()
        if {"page_size", "default_limit"} & set(info.attrs) or {"paginate_queryset", "get_limit", "get_page_size"} & set(info.methods)
    )
    for qualified, (path, info) in classes.items():
        if "versioning_class" in info.attrs:
            evidence.append(Evidence("versioning", path, info.attrs["versioning_class"].line, f"{qualified}.versioning_class"))
    includes = [
        Include(path, include.line, include.kind, include.parent, include.child, include.prefix.literal)
        for path, data in sorted(facts.items()) for include in data.includes
    ]
    by_handler: dict[str, list[Route]] = {}
    for route in routes:
        by_handler.setdefault(route.handler, []).append(route)
    return RoutesSection(
        routes=tuple(routes), apps=tuple(apps), exception_handlers=tuple(handlers), settings=FrozenMap(settings), evidence=tuple(evidence),
        views=FrozenMap(
            # a view that paginates its own way (an inherited paginating method) counts as paginated
            (q, DrfView(path, line, actions, paginated or bool(_inherited_methods(q, classes) & PAGINATING_METHODS)))
            for q, (path, line, actions, paginated) in drf_views.items()
        ),
        ordered_models=frozenset(ordered_models), sized_paginators=tuple(sized), includes=tuple(includes), urlconfs=tuple(urlconfs),
        bounded_paginators=bounded, by_handler=FrozenMap((name, tuple(found)) for name, found in by_handler.items()),
    )


def _framework(kind: str, path: str, facts: Mapping[str, FileRoutes]) -> str:
    if kind.startswith("fastapi"):
        return "fastapi"
    if kind in ("flask-app", "blueprint", "restful-api", "restx-namespace"):
        return "flask"
    return "unknown"


class ClassTable(dict):
    """Project classes by the route index's qualified name -> (file, ClassDecl), with each
    class's ancestors taken from the project symbols' class hierarchy (`ProjectSymbols.ancestry`):
    a project class under its key here, any other base by its qualified name."""

    def __init__(self, symbols: ProjectSymbols) -> None:
        super().__init__()
        self.symbols = symbols
        self._bases: dict[str, tuple[str, ...]] = {}
        self.direct: dict[str, tuple[str, ...]] = {}  # key -> its own bases (keys or qualified names)

    def add(self, path: str, name: str, info: ClassDecl) -> None:
        """Class `name` (`Outer.Inner` when nested in a function) of file `path`."""
        key = f"{module_name_for(path)}.{name}"
        self[key] = (path, info)
        own = self.symbols.class_symbol(path, name) if "." not in name else None
        if own is not None:
            chain = self.symbols.ancestry(own)
            self.direct[key] = tuple(self._key(base, self.symbols.class_symbol(own.path, base)) for base in own.bases)
        else:  # a class the symbols do not hold (defined in a function): its bases' chains
            chain = []
            for base in filter(None, info.bases):
                parent = self.symbols.class_symbol(path, base)
                chain.append((base, parent))
                chain.extend(self.symbols.ancestry(parent) if parent is not None else ())
            self.direct[key] = tuple(self._key(base, self.symbols.class_symbol(path, base)) for base in filter(None, info.bases))
        self._bases[key] = tuple(dict.fromkeys(self._key(base, parent) for base, parent in chain))

    @staticmethod
    def _key(name: str, symbol: ClassSymbol | None) -> str:
        return f"{module_name_for(symbol.path)}.{symbol.qualified.rsplit('.', 1)[-1]}" if symbol is not None else name

    def bases(self, key: str) -> tuple[str, ...]:
        """The ancestors of the class `key`, depth first in the order bases are written."""
        return self._bases.get(key, ())


def _inherited_attrs(qualified: str, classes: ClassTable) -> dict[str, AttrDecl]:
    attrs: dict[str, AttrDecl] = {}
    for name in [*reversed(classes.bases(qualified)), qualified]:
        found = classes.get(name)
        if found:
            attrs.update(found[1].attrs)
    return attrs


def _inherited_methods(qualified: str, classes: ClassTable) -> set[str]:
    methods: set[str] = set()
    for name in [qualified, *classes.bases(qualified)]:
        found = classes.get(name)
        if found:
            methods.update(found[1].methods)
    return methods


def _capabilities(qualified: str, classes: ClassTable) -> set[str] | None:
    """Actions a view class serves (DRF actions or HTTP method names), None if not a view."""
    bases = classes.bases(qualified)
    simple = {last_name(b) for b in bases}
    if not simple & VIEW_BASE_NAMES and not any(b.startswith(("rest_framework.", "django.views", "flask.views")) for b in bases):
        return None
    caps: set[str] = set()
    for name in simple:
        caps.update(GENERICS.get(name, ()))
    for name in [qualified, *bases]:
        found = classes.get(name)
        if found:
            caps.update(m for m in found[1].methods if m in ACTIONS or m in HTTP_METHODS)
    return caps


def _viewset_routes(
    reg: RegistrationDecl, head: PathText, path: str, classes: ClassTable, routes: list, router: RouterDecl | None
) -> None:
    """The routes a DRF router makes of one `register(prefix, ViewSet)`: list and detail
    routes of the actions the viewset serves, and its `@action` routes, under `head`."""
    qualified = reg.viewset or ""
    found = classes.get(qualified)
    caps = _capabilities(qualified, classes) or set()
    slash = "" if router is not None and not router.trailing_slash else "/"
    attrs = _inherited_attrs(qualified, classes) if found else {}
    lookup = next((attrs[name].value for name in ("lookup_url_kwarg", "lookup_field") if name in attrs and isinstance(attrs[name].value, str)), "pk")
    base = head.join(PathText(reg.prefix))
    file, line = (found[0], found[1].line) if found else (path, reg.line)
    where = {"registration": reg.line, "reg_file": path}

    def under(*segments: str) -> PathText:
        return PathText(_join(base.text, *segments).rstrip("/") + slash, base.unresolved)

    for action in sorted(caps):
        if action in ACTIONS:
            method, detail = ACTIONS[action]
            routes.append(_route("drf", method, under(f"{{{lookup}}}") if detail else under(), f"{qualified}.{action}", file, line,
                                 status_code=201 if action == "create" else 204 if action == "destroy" else None, **where))
        elif action in HTTP_METHODS:
            routes.append(_route("drf", action.upper(), under(), f"{qualified}.{action}", file, line, **where))
    if found:
        for action in found[1].actions:
            segments = (f"{{{lookup}}}", action.url_path) if action.detail else (action.url_path,)
            for method in action.methods:
                routes.append(_route("drf", method, under(*segments), f"{qualified}.{action.name}", found[0], action.line, **where))


def _appbuilder_routes(classes: ClassTable, routes: list, served_views: set[str]) -> None:
    """Flask-AppBuilder views and APIs: every class whose base chain reaches Flask-AppBuilder
    serves its own and its project bases' `@expose` methods (and a ModelRestApi its CRUD
    methods) below its route base: `route_base`, else `/<class name>` for a view and
    `/api/<version>/<resource_name or class name>` for an API, all lower case. A class
    that another project class extends is a base (superset's `BaseSupersetView`): its
    methods are listed under the subclasses that serve them, not its own name, unless the
    project registers it (`appbuilder.add_api(ChartRestApi)`, which `ChartDataRestApi` extends)."""
    extended = {base for bases in classes.direct.values() for base in bases}
    for qualified, (path, info) in classes.items():
        if qualified in extended and qualified not in served_views:
            continue
        lineage = [qualified, *classes.bases(qualified)]
        if not any(name.startswith(APPBUILDER) for name in lineage[1:]):
            continue
        served: dict[str, tuple[str, tuple[ActionDecl, ...]] | None] = {}  # method name -> (file, its exposes), most derived first
        for name in lineage:
            found = classes.get(name)
            if found is None:
                continue
            exposes: dict[str, list[ActionDecl]] = {}
            for expose in found[1].exposes:
                exposes.setdefault(expose.name, []).append(expose)
            for method in found[1].methods:
                served.setdefault(method, (found[0], tuple(exposes[method])) if method in exposes else None)
        attrs = _inherited_attrs(qualified, classes)
        library = [name for name in lineage if name.startswith(APPBUILDER)]
        is_api = any(last_name(name) in APPBUILDER_APIS for name in library)
        if any(last_name(name) == "ModelRestApi" and name not in classes for name in library):
            for method, (url, verb) in APPBUILDER_REST_CRUD.items():
                served.setdefault(method, (path, (ActionDecl(method, (verb,), False, info.line, url),)))
        included = attrs["include_route_methods"].value if "include_route_methods" in attrs else None
        excluded = attrs["exclude_route_methods"].value if "exclude_route_methods" in attrs else ()
        base = _literal_attr(attrs, "route_base")
        if base is None:
            simple = last_name(qualified).lower()
            if is_api:
                version, resource = _literal_attr(attrs, "version") or "v1", _literal_attr(attrs, "resource_name") or simple
                base = f"/api/{version}/{resource.lower()}"
            else:
                base = f"/{simple}"
        for method, entry in served.items():
            if entry is None or (isinstance(included, (tuple, frozenset, list)) and method not in included):
                continue
            if isinstance(excluded, (tuple, frozenset, list)) and method in excluded:
                continue
            file, exposes = entry
            for expose in exposes:
                for verb in expose.methods:
                    routes.append(_route("flask", verb, PathText(_join(base, expose.url_path)), f"{qualified}.{method}", file, expose.line))


def _literal_attr(attrs: Mapping[str, AttrDecl], name: str) -> str | None:
    found = attrs.get(name)
    return found.value if found is not None and isinstance(found.value, str) and found.value != "?" else None


def _view_routes(
    entry: PatternEntry, full: PathText, path: str, classes: ClassTable, functions: Mapping[str, tuple[str, FunctionDecl]],
    routes: list,
) -> None:
    """The routes of one pattern entry that names a view: a Django function or class view, or
    a Starlette endpoint (a function, or an `HTTPEndpoint` class serving the methods it defines)."""
    view = entry.view or ""
    if entry.kind == "endpoint":
        found = classes.get(view) or functions.get(view)
        served = [m.upper() for m in classes[view][1].methods if m in HTTP_METHODS] if view in classes else []
        for method in entry.methods or served or ["GET"]:
            routes.append(_route("starlette", method, full, view, found[0] if found else path, found[1].line if found else entry.line))
        return
    if entry.kind == "class":
        found_class = classes.get(view)
        caps = _capabilities(view, classes) if found_class else None
        methods = sorted({ACTIONS[c][0] if c in ACTIONS else c.upper() for c in (caps or ())}) or ["GET"]
        for method in methods:
            routes.append(_route("django", method, full, view, found_class[0] if found_class else path, found_class[1].line if found_class else entry.line))
        return
    found_function = functions.get(view)
    function = found_function[1] if found_function else None
    framework = "drf" if function is not None and function.api_view is not None else "django"
    methods = (function.api_view or function.require if function is not None else None) or ("ANY",)
    for method in methods:
        routes.append(_route(framework, method, full, view, found_function[0] if found_function else path, function.line if function else entry.line))


class RoutesProvider(IndexProvider):
    """The `routes` section: a RoutesSection (handlers with method and full path, apps,
    exception handlers, DRF views and settings, versioning and health evidence)."""

    name = "routes"
    empty = RoutesSection()
    reads = (SYMBOLS,)
    triggers = ("fastapi", "starlette", "flask", "Flask", "django", "rest_framework", "urlpatterns", "REST_FRAMEWORK",
                "APIRouter", "Blueprint", "ATOMIC_REQUESTS", "quart", "apiflask", "health", "paginat", "limit(", "page_size", "per_page",
                # A module that uses a router, blueprint or Api defined in another module.
                ".route(", ".api_route(", ".websocket(", "include_router(", "register_blueprint(", ".mount(", "add_resource(",
                "add_url_rule(", "add_api_route(", ".register(", "init_app(", "_patterns", "DisallowedHost", "@expose", ".add_api(", ".add_view",
                # A module that registers exception handlers on an app it is given (HANDLER_CALLS).
                "register_error_handler(", "add_exception_handler(",
                *(f'.{verb}({quote}{start}' for verb in HTTP_METHODS for quote in "\"'" for start in ("/", quote)))
    file_kinds = frozenset({FileKind.PYTHON})

    def collect(self, path: str, kind: FileKind, text: str, tree: ast.Module | None) -> Any:
        if tree is None:
            return None
        facts = _collect_routes(path, tree)
        useful = ("routers", "routes", "includes", "handlers", "classes", "urlpatterns", "pattern_lists", "registrations", "settings",
                  "evidence", "functions", "served_views")
        return facts if any(facts[key] for key in useful) else None

    def merge(self, facts: Mapping[str, Any], sections: Mapping[str, Any] | None = None) -> Any:
        return merge_routes({path: FileRoutes.from_json(data) for path, data in facts.items()}, (sections or {}).get(SYMBOLS))


# --------------------------------------------------------------------------------------------
# Reading the section


def every_route(index: Any) -> list[Route]:
    """The routes of every project root (reviewer.project.roots), each as its root's section
    has it: a service's routes are joined to its own apps, not to another service's."""
    return [route for owner, view in index.views() for route in RoutesProvider.of(view).routes if index.owner(route.file) == owner]


def describe(route: Route) -> str:
    status = f" -> {route.status_code}" if route.status_code else ""
    model = f" [{route.response_model}]" if route.response_model else ""
    partial = f"  partial, unresolved: {', '.join(route.unresolved)}" if route.partial else ""
    return f"{route.method:<7} {route.path:<45} {route.handler}{status}{model}  ({route.file}:{route.line}){partial}"


def service_scope(app_file: str, files: Any) -> str:
    """The folder an app's service lives in: above the top-most package holding the app file
    (`examples/shop/app/__init__.py` -> `examples/shop/`; `app/main.py` -> the root)."""
    known = {f.path for f in files}
    parts = app_file.split("/")[:-1]
    while parts and "/".join([*parts, "__init__.py"]) in known:
        parts.pop()
    return "/".join(parts) + "/" if parts else ""


def is_service(data: RoutesSection, deployment: Deployment, settings: tuple[str, ...] = ("ROOT_URLCONF", "INSTALLED_APPS")) -> bool:
    """Whether the scanned code is a deployable service (it builds an app object or has one of
    the Django `settings` outside code that is not the service's: `deployment`, the index's)
    rather than a library of routers or a reusable app, whose host decides."""
    if any(not deployment.non_service(app.file) for app in data.apps):
        return True
    found = data.settings
    return any(name in found and not deployment.non_service(found[name].file) for name in settings)


def service_anchor(
    data: RoutesSection, settings: tuple[str, ...] = (), factory: bool = False, index: Any = None,
) -> tuple[str, int, str] | None:
    """(file, line, name) where a project-level finding about the service belongs: its first
    app outside tests and examples (with `factory`, the `def` of the app factory that builds
    it, for what the factory should set up), else the first of the named Django settings that
    is set there, else its root URLconf; None when the scanned code builds none of them. With
    the `index` (view) the rule checks, only places of the view's own service
    (`ProjectIndex.local`): a nested service's view also sees the apps of the service around it."""
    non_service = (DEFAULT_DEPLOYMENT if index is None else index.deployment).non_service
    apps = [a for a in data.apps if not non_service(a.file) and (index is None or index.local(a.file))]
    if apps:
        # Several apps (a server, the sub-apps it mounts, a worker's status app, a CLI's
        # callback server): the one that includes or mounts the most, then the one with the
        # most routes in its folder.
        def weight(app: App) -> tuple[int, int]:
            folder = app.file.rsplit("/", 1)[0] + "/"
            includes = sum(i.file == app.file and i.parent == app.key for i in data.includes)
            return includes, sum(r.file.startswith(folder) for r in data.routes)

        app = max(apps, key=weight)
        return app.file, (app.factory if factory else None) or app.line, app.var
    for name in settings:
        found = data.settings.get(name)
        if found is not None and not non_service(found.file) and (index is None or index.local(found.file)):
            return found.file, found.line, name
    urlconf = next((u for u in data.urlconfs if not non_service(u.file) and (index is None or index.local(u.file))), None)
    if urlconf is not None:
        return urlconf.file, urlconf.line, urlconf.module
    return None
