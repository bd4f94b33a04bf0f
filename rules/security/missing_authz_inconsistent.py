from __future__ import annotations

import re

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, Needs, PythonRule
from reviewer.ops.secops import words
from reviewer.ops.nodes import keyword, string_value

MUTATING = frozenset({"post", "put", "patch", "delete"})
VERBS = MUTATING | frozenset({"get", "head", "options"})
# Dependency / decorator names that authenticate or authorise.
AUTH_NAME = re.compile(r"(current_user|current_active|get_user|require|auth|login_required|jwt_required|permission|token|verify|admin|staff|super_?user|check_\w*(?:user|admin|account|access)|scope|security|api_key|principal)", re.I)
# Routes that are public by design.
PUBLIC_PATH = re.compile(r"(login|logout|register|signup|sign-up|token|password|reset|health|ready|live|ping|metrics|webhook|callback|oauth|verify|confirm|invite|public|status)", re.I)
WRITE_VIEWSETS = frozenset(
    {"rest_framework.viewsets.ModelViewSet", "rest_framework.generics.ListCreateAPIView", "rest_framework.generics.CreateAPIView",
     "rest_framework.generics.RetrieveUpdateDestroyAPIView", "rest_framework.generics.UpdateAPIView",
     "rest_framework.generics.DestroyAPIView", "rest_framework.generics.RetrieveUpdateAPIView"}
)
MIN_ROUTES = 3
GUARDED_SHARE = 0.6


