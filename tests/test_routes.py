"""The route index (every handler with method and full path), `reviewer routes`, and the
`error-format` config key that API004 reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.config import Config, ConfigError, parse_config
from reviewer.discovery import discover
from reviewer.runner import build_index
from tests.conftest import REPO, run_cli, scan_tree, write_tree

SAMPLES = REPO / "sample_projects"


def _routes(root: Path) -> set[tuple[str, str, str]]:
    index = build_index(root, discover(root, [root], (), True), Config(root=str(root)))
    return {(r["method"], r["path"], r["handler"]) for r in index.section("routes")["routes"]}


def test_fastapi_prefixes_are_joined_through_include_router() -> None:
    routes = _routes(SAMPLES / "clean_inventory")
    assert ("GET", "/api/v1/items", "app.routers.items.list_items") in routes
    assert ("DELETE", "/api/v1/items/{item_id}", "app.routers.items.delete_item") in routes
    assert ("GET", "/healthz", "app.routers.health.healthz") in routes


def test_flask_blueprint_prefix_comes_from_register_blueprint() -> None:
    routes = _routes(SAMPLES / "flask_ledger")
    assert ("POST", "/api/v1/accounts", "ledger.accounts.create_account") in routes
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
            'bp.add_url_rule("/audit", view_func=Audit.as_view("audit"))\n',
        },
    )
    assert _routes(root) == {("GET", "/admin/audit", "svc.admin.Audit"), ("DELETE", "/admin/audit", "svc.admin.Audit")}


def test_routes_command_prints_the_index() -> None:
    result = run_cli("routes", str(SAMPLES / "fastapi_orders"))
    assert result.exit_code == 0
    assert "GET     /orders/{order_id}/tracking" in result.output
    assert "app.routers.orders.refresh_tracking" in result.output
    assert result.output.rstrip().endswith("route(s)")


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
