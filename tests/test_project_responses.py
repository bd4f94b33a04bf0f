"""The project model's response summaries: "returns a paginated response" and "returns an error
body of shape S", per function, resolved across modules, base classes and dependencies."""

from __future__ import annotations

import ast
import json

from reviewer.project.responses import ErrorBody, Paging, error_bodies, paging_summary
from reviewer.project.symbols import FileSymbols, ProjectSymbols, collect_symbols


def _model(files: dict[str, str]) -> ProjectSymbols:
    facts = {}
    for path, code in files.items():
        # Through JSON, as the index cache stores them.
        data = json.loads(json.dumps(collect_symbols(path, ast.parse(code), code).to_json()))
        facts[path] = FileSymbols.from_json(path, data)
    return ProjectSymbols.build(facts)


def _function(code: str) -> ast.FunctionDef:
    node = ast.parse(code).body[0]
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    return node  # type: ignore[return-value]


PAGING_TREE = {
    "app/__init__.py": "",
    "app/query.py": (
        "def window(rows, request):\n"
        "    return paginate(rows, request.query_params)\n"
        "def page_of(statement, limit, offset):\n"
        "    return statement.limit(limit).offset(offset)\n"
        "def sliced(qs, page, size):\n"
        "    start = (page - 1) * size\n"
        "    return qs[start:start + size]\n"
        "def through(rows, request):\n"
        "    return window(rows, request)\n"
        "def first_ten(qs):\n"
        "    return qs[:10]\n"
    ),
    "app/deps.py": (
        "from fastapi import Depends, Query\n"
        "from pydantic import BaseModel\n"
        "def list_params(limit: int = Query(50, le=100), offset: int = 0):\n"
        "    return (limit, offset)\n"
        "def wrapped(p=Depends(list_params)):\n"
        "    return p\n"
        "class PageParams(BaseModel):\n"
        "    page: int = 1\n"
        "    size: int = 50\n"
        "class Filters(BaseModel):\n"
        "    name: str = ''\n"
    ),
    "app/base.py": (
        "from app.query import window\n"
        "class PagedMixin:\n"
        "    def page(self, rows):\n"
        "        return window(rows, self.request)\n"
    ),
    "app/views.py": (
        "from fastapi import Depends\n"
        "from app.base import PagedMixin\n"
        "from app import query\n"
        "from app.deps import list_params, wrapped, PageParams, Filters\n"
        "class OrderView(PagedMixin):\n"
        "    def get(self):\n"
        "        return self.page(Order.objects.all())\n"
        "    def everything(self):\n"
        "        return self.rows()\n"
        "    def rows(self):\n"
        "        return list(Order.objects.all())\n"
        "def handler(db, p=Depends(list_params)):\n"
        "    return db.all()\n"
        "def listing(rows, request):\n"
        "    return query.through(rows, request)\n"
        "def unpaged(db, f: Filters = Depends()):\n"
        "    return query.first_ten(db)\n"
    ),
}


def test_paging_summary_of_one_function() -> None:
    assert paging_summary(_function("def f(rows, request):\n    return paginate(rows, request)\n")) == Paging(paginates=True)
    assert paging_summary(_function("def f(q, limit, offset):\n    return q.limit(limit).offset(offset)\n")) == Paging(inputs=True, paginates=True)
    assert paging_summary(_function("def f(q, limit):\n    return q[:min(limit, 100)]\n")) == Paging(inputs=True, paginates=True, clamps=("limit",), parameters=("q", "limit"))
    assert paging_summary(_function("def f(q, p=Depends(params)):\n    return q\n")) == Paging(dependencies=("params",))
    assert paging_summary(_function("def f(q, p: Annotated[Params, Depends()]):\n    return q\n")) == Paging(dependencies=("Params",))
    # near-miss: a fixed slice is bounded, not a page the client asks for
    assert paging_summary(_function("def f(q):\n    return q[:10]\n")) is None


