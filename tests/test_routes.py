"""The route index (every handler with method and full path), `reviewer routes`, and the
`error-format` config key that API004 reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewer.config import Config, ConfigError, parse_config
from reviewer.discovery import discover
from reviewer.runner import build_index
from reviewer.web.routes import every_route
from tests.conftest import REPO, run_cli, scan_tree, write_tree

SAMPLES = REPO / "sample_projects"


def _routes(root: Path) -> set[tuple[str, str, str]]:
    index = build_index(root, discover(root, [root], (), True), Config(root=str(root)))
    return {(r.method, r.path, r.handler) for r in index.section("routes").routes}


def test_fastapi_prefixes_are_joined_through_include_router() -> None:
    routes = _routes(SAMPLES / "clean_inventory")
    assert ("GET", "/api/v1/items", "app.routers.items.list_items") in routes
    assert ("DELETE", "/api/v1/items/{item_id}", "app.routers.items.delete_item") in routes
    assert ("GET", "/healthz", "app.routers.health.healthz") in routes


def test_flask_blueprint_prefix_comes_from_register_blueprint() -> None:
    routes = _routes(SAMPLES / "flask_ledger")
    assert ("POST", "/api/v1/accounts/", "ledger.accounts.create_account") in routes  # `@bp.post("/")` keeps its slash
    assert ("GET", "/api/v1/reports/reconcile/<int:account_id>", "ledger.reports.reconcile") in routes


def test_django_urlconf_drf_router_and_actions() -> None:
    routes = _routes(SAMPLES / "django_shop")
    assert ("GET", "/api/v1/catalog/products/{pk}/stock-check/", "catalog.views.ProductViewSet.stock_check") in routes
    assert ("POST", "/api/v1/catalog/products/", "catalog.views.ProductViewSet.create") in routes
    assert ("GET", "/api/v1/orders/by-status/", "orders.views.orders_by_status") in routes
    assert ("POST", "/api/v1/catalog/reviews/", "catalog.views.ReviewCreateView") in routes
    assert not any(method == "GET" and path.startswith("/api/v1/categories") for method, path, _ in routes)


def test_method_view_and_add_url_rule(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "svc/__init__.py": "",
            "svc/app.py": "from flask import Flask\nfrom . import admin\napp = Flask(__name__)\n"
            'app.register_blueprint(admin.bp, url_prefix="/admin")\n',
            "svc/admin.py": "from flask import Blueprint\nfrom flask.views import MethodView\n"
            'bp = Blueprint("admin", __name__)\n'
            "class Audit(MethodView):\n    def get(self): ...\n    def delete(self): ...\n"
            'bp.add_url_rule("/audit", view_func=Audit.as_view("audit"))\n'
            'bp.add_url_rule("/ping", "ping", lambda: ("", 204))\n',
        },
    )
    assert _routes(root) == {
        ("GET", "/admin/audit", "svc.admin.Audit"), ("DELETE", "/admin/audit", "svc.admin.Audit"),
        ("GET", "/admin/ping", "svc.admin.<lambda>"),  # indico's liveness route
    }


def test_exception_handlers_registered_in_helper_methods_and_loops(tmp_path: Path) -> None:
    """alerta's `ExceptionHandlers.register(app)`: handlers registered in a helper class's
    method, a loop over werkzeug's `default_exceptions` as that table, another loop's variable
    as unknown."""
    root = write_tree(
        tmp_path,
        {
            "svc/__init__.py": "from flask import Flask\nfrom svc.errors import Handlers\n\n"
            "def create_app():\n    app = Flask(__name__)\n    Handlers().register(app)\n"
            "    for code in (400, 404):\n        app.register_error_handler(code, print)\n    return app\n",
            "svc/errors.py": "from werkzeug.exceptions import default_exceptions\n\nclass ApiError(Exception):\n    pass\n\n"
            "class Handlers:\n    def register(self, app):\n"
            "        for code, exc in default_exceptions.items():\n            app.register_error_handler(code, print)\n"
            "        app.register_error_handler(ApiError, print)\n",
        },
    )
    index = build_index(root, discover(root, [root], (), True), Config(root=str(root)))
    found = {(h.file, h.line, h.exception) for h in index.section("routes").exception_handlers}
    assert found == {
        ("svc/__init__.py", 8, "?"),
        ("svc/errors.py", 9, "werkzeug.exceptions.default_exceptions"),
        ("svc/errors.py", 10, "ApiError"),
    }


def test_flask_restful_resources_get_the_api_and_blueprint_prefixes(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "svc/__init__.py": "",
            "svc/app.py": "from flask import Flask\nfrom .api import bp\napp = Flask(__name__)\n"
            'app.register_blueprint(bp, url_prefix="/api")\n',
            "svc/api.py": "from flask import Blueprint\nfrom flask_restful import Api\n"
            'bp = Blueprint("api", __name__)\napi = Api(bp, prefix="/v1")\n',
            "svc/resources.py": "from flask_restful import Resource\nfrom .api import api\n"
            "class UserList(Resource):\n    def get(self): ...\n    def post(self): ...\n"
            "class User(Resource):\n    def get(self, user_id): ...\n    def delete(self, user_id): ...\n"
            'api.add_resource(UserList, "/users")\n'
            'api.add_resource(User, "/users/<int:user_id>", "/people/<int:user_id>")\n',
            "svc/admin.py": "from flask_restful import Api, Resource\n"
            "admin_api = Api()\n"
            "class Audit(Resource):\n    def get(self): ...\n"
            'admin_api.add_resource(Audit, "/audit")\n',
            "svc/factory.py": "from flask import Flask\nfrom .admin import admin_api\n"
            "def create_app():\n    app = Flask(__name__)\n    admin_api.init_app(app)\n    return app\n",
        },
    )
    assert _routes(root) == {
        ("GET", "/api/v1/users", "svc.resources.UserList"),
        ("POST", "/api/v1/users", "svc.resources.UserList"),
        ("GET", "/api/v1/users/<int:user_id>", "svc.resources.User"),
        ("DELETE", "/api/v1/users/<int:user_id>", "svc.resources.User"),
        ("GET", "/api/v1/people/<int:user_id>", "svc.resources.User"),
        ("DELETE", "/api/v1/people/<int:user_id>", "svc.resources.User"),
        ("GET", "/audit", "svc.admin.Audit"),
    }


def test_fastapi_nested_routers_and_mount_compose_full_paths(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "svc/__init__.py": "",
            "svc/main.py": "from fastapi import FastAPI\nfrom .api import api_router\nfrom .admin import admin_app\n"
            'app = FastAPI()\napp.include_router(api_router, prefix="/api")\napp.mount("/admin", admin_app)\n',
            "svc/api.py": "from fastapi import APIRouter\nfrom . import users\n"
            'api_router = APIRouter(prefix="/v1")\napi_router.include_router(users.router, prefix="/users")\n',
            "svc/users.py": "from fastapi import APIRouter\nrouter = APIRouter(prefix=\"/people\")\n"
            '@router.get("/{uid}")\ndef get_user(uid: int): ...\n',
            "svc/admin.py": "from fastapi import FastAPI\nadmin_app = FastAPI()\n"
            '@admin_app.post("/reindex")\ndef reindex(): ...\n',
        },
    )
    assert _routes(root) == {
        ("GET", "/api/v1/users/people/{uid}", "svc.users.get_user"),
        ("POST", "/admin/reindex", "svc.admin.reindex"),
    }


def test_django_nested_include_prefixes(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "site/__init__.py": "",
            "site/settings.py": 'ROOT_URLCONF = "site.urls"\n',
            "site/urls.py": "from django.urls import include, path\n"
            'urlpatterns = [path("api/", include("site.api_urls"))]\n',
            "site/api_urls.py": "from django.urls import include, path\n"
            'urlpatterns = [path("v2/", include(("shop.urls", "shop"), namespace="shop"))]\n',
            "shop/__init__.py": "",
            "shop/urls.py": "from django.urls import path\nfrom . import views\n"
            'urlpatterns = [path("orders/<int:pk>/", views.order_detail)]\n',
            "shop/views.py": "from django.views.decorators.http import require_GET\n"
            "@require_GET\ndef order_detail(request, pk): ...\n",
        },
    )
    assert _routes(root) == {("GET", "/api/v2/orders/{pk}/", "shop.views.order_detail")}


def test_services_of_one_repository_keep_their_own_prefixes(tmp_path: Path) -> None:
    # Two services whose modules have the same qualified names (`app.routers.users`): each
    # include resolves in its own project root.
    files = {}
    for service, prefix in (("svc_a", "/a"), ("svc_b", "/b")):
        files.update({
            f"{service}/app/__init__.py": "",
            f"{service}/app/main.py": "from fastapi import FastAPI\nfrom app.routers import users\n"
            f'app = FastAPI()\napp.include_router(users.router, prefix="{prefix}")\n',
            f"{service}/app/routers/__init__.py": "",
            f"{service}/app/routers/users.py": "from fastapi import APIRouter\nrouter = APIRouter()\n"
            '@router.get("/users")\ndef list_users(): ...\n',
        })
    assert _routes(write_tree(tmp_path, files)) == {
        ("GET", "/a/users", "svc_a.app.routers.users.list_users"),
        ("GET", "/b/users", "svc_b.app.routers.users.list_users"),
    }


def test_django_prefix_from_a_constant_or_unknown_keeps_what_is_known(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "site/__init__.py": "",
            "site/constants.py": 'API = "api/"\n',
            "site/urls.py": "from django.conf import settings\nfrom django.urls import include, path\n"
            "from site.constants import API\n"
            'urlpatterns = [path(API, include("shop.urls")), path(settings.LEGACY_ROOT, include("shop.urls"))]\n',
            "shop/__init__.py": "",
            "shop/urls.py": "from django.urls import path\nfrom shop import views\n"
            'urlpatterns = [path("orders/", views.orders)]\n',
            "shop/views.py": "def orders(request): ...\n",
        },
    )
    index = build_index(root, discover(root, [root], (), True), Config(root=str(root)))
    routes = {(r.path, r.partial, r.unresolved) for r in index.section("routes").routes}
    assert routes == {("/api/orders/", False, ()), ("/[settings.LEGACY_ROOT]/orders/", True, ("settings.LEGACY_ROOT",))}


def test_blueprint_registered_nowhere_we_can_follow_is_partial(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "svc/__init__.py": "",
            "svc/app.py": "from flask import Flask\nfrom svc.plugins import load\napp = Flask(__name__)\n"
            "for bp in load():\n    app.register_blueprint(bp)\n",
            "svc/plugins.py": "from flask import Blueprint\nbp = Blueprint('extra', __name__, url_prefix='/extra')\n"
            "@bp.route('/ping')\ndef ping(): ...\ndef load():\n    return [bp]\n",
        },
    )
    assert _routes(root) == {("GET", "/[?]/extra/ping", "svc.plugins.ping")}


def test_flask_restx_namespaces(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "svc/__init__.py": "",
            "svc/app.py": "from flask import Flask\nfrom flask_restx import Api\nfrom svc.users import ns as users_ns\n"
            'app = Flask(__name__)\napi = Api(app, prefix="/api")\napi.add_namespace(users_ns, path="/people")\n'
            'pets = api.namespace("pets")\n@pets.route("/<int:pet_id>")\nclass Pet:\n    def get(self, pet_id): ...\n',
            "svc/users.py": "from flask_restx import Namespace, Resource\nns = Namespace(\"users\")\n"
            '@ns.route("/")\nclass UserList(Resource):\n    def get(self): ...\n    def post(self): ...\n',
        },
    )
    assert _routes(root) == {
        ("GET", "/api/people/", "svc.users.UserList"),
        ("POST", "/api/people/", "svc.users.UserList"),
        ("GET", "/api/pets/<int:pet_id>", "svc.app.Pet"),
    }


def test_views_that_name_nothing_give_no_route(tmp_path: Path) -> None:
    # label-studio: a route with no handler made API001 fail on the views module.
    root = write_tree(
        tmp_path,
        {
            "site/__init__.py": "",
            "site/urls.py": "from django.urls import path, re_path\nfrom site import views\n"
            "urlpatterns = [\n"
            '    path("schema/", get_schema_view(title="x").as_view()),\n'
            '    re_path(r"^swagger\\.yaml$", views.schema_view.without_ui(cache_timeout=0)),\n'
            '    path("ping/", lambda request: None),\n'
            '    path("orders/", views.orders),\n'
            "]\n",
            "site/views.py": "def orders(request): ...\n",
        },
    )
    assert _routes(root) == {("ANY", "/orders/", "site.views.orders")}


def test_routes_command_prints_the_index() -> None:
    result = run_cli("routes", str(SAMPLES / "fastapi_orders"))
    assert result.exit_code == 0
    assert "GET     /orders/{order_id}/tracking" in result.output
    assert "app.routers.orders.refresh_tracking" in result.output
    assert result.output.rstrip().endswith("route(s)")


def test_routes_command_writes_json() -> None:
    result = run_cli("routes", str(SAMPLES / "fastapi_orders"), "--format", "json")
    assert result.exit_code == 0, result.output
    routes = json.loads(result.output)
    tracking = next(route for route in routes if route["path"] == "/orders/{order_id}/tracking")
    assert tracking["method"] == "GET"
    assert tracking["handler"] == "app.routers.orders.refresh_tracking"
    assert tracking["framework"] == "fastapi"


def test_error_format_config() -> None:
    config = parse_config({"error-format": "problem+json", "error-envelope": {"code": "err.kind"}}, "x.yml", Path("."))
    settings = config.options_for("API004")
    assert settings["error-format"] == "problem+json"
    assert settings["error-envelope"]["code"] == "err.kind"
    assert config.options_for("SQL001") == {}
    with pytest.raises(ConfigError, match="error-format"):
        parse_config({"error-format": "xml"}, "x.yml", Path("."))
    with pytest.raises(ConfigError, match="error-envelope.title"):
        parse_config({"error-envelope": {"title": "x"}}, "x.yml", Path("."))


def test_error_format_defaults_to_the_projects_own_shape() -> None:
    assert parse_config({}, "x.yml", Path(".")).options_for("API004")["error-format"] == "auto"
    from reviewer.cli import STARTER_CONFIG

    assert "\nerror-format: auto\n" in STARTER_CONFIG


DRF_DETAIL = {
    "shop/__init__.py": "",
    "shop/views.py": "from rest_framework.response import Response\n"
    "from rest_framework.exceptions import NotFound\n"
    "def a(request):\n    return Response({'detail': 'Locked.'}, status=423)\n"
    "def b(request):\n    raise NotFound('no b')\n"
    "def c(request):\n    return Response({'message': 'no c'}, status=404)\n",
    "shop/graphql.py": "from django.http import JsonResponse\n"
    "def g(request):\n    return JsonResponse({'errors': [{'message': 'bad'}]}, status=400)\n"
    "def h(request):\n    return JsonResponse({'errors': [{'message': 'worse'}]}, status=400)\n",
}


def test_api004_default_takes_drf_detail_as_the_convention_and_skips_graphql(tmp_path: Path) -> None:
    root = write_tree(tmp_path, DRF_DETAIL)
    result = scan_tree(root, select=("API004",))
    assert [(f.path, f.line) for f in result.findings] == [("shop/views.py", 8)]


def test_api004_a_handler_for_a_domain_exception_leaves_httpexception_bodies_as_they_are(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/main.py": "from fastapi import FastAPI, HTTPException\nfrom fastapi.responses import JSONResponse\n"
            "app = FastAPI()\napp.add_exception_handler(QuotaExceeded, quota_handler)\n"
            "def a():\n    raise HTTPException(status_code=404, detail='no a')\n"
            "def b():\n    raise HTTPException(status_code=404, detail='no b')\n"
            "def c():\n    return JSONResponse(status_code=404, content={'error': 'no c'})\n",
        },
    )
    assert [(f.path, f.line) for f in scan_tree(root, select=("API004",)).findings] == [("app/main.py", 10)]


def test_api004_a_drf_api_and_plain_django_views_each_have_their_own_majority(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "conf/__init__.py": "",
        "conf/api.py": "from rest_framework.response import Response\n"
        "def a(request):\n    return Response({'detail': 'bad a'}, status=400)\n"
        "def b(request):\n    return Response({'message': 'bad b'}, status=400)\n"
        "def c(request):\n    return Response({'detail': 'bad c'}, status=400)\n",
        "conf/orga.py": "from django.http import JsonResponse\n"
        "def d(request):\n    return JsonResponse({'error': 'bad d'}, status=400)\n"
        "def e(request):\n    return JsonResponse({'error': 'bad e'}, status=404)\n"
        "def f(request):\n    return JsonResponse({'error': 'bad f'}, status=404)\n"
        "def g(request):\n    return JsonResponse({'detail': 'bad g'}, status=400)\n",
    })
    found = scan_tree(root, select=("API004",)).findings
    # Over the whole project `{"error"}` has four votes to `{"detail"}`'s three, and the DRF
    # API's `{"detail"}` bodies would be reported; each surface against its own majority, only
    # the odd one of each is.
    assert [(f.path, f.line) for f in found] == [("conf/api.py", 5), ("conf/orga.py", 9)]
    assert "the DRF API's majority error shape" in found[0].message
    assert "the plain (non-DRF) views' majority error shape" in found[1].message


MIXED = {
    "app/__init__.py": "",
    "app/views.py": "from fastapi.responses import JSONResponse\n"
    "def a():\n    return JSONResponse(status_code=404, content={'message': 'no a'})\n"
    "def b():\n    return JSONResponse(status_code=404, content={'message': 'no b'})\n"
    "def c():\n    return JSONResponse(status_code=409, content={'error': {'code': 'C', 'message': 'c'}})\n"
    "def d():\n    return JSONResponse(status_code=400, content={'type': 'about:blank', 'title': 'bad', 'status': 400})\n",
}


@pytest.mark.parametrize(
    ("mode", "lines"),
    [("envelope", [3, 5, 9]), ("auto", [7, 9]), ("problem+json", [3, 5, 7])],
)
def test_api004_modes(tmp_path: Path, mode: str, lines: list[int]) -> None:
    root = write_tree(tmp_path, MIXED)
    config = parse_config({"error-format": mode}, "x.yml", root)
    result = scan_tree(root, select=("API004",), config=config)
    assert sorted(f.line for f in result.findings) == lines


# --------------------------------------------------------------------------------------------
# Full paths across modules: one multi-level project per framework under tests/data/routes/,
# pinned as `reviewer routes` prints them. `[...]` is a prefix that cannot be known statically.

DATA = REPO / "tests" / "data" / "routes"
FULL_PATHS = {
    "fastapi_multi": [
        'GET     /[?]/debug/ping                               backend.app.internal.plugins.ping  (backend/app/internal/plugins.py:6)  partial, unresolved: ?',
        'GET     /[settings.INTERNAL_PREFIX]/stats             backend.app.internal.stats.stats  (backend/app/internal/stats.py:6)  partial, unresolved: settings.INTERNAL_PREFIX',
        'POST    /admin/reindex                                backend.app.admin.reindex  (backend/app/admin.py:6)',
        'POST    /api/v1/items/                                backend.app.api.routes.items.create_item -> 201  (backend/app/api/routes/items.py:9)',
        'GET     /api/v1/items/{item_id}/reviews               backend.app.api.routes.reviews.list_reviews  (backend/app/api/routes/reviews.py:6)',
        'DELETE  /api/v1/items/{item_id}/reviews/{review_id}   backend.app.api.routes.reviews.delete_review -> 204  (backend/app/api/routes/reviews.py:11)',
        'GET     /api/v1/users/                                backend.app.api.routes.users.list_users  (backend/app/api/routes/users.py:6)',
        'GET     /api/v1/users/{user_id}                       backend.app.api.routes.users.get_user  (backend/app/api/routes/users.py:11)',
        'GET     /healthz                                      backend.app.main.healthz  (backend/app/main.py:22)',
        'POST    /hooks/stripe                                 backend.app.webhooks.stripe_hook  (backend/app/webhooks.py:6)',
        '10 route(s)',
    ],
    "django_nested": [
        'POST    /accounts/login/                              src.accounts.views.login_view  (src/accounts/views.py:5)',
        'GET     /api/v1/categories/                           src.catalog.views.CategoryViewSet.list  (src/catalog/views.py:18)',
        'GET     /api/v1/categories/{pk}/                      src.catalog.views.CategoryViewSet.retrieve  (src/catalog/views.py:18)',
        'GET     /api/v1/products/                             src.catalog.views.ProductViewSet.list  (src/catalog/views.py:6)',
        'POST    /api/v1/products/                             src.catalog.views.ProductViewSet.create -> 201  (src/catalog/views.py:6)',
        'GET     /api/v1/products/featured/                    src.catalog.views.ProductViewSet.featured  (src/catalog/views.py:13)',
        'DELETE  /api/v1/products/{sku}/                       src.catalog.views.ProductViewSet.destroy -> 204  (src/catalog/views.py:6)',
        'GET     /api/v1/products/{sku}/                       src.catalog.views.ProductViewSet.retrieve  (src/catalog/views.py:6)',
        'PATCH   /api/v1/products/{sku}/                       src.catalog.views.ProductViewSet.partial_update  (src/catalog/views.py:6)',
        'PUT     /api/v1/products/{sku}/                       src.catalog.views.ProductViewSet.update  (src/catalog/views.py:6)',
        'POST    /api/v1/products/{sku}/restock/               src.catalog.views.ProductViewSet.restock  (src/catalog/views.py:9)',
        'GET     /api/v1/shop/cart/                            src.shop.views.CartView  (src/shop/views.py:15)',
        'POST    /api/v1/shop/cart/                            src.shop.views.CartView  (src/shop/views.py:15)',
        'GET     /api/v1/shop/orders/{pk}/                     src.shop.views.order_detail  (src/shop/views.py:6)',
        'POST    /api/v1/shop/orders/{pk}/cancel/              src.shop.views.cancel_order  (src/shop/views.py:11)',
        'GET     /api/v2/reviews                               src.catalog.views.ReviewViewSet.list  (src/catalog/views.py:22)',
        'POST    /api/v2/reviews/{pk}/flag                     src.catalog.views.ReviewViewSet.flag  (src/catalog/views.py:23)',
        '17 route(s)',
    ],
    "flask_api": [
        "GET     /[app.config['ADMIN_URL']]/dashboard          app.admin.dashboard  (app/admin.py:6)  partial, unresolved: app.config['ADMIN_URL']",
        'GET     /api/v1/users                                 app.api.resources.UserList  (app/api/resources.py:22)',
        'POST    /api/v1/users                                 app.api.resources.UserList  (app/api/resources.py:22)',
        'DELETE  /api/v1/users/<int:user_id>                   app.api.resources.User  (app/api/resources.py:23)',
        'GET     /api/v1/users/<int:user_id>                   app.api.resources.User  (app/api/resources.py:23)',
        'GET     /api/v2/status                                app.api.v2.status  (app/api/v2.py:6)',
        'GET     /web/                                         app.web.views.index  (app/web/views.py:4)',
        'GET     /web/search                                   app.web.views.search  (app/web/views.py:9)',
        'POST    /web/search                                   app.web.views.search  (app/web/views.py:9)',
        '9 route(s)',
    ],
    "flask_smorest_api": [
        'GET     /api/pets/                                    pets.resources.Pets  (pets/resources.py:7)',
        'POST    /api/pets/                                    pets.resources.Pets  (pets/resources.py:7)',
        'DELETE  /api/pets/<int:pet_id>                        pets.resources.PetById  (pets/resources.py:17)',
        'GET     /api/pets/<int:pet_id>                        pets.resources.PetById  (pets/resources.py:17)',
        'PUT     /api/pets/<int:pet_id>/photo                  pets.resources.upload_photo  (pets/resources.py:26)',
        '5 route(s)',
    ],
    "starlette_app": [
        'GET     /                                             svc.users.homepage  (svc/users.py:5)',
        'GET     /admin/stats                                  svc.admin.stats  (svc/admin.py:5)',
        'DELETE  /api/items/{item_id}                          svc.users.Item  (svc/users.py:11)',
        'GET     /api/items/{item_id}                          svc.users.Item  (svc/users.py:11)',
        'WEBSOCKET /api/ws                                       svc.users.ws  (svc/users.py:8)',
        'GET     /users/                                       svc.users.list_users  (svc/users.py:6)',
        'POST    /users/                                       svc.users.create_user  (svc/users.py:7)',
        '7 route(s)',
    ],
}


@pytest.mark.parametrize("project", sorted(FULL_PATHS))
def test_routes_command_prints_full_paths_across_modules(project: str) -> None:
    result = run_cli("routes", str(DATA / project))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == FULL_PATHS[project]


def test_each_app_factory_of_a_file_keeps_its_own_app(tmp_path: Path) -> None:
    """Two factories of one module each build an `app` (prefect's `create_app`, superset's):
    each app keeps its own blueprints and routes, and both are apps of the index."""
    root = write_tree(tmp_path, {
        "svc/__init__.py": "",
        "svc/views.py": 'from flask import Blueprint\n\nbp = Blueprint("items", __name__)\n\n\n@bp.get("/items")\ndef items(): ...\n',
        "svc/factory.py": (
            "from flask import Flask\nfrom svc.views import bp\n\n\n"
            "def create_api():\n"
            "    app = Flask(__name__)\n"
            '    app.register_blueprint(bp, url_prefix="/api")\n\n'
            '    @app.get("/health")\n'
            "    def health(): ...\n\n"
            "    return app\n\n\n"
            "def create_admin():\n"
            "    app = Flask(__name__)\n"
            '    app.register_blueprint(bp, url_prefix="/admin")\n'
            "    return app\n"
        ),
    })  # fmt: skip
    index = build_index(root, discover(root, [root], (), True), Config(root=str(root)))
    section = index.section("routes")
    assert {(r.method, r.path, r.handler) for r in section.routes} == {
        ("GET", "/api/items", "svc.views.items"),
        ("GET", "/admin/items", "svc.views.items"),
        ("GET", "/health", "svc.factory.create_api.health"),
    }
    assert [(a.var, a.key, a.factory) for a in section.apps] == [("app", "create_api.app", 5), ("app", "create_admin.app", 15)]


def test_a_subclass_of_an_app_class_in_another_module_is_an_app(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "portal/__init__.py": "",
        "portal/wrappers.py": "from flask import Flask\n\n\nclass PortalFlask(Flask):\n    pass\n",
        "portal/app.py": (
            "from portal.wrappers import PortalFlask\nfrom portal.views import bp\n\n"
            "app = PortalFlask(__name__)\n"
            'app.register_blueprint(bp, url_prefix="/portal")\n'
        ),
        "portal/views.py": 'from flask import Blueprint\n\nbp = Blueprint("pages", __name__)\n\n\n@bp.route("/home")\ndef home(): ...\n',
        "api/__init__.py": "",
        "api/base.py": "from fastapi import FastAPI\n\n\nclass BaseAPI(FastAPI):\n    pass\n\n\nclass ServiceAPI(BaseAPI):\n    pass\n",
        "api/main.py": "from api.base import ServiceAPI\n\nserver = ServiceAPI()\n\n\n@server.get('/status')\ndef status(): ...\n",
        # an instance of a project class that is no app
        "api/clients.py": "class Client:\n    pass\n\n\nclient = Client()\n\n\n@client.get('/nothing')\ndef nothing(): ...\n",
    })  # fmt: skip
    index = build_index(root, discover(root, [root], (), True), Config(root=str(root)))
    section = index.section("routes")
    assert {(r.framework, r.method, r.path) for r in section.routes if r.handler != "api.clients.nothing"} == {
        ("flask", "GET", "/portal/home"),
        ("fastapi", "GET", "/status"),
    }
    assert sorted((a.file, a.kind) for a in section.apps) == [("api/main.py", "fastapi-app"), ("portal/app.py", "flask-app")]


def test_a_router_or_blueprint_subclass_in_another_module_keeps_its_prefix(tmp_path: Path) -> None:
    """prefect's `PrefectRouter(APIRouter)` and indico's `IndicoBlueprint(Blueprint)`: an
    instance is a router (its `prefix`) or a blueprint (its `url_prefix`), through the base
    chain across modules; an instance of a project class whose chain reaches neither is not."""
    root = write_tree(tmp_path, {
        "svc/__init__.py": "",
        "svc/utilities.py": "from fastapi import APIRouter\nfrom starlette.routing import Router\n\n\n"
                            "class BaseRouter(APIRouter):\n    pass\n\n\nclass ServiceRouter(BaseRouter):\n    pass\n\n\n"
                            "class LowRouter(Router):\n    pass\n\n\nclass Registry:\n    pass\n",
        "svc/flows.py": (
            "from svc.utilities import ServiceRouter\n\n"
            'router: ServiceRouter = ServiceRouter(prefix="/flows", tags=["Flows"])\n\n\n'
            '@router.get("/{id}")\ndef read_flow(id): ...\n'
        ),
        "svc/low.py": 'from svc.utilities import LowRouter\n\nlow = LowRouter()\n\n\n@low.route("/low")\ndef low_view(request): ...\n',
        "svc/registry.py": 'from svc.utilities import Registry\n\nregistry = Registry(prefix="/nowhere")\n\n\n@registry.get("/x")\ndef x(): ...\n',
        "svc/main.py": (
            "from fastapi import FastAPI\nfrom svc import flows, low, registry\n\n"
            "app = FastAPI()\n"
            'app.include_router(flows.router, prefix="/api")\n'
            'app.include_router(registry.registry, prefix="/api")\n'
            'app.mount("/raw", low.low)\n'
        ),
        "portal/__init__.py": "",
        "portal/wrappers.py": "from flask import Blueprint\n\n\nclass PortalBlueprint(Blueprint):\n    pass\n",
        "portal/pages.py": (
            "from portal.wrappers import PortalBlueprint\nfrom portal.controllers import RHHome\n\n"
            '_bp = PortalBlueprint("pages", __name__, url_prefix="/pages")\n'
            '_bp.add_url_rule("/home", "home", RHHome, methods=("GET", "POST"))\n\n\n'
            '@_bp.route("/about")\ndef about(): ...\n'
        ),
        "portal/controllers.py": "class RHHome:\n    pass\n",
        "portal/app.py": "from flask import Flask\nfrom portal.pages import _bp\n\napp = Flask(__name__)\napp.register_blueprint(_bp)\n",
    })  # fmt: skip
    index = build_index(root, discover(root, [root], (), True), Config(root=str(root)))
    found = {(r.framework, r.method, r.path, r.handler) for r in every_route(index)}
    assert {
        ("fastapi", "GET", "/api/flows/{id}", "svc.flows.read_flow"),
        ("fastapi", "GET", "/raw/low", "svc.low.low_view"),
        ("flask", "GET", "/pages/home", "portal.controllers.RHHome"),
        ("flask", "POST", "/pages/home", "portal.controllers.RHHome"),
        ("flask", "GET", "/pages/about", "portal.pages.about"),
    } <= found
    # `Registry` is no router: its `prefix=` is not a route prefix, and its decorator no framework's
    assert ("unknown", "GET", "/api/x", "svc.registry.x") in found


def test_flask_appbuilder_expose_methods_are_routes_below_the_route_base(tmp_path: Path) -> None:
    """`@expose` / `@expose_api` methods of a BaseView / BaseApi subclass (through a project
    base class in another module) serve below the class's route base; a ModelRestApi serves
    its CRUD methods too, as `include_route_methods` allows; a project base class is listed
    under its subclasses only, unless the project registers it (`appbuilder.add_api(...)`),
    and a class outside Flask-AppBuilder's hierarchy serves nothing."""
    root = write_tree(tmp_path, {
        "dash/__init__.py": "",
        "dash/base.py": (
            "from flask_appbuilder import BaseView\nfrom flask_appbuilder.api import expose, ModelRestApi\n\n\n"
            "class BaseDashView(BaseView):\n"
            '    @expose("/ping")\n    def ping(self): ...\n\n\n'
            "class BaseDashApi(ModelRestApi):\n"
            '    @expose("/related/<column_name>", methods=("GET",))\n    def related(self, column_name): ...\n'
        ),
        "dash/views.py": (
            "from flask_appbuilder import expose\nfrom flask_appbuilder.baseviews import expose_api\nfrom dash.base import BaseDashView\n\n\n"
            "class Dashboard(BaseDashView):\n"
            '    @expose("/show/<int:pk>", methods=["GET", "POST"])\n    def show(self, pk): ...\n\n'
            '    @expose_api(name="list", url="/api/list")\n    def api_list(self): ...\n\n\n'
            "class Settings(BaseDashView):\n"
            '    route_base = "/settings"\n\n'
            "    def ping(self): ...  # overridden without @expose: not served\n"
        ),
        "dash/api.py": (
            "from dash.base import BaseDashApi\nfrom flask_appbuilder.api import expose\n\n\n"
            "class ChartApi(BaseDashApi):\n"
            '    resource_name = "chart"\n'
            '    include_route_methods = {"get_list", "get", "related", "export"}\n\n'
            '    @expose("/export/", methods=("GET",))\n    def export(self): ...\n'
        ),
        "dash/other.py": "from dash.helpers import expose\n\n\nclass Plain:\n    @expose('/x')\n    def x(self): ...\n",
        # a registered API that another class extends serves its own routes too
        "dash/charts.py": (
            "from flask_appbuilder.api import BaseApi, expose\n\n\n"
            'class ChartsApi(BaseApi):\n    resource_name = "charts"\n\n    @expose("/data", methods=["POST"])\n    def data(self): ...\n\n\n'
            "class ChartsExtraApi(ChartsApi):\n    route_base = '/extra'\n"
        ),
        "dash/init.py": (
            "class Init:\n    def views(self, appbuilder):\n        from dash.charts import ChartsApi\n\n        appbuilder.add_api(ChartsApi)\n"
        ),
        "dash/helpers.py": "def expose(url):\n    return lambda f: f\n",
    })  # fmt: skip
    index = build_index(root, discover(root, [root], (), True), Config(root=str(root)))
    assert {(r.framework, r.method, r.path, r.handler) for r in index.section("routes").routes} == {
        ("flask", "GET", "/dashboard/ping", "dash.views.Dashboard.ping"),
        ("flask", "GET", "/dashboard/show/<int:pk>", "dash.views.Dashboard.show"),
        ("flask", "POST", "/dashboard/show/<int:pk>", "dash.views.Dashboard.show"),
        ("flask", "GET", "/dashboard/api/list", "dash.views.Dashboard.api_list"),
        ("flask", "GET", "/api/v1/chart/", "dash.api.ChartApi.get_list"),
        ("flask", "GET", "/api/v1/chart/<int:pk>", "dash.api.ChartApi.get"),
        ("flask", "GET", "/api/v1/chart/related/<column_name>", "dash.api.ChartApi.related"),
        ("flask", "GET", "/api/v1/chart/export/", "dash.api.ChartApi.export"),
        ("flask", "POST", "/api/v1/charts/data", "dash.charts.ChartsApi.data"),
        ("flask", "POST", "/extra/data", "dash.charts.ChartsExtraApi.data"),
    }


