"""Project roots: a repository of several services scanned as one tree (a monorepo) keeps each
service's models, settings and routes apart.

The labelled corpora are copied side by side under `services/` of one temporary tree; each
service's findings in that scan must equal the findings of scanning the service alone.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from reviewer.config import Config
from reviewer.discovery import discover
from reviewer.project.roots import SECTION as ROOTS, ProjectRoots
from reviewer.runner import build_index
from tests.conftest import NO_RELEASE_POINT, scan_tree, write_tree

CORPUS = Path(__file__).parent / "corpus"
# A service of the corpora without a settings module or an app gets one, as a deployed
# service has: a Django settings package, or the module that builds the FastAPI app.
DJANGO_SETTINGS = {"project/__init__.py": "", "project/settings.py": 'INSTALLED_APPS = ["django.contrib.auth"]\n'}
SERVICES = {
    "catalog": (CORPUS / "api" / "django_svc", {}),
    "users": (CORPUS / "api" / "fastapi_svc", {}),
    "accounts": (CORPUS / "api" / "flask_svc", {}),
    "shopapi": (CORPUS / "nplus1" / "fastapi_service", {"shopapi/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"}),
    "store": (CORPUS / "nplus1" / "django_service", DJANGO_SETTINGS),
    "checks": (CORPUS / "nplus1" / "django_check", DJANGO_SETTINGS),
    "ledger": (CORPUS / "orm", DJANGO_SETTINGS),
}


def _config(root: Path) -> Config:
    return Config(root=str(root), profile="audit", migrations_released=NO_RELEASE_POINT)


def _findings(root: Path, prefix: str = "", depth: int = 2) -> set[tuple[str, int, str, str]]:
    """(path, line, rule, message) of every finding of the audit profile. Scanning the tree of
    several services (no `prefix`), a message names a file, a module or a model from the
    scanned root (`services/store/store/views.py`, `services.store.store.models.Order`): the
    service's folder (its first `depth` folders) is taken out of the names, as a scan of the
    service alone would name them; `prefix` puts a service's own findings under its folder."""
    result = scan_tree(root, config=_config(root))
    assert not [e for e in result.errors if e.kind in ("rule-error", "index-error", "internal-error")], result.errors
    found = set()
    for finding in result.findings:
        message = finding.message
        if not prefix:
            folder = finding.path.split("/")[:depth]
            message = re.sub(rf"(?<=[`\s(]){re.escape('.'.join(folder))}\.", "", message.replace("/".join(folder) + "/", ""))
        found.add((prefix + finding.path, finding.location.line, finding.rule, message))
    return found


def _copy(tree: Path, name: str, source: Path, extra: dict[str, str]) -> None:
    shutil.copytree(source, tree / name)
    write_tree(tree / name, extra)


@pytest.fixture(scope="module")
def monorepo(tmp_path_factory: pytest.TempPathFactory) -> tuple[set, set]:
    base = tmp_path_factory.mktemp("roots")
    alone: set = set()
    for name, (source, extra) in SERVICES.items():
        _copy(base / "alone", name, source, extra)
        alone |= _findings(base / "alone" / name, prefix=f"services/{name}/")
    for name, (source, extra) in SERVICES.items():
        _copy(base / "mono" / "services", name, source, extra)
    return alone, _findings(base / "mono")


def test_each_service_keeps_its_findings_in_a_monorepo(monorepo) -> None:
    alone, together = monorepo
    assert len(alone) > 100  # the corpora's findings, not an empty comparison
    assert sorted(together - alone) == [] and sorted(alone - together) == []


def test_the_roots_of_a_monorepo(tmp_path: Path) -> None:
    for name, (source, extra) in SERVICES.items():
        _copy(tmp_path / "services", name, source, extra)
    roots = _index(tmp_path).section(ROOTS)
    assert isinstance(roots, ProjectRoots)
    assert {(root.path, root.kinds) for root in roots.roots} == {
        ("services/catalog", ("django",)),
        ("services/users", ("app",)),
        ("services/accounts", ("app",)),
        ("services/shopapi", ("app",)),
        ("services/store", ("django",)),
        ("services/checks", ("django",)),
        ("services/ledger", ("django",)),
    }
    assert roots.root_of("services/store/store/models.py").path == "services/store"
    assert roots.root_of("tools/release.py") is None


