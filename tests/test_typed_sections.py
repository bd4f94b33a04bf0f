"""The routes, error-shape, model-graph and DRF serializer sections are typed, immutable
records (issue 12, item 1): per-file facts go through JSON only at the index cache boundary
(`to_json` / `from_json` round trip), and rules get typed values they cannot change."""

from __future__ import annotations

import ast
import dataclasses
import json
import pickle
from pathlib import Path

import pytest

from reviewer.config import Config
from reviewer.discovery import discover
from reviewer.model import FileKind
from reviewer.orm.modelgraph import (
    DrfSerializerProvider, FileModels, ManagerFacts, ModelFacts, ModelGraph, ModelGraphProvider, OrmModels, RelationFacts, SerializerFacts,
    SerializerField,
)
from reviewer.project.symbols import SymbolsProvider
from reviewer.provider import FrozenMap, freeze
from reviewer.runner import build_index
from reviewer.web.errorshape import ErrorShapes, ErrorShapesProvider, ErrorSite, FileErrorShapes, collect_sites
from reviewer.web.routes import App, DrfView, FileRoutes, PathFact, Route, RouterDecl, RoutesProvider, RoutesSection, Setting
from tests.conftest import write_tree

ERRORS = (
    "from fastapi import HTTPException\n"
    "from fastapi.responses import JSONResponse\n"
    "def api_error(code, message, status):\n"
    "    return JSONResponse({'error': {'code': code, 'message': message}}, status_code=status)\n"
    "def missing():\n"
    "    return JSONResponse({'message': 'gone', 'items': []}, status_code=410)\n"
    "def denied():\n"
    "    raise HTTPException(status_code=403)\n"
    "def one():\n"
    "    return api_error('x', 'y', 400)\n"
    "def two():\n"
    "    return api_error('x', 'y', 409)\n"
)
SERIALIZERS = (
    "from rest_framework import serializers\n"
    "class ItemSerializer(serializers.ModelSerializer):\n"
    "    class Meta:\n"
    "        model = Item\n"
    "        fields = ['id', 'sku']\n"
    "class OrderSerializer(serializers.ModelSerializer):\n"
    "    items = ItemSerializer(many=True)\n"
    "    owner = serializers.PrimaryKeyRelatedField(read_only=True)\n"
    "    customer_name = serializers.CharField(source='customer.name')\n"
    "    total = serializers.SerializerMethodField()\n"
    "    class Meta:\n"
    "        model = Order\n"
    "        exclude = ['secret']\n"
    "        read_only_fields = ['status']\n"
    "        depth = 1\n"
    "    def get_total(self, obj):\n"
    "        return obj.items.count() + obj.customer.credit\n"
)
PROJECT = {
    "shop/__init__.py": "",
    "shop/settings.py": (
        "INSTALLED_APPS = ['django.contrib.auth', 'shop']\n"
        "ROOT_URLCONF = 'shop.urls'\n"
        "REST_FRAMEWORK = {'DEFAULT_PAGINATION_CLASS': 'rest_framework.pagination.PageNumberPagination', 'PAGE_SIZE': 50}\n"
    ),
    "shop/models.py": (
        "from django.db import models\n"
        "class OrderQuerySet(models.QuerySet):\n"
        "    def recent(self):\n"
        "        return self.select_related('customer').order_by('-id')\n"
        "class Customer(models.Model):\n"
        "    name = models.CharField(max_length=80)\n"
        "class Order(models.Model):\n"
        "    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name='orders')\n"
        "    objects = OrderQuerySet.as_manager()\n"
        "    def save(self, *args, **kwargs):\n"
        "        super().save(*args, **kwargs)\n"
    ),
    "shop/serializers.py": SERIALIZERS,
    "shop/views.py": (
        "from rest_framework import viewsets\n"
        "from shop.models import Order\n"
        "from shop.serializers import OrderSerializer\n"
        "class OrderViewSet(viewsets.ModelViewSet):\n"
        "    queryset = Order.objects.all()\n"
        "    serializer_class = OrderSerializer\n"
    ),
    "shop/urls.py": (
        "from django.urls import include, path\n"
        "from rest_framework.routers import DefaultRouter\n"
        "from shop.views import OrderViewSet\n"
        "router = DefaultRouter()\n"
        "router.register('orders', OrderViewSet)\n"
        "urlpatterns = [path('api/v1/', include(router.urls))]\n"
    ),
    "shop/errors.py": ERRORS,
}