def test_returns_paginated_through_helpers_in_other_modules() -> None:
    model = _model(PAGING_TREE)
    here = "app/views.py"
    assert model.returns_paginated("app/query.py", "window")
    assert model.returns_paginated("app/query.py", "page_of")
    assert model.returns_paginated("app/query.py", "sliced")
    assert model.returns_paginated(here, "listing")  # query.through -> window -> paginate, two modules
    assert not model.returns_paginated("app/query.py", "first_ten")
    assert not model.returns_paginated(here, "unpaged")


def test_returns_paginated_through_a_base_class_in_another_module() -> None:
    model = _model(PAGING_TREE)
    here = "app/views.py"
    assert model.member(here, "OrderView.page") == ("app/base.py", "PagedMixin.page")
    assert model.returns_paginated(here, "OrderView.get")  # self.page is the mixin's, which pages
    assert not model.returns_paginated(here, "OrderView.everything")  # self.rows returns every row


def test_pagination_dependencies() -> None:
    model = _model(PAGING_TREE)
    here = "app/views.py"
    assert model.takes_page_inputs(here, "list_params")
    assert model.takes_page_inputs(here, "wrapped")  # through its own dependency
    assert model.takes_page_inputs(here, "PageParams")  # a pydantic model of page inputs
    assert not model.takes_page_inputs(here, "Filters")
    assert model.returns_paginated(here, "handler")  # depends on the pagination dependency
    assert model.paging(here, "handler") == Paging(dependencies=("list_params",))


ERROR_TREE = {
    "api/__init__.py": "",
    "api/errors.py": (
        "from fastapi.responses import JSONResponse\n"
        "def api_error(code, message, status):\n"
        "    return JSONResponse(status_code=status, content={'error': {'code': code, 'message': message}})\n"
        "def not_found(message):\n"
        "    return api_error('NOT_FOUND', message, 404)\n"
    ),
    "api/base.py": (
        "from flask import jsonify\n"
        "class Resource:\n"
        "    def fail(self, message):\n"
        "        return jsonify({'message': message}), 400\n"
    ),
    "api/handlers.py": (
        "from fastapi.responses import JSONResponse\n"
        "async def on_http_error(request, exc):\n"
        "    return JSONResponse({'exception_message': exc.detail}, status_code=exc.status_code)\n"
    ),
    "api/views.py": (
        "from api.errors import not_found\n"
        "from api.base import Resource\n"
        "from fastapi.responses import JSONResponse\n"
        "def order(order_id):\n"
        "    return not_found(f'no order {order_id}')\n"
        "def ok():\n"
        "    return JSONResponse({'message': 'fine'}, status_code=200)\n"
        "class Orders(Resource):\n"
        "    def post(self):\n"
        "        return self.fail('bad')\n"
    ),
}


def test_error_bodies_of_one_function() -> None:
    [body] = error_bodies(_function("def f():\n    return JSONResponse({'detail': 'gone'}, status_code=410)\n"))
    assert dict(body.shape) == {"detail": "str"} and body.status == 410 and not body.helper
    [helper] = error_bodies(_function("def f(msg, status):\n    return jsonify({'error': {'message': msg}}), status\n"))
    assert helper.helper and set(helper.shape) == {"error"} and set(helper.shape["error"]) == {"message"}
    # near-miss: a 2xx body is no error body
    assert error_bodies(_function("def f():\n    return JSONResponse({'message': 'ok'}, status_code=200)\n")) == ()


def test_error_body_across_modules_base_classes_and_exception_handlers() -> None:
    model = _model(ERROR_TREE)
    here = "api/views.py"
    helper = model.error_body(here, "order")  # not_found -> api_error, in another module
    assert isinstance(helper, ErrorBody) and set(helper.shape) == {"error"} and helper.helper
    inherited = model.error_body(here, "Orders.post")  # self.fail of the base class
    assert inherited is not None and set(inherited.shape) == {"message"} and inherited.status == 400
    handler = model.error_body("api/handlers.py", "on_http_error")  # status from the handled exception
    assert handler is not None and set(handler.shape) == {"exception_message"} and handler.helper
    assert model.error_body(here, "ok") is None