def test_an_app_built_by_another_factory_is_joined_where_it_is_mounted(tmp_path: Path) -> None:
    """prefect's `create_app` mounts the app `create_api_app` returns: the name bound to the
    factory's call is that app, here or in another module."""
    root = write_tree(tmp_path, {
        "svc/__init__.py": "",
        "svc/items.py": 'from fastapi import APIRouter\n\nrouter = APIRouter(prefix="/items")\n\n\n@router.get("")\ndef list_items(): ...\n',
        "svc/server.py": (
            "from fastapi import FastAPI\nfrom svc import items\n\n\n"
            "def create_api_app():\n"
            "    api_app = FastAPI()\n"
            "    api_app.include_router(items.router)\n"
            "    return api_app\n\n\n"
            "def create_app():\n"
            "    app = FastAPI()\n"
            "    api_app = create_api_app()\n"
            '    app.mount("/api", app=api_app)\n'
            "    return app\n"
        ),
        "svc/main.py": (
            "from fastapi import APIRouter\nfrom svc.server import create_app\n\n"
            'extra = APIRouter()\n\n\n@extra.get("/ping")\ndef ping(): ...\n\n\n'
            "app = create_app()\n"
            'app.include_router(extra, prefix="/v1")\n'
        ),
    })  # fmt: skip
    index = build_index(root, discover(root, [root], (), True), Config(root=str(root)))
    assert {(r.framework, r.path, r.handler) for r in index.section("routes").routes} == {
        ("fastapi", "/api/items", "svc.items.list_items"),
        ("fastapi", "/v1/ping", "svc.main.ping"),
    }