def _index(root: Path):
    return build_index(root, discover(root, [root], (), True), Config(root=str(root)))


def _cached(data):
    """What the index cache stores and gives back: JSON text."""
    return json.loads(json.dumps(data))


def test_error_shape_facts_round_trip_through_the_cache_form() -> None:
    written = _cached(ErrorShapesProvider().collect("shop/errors.py", FileKind.PYTHON, ERRORS, ast.parse(ERRORS)))
    facts = FileErrorShapes.from_json(written)
    assert [(site.line, site.status, site.framework) for site in facts.sites] == [(8, None, True), (6, 410, False)]
    assert facts.sites[1].shape == {"message": "str", "items": "list"}
    # The helper `api_error` is the project model's (`ProjectSymbols.error_body`), not a site.
    assert _cached(facts.to_json()) == written
    assert FileErrorShapes.from_json(_cached(facts.to_json())) == facts
    assert collect_sites(ast.parse("x = 1\n")) == {}
    assert facts.surface == "" and "surface" not in written
    drf = "from rest_framework.response import Response\ndef a(request):\n    return Response({'detail': 'x'}, status=400)\n"
    drf_facts = FileErrorShapes.from_json(_cached(collect_sites(ast.parse(drf))))
    assert drf_facts.surface == "drf" and FileErrorShapes.from_json(_cached(drf_facts.to_json())) == drf_facts


def test_serializer_facts_round_trip_through_the_cache_form() -> None:
    written = _cached(DrfSerializerProvider().collect("shop/serializers.py", FileKind.PYTHON, SERIALIZERS, ast.parse(SERIALIZERS)))
    for name, data in written.items():
        facts = SerializerFacts.from_json(data)
        assert _cached(facts.to_json()) == data, name
        assert SerializerFacts.from_json(_cached(facts.to_json())) == facts
    order = SerializerFacts.from_json(written["OrderSerializer"])
    assert (order.model, order.meta_fields, order.exclude, order.read_only, order.depth) == ("Order", None, ("secret",), ("status",), 1)
    assert order.fields["items"] == SerializerField("nested", 7, None, True, serializer="ItemSerializer")
    assert order.fields["owner"].field_class == "PrimaryKeyRelatedField"
    assert order.fields["customer_name"].source == "customer.name"
    assert {(read.chain, read.call) for read in order.fields["total"].reads} == {(("items",), "count"), (("customer", "credit"), None)}
    assert SerializerFacts.from_json(written["ItemSerializer"]).meta_fields == ("id", "sku")


ROUTED = {
    "api/__init__.py": "",
    "api/main.py": (
        "from fastapi import FastAPI\n"
        "from starlette.routing import Mount, Route\n"
        "from api import orders\n"
        "from api.config import PREFIX\n"
        "def create_app():\n"
        "    app = FastAPI(exception_handlers={ValueError: handle})\n"
        "    app.include_router(orders.router, prefix=PREFIX + '/v1')\n"
        "    return app\n"
        "app = create_app()\n"
        "admin = FastAPI(routes=[Route('/ping', ping, methods=['GET']), Mount('/static', app=files)])\n"
        "@app.exception_handler(KeyError)\n"
        "def missing(request, exc):\n"
        "    return None\n"
    ),
    "api/config.py": "PREFIX = '/api'\n",
    "api/orders.py": (
        "from fastapi import APIRouter\n"
        "router = APIRouter(prefix='/orders')\n"
        "@router.get('/', status_code=200, response_model=list)\n"
        "def list_orders(limit: int = 10):\n"
        "    return paginate(rows, min(limit, 100))\n"
        "@router.post('/{order_id}/refund')\n"
        "def refund(order_id: int):\n"
        "    return None\n"
    ),
}