FACTORY = {
    "app/__init__.py": "",
    "app/pages.py": (
        "def window(rows, limit, offset):\n"
        "    return rows.limit(limit).offset(offset)\n"
    ),
    "app/main.py": (
        "from flask import Flask, jsonify\n"
        "from app import pages\n"
        "def create_app():\n"
        "    app = Flask(__name__)\n"
        "    def _page(rows):\n"
        "        return pages.window(rows, 50, 0)\n"
        "    @app.route('/orders')\n"
        "    def list_orders():\n"
        "        return _page(Order.query)\n"
        "    @app.errorhandler(404)\n"
        "    def not_found(error):\n"
        "        return jsonify({'error': 'not found'}), 404\n"
        "    return app\n"
        "def create_admin():\n"
        "    def _page(rows):\n"
        "        return rows\n"
        "    return _page\n"
    ),
}


def test_functions_defined_in_an_app_factory_are_in_the_model() -> None:
    model = _model(FACTORY)
    facts = model.files["app/main.py"]
    assert set(facts.nested) == {"create_app._page", "create_app.list_orders", "create_app.not_found", "create_admin._page"}
    # The handler's helper, defined beside it, pages through a helper in another module.
    assert model.member("app/main.py", "create_app.list_orders") == ("app/main.py", "create_app.list_orders")
    assert model.returns_paginated("app/main.py", "create_app._page")
    assert model.error_body("app/main.py", "create_app.not_found") == ErrorBody(model.error_body("app/main.py", "not_found").shape, 404, 12)
    assert model.error_body("app/main.py", "not_found").shape == {"error": "str"}
    # `_page` is defined in two factories: the bare name names neither, but the handler's call
    # of it is the definition beside it.
    assert model.member("app/main.py", "_page") is None
    assert model.returns_paginated("app/main.py", "create_app.list_orders")
    assert not model.returns_paginated("app/main.py", "create_admin._page")  # near miss: the other `_page`


CLAMPS = {
    "app/__init__.py": "",
    "app/core/limits.py": (
        "def checked(value, floor=1):\n"
        "    return max(floor, min(value, 100))\n"
        "def validate_max_results(max_results):\n"
        "    if max_results > 1000:\n"
        "        raise ValueError(max_results)\n"
        "def noted(value):\n"
        "    if value > 1000:\n"  # near miss: a comparison on a parameter that is no page input
        "        log(value)\n"
    ),
    "app/services.py": (
        "from app.core.limits import checked, noted, validate_max_results\n"
        "def page(rows, limit, offset):\n"
        "    limit = checked(limit)\n"
        "    return rows[offset:offset + limit]\n"
        "def search(query, max_results):\n"
        "    validate_max_results(max_results=max_results)\n"
        "    return query.limit(max_results)\n"
        "def loose(rows, limit):\n"
        "    noted(limit)\n"
        "    return rows[:limit]\n"
        "class Store:\n"
        "    def page(self, rows, limit):\n"
        "        return page(rows, limit, 0)\n"
    ),
}


def test_clamps_followed_through_helpers_in_other_modules() -> None:
    model = _model(CLAMPS)
    assert model.paging("app/core/limits.py", "checked").clamps == ("value",)
    assert model.paging("app/services.py", "page").passes == (("limit", "checked", "0"),)
    assert model.clamped_slots("app/core/limits.py", "checked") == {"0", "value"}
    assert model.clamped_slots("app/services.py", "page") == {"1", "limit"}  # through `checked`, two modules away
    assert model.clamped_slots("app/services.py", "search") == {"1", "max_results"}  # by keyword
    assert model.clamped_slots("app/services.py", "Store.page") == {"1", "limit"}  # the instance's slot left out
    assert model.clamped_slots("app/services.py", "loose") == frozenset()  # near miss: `noted` bounds nothing
