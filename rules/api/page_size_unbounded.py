from __future__ import annotations

import libcst as cst

from reviewer.web.apicheck import code, dict_keys, names_in, simple_name
from reviewer.model import Category, Confidence, Severity
from reviewer.names import dotted, module_name_for
from reviewer.web.routes import RoutesProvider
from reviewer.web.handlers import HandlerScope
from reviewer.rule import Example, Needs, PythonRule

SIZE_NAMES = frozenset({"limit", "page_size", "pagesize", "size", "per_page", "perpage", "first", "count", "max_results", "take", "top"})
BOUND_KEYWORDS = frozenset({"le", "lt", "max_value", "maximum"})
# FastAPI's own parameter declarations: a bound must be given to them (`Query(50, le=100)`).
FASTAPI_PARAMS = frozenset({"Query", "Body", "Form", "Header", "Path", "Cookie", "Param", "Field"})


class PageSizeUnbounded(HandlerScope, PythonRule):
    """A client-controlled page size has no upper bound, so `?limit=1000000` turns a paginated
    endpoint back into "return everything": one request can exhaust the database, the worker's
    memory and the response size.

    Reported: FastAPI handler parameters named `limit`/`page_size`/`size`/`per_page`/`first`/
    `count` typed `int` without `le=` (`Query(le=...)`, `Annotated[int, Query(le=...)]`,
    `conint(le=...)`; a default built by a project's own dependency factory, such as
    `limit: int = LimitBody()`, is that factory's to validate); Flask `request.args.get("limit", type=int)` with no `min(...)` clamp; DRF
    `LimitOffsetPagination` without `max_limit`, and pagination classes with
    `page_size_query_param` but no `max_page_size`; Flask-SQLAlchemy `paginate(max_per_page=None)`.
    A clamp in the handler (`min(limit, 100)`, `if limit > MAX: ...`) or in a project helper the
    value is passed to clears the finding, as does a paginator class that inherits `max_limit` /
    `max_page_size` from a project base or overrides `get_limit` / `get_page_size`. A project
    helper that clamps the parameter it is given, in any module, itself or by handing it on to
    one that does (the project model's summary "returns a paginated response",
    `Paging.clamps` followed by `ProjectSymbols.clamped_slots`), bounds what a handler passes
    in that argument slot.

    Opt-in: its field precision on the ecosystem check's tuned projects is 0.38 (strict 0.00)
    over 4 judged of 4 findings (`bench/ecosystem/verdicts.tsv`, scan `apiorm-4`), under the
    0.85 a default rule needs: the remaining ones bound a limit over an in-memory list or over
    one flow run's few inputs."""

    code = "API002"
    opt_in = True
    name = "page-size-unbounded"
    summary = "A client-controlled page size has no upper bound."
    category = Category.API
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "{what} has no upper bound"
    fix = (
        "Bound it: `limit: int = Query(50, ge=1, le=100)`, `min(request.args.get(\"limit\", 50, type=int), 100)`, "
        "DRF `max_limit = 100` / `max_page_size = 100`"
    )
    seed = 'S1:77; S1:36 "Design rate limiting and throttling mechanisms"; S4:415'
    references = ("https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/",)
    needs = Needs.words("limit", "size", "per_page", "first", "count", "Pagination", "paginate")
    index_sections = ("routes", "symbols")
    invalid = (
        Example(
            "from fastapi import APIRouter, Depends\n"
            "router = APIRouter()\n"
            "\n"
            '@router.get("/users")\n'
            "def list_users(limit: int = 50, offset: int = 0, db=Depends(get_db)):\n"
            "    return db.scalars(select(User).order_by(User.id).limit(limit).offset(offset)).all()\n",
            lines=(5,),
        ),
        Example(
            "from rest_framework.pagination import LimitOffsetPagination\n"
            "\n"
            "class Pager(LimitOffsetPagination):\n"
            "    default_limit = 50\n",
            lines=(3,),
        ),
        Example(
            "from flask import Blueprint, request, jsonify\n"
            'bp = Blueprint("entries", __name__)\n'
            "\n"
            '@bp.get("/entries")\n'
            "def entries():\n"
            '    limit = request.args.get("limit", 50, type=int)\n'
            "    return jsonify(fetch_entries(limit))\n",
            lines=(6,),
        ),
        Example(
            "from fastapi import APIRouter, Depends\n"
            "from app.paging import window\n"
            "router = APIRouter()\n"
            "\n"
            '@router.get("/users")\n'
            "def list_users(limit: int = 50, offset: int = 0, db=Depends(get_db)):\n"
            "    return window(db.query(User).order_by(User.id), limit, offset)\n",
            path="app/users.py",
            files=(("app/paging.py", "def window(query, limit, offset):\n    return query.limit(limit).offset(max(0, min(offset, 10_000))).all()\n"),),
            lines=(6,),
            note="the helper bounds the offset it is given, not the limit",
        ),
    )
    valid = (
        Example(
            "from typing import Annotated\n"
            "from fastapi import APIRouter, Depends, Query\n"
            "router = APIRouter()\n"
            "\n"
            '@router.get("/users")\n'
            "def list_users(limit: Annotated[int, Query(ge=1, le=100)] = 50, db=Depends(get_db)):\n"
            "    return db.scalars(select(User).order_by(User.id).limit(limit)).all()\n",
        ),
        Example(
            "from flask import Blueprint, request, jsonify\n"
            'bp = Blueprint("entries", __name__)\n'
            "\n"
            '@bp.get("/entries")\n'
            "def entries():\n"
            '    limit = min(request.args.get("limit", 50, type=int), 100)\n'
            "    return jsonify(fetch_entries(limit))\n",
            note="near-miss: clamped",
        ),
        Example(
            "from rest_framework.pagination import LimitOffsetPagination\n"
            "\n"
            "class Pager(LimitOffsetPagination):\n"
            "    max_limit = 100\n",
        ),
        Example(
            "from shop.pagination import BasePager\n"
            "\n"
            "class ReviewPager(BasePager):\n"
            '    page_size_query_param = "page_size"\n',
            path="shop/reviews.py",
            files=(("shop/pagination.py", "from rest_framework.pagination import PageNumberPagination\n"
                    "class BasePager(PageNumberPagination):\n    page_size = 20\n    max_page_size = 100\n"),),
            note="near-miss: `max_page_size` is inherited from the project's base paginator",
        ),
        Example(
            "from rest_framework.pagination import LimitOffsetPagination\n"
            "\n"
            "class Pager(LimitOffsetPagination):\n"
            "    def get_limit(self, request):\n"
            "        return min(super().get_limit(request) or 50, 200)\n",
            note="near-miss: the paginator overrides `get_limit` to clamp it",
        ),
        Example(
            "from fastapi import APIRouter, Depends\n"
            "from app.paging import window\n"
            "router = APIRouter()\n"
            "\n"
            '@router.get("/users")\n'
            "def list_users(limit: int = 50, offset: int = 0, db=Depends(get_db)):\n"
            "    return window(db.query(User).order_by(User.id), limit, offset)\n",
            path="app/users.py",
            files=(("app/paging.py", "def window(query, limit, offset):\n    return query.limit(min(limit, 100)).offset(offset).all()\n"),),
            note="near-miss: the project's pagination helper clamps the limit it is given",
        ),
        Example(
            "from fastapi import APIRouter, Depends\n"
            "from app.services.users import list_page\n"
            "router = APIRouter()\n"
            "\n"
            '@router.get("/users")\n'
            "def list_users(limit: int = 50, db=Depends(get_db)):\n"
            "    return list_page(db, limit)\n",
            path="app/users.py",
            files=(
                ("app/services/users.py", "from app.core.limits import checked_limit\n"
                 "def list_page(db, limit):\n    limit = checked_limit(limit)\n    return db.query(User).order_by(User.id).limit(limit).all()\n"),
                ("app/core/limits.py", "def checked_limit(value):\n    return max(1, min(value, 100))\n"),
            ),
            note="near-miss: the service hands the limit to a helper two modules away that clamps it (mlflow's `validate_max_results`)",
        ),
        Example(
            "from fastapi import APIRouter, Depends\n"
            "from app.dependencies import LimitBody\n"
            "router = APIRouter()\n"
            "\n"
            '@router.post("/logs/filter")\n'
            "def read_logs(limit: int = LimitBody(), db=Depends(get_db)):\n"
            "    return db.scalars(select(Log).order_by(Log.id).limit(limit)).all()\n",
            note="near-miss: the project's dependency factory declares and checks the limit",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.state: dict | None = None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        handler = self.handler
        if handler is None or handler.node is not node:
            return
        params = {}
        if handler.kind == "route":
            for param in [*node.params.params, *node.params.kwonly_params]:
                if param.name.value.lower() in SIZE_NAMES and self._unbounded_int(param):
                    params[param.name.value] = param
        self.state = {"handler": handler, "params": params, "clamped": set(), "reads": {}}

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        state = self.state
        if state is not None and state["handler"].node is node:
            self.state = None
            for name, param in state["params"].items():
                if name not in state["clamped"]:
                    self.report(param, what=f"Page-size parameter `{name}: int`", fix=self.fix)
            for name, call in state["reads"].items():
                if name not in state["clamped"]:
                    self.report(call, what=f"`{code(self.context, call, 50)}`", fix=self.fix)
        super().leave_FunctionDef(node)

    def visit_Call(self, node: cst.Call) -> None:
        name = simple_name(self.context, node.func)
        state = self.state
        if state is not None and isinstance(node.func, cst.Name) and node.func.value in ("min", "clamp"):
            state["clamped"].update(names_in(node))
        if state is not None and isinstance(node.func, (cst.Name, cst.Attribute)):
            # A project helper that clamps the parameter it is given (`paginate_rows(rows, limit)`
            # with `min(limit, MAX)` inside, or handing it on to one that does) bounds what the
            # handler passes in that slot.
            symbols = self.context.symbols
            slots = symbols.clamped_slots(self.context.path, dotted(node.func) or "") if symbols is not None else frozenset()
            position = 0
            for arg in node.args:
                if arg.star:
                    break  # the slots after `*args` are not known
                slot = arg.keyword.value if arg.keyword is not None else str(position)
                position += arg.keyword is None
                if slot in slots:
                    state["clamped"].update(names_in(arg.value))
        if name == "paginate":
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value == "max_per_page" and isinstance(arg.value, cst.Name) and arg.value.value == "None":
                    self.report(arg, what="`paginate(max_per_page=None)`", fix=self.fix)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if self.state is not None and any(isinstance(c.operator, (cst.GreaterThan, cst.GreaterThanEqual, cst.LessThan, cst.LessThanEqual)) for c in node.comparisons):
            self.state["clamped"].update(names_in(node))

    def leave_Assign(self, node: cst.Assign) -> None:
        state = self.state
        if state is None or len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        read = self._size_read(node.value)
        if read is not None:
            state["reads"][node.targets[0].target.value] = read

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        super().visit_ClassDef(node)
        bases = {self.context.resolve(b.value) or "" for b in node.bases if isinstance(b.value, (cst.Name, cst.Attribute))}
        if f"{module_name_for(self.context.path)}.{node.name.value}" in RoutesProvider.of(self.context.index).bounded_paginators:
            return  # `max_limit` / `max_page_size` inherited from a project paginator, or `get_limit` overridden
        attrs = set()
        for statement in node.body.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.Assign):
                        attrs.update(t.target.value for t in small.targets if isinstance(t.target, cst.Name))
        if "rest_framework.pagination.LimitOffsetPagination" in bases and "max_limit" not in attrs:
            self.report(node.name, what=f"`{node.name.value}` (a `LimitOffsetPagination` without `max_limit`) lets `?limit=` grow and", fix=self.fix)
        elif "page_size_query_param" in attrs and "max_page_size" not in attrs:
            self.report(node.name, what=f"`{node.name.value}.page_size_query_param` (no `max_page_size`)", fix=self.fix)

    def visit_Assign(self, node: cst.Assign) -> None:
        if self.state is not None or len(node.targets) != 1:
            return
        target = node.targets[0].target
        if isinstance(target, cst.Name) and target.value == "REST_FRAMEWORK":
            klass = dict_keys(node.value).get("DEFAULT_PAGINATION_CLASS")
            if isinstance(klass, cst.SimpleString) and klass.evaluated_value == "rest_framework.pagination.LimitOffsetPagination":
                self.report(klass, what="DRF's `LimitOffsetPagination` (its `max_limit` is `None`) as the default paginator", fix=self.fix)

    # -- helpers ---------------------------------------------------------------------------
    def _size_read(self, value: cst.BaseExpression) -> cst.Call | None:
        call = value
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value == "int" and call.args:
            inner = call.args[0].value
            if isinstance(inner, cst.Call):
                call = inner
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "get" and call.args):
            return None
        key = call.args[0].value
        if not (isinstance(key, cst.SimpleString) and str(key.evaluated_value).lower() in SIZE_NAMES):
            return None
        holder = call.func.value
        if isinstance(holder, cst.Attribute) and holder.attr.value in ("args", "query_params", "GET", "values"):
            return call
        return None

    def _unbounded_int(self, param: cst.Param) -> bool:
        annotation = param.annotation.annotation if param.annotation is not None else None
        text = self.context.module.code_for_node(annotation) if annotation is not None else ""
        if annotation is None or "int" not in text.replace("Annotated", ""):
            return False
        if any(f"{word}=" in text for word in BOUND_KEYWORDS):
            return False
        default = param.default
        if isinstance(default, cst.Call):
            if simple_name(self.context, default.func) in ("Depends", "Security"):
                return False
            if simple_name(self.context, default.func) not in FASTAPI_PARAMS:
                return False  # a project's dependency factory (`limit: int = LimitBody()`) validates it
            if any(arg.keyword is not None and arg.keyword.value in BOUND_KEYWORDS for arg in default.args):
                return False
        return True