def test_route_facts_round_trip_through_the_cache_form(tmp_path: Path) -> None:
    files = {**PROJECT, **ROUTED, "shop/api.py": (
        "from flask import Blueprint\n"
        "from flask_restful import Api, Resource\n"
        "bp = Blueprint('api', __name__, url_prefix='/api')\n"
        "api = Api(bp, prefix='/v2')\n"
        "class Users(Resource):\n"
        "    page_size = 20\n"
        "    def get(self):\n"
        "        return []\n"
        "api.add_resource(Users, '/users', '/people')\n"
    )}
    for path, text in files.items():
        written = RoutesProvider().collect(path, FileKind.PYTHON, text, ast.parse(text))
        if written is None:
            continue
        written = _cached(written)
        facts = FileRoutes.from_json(written)
        assert _cached(facts.to_json()) == written, path
        assert FileRoutes.from_json(_cached(facts.to_json())) == facts, path
    orders = FileRoutes.from_json(_cached(RoutesProvider().collect("api/orders.py", FileKind.PYTHON, ROUTED["api/orders.py"],
                                                                   ast.parse(ROUTED["api/orders.py"]))))
    assert orders.routers["router"] == RouterDecl("fastapi-router", 2, PathFact("/orders"))
    assert [(r.methods, r.path, r.status_code) for r in orders.routes] == [(("GET",), "/", 200), (("POST",), "/{order_id}/refund", None)]
    main = FileRoutes.from_json(_cached(RoutesProvider().collect("api/main.py", FileKind.PYTHON, ROUTED["api/main.py"],
                                                                 ast.parse(ROUTED["api/main.py"]))))
    include = main.includes[0]
    assert (include.child, include.prefix.literal, include.prefix.text) == ("orders.router", None, "PREFIX + '/v1'")
    assert [entry.mount_app or entry.view for entry in main.routers["admin"].patterns] == ["api.main.ping", "files"]
    index = _index(write_tree(tmp_path, ROUTED))
    section = RoutesProvider.of(index)
    assert {(r.method, r.path, r.handler) for r in section.routes} >= {
        ("GET", "/api/v1/orders/", "api.orders.list_orders"), ("POST", "/api/v1/orders/{order_id}/refund", "api.orders.refund")}
    # What a function does about pagination is the project model's.
    assert SymbolsProvider.of(index).paging("api/orders.py", "list_orders").clamps == ("limit",)
    assert [(a.var, a.key, a.factory, a.handlers_kw) for a in section.apps] == [
        ("app", "create_app.app", 5, ("ValueError",)), ("admin", "admin", None, ())]


def test_model_facts_round_trip_through_the_cache_form() -> None:
    text = PROJECT["shop/models.py"] + (
        "from sqlalchemy.orm import relationship, backref\n"
        "class Invoice(Base):\n"
        "    __tablename__ = 'invoices'\n"
        "    lines = relationship('Line', lazy='selectin', backref=backref('invoice', lazy='joined'))\n"
        "    soft = relationship('Soft', back_populates='invoice')\n"
        "    deleted_at = Column(DateTime)\n"
        "Invoice.register = get_model('billing', 'Invoice')\n"
        "Payment = get_model('billing', 'Payment')\n"
    )
    written = _cached(ModelGraphProvider().collect("shop/models.py", FileKind.PYTHON, text, ast.parse(text)))
    facts = FileModels.from_json(written)
    # `to_json` leaves out what is None (collect writes a relation's `lazy` either way).
    assert FileModels.from_json(_cached(facts.to_json())) == facts
    invoice = facts.classes["Invoice"]
    assert (invoice.framework, invoice.soft_delete) == ("sqlalchemy", "deleted_at")
    assert invoice.relations["lines"] == RelationFacts("unknown", "Line", 15, lazy="selectin", backref="invoice", backref_lazy="joined")
    assert invoice.relations["soft"].back_populates == "invoice"
    assert facts.classes["OrderQuerySet"].methods == {"recent": (("customer",),)}
    assert facts.aliases == {"Payment": "Payment"}