def test_drf_view_modules_make_view_classes_and_serializers_do_not() -> None:
    import libcst as cst

    from reviewer.context import FileContext
    from reviewer.index import ProjectIndex
    from reviewer.model import FileKind
    from reviewer.web.handlers import is_view_class

    text = (
        "from rest_framework import generics, mixins, serializers, permissions\n"
        "class OrderSerializer(serializers.ModelSerializer):\n"
        "    def create(self, validated_data):\n"
        "        return super().create(validated_data)\n"
        "class IsOwner(permissions.BasePermission):\n"
        "    pass\n"
        "class OrderList(generics.ListCreateAPIView):\n"
        "    pass\n"
        "class Orders(mixins.CreateModelMixin):\n"
        "    pass\n"
    )
    module = cst.parse_module(text)
    context = FileContext("shop/api.py", FileKind.PYTHON, text, module, ProjectIndex(root=".", files=[], sections={}))
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            context.imports.add_import_from(statement.body[0])
    views = {node.name.value: is_view_class(context, node) for node in module.body if isinstance(node, cst.ClassDef)}
    assert views == {"OrderSerializer": False, "IsOwner": False, "OrderList": True, "Orders": True}


def test_a_raised_disallowed_host_is_host_check_evidence(tmp_path: Path) -> None:
    """A module that raises Django's `DisallowedHost` checks the Host header itself: the routes
    section records it as `host-check` evidence (SEC006 reads it), wherever the raise is."""
    write_tree(tmp_path, {
        "shop/middleware.py": (
            "from django.core import exceptions\n\n"
            "def check(host, known):\n"
            "    if host not in known:\n"
            "        raise exceptions.DisallowedHost(host)\n"
        ),
        "shop/views.py": "def view(request):\n    raise ValueError('no')\n",
    })
    index = build_index(tmp_path, discover(tmp_path, [tmp_path], (), True), Config(root=str(tmp_path)))
    evidence = index.section("routes").evidence
    assert [(e.kind, e.file, e.line) for e in evidence] == [("host-check", "shop/middleware.py", 5)]


