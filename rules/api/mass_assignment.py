from __future__ import annotations

import libcst as cst

from reviewer.web.apicheck import RAW_ATTRIBUTES, RAW_CALLS, chain, subtree
from reviewer.model import Category, Confidence, Severity
from reviewer.names import dotted, module_name_for
from reviewer.web.routes import RoutesProvider
from reviewer.rule import Example, Needs, PythonRule
from reviewer.ops.nodes import keyword
from reviewer.orm.modelgraph import DrfSerializerProvider

# Request attributes that are client data besides the body (query strings).
QUERY_ATTRIBUTES = frozenset({"GET", "args", "query_params"})
# Fields a client must not set on itself: privileges, ownership, money.
PRIVILEGE_FIELDS = frozenset({
    "is_admin", "is_staff", "is_superuser", "is_verified", "role", "roles", "permissions", "groups",
    "owner", "owner_id", "user_id", "tenant_id", "balance", "credits",
})
# Fields the Django auth models a project model may inherit from define: all sensitive on a
# user model (the password hash, the permission table). A `password` column elsewhere is a
# credential the client configures (a storage's connection password), not a privilege.
AUTH_USER_FIELDS = frozenset({"is_staff", "is_superuser", "password", "groups", "user_permissions"})
AUTH_BASES = {
    "django.contrib.auth.models.AbstractUser": AUTH_USER_FIELDS,
    "django.contrib.auth.models.User": AUTH_USER_FIELDS,
    "django.contrib.auth.models.AbstractBaseUser": frozenset({"password"}),
    "django.contrib.auth.base_user.AbstractBaseUser": frozenset({"password"}),
    "django.contrib.auth.models.PermissionsMixin": frozenset({"is_superuser", "groups", "user_permissions"}),
}
# DRF view actions (and APIView methods) that write through the serializer.
WRITE_ACTIONS = frozenset({"create", "update", "partial_update", "post", "put", "patch"})
ADMIN_PERMISSIONS = frozenset({"IsAdminUser"})
# ORM writes that take field values as keyword arguments, by method name on a query chain.
ORM_WRITES = frozenset({"create", "update", "get_or_create", "update_or_create"})
QUERY_LINKS = frozenset({"objects", "query", "filter", "filter_by", "where", "select"})
# Methods of a pydantic body that return its fields as a dict.
DUMPS = frozenset({"model_dump", "dict"})
# Annotations of a FastAPI body parameter that accept any keys.
ANY_KEYS = frozenset({"dict", "Dict", "Any", "typing.Any", "typing.Dict", "Mapping", "typing.Mapping"})
# The project model the pydantic examples write to.
USER_MODEL = ("app/models.py", "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n"
              "class Base(DeclarativeBase):\n    pass\n\nclass User(Base):\n    __tablename__ = 'users'\n"
              "    id: Mapped[int] = mapped_column(primary_key=True)\n    is_admin: Mapped[bool] = mapped_column(default=False)\n")

# A Django project with a user model that has privilege fields, and a ModelSerializer of it.
SHOP_MODELS = ("shop/models.py", "from django.contrib.auth.models import AbstractUser\nfrom django.db import models\n\n"
               "class Customer(AbstractUser):\n    role = models.CharField(max_length=20)\n")
DRF_VIEW = (
    "from rest_framework import viewsets\n"
    "from shop.serializers import CustomerSerializer\n"
    "\n"
    "class CustomerViewSet(viewsets.ModelViewSet):\n"
    "    serializer_class = CustomerSerializer\n"
)


def shop_serializer(meta: str) -> tuple[str, str]:
    return ("shop/serializers.py", "from rest_framework import serializers\nfrom shop.models import Customer\n\n"
            "class CustomerSerializer(serializers.ModelSerializer):\n    class Meta:\n        model = Customer\n" + meta)