def test_rules_get_typed_immutable_sections(tmp_path: Path) -> None:
    index = _index(write_tree(tmp_path, PROJECT))

    routes = RoutesProvider.of(index)
    assert isinstance(routes, RoutesSection)
    assert routes.routes and all(isinstance(route, Route) for route in routes.routes)
    assert ("GET", "/api/v1/orders/", "shop.views.OrderViewSet.list") in {(r.method, r.path, r.handler) for r in routes.routes}
    assert {r.method for r in routes.routes_of("shop.views.OrderViewSet.create")} == {"POST"}
    assert isinstance(routes.settings["REST_FRAMEWORK"], Setting)
    assert routes.setting("REST_FRAMEWORK")["PAGE_SIZE"] == 50
    assert routes.setting("INSTALLED_APPS") == ("django.contrib.auth", "shop")
    assert isinstance(routes.views["shop.views.OrderViewSet"], DrfView)
    assert isinstance(routes.bounded_paginators, frozenset)
    assert [u.module for u in routes.urlconfs] == ["shop.urls"]

    shapes = ErrorShapesProvider.of(index)
    assert isinstance(shapes, ErrorShapes) and all(isinstance(site, ErrorSite) for site in shapes.sites)
    helper = next(site for site in shapes.sites if site.helper)
    assert (helper.helper, helper.weight, helper.status) == ("api_error", 2, None)
    assert shapes.helper_names() == {"api_error"}

    models = ModelGraphProvider.of(index)
    assert isinstance(models, OrmModels)
    order = models.models["shop.models.Order"]
    assert isinstance(order, ModelFacts) and order.hooks == ("save",)
    assert order.relations["customer"] == RelationFacts("fk", "Customer", 8, related_name="orders")
    assert models.models["shop.models.Customer"].relations["orders"].reverse_of == "customer"
    assert models.managers["OrderQuerySet"] == ManagerFacts(("QuerySet",), FrozenMap({"recent": (("customer",),)}))
    graph = ModelGraph(models, "shop/views.py")
    assert graph.manager_method(graph.manager("Order", "objects"), "recent") == (True, (("customer",),))
    assert graph.manager("Order", "missing") is None and graph.manager("Customer", "objects") == ManagerFacts()

    serializers = DrfSerializerProvider.of(index)
    assert isinstance(serializers["OrderSerializer"], SerializerFacts)

    # Shared by every rule of the scan: none can change them.
    for record in (routes, shapes, models, order, routes.routes[0], serializers["OrderSerializer"]):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(record, dataclasses.fields(record)[0].name, None)
    for mapping in (routes.settings, routes.views, models.models, order.relations, serializers):
        with pytest.raises(TypeError):
            mapping["x"] = None
    with pytest.raises(TypeError):
        routes.setting("REST_FRAMEWORK")["PAGE_SIZE"] = 10
    assert hash(routes.routes) and hash(shapes) and hash(order) and hash(serializers["OrderSerializer"])
    # Worker processes get the index by pickle.
    for section in (routes, shapes, models, serializers):
        assert pickle.loads(pickle.dumps(section)) == section


def test_an_index_without_the_facts_gives_the_empty_typed_sections(tmp_path: Path) -> None:
    index = _index(write_tree(tmp_path, {"lib/util.py": "def add(a, b):\n    return a + b\n"}))
    assert RoutesProvider.of(index) == RoutesSection() and RoutesProvider.of(None) == RoutesSection()
    assert ErrorShapesProvider.of(index) == ErrorShapes()
    assert ModelGraphProvider.of(index) == OrmModels() and not ModelGraph(ModelGraphProvider.of(index))
    assert DrfSerializerProvider.of(index) == {}
    assert RoutesProvider.of(index).setting("DATABASES") is None


def test_freeze_makes_json_data_immutable() -> None:
    frozen = freeze({"a": [1, {"b": 2}], "c": (3,)})
    assert frozen == {"a": (1, {"b": 2}), "c": (3,)} and isinstance(frozen["a"][1], FrozenMap)
    assert json.loads(json.dumps(frozen)) == {"a": [1, {"b": 2}], "c": [3]}
    for change in (lambda: frozen.update(x=1), lambda: frozen.pop("a"), lambda: frozen.setdefault("x", 1), lambda: frozen.clear()):
        with pytest.raises(TypeError):
            change()
    assert App("a.py", 1, "app", "app", "fastapi-app") == App("a.py", 1, "app", "app", "fastapi-app")