def _index(root: Path):
    return build_index(root, discover(root, [root], (), True), _config(root))


# Service A paginates by default (DRF settings) and its `Product` has a category; service B
# sets no pagination and its `Product` has no relation, only a `category` text column.
SHOP_A = {
    "a/shop/__init__.py": "",
    "a/shop/settings.py": (
        'ROOT_URLCONF = "shop.urls"\n'
        'INSTALLED_APPS = ["rest_framework", "catalog"]\n'
        "REST_FRAMEWORK = {\n"
        '    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",\n'
        '    "PAGE_SIZE": 50,\n'
        "}\n"
    ),
    "a/shop/urls.py": (
        "from django.urls import include, path\n"
        "from rest_framework.routers import DefaultRouter\n"
        "from catalog.views import ProductViewSet\n\n"
        "router = DefaultRouter()\n"
        'router.register("products", ProductViewSet)\n'
        'urlpatterns = [path("api/", include(router.urls))]\n'
    ),
    "a/catalog/__init__.py": "",
    "a/catalog/models.py": (
        "from django.db import models\n\n\n"
        "class Category(models.Model):\n"
        "    name = models.CharField(max_length=50)\n\n\n"
        "class Product(models.Model):\n"
        "    name = models.CharField(max_length=50)\n"
        '    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="products")\n'
    ),
    "a/catalog/views.py": (
        "from rest_framework import viewsets\n"
        "from catalog.models import Product\n"
        "from catalog.serializers import ProductSerializer\n\n\n"
        "class ProductViewSet(viewsets.ModelViewSet):\n"
        "    queryset = Product.objects.all()\n"
        "    serializer_class = ProductSerializer\n"
    ),
    "a/catalog/serializers.py": (
        "from rest_framework import serializers\n"
        "from catalog.models import Product\n\n\n"
        "class ProductSerializer(serializers.ModelSerializer):\n"
        "    class Meta:\n"
        "        model = Product\n"
        '        fields = ["id", "name"]\n'
    ),
    "a/catalog/reports.py": (
        "from catalog.models import Product\n\n\n"
        "def names():\n"
        "    return [p.category.name for p in Product.objects.all()]\n"
    ),
}
SHOP_B = {
    "b/store/__init__.py": "",
    "b/store/settings.py": 'ROOT_URLCONF = "store.urls"\nINSTALLED_APPS = ["rest_framework", "catalog"]\n',
    "b/store/urls.py": SHOP_A["a/shop/urls.py"],
    "b/catalog/__init__.py": "",
    "b/catalog/models.py": (
        "from django.db import models\n\n\n"
        "class Product(models.Model):\n"
        "    name = models.CharField(max_length=50)\n"
        "    category = models.CharField(max_length=50)\n"
    ),
    "b/catalog/views.py": SHOP_A["a/catalog/views.py"],
    "b/catalog/serializers.py": SHOP_A["a/catalog/serializers.py"],
    "b/catalog/reports.py": SHOP_A["a/catalog/reports.py"],
}


def _rules(found: set, path: str) -> set[tuple[int, str]]:
    return {(line, rule) for where, line, rule, _ in found if where == path}


def test_settings_and_models_of_one_service_stay_in_it(tmp_path: Path) -> None:
    together = _findings(write_tree(tmp_path / "mono", {**SHOP_A, **SHOP_B}), depth=1)
    alone_a = _findings(write_tree(tmp_path / "alone", {k[2:]: v for k, v in SHOP_A.items()}), prefix="a/")
    alone_b = _findings(write_tree(tmp_path / "alone_b", {k[2:]: v for k, v in SHOP_B.items()}), prefix="b/")
    # B's list endpoint is not paginated (A's default pagination is not B's) ...
    assert (7, "API001") in _rules(together, "b/catalog/views.py")
    assert (7, "API001") not in _rules(together, "a/catalog/views.py")
    # ... and A's `p.category` is an N+1 where B's is a column.
    assert any(rule == "ORM001" for _, rule in _rules(together, "a/catalog/reports.py"))
    assert not any(rule == "ORM001" for _, rule in _rules(together, "b/catalog/reports.py"))
    assert together == alone_a | alone_b