# A route that dumps its pydantic body into that model: reported or not by the schema's fields.
DUMPING_ROUTE = (
    "from fastapi import APIRouter\n"
    "from app.models import User\n"
    "from app.schemas import UserIn\n"
    "router = APIRouter()\n"
    "\n"
    '@router.post("/users")\n'
    "def create(body: UserIn, db=Depends(get_db)):\n"
    "    db.add(User(**body.model_dump()))\n"
)


class MassAssignment(PythonRule):
    """Request data is splatted into a model or an update, so a client can set any column
    the model has: `is_admin`, `role`, `owner_id`, `balance`.

    `User(**request.get_json())`, `Order.objects.create(**request.data)`,
    `update(User).values(**body)` and `for k, v in payload.items(): setattr(user, k, v)` copy
    every key the client sent onto the row. Nothing in the handler names the fields a client
    may write, so a new column (or one nobody thought of) is writable the day it is added.

    Reported: a `**` argument, or a `setattr` loop over `.items()`, whose data is the raw
    request payload (Flask `request.json`/`get_json()`/`form`/`values`/`args`, DRF
    `request.data`/`query_params`, Django `request.POST`/`GET`, `json.loads(request.body)`,
    Starlette `await request.json()`, a FastAPI body typed `dict`/`Any`), followed through
    local names, when it reaches a model constructor (a class of the project's model graph)
    or an ORM write (`objects.create/update/get_or_create/update_or_create`, `.update(...)`
    on a query, SQLAlchemy `update(...)`/`insert(...)` `.values(...)`).

    A pydantic body dumped into a model (`User(**body.model_dump())`) is the schema's field
    list, which is the fix; it is reported (high) only when that schema, as the project
    defines it, declares a privilege field (`is_admin`, `is_staff`, `is_superuser`, `role`,
    `permissions`, `owner_id`, `user_id`, `tenant_id`, `balance`...). A dump with `include=`
    or `exclude=`, DRF `validated_data` and Django `cleaned_data` are explicit field sets.

    DRF: a view or viewset that writes (create/update actions, or `post`/`put`/`patch`) with a
    `serializer_class` whose `ModelSerializer` has `fields = "__all__"` or only `exclude`,
    when the model (its fields and its project bases') has a privilege field, or extends
    Django's `AbstractUser` / `AbstractBaseUser` / `PermissionsMixin` (then `is_staff`,
    `is_superuser`, `groups`, `user_permissions` and the `password` hash count), that is not in `read_only_fields`, `extra_kwargs` read-only, `exclude`, or set by the view
    itself (`serializer.save(owner=...)`). High, or info when `permission_classes` has
    `IsAdminUser`. Reported at the `serializer_class` line.

    No finding on the ecosystem check's tuned projects (scan `api-4`): no field data. An
    earlier version's 8 findings (a storage connection's `password` taken for a user's) were
    all false and are fixed.

    Opt-in (select it by its code, or the audit profile): on the ecosystem check's held-out
    projects (label `s8`) 10 of its 20 findings were judged, none true (0.00): DRF serializers with
    `fields = "__all__"` on models whose `role` / `owner` columns are inventory data, not
    privileges (nautobot). It has no finding on the tuned projects after tuning (8 judged false before).
    """

    code = "API011"
    opt_in = True
    name = "mass-assignment"
    summary = "Request data is splatted into a model or an ORM update, so a client can set any field."
    category = Category.API
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "{what} writes every key of `{data}` to `{written}`{why}"
    fix = (
        "Name the fields a client may set: a schema with only those fields "
        "(`UserIn(BaseModel): email: str; name: str`, then `User(**body.model_dump())`), or copy them one by one"
    )
    seed = 'S1:19 "Never trust input"; S5:532 "principle of least privilege"; S1:101 "field-level authorization"'
    references = ("https://cheatsheetseries.owasp.org/cheatsheets/Mass_Assignment_Cheat_Sheet.html",)
    needs = Needs(syntax=("StarStar", "Pow")) | Needs.words("setattr", "serializer_class")
    index_sections = ("orm_models", "symbols", "routes", "drf_serializers")
    invalid = (
        Example(
            "from flask import Blueprint, request\n"
            "from app.models import User, db\n"
            'bp = Blueprint("users", __name__)\n'
            "\n"
            '@bp.post("/users")\n'
            "def create_user():\n"
            "    user = User(**request.get_json())\n"
            "    db.session.add(user)\n",
            path="app/views.py",
            lines=(7,),
            files=(("app/models.py", "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n\n"
                    "class User(db.Model):\n    __tablename__ = 'users'\n    id = db.Column(db.Integer, primary_key=True)\n"
                    "    is_admin = db.Column(db.Boolean)\n"),),
        ),
        Example(
            "from rest_framework.decorators import api_view\n"
            "from shop.models import Order\n"
            "\n"
            '@api_view(["POST"])\n'
            "def create_order(request):\n"
            "    data = request.data\n"
            "    order = Order.objects.create(**data)\n",
            path="shop/views.py",
            lines=(7,),
            note="followed through a local name",
        ),
        Example(
            "from django.http import JsonResponse\n"
            "from shop.models import Order\n"
            "\n"
            "def create_order(request):\n"
            "    Order.objects.filter(pk=request.POST['id']).update(**request.POST.dict())\n"
            "    return JsonResponse({})\n",
            path="shop/views.py",
            lines=(5,),
            note="a Django view: `QueryDict.dict()` is still the raw form",
        ),
        Example(
            "from fastapi import APIRouter, Depends, Request\n"
            "from sqlalchemy import update\n"
            "router = APIRouter()\n"
            "\n"
            '@router.patch("/users/{uid}")\n'
            "async def patch_user(uid: int, request: Request, db=Depends(get_db)):\n"
            "    body = await request.json()\n"
            "    await db.execute(update(User).where(User.id == uid).values(**body))\n",
            path="app/users.py",
            lines=(8,),
        ),
        Example(
            "from flask import request\n"
            "\n"
            '@app.put("/accounts/<int:aid>")\n'
            "def edit(aid):\n"
            "    account = Account.query.get_or_404(aid)\n"
            "    for key, value in request.json.items():\n"
            "        setattr(account, key, value)\n",
            path="app/views.py",
            lines=(6,),
        ),
        Example(
            DUMPING_ROUTE,
            path="app/routes.py",
            lines=(8,),
            files=(("app/schemas.py", "from pydantic import BaseModel\n\nclass UserIn(BaseModel):\n"
                    "    email: str\n    is_admin: bool = False\n"), USER_MODEL),
            note="a body schema that declares a privilege field",
        ),
        Example(
            DRF_VIEW,
            path="shop/views.py",
            lines=(5,),
            files=(SHOP_MODELS, shop_serializer('        fields = "__all__"\n')),
            note="a write-capable viewset whose serializer exposes `role`, `is_staff`, `is_superuser`, `password`...",
        ),
    )
    valid = (
        Example(
            DUMPING_ROUTE,
            path="app/routes.py",
            files=(("app/schemas.py", "from pydantic import BaseModel\n\nclass UserIn(BaseModel):\n"
                    "    email: str\n    display_name: str\n"), USER_MODEL),
            note="near-miss: the schema lists only fields a client may set",
        ),
        Example(
            "from rest_framework.decorators import api_view\n"
            "\n"
            '@api_view(["POST"])\n'
            "def create_order(request):\n"
            "    serializer = OrderSerializer(data=request.data)\n"
            "    serializer.is_valid(raise_exception=True)\n"
            "    Order.objects.create(**serializer.validated_data)\n",
            path="shop/views.py",
            note="near-miss: the serializer's validated fields",
        ),
        Example(
            "from flask import request\n"
            "\n"
            '@app.post("/search")\n'
            "def search():\n"
            "    options = dict(**request.args)\n"
            "    return render(**options)\n",
            path="app/views.py",
            note="near-miss: splatted into a plain call, not a model or an ORM write",
        ),
        Example(
            "from flask import request\n"
            "\n"
            '@app.put("/accounts/<int:aid>")\n'
            "def edit(aid):\n"
            "    account = Account.query.get_or_404(aid)\n"
            "    for key in ('name', 'email'):\n"
            "        setattr(account, key, request.json[key])\n",
            path="app/views.py",
            note="near-miss: the keys come from an allow-list",
        ),
        Example(
            "from fastapi import APIRouter\n"
            "router = APIRouter()\n"
            "\n"
            '@router.patch("/users/{uid}")\n'
            "def patch(uid: int, body: UserPatch, db=Depends(get_db)):\n"
            "    db.query(User).filter(User.id == uid).update(**body.model_dump(include={'email', 'name'}))\n",
            path="app/routes.py",
            note="near-miss: an explicit include set",
        ),
        Example(
            "from flask import request\n"
            "from app.schemas import User\n"
            "\n"
            '@app.post("/users")\n'
            "def create():\n"
            "    user = User(**request.get_json())\n"
            "    return save_user(user)\n",
            path="app/views.py",
            files=(USER_MODEL, ("app/schemas.py", "from pydantic import BaseModel\n\nclass User(BaseModel):\n    email: str\n")),
            note="near-miss: the payload goes into a pydantic `User` (a validator), not the model of the same name",
        ),
        Example(
            DRF_VIEW,
            path="shop/views.py",
            files=(SHOP_MODELS, shop_serializer('        fields = "__all__"\n        read_only_fields = ["role", "is_staff", "is_superuser", '
                                                '"groups", "user_permissions"]\n        extra_kwargs = {"password": {"read_only": True}}\n')),
            note="near-miss: every sensitive field is read-only",
        ),
        Example(
            DRF_VIEW.replace("ModelViewSet", "ReadOnlyModelViewSet"),
            path="shop/views.py",
            files=(SHOP_MODELS, shop_serializer('        fields = "__all__"\n')),
            note="near-miss: a read-only viewset writes nothing",
        ),
        Example(
            DRF_VIEW,
            path="shop/views.py",
            files=(SHOP_MODELS, shop_serializer('        fields = ["id", "email", "first_name"]\n')),
            note="near-miss: an explicit field list",
        ),
        Example(
            DRF_VIEW,
            path="shop/views.py",
            files=(("shop/models.py", "from django.db import models\n\nclass Customer(models.Model):\n"
                    "    host = models.TextField()\n    password = models.TextField(null=True)\n"),
                   shop_serializer('        fields = "__all__"\n')),
            note="near-miss: a connection's `password` on a model that is not a user is the client's to set",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        splats = [arg.value for arg in node.args if arg.star == "**"]
        if not splats:
            return
        target = self._write_target(node)
        if target is None:
            return
        for value in splats:
            found = self._payload(value)
            if found is not None:
                self._report(node, found, "`**` splat", target)
                return

    def visit_For(self, node: cst.For) -> None:
        target, call = node.target, node.iter
        if not (isinstance(target, cst.Tuple) and len(target.elements) == 2 and isinstance(target.elements[0].value, cst.Name)):
            return
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "items"):
            return
        key = target.elements[0].value.value
        setters = [item for item in subtree(node.body) if self._sets_key(item, key)]
        if not setters:
            return
        found = self._payload(call.func.value)
        if found is not None:
            self._report(node, found, "`setattr` loop", dotted(setters[0].args[0].value) or "an object")  # type: ignore[attr-defined]

    def _report(self, node: cst.CSTNode, found: tuple[str, str], what: str, target: str) -> None:
        data, why = found
        # A privilege field the client can reach makes it an error (RULES.md).
        self.report(node, severity=Severity.HIGH if why else self.severity, what=what, data=data, written=target, why=why)

    @staticmethod
    def _sets_key(node: cst.CSTNode, key: str) -> bool:
        return (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value == "setattr"
            and len(node.args) >= 2
            and isinstance(node.args[1].value, cst.Name)
            and node.args[1].value.value == key
        )

    def _write_target(self, call: cst.Call) -> str | None:
        """What the call writes: a model of the project's model graph, or an ORM write."""
        func = call.func
        name = dotted(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        graph = self.context.orm_graph
        if name is not None and name.rsplit(".", 1)[-1][:1].isupper():
            model = graph.model(name.rsplit(".", 1)[-1])
            symbols = self.context.symbols
            cls = symbols.class_symbol(self.context.path, name) if symbols is not None else None
            # A pydantic `User` beside a model `User`: the class called must be the model.
            if model is not None and (cls is None or cls.path == model.path):
                return name
        links = chain(func)
        names = [link for link, _ in links]
        if len(names) < 2:
            return None
        method = names[-1]
        if method in ORM_WRITES and (set(names[:-1]) & QUERY_LINKS or graph.model(names[0]) is not None):
            return ".".join(names)
        first, first_call = links[0]
        if method == "values" and first in ("update", "insert") and first_call is not None:
            if (self.context.resolve(first_call.func) or "").startswith("sqlalchemy"):
                return f"{first}(...).values"
        return None

    def _payload(self, expr: cst.BaseExpression, depth: int = 0) -> tuple[str, str] | None:
        """The request data an expression is, as (its text, why it is reported when not for
        being raw), or None."""
        if depth > 3:
            return None
        if isinstance(expr, cst.Await):
            expr = expr.expression
        if isinstance(expr, cst.Attribute):
            if expr.attr.value in RAW_ATTRIBUTES | QUERY_ATTRIBUTES and self._is_request(expr.value):
                return dotted(expr) or expr.attr.value, ""
            return None
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute):
                method = func.attr.value
                if method in RAW_CALLS and self._is_request(func.value):
                    return f"{dotted(func) or method}()", ""
                # `request.POST.dict()`, `request.json.copy()`: still the raw payload.
                copied = self._payload(func.value, depth + 1) if method in ("copy", "dict", "to_dict") and not expr.args else None
                if copied is not None:
                    return copied
                if method in DUMPS:
                    return self._dumped(expr, func.value)
            called = self.context.resolve(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
            if called in ("json.loads", "orjson.loads", "ujson.loads", "dict") and expr.args:
                return self._payload(expr.args[0].value, depth + 1)
            return None
        if isinstance(expr, cst.Name):
            parameter = self.context.scopes.parameter(expr.value)
            if parameter is not None:
                function = self.context.scopes.function
                annotation = dotted(parameter.annotation.value if isinstance(parameter.annotation, cst.Subscript) else parameter.annotation) \
                    if parameter.annotation is not None and isinstance(parameter.annotation, (cst.Name, cst.Attribute, cst.Subscript)) else None
                if function is not None and function.is_handler and annotation in ANY_KEYS:
                    return expr.value, ""
                return None
            found = self.context.scopes.lookup(expr.value)
            if found is not None and found[0] is not self.context.scopes.module:
                for assignment in found[1]:
                    if assignment.op == "=":
                        result = self._payload(assignment.value, depth + 1)
                        if result is not None:
                            return result
        return None

    def _dumped(self, call: cst.Call, body: cst.BaseExpression) -> tuple[str, str] | None:
        """`body.model_dump()` of a handler's pydantic body: reported only when the body's
        schema declares a privilege field, and no `include=`/`exclude=` narrows the dump."""
        if keyword(call, "include") is not None or keyword(call, "exclude") is not None or not isinstance(body, cst.Name):
            return None
        parameter = self.context.scopes.parameter(body.value)
        function = self.context.scopes.function
        if parameter is None or function is None or not function.is_handler or parameter.annotation is None:
            return None
        schema = dotted(parameter.annotation)
        fields = self._class_fields(self.context.path, schema) if schema else set()
        privileged = sorted(fields & PRIVILEGE_FIELDS)
        if not privileged:
            return None
        method = call.func.attr.value  # type: ignore[union-attr]
        return f"{body.value}.{method}()", f", and its schema `{schema}` has `{'`, `'.join(privileged)}`"

    def _class_fields(self, path: str, name: str) -> set[str]:
        """The fields a project class (as file `path` names it) declares or inherits: its and
        its project bases' class attributes and annotated names. Empty when the class is not
        the project's."""
        symbols = self.context.symbols
        cls = symbols.class_symbol(path, name) if symbols is not None else None
        if cls is None:
            return set()
        fields: set[str] = set()
        for owner in (cls, *(symbols.class_symbol(cls.path, base) for base in symbols.ancestors(cls))):
            if owner is not None:
                facts = symbols.files[owner.path].classes[owner.qualified.rsplit(".", 1)[-1]]
                fields |= set(facts.declared) | {name for name in facts.attributes if not name.startswith("_")}
        return fields

    def _auth_fields(self, path: str, name: str) -> set[str]:
        """The Django auth model fields a project model inherits (`AbstractUser`...)."""
        symbols = self.context.symbols
        cls = symbols.class_symbol(path, name) if symbols is not None else None
        return {field for base in (symbols.ancestors(cls) if cls is not None else ()) for field in AUTH_BASES.get(base, ())}

    # -- DRF: a write-capable view whose ModelSerializer exposes every field ------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        view = RoutesProvider.of(self.context.index).views.get(f"{module_name_for(self.context.path)}.{node.name.value}")
        if view is None or not set(view.actions) & WRITE_ACTIONS:
            return
        assigned = _class_assignments(node)
        chosen = assigned.get("serializer_class")
        name = dotted(chosen) if chosen is not None else None
        serializer = DrfSerializerProvider.of(self.context.index).get(name.rsplit(".", 1)[-1]) if name else None
        if serializer is None or not serializer.model:
            return
        if serializer.meta_fields == "__all__":
            shown = 'fields = "__all__"'
        elif serializer.meta_fields is None and serializer.exclude is not None:
            shown = "exclude = [...]"
        else:
            return
        model = serializer.model
        facts = self.context.orm_graph.model(model)
        fields = self._class_fields(serializer.path, model) or (self._class_fields(facts.path, model) if facts is not None else set())
        # Values the view sets itself on save (`serializer.save(owner=self.request.user)`)
        # override what the client sent.
        saved = {arg.keyword.value for item in subtree(node) if isinstance(item, cst.Call) and isinstance(item.func, cst.Attribute)
                 and item.func.attr.value == "save" for arg in item.args if arg.keyword is not None}
        exposed = sorted((fields & PRIVILEGE_FIELDS | self._auth_fields(serializer.path, model)) - set(serializer.read_only) - set(serializer.exclude or ()) - saved)
        if not exposed:
            return
        permissions = assigned.get("permission_classes")
        admin_only = permissions is not None and any(
            isinstance(item, cst.Name) and item.value in ADMIN_PERMISSIONS
            or isinstance(item, cst.Attribute) and item.attr.value in ADMIN_PERMISSIONS
            for item in subtree(permissions))
        self.report(
            chosen, "`{view}` writes through `{serializer}` (`{shown}`), so clients can set {fields}",
            severity=Severity.INFO if admin_only else Severity.HIGH,
            fix=f'List the writable fields (`fields = ["id", "email", "display_name"]`) or add `{exposed[0]}` to `read_only_fields`',
            view=node.name.value, serializer=name, shown=shown, fields=", ".join(f"`{field}`" for field in exposed),
        )

    def _is_request(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Attribute):
            return expr.attr.value == "request" and isinstance(expr.value, cst.Name) and expr.value.value == "self"
        if not isinstance(expr, cst.Name):
            return False
        if self.context.resolve(expr) in ("flask.request", "quart.request"):
            return True
        return self.context.scopes.parameter(expr.value) is not None and expr.value in ("request", "req")


def _class_assignments(node: cst.ClassDef) -> dict[str, cst.BaseExpression]:
    """`name = value` statements directly in a class body: name -> value."""
    found: dict[str, cst.BaseExpression] = {}
    for line in node.body.body:
        if isinstance(line, cst.SimpleStatementLine):
            for statement in line.body:
                if isinstance(statement, cst.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0].target, cst.Name):
                    found[statement.targets[0].target.value] = statement.value
    return found