def test_class_views_inherit_through_the_project_class_hierarchy(tmp_path: Path) -> None:
    """The route index takes each class's ancestors from the project symbols: a Flask-AppBuilder
    view inherits `route_base` from a base in its own file whose name another module also
    defines (`route_base = ""`: the login view serves `/login/`), and a Django class view
    whose base a package re-exports with `from .object_views import *` serves the methods
    it defines (not a GET guessed for an unknown class)."""
    root = write_tree(tmp_path, {
        "fab/__init__.py": "",
        "fab/views.py": (
            "from flask_appbuilder import BaseView, expose\n\n\n"
            'class AuthView(BaseView):\n    route_base = ""\n\n\n'
            'class AuthDBView(AuthView):\n    @expose("/login/", methods=["GET", "POST"])\n    def login(self): ...\n'
        ),
        "other/__init__.py": "",
        "other/views.py": "class AuthView:\n    pass\n",
        "web/__init__.py": "",
        "web/settings.py": 'ROOT_URLCONF = "web.urls"\n',
        "web/urls.py": "from django.urls import path\nfrom web import views\n"
        'urlpatterns = [path("scripts/<int:pk>/", views.ScriptView.as_view())]\n',
        "web/generic/__init__.py": "from .object_views import *\n",
        "web/generic/object_views.py": "from django.views.generic import View\n\n\nclass ObjectView(View):\n    pass\n",
        "web/views.py": (
            "from django.http import HttpResponse\nfrom web import generic\n\n\n"
            "class ScriptView(generic.ObjectView):\n    def get(self, request): ...\n\n    def post(self, request): ...\n"
        ),
    })  # fmt: skip
    assert _routes(root) == {
        ("GET", "/login/", "fab.views.AuthDBView.login"),
        ("POST", "/login/", "fab.views.AuthDBView.login"),
        ("GET", "/scripts/{pk}/", "web.views.ScriptView"),
        ("POST", "/scripts/{pk}/", "web.views.ScriptView"),
    }