def test_what_makes_a_root_and_where_it_is(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        # a Django project whose settings live in a folder that is no package, beside manage.py
        "web/manage.py": "import os\n",
        "web/config/settings.py": 'INSTALLED_APPS = ["shop"]\n',
        "web/shop/__init__.py": "",
        # an Alembic env inside the package of its service: the root is above the top package
        "worker/jobs/__init__.py": "",
        "worker/jobs/db/__init__.py": "",
        "worker/jobs/db/migrations/env.py": "from alembic import context\n",
        # an app built by a project subclass of Flask defined in another module
        "portal/core/__init__.py": "",
        "portal/core/wrappers.py": "from flask import Flask\n\n\nclass PortalFlask(Flask):\n    pass\n",
        "portal/core/app.py": "from core.wrappers import PortalFlask\n\n\ndef make():\n    app = PortalFlask(__name__)\n    return app\n",
        # test code builds an app for the code it tests: no root
        "tests/conftest.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        # an object that is no app
        "lib/clients.py": "from httpx import Client\n\nclient = Client()\n",
    })  # fmt: skip
    roots = _index(tmp_path).section(ROOTS)
    assert [(root.path, root.kinds, root.markers) for root in roots.roots] == [
        ("portal", ("app",), ("portal/core/app.py",)),
        ("web", ("django",), ("web/config/settings.py",)),
        ("worker", ("alembic",), ("worker/jobs/db/migrations/env.py",)),
    ]
    assert roots.root_of("lib/clients.py") is None
    assert roots.root_of("web/shop/__init__.py").path == "web"


class _Reading(dict):
    """Facts that record which files' facts are read."""

    def __init__(self, facts) -> None:
        super().__init__(facts)
        self.read: set[str] = set()

    def __getitem__(self, path):
        self.read.add(path)
        return super().__getitem__(path)


def test_the_roots_resolve_each_callee_through_its_files_import_without_its_symbols(tmp_path: Path) -> None:
    """A file's root markers keep the import of each callee's head (`via`), so merging the
    roots reads the symbols of the modules the callees come from, not the caller's own (a
    `--diff` scan decodes each file's index entry it reads); the roots are those the callers'
    symbols give."""
    import ast

    from reviewer.model import FileKind
    from reviewer.project.roots import VIA, build_roots, markers_of, possible_folders
    from reviewer.project.symbols import FileSymbolsTable, ProjectSymbols, SymbolsProvider

    files = {
        "portal/core/__init__.py": "",
        "portal/core/wrappers.py": "from flask import Flask\n\n\nclass PortalFlask(Flask):\n    pass\n",
        "portal/core/app.py": "from core.wrappers import PortalFlask\n\n\ndef make():\n    app = PortalFlask(__name__)\n    return app\n",
        "api/svc/__init__.py": "",
        "api/svc/base.py": "import fastapi as fa\n\n\nclass Api(fa.FastAPI):\n    pass\n",
        "api/svc/main.py": "from .base import Api as Service\n\napp = Service()\n",
        "lib/clients.py": "from httpx import Client\nimport httpx\n\nclient = Client()\nother = httpx.AsyncClient()\n",
        "lib/local.py": "class Thing:\n    pass\n\n\nthing = Thing()\n",
    }
    write_tree(tmp_path, files)
    trees = {path: ast.parse(text) for path, text in files.items()}
    markers = {path: found for path, tree in trees.items() if (found := markers_of(tree, path))}
    symbols = {path: SymbolsProvider().collect(path, FileKind.PYTHON, files[path], tree) for path, tree in trees.items()}
    assert [callee for callee, *_ in markers["api/svc/main.py"][VIA]] == ["Service"]
    assert VIA not in markers["lib/local.py"]  # a class of its own: the merge reads its symbols

    reading = _Reading(symbols)
    roots = build_roots(markers, ProjectSymbols.build(FileSymbolsTable(reading)), files)
    without = build_roots({path: {k: v for k, v in found.items() if k != VIA} for path, found in markers.items()},
                          ProjectSymbols.build(FileSymbolsTable(symbols)), files)
    assert roots == without
    assert [(root.path, root.kinds) for root in roots.roots] == [("api", ("app",)), ("portal", ("app",))]
    # Where roots may be, told without resolving a callee: a superset (RootsProvider.one_at_most).
    assert possible_folders(markers, ProjectSymbols.build(FileSymbolsTable(symbols)), files) == {"api", "lib", "portal"}
    assert {"portal/core/wrappers.py", "api/svc/base.py", "lib/local.py"} <= reading.read
    assert not reading.read & {"portal/core/app.py", "api/svc/main.py", "lib/clients.py"}