class MissingAuthzInconsistent(PythonRule):
    """A state-changing endpoint has no authentication guard although most routes of its
    module have one, or a write-capable DRF view sets `permission_classes = [AllowAny]`.

    Guards are added route by route, so the one that was forgotten looks like every other
    route and passes review: anyone on the internet can then call it. The rule compares each
    POST/PUT/PATCH/DELETE route with its siblings in the same module (FastAPI dependencies,
    Flask `login_required`-style decorators) and reports it when at least 60 % of at least
    three routes are guarded. Router- or app-level dependencies, and routes public by design
    (login, registration, password reset, webhooks, health), are not reported."""

    code = "SEC008"
    opt_in = True  # field precision below 0.85 on the tuned projects (reviewer/field_precision.json)
    name = "missing-authz-inconsistent"
    summary = "A state-changing endpoint lacks the auth guard its module's other routes have."
    category = Category.SECURITY
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "Possible missing authorization: `{method} {route}` has no auth guard while {guarded} of {total} routes here have one"
    fix = "Add the guard its siblings use (`Depends(get_current_user)`, `@login_required`), or set it once on the router"
    seed = 'S1:35 "Plan authentication and authorization strategy"; S5:532 "principle of least privilege"'
    references = ("https://owasp.org/API-Security/editions/2023/en/0xa5-broken-function-level-authorization/",)
    needs = Needs.words("Depends", "Security", "login_required", "jwt_required", "AllowAny", "auth")
    invalid = (
        Example(
            "from fastapi import APIRouter, Depends\n"
            "router = APIRouter()\n"
            '@router.get("/projects")\n'
            "def list_projects(user=Depends(get_current_user)): ...\n"
            '@router.post("/projects")\n'
            "def create_project(user=Depends(get_current_user)): ...\n"
            '@router.patch("/projects/{pid}")\n'
            "def rename_project(pid: int, user=Depends(get_current_user)): ...\n"
            '@router.delete("/projects/{pid}")\n'
            "def delete_project(pid: int, db=Depends(get_db)): ...\n",
            path="app/routers/projects.py",
            lines=(10,),
        ),
        Example(
            "from rest_framework import viewsets\n"
            "from rest_framework.permissions import AllowAny\n"
            "class ProductViewSet(viewsets.ModelViewSet):\n"
            "    permission_classes = [AllowAny]\n",
            path="catalog/views.py",
            lines=(4,),
        ),
    )
    valid = (
        Example(
            "from fastapi import APIRouter, Depends\n"
            "router = APIRouter(dependencies=[Depends(get_current_user)])\n"
            '@router.get("/projects")\n'
            "def list_projects(): ...\n"
            '@router.post("/projects")\n'
            "def create_project(): ...\n"
            '@router.delete("/projects/{pid}")\n'
            "def delete_project(pid: int): ...\n",
            path="app/routers/projects.py",
            note="router-level guard",
        ),
        Example(
            "from fastapi import APIRouter, Depends\n"
            "router = APIRouter()\n"
            '@router.get("/me")\n'
            "def me(user=Depends(get_current_user)): ...\n"
            '@router.patch("/me")\n'
            "def update_me(user=Depends(get_current_user)): ...\n"
            '@router.post("/auth/login")\n'
            "def login(form: LoginIn): ...\n",
            path="app/routers/auth.py",
            note="near-miss: login is public by design",
        ),
        Example(
            "from fastapi import APIRouter, Depends\n"
            "router = APIRouter()\n"
            '@router.get("/settings")\n'
            "def read_settings(user=Depends(get_current_user)): ...\n"
            '@router.put("/settings")\n'
            "def update_settings(user=Depends(get_current_user)): ...\n"
            '@router.delete("/settings")\n'
            "def reset_settings(account: Account = Depends(check_super_user)): ...\n",
            path="app/routers/admin.py",
            note="near-miss: the project's own guard dependency (`check_super_user`) is a guard",
        ),
        Example(
            "from rest_framework import viewsets\n"
            "from rest_framework.permissions import AllowAny\n"
            "class CategoryViewSet(viewsets.ReadOnlyModelViewSet):\n"
            "    permission_classes = [AllowAny]\n",
            path="catalog/views.py",
            note="near-miss: a read-only viewset may be public",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.routes: list[tuple[cst.FunctionDef, str, str, bool]] = []  # node, method, path, guarded
        self.router_guarded = False
        self.class_stack: list[bool] = []  # enclosing class is a write-capable DRF view

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        qualified = self.context.resolve(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        if qualified in ("fastapi.APIRouter", "fastapi.FastAPI") and self._guards(keyword(node, "dependencies")):
            self.router_guarded = True
        elif qualified and qualified.rsplit(".", 1)[-1].endswith(("Router", "API", "Blueprint")) and _auth_keyword(node):
            self.router_guarded = True  # django-ninja `Router(auth=...)`, `NinjaAPI(auth=...)`
        elif isinstance(func, cst.Attribute) and func.attr.value == "include_router" and self._guards(keyword(node, "dependencies")):
            self.router_guarded = True

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.class_stack.append(
            any(self.context.resolve(base.value) in WRITE_VIEWSETS for base in node.bases if isinstance(base.value, (cst.Name, cst.Attribute)))
        )

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.class_stack.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        if not self.class_stack or not self.class_stack[-1] or self.context.scopes.current.kind != "class":
            return
        if any(isinstance(t.target, cst.Name) and t.target.value == "permission_classes" for t in node.targets):
            value = node.value
            if isinstance(value, (cst.List, cst.Tuple)) and any(
                isinstance(e.value, (cst.Name, cst.Attribute)) and (self.context.resolve(e.value) or "").endswith("AllowAny")
                for e in value.elements
            ):
                self.report(
                    node,
                    "`permission_classes = [AllowAny]` on a write-capable DRF view: anyone can create, change or delete",
                    fix="Require authentication for writes: `permission_classes = [IsAuthenticatedOrReadOnly]`",
                )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        for decorator in node.decorators:
            call = decorator.decorator
            if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
                continue
            verb = call.func.attr.value
            path = string_value(call.args[0].value) if call.args and call.args[0].keyword is None else None
            if path is None:
                continue
            methods = [verb] if verb in VERBS else []
            if verb == "route":
                listed = keyword(call, "methods")
                methods = [(string_value(e.value) or "").lower() for e in listed.value.elements] if listed is not None and isinstance(listed.value, (cst.List, cst.Tuple)) else ["get"]
            if not methods:
                continue
            guarded = self._guards(keyword(call, "dependencies")) or _auth_keyword(call) or self._guarded_function(node)
            for method in methods:
                self.routes.append((node, method, path, guarded))

    def finish(self) -> None:
        if self.router_guarded or len(self.routes) < MIN_ROUTES:
            return
        guarded = sum(1 for *_, g in self.routes if g)
        if guarded / len(self.routes) < GUARDED_SHARE:
            return
        reported: set[int] = set()
        for node, method, path, is_guarded in self.routes:
            if is_guarded or method not in MUTATING or PUBLIC_PATH.search(path) or PUBLIC_PATH.search(node.name.value):
                continue
            if id(node) in reported:
                continue
            reported.add(id(node))
            self.report(node.name, method=method.upper(), route=path, guarded=guarded, total=len(self.routes))

    def _guards(self, arg: cst.Arg | None) -> bool:
        if arg is None or not isinstance(arg.value, (cst.List, cst.Tuple)):
            return False
        return any(self._is_auth_dependency(e.value) for e in arg.value.elements)

    def _is_auth_dependency(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Call) and isinstance(expr.func, (cst.Name, cst.Attribute)):
            name = self.context.resolve(expr.func) or ""
            if name.endswith(("Depends", "Security")) and expr.args:
                return bool(AUTH_NAME.search(self.context.module.code_for_node(expr.args[0].value)))
            return bool(AUTH_NAME.search(name))
        return False

    def _guarded_function(self, node: cst.FunctionDef) -> bool:
        for decorator in node.decorators:
            target = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            if isinstance(target, (cst.Name, cst.Attribute)):
                name = self.context.resolve(target) or ""
                if AUTH_NAME.search(name.rsplit(".", 1)[-1]) and not name.rsplit(".", 1)[-1] in VERBS | {"route"}:
                    return True
        params = node.params
        for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
            if param.default is not None and self._is_auth_dependency(param.default):
                return True
            if _auth_words(param.name.value) or param.name.value in ("user", "principal", "identity"):
                return True
            annotation = param.annotation.annotation if param.annotation is not None else None
            if annotation is not None and _auth_words(self.context.module.code_for_node(annotation)):
                return True
        return False


def _auth_words(text: str) -> bool:
    """Auth vocabulary in a name, CamelCase included (`GetUserDep` -> `get_user_dep`)."""
    return bool(AUTH_NAME.search("_".join(words(text))))


def _auth_keyword(call: cst.Call) -> bool:
    arg = keyword(call, "auth")
    return arg is not None and not (isinstance(arg.value, cst.Name) and arg.value.value in ("None", "False"))