def test_a_module_that_renders_templates_is_html_pages_evidence_once(tmp_path: Path) -> None:
    from reviewer.web.routes import RoutesProvider

    root = write_tree(tmp_path, {
        "ui/views.py": "from flask import Flask, render_template\napp = Flask(__name__)\n\n"
                       '@app.route("/")\ndef index():\n    return render_template("a.html")\n\n'
                       '@app.route("/b")\ndef b():\n    return render_template("b.html")\n',
        "api/views.py": "from flask import Flask, jsonify\napi = Flask(__name__)\n\n"
                        '@api.route("/x")\ndef x():\n    return jsonify(render="template")\n',
    })
    index = build_index(root, discover(root, [root], (), True), Config(root=str(root)))
    pages = [(e.file, e.line) for e in RoutesProvider.of(index).evidence if e.kind == "html-pages"]
    assert pages == [("ui/views.py", 6)]


def test_api004_reads_exception_handlers_given_to_the_app_constructor_in_a_factory(tmp_path: Path) -> None:
    """`FastAPI(exception_handlers={HTTPException: on_http})` registers `on_http` as
    `@app.exception_handler(HTTPException)` would; defined in the app factory, the project model
    still knows the body it returns, so `raise HTTPException` votes as that body."""
    main = (
        "from fastapi import FastAPI, HTTPException\nfrom fastapi.responses import JSONResponse\n"
        "def create_app():\n"
        "    async def on_http(request, exc):\n"
        "        return JSONResponse(status_code=exc.status_code, content={'error': exc.detail})\n"
        "    app = FastAPI(exception_handlers={HTTPException: on_http})\n"
        "    return app\n"
        "def a():\n    raise HTTPException(status_code=404, detail='no a')\n"
        "def b():\n    raise HTTPException(status_code=404, detail='no b')\n"
        "def c():\n    return JSONResponse(status_code=404, content={'message': 'no c'})\n"
        "def d():\n    return JSONResponse(status_code=409, content={'error': 'no d'})\n"
    )
    root = write_tree(tmp_path, {"app/__init__.py": "", "app/main.py": main})
    index = build_index(root, discover(root, [root], (), True), Config(root=str(root)))
    handlers = index.section("routes").exception_handlers
    assert [(h.line, h.owner, h.exception, h.function) for h in handlers] == [(6, "create_app.app", "fastapi.HTTPException", "on_http")]
    assert index.section("symbols").error_body("app/main.py", "on_http").shape == {"error": "value"}
    assert [f.line for f in scan_tree(root, select=("API004",)).findings] == [13]
    # Near miss: a handler for another exception leaves `raise HTTPException` as `{"detail"}`.
    root = write_tree(tmp_path / "other", {"app/__init__.py": "", "app/main.py": main.replace("{HTTPException: on_http}", "{KeyError: on_http}")})
    assert [f.line for f in scan_tree(root, select=("API004",)).findings] == [5, 13, 15]