def test_a_nested_root_sees_the_code_around_it(tmp_path: Path) -> None:
    """An app nested beside a library is its own root: its views see the library's models,
    the library's files do not see the app's."""
    write_tree(tmp_path, {
        "lib/__init__.py": "",
        "lib/app.py": "from flask import Flask\n\napp = Flask(__name__)\n",
        "lib/models.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n\n\nclass Author(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n",
        "contrib/demo/app.py": "from flask import Flask\n\napp = Flask(__name__)\n",
        "contrib/demo/models.py": "from lib.models import db\n\n\nclass Note(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n",
    })  # fmt: skip
    index = _index(tmp_path)
    # The nested app's sections merge every file: they are the whole tree's.
    assert sorted(index.root_sections) == [""]
    assert index.owner("contrib/demo/models.py") is None
    assert index.owner("lib/models.py") == ""
    demo = index.for_path("contrib/demo/app.py").section("orm_models")
    library = index.for_path("lib/models.py").section("orm_models")
    assert "Author" in str(demo) and "Note" in str(demo)
    assert "Author" in str(library) and "Note" not in str(library)
    assert index.for_path("lib/models.py").section("symbols") is index.section("symbols")


def test_a_nested_service_keeps_its_own_service_findings(tmp_path: Path) -> None:
    """A service nested in another (`services/worker` inside the repository's root service)
    sees the apps and routes around it; its once-per-service findings are placed at its own
    app, as when it is scanned alone, and count its own routes only (they were placed at the
    outer app, whose findings its view does not keep, and lost)."""
    files = {
        "shop/__init__.py": "",
        "shop/main.py": 'from fastapi import FastAPI\nfrom shop import orders\n\napp = FastAPI()\napp.include_router(orders.router, prefix="/v1")\n',
        "shop/orders.py": (
            'from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get("/orders")\ndef orders():\n    return []\n\n\n'
            '@router.get("/orders/{id}")\ndef order(id: int):\n    return {}\n'
        ),
        "services/worker/worker/__init__.py": "",
        "services/worker/worker/app.py": 'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.post("/v1/jobs")\ndef enqueue():\n    return {}\n',
    }
    write_tree(tmp_path / "mono", files)
    write_tree(tmp_path / "worker", {path.removeprefix("services/worker/"): text for path, text in files.items() if path.startswith("services/")})
    write_tree(tmp_path / "shop", {path: text for path, text in files.items() if not path.startswith("services/")})
    rules = ("OPS007", "OPS008", "SEC007")

    def found(root: Path, prefix: str = "") -> set[tuple[str, int, str]]:
        result = scan_tree(root, select=rules, config=_config(root))
        return {(prefix + f.path, f.location.line, f.rule) for f in result.findings}

    alone = found(tmp_path / "shop") | found(tmp_path / "worker", "services/worker/")
    assert {rule for _, _, rule in alone} == set(rules)
    assert found(tmp_path / "mono") == alone


def test_examples_and_harnesses_make_no_root(tmp_path: Path) -> None:
    """An example app or an evaluation harness is not a service: it makes no root, and its
    files get the whole tree's facts."""
    write_tree(tmp_path, {
        "svc/__init__.py": "",
        "svc/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        "examples/demo/app.py": "from flask import Flask\n\napp = Flask(__name__)\n",
        "evals/harness/backend.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
    })  # fmt: skip
    roots = _index(tmp_path).section(ROOTS)
    assert [root.path for root in roots.roots] == [""]
