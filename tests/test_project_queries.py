"""Per-function ORM summaries of the project model (reviewer/project/queries.py), resolved
across modules by ProjectSymbols.queries."""

from __future__ import annotations

import ast
import json

from reviewer.project.queries import IteratedParameter, QuerySummary, ReturnedRows
from reviewer.project.symbols import FileSymbols, ProjectSymbols, collect_symbols

SERVICE = '''
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from app.models import Order, Line

def plain(db):
    return db.scalars(select(Order).where(Order.paid)).all()

def eager(db):
    stmt = select(Order).options(joinedload(Order.customer), selectinload(Order.lines).joinedload(Line.product))
    return db.execute(stmt).scalars().all()

def legacy(db, n):
    return db.query(Order).filter(Order.paid).limit(n).all()

def one(db, pk):
    return db.get(Order, pk)

def columns(db):
    return db.execute(select(Order.id, Order.paid)).all()

def branches(db, flag):
    if flag:
        return db.query(Order).all()
    return db.query(Line).all()

class Repo:
    def recent(self):
        return self.db.scalars(select(Order)).all()

    @staticmethod
    def names(orders, limit):
        return [o.customer.name for o in orders][:limit]
'''
DJANGO = '''
from django.db.models import Prefetch
from shop import models

def paid():
    return models.Order.objects.filter(paid=True).select_related("customer__company")

def prefetched():
    return models.Order.objects.prefetch_related(Prefetch("lines", queryset=models.Line.objects.select_related("product")))

def opaque(paths):
    return models.Order.objects.select_related(*paths)

def values():
    return models.Order.objects.values("id")

def loop(qs, other):
    other = list(other)
    for o in qs:
        print(o.customer.name, o.id)
    return [x.tags for x in other]
'''


def _queries(source: str, path: str = "app/services.py") -> dict[str, QuerySummary]:
    return dict(collect_symbols(path, ast.parse(source), source).queries)


def test_returned_rows_of_sqlalchemy_helpers() -> None:
    queries = _queries(SERVICE)
    assert queries["plain"].returns == ReturnedRows("Order")
    assert queries["eager"].returns == ReturnedRows("Order", eager=(("customer",), ("lines",), ("lines", "product")))
    assert queries["legacy"].returns == ReturnedRows("Order")
    assert queries["one"].returns == ReturnedRows("Order", many=False)
    assert queries["Repo.recent"].returns == ReturnedRows("Order")
    assert "columns" not in queries  # rows of columns, not of a model
    assert "branches" not in queries  # two models: no summary


def test_loader_options_of_filtered_relations_and_option_lists_are_read() -> None:
    """dstack's helpers: `selectinload(Fleet.instances.and_(...))` / `.of_type(...)` load the
    relation; options gathered in a local list (`.append` under a condition, `.extend`) and
    passed as `.options(*options)` are read item by item; a list built any other way, or a
    `*options` the function does not build, is opaque, never "loads nothing"."""
    queries = _queries('''
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, load_only
from app.models import Fleet, Instance, Project

async def fleets(session, include_instances, attrs):
    options = [joinedload(Fleet.project).load_only(Project.name)]
    if include_instances:
        options.append(selectinload(Fleet.instances.and_(Instance.deleted == False)))
    options.extend([joinedload(Fleet.owner.of_type(Project))])
    res = await session.execute(select(Fleet).where(Fleet.deleted == False).options(*options))
    return list(res.unique().scalars().all())

async def handed(session, options):
    res = await session.execute(select(Fleet).options(*options))
    return list(res.scalars().all())

async def grown(session, extra):
    options = [joinedload(Fleet.project)]
    options += extra
    res = await session.execute(select(Fleet).options(*options))
    return list(res.scalars().all())

async def popped(session):
    options = [joinedload(Fleet.project)]
    options.pop()
    res = await session.execute(select(Fleet).options(*options))
    return list(res.scalars().all())
''')
    assert queries["fleets"].returns == ReturnedRows("Fleet", eager=(("instances",), ("owner",), ("project",)))
    for name in ("handed", "grown", "popped"):
        assert queries[name].returns is not None and queries[name].returns.opaque, name


def test_returned_rows_of_django_helpers() -> None:
    queries = _queries(DJANGO, "shop/services.py")
    # `ends`: where the returned queryset ends (line 6, byte column 85), for a fix to append an eager load.
    assert queries["paid"].returns == ReturnedRows("models.Order", manager="objects", eager=(("customer",), ("customer", "company")),
                                                   ends=((6, 85),))  # fmt: skip
    assert queries["prefetched"].returns.eager == (("lines",), ("lines", "product"))
    assert queries["opaque"].returns.opaque
    assert not queries["values"].returns.instances
    assert queries["values"].returns.ends == ()  # nothing can follow `values()`


def test_iterated_parameters() -> None:
    queries = _queries(SERVICE)
    assert queries["Repo.names"].iterates == (IteratedParameter("orders", 0, (("customer", "name"),)),)
    django = _queries(DJANGO, "shop/services.py")
    # `other` is reassigned before the loop: not the caller's rows any more.
    assert django["loop"].iterates == (IteratedParameter("qs", 0, (("customer", "name"), ("id",))),)


def test_summaries_survive_the_cache_boundary() -> None:
    facts = collect_symbols("app/services.py", ast.parse(SERVICE), SERVICE)
    again = FileSymbols.from_json("app/services.py", json.loads(json.dumps(facts.to_json())))
    assert again.queries == facts.queries


def test_queries_resolve_the_function_and_its_model_across_modules() -> None:
    files = {
        "app/__init__.py": "",
        "app/models.py": "class Order(Base):\n    pass\nclass Line(Base):\n    pass\n",
        "app/services.py": SERVICE,
        "app/routes.py": "from app.services import plain, Repo\nfrom app import services\n",
        "other/__init__.py": "",
        "other/models.py": "class Order(Base):\n    pass\n",
    }
    symbols = ProjectSymbols.build({path: collect_symbols(path, ast.parse(text), text) for path, text in files.items()})
    found = symbols.queries("app/routes.py", "plain")
    assert found is not None
    assert (found.qualified, found.path, found.model_module, found.model_name) == ("app.services.plain", "app/services.py", "app.models", "Order")
    assert symbols.queries("app/routes.py", "services.legacy").qualified == "app.services.legacy"
    assert symbols.queries("app/routes.py", "Repo.recent").qualified == "app.services.Repo.recent"
    assert symbols.queries("app/routes.py", "services.missing") is None


MODELS = '''
from django.db import models
from django.db.models import Sum
from sqlalchemy.orm import object_session

class Order(models.Model):
    @property
    def total_paid(self):
        return Payment.objects.filter(order=self).aggregate(s=Sum("amount"))["s"]

    @property
    def tag_labels(self):
        return [t.label for t in self.tags.all()]

    @property
    def customer_name(self):
        return self.customer.name

    def open_lines(self):
        return self.lines.filter(open=True).count()

    @property
    def line_count(self):
        return object_session(self).query(Line).filter(Line.order_id == self.id).count()

    def helper(self, cache):
        return cache.get("x", None)
'''


def test_what_a_method_queries() -> None:
    from reviewer.project.queries import MANAGER, SELF_CALL, SELF_READ, SESSION, QueryUse

    queries = _queries(MODELS, "shop/models.py")
    assert queries["Order.total_paid"].queries == (QueryUse(MANAGER, ("Payment", "objects"), "aggregate"),)
    assert queries["Order.total_paid"].is_property
    assert queries["Order.tag_labels"].queries == (QueryUse(SELF_CALL, ("tags",), "all"),)
    assert queries["Order.customer_name"].queries == (QueryUse(SELF_READ, ("customer", "name")),)
    assert queries["Order.open_lines"].queries == (QueryUse(SELF_CALL, ("lines",), "filter"),)
    assert not queries["Order.open_lines"].is_property and queries["Order.open_lines"].getter
    assert QueryUse(SESSION, (), "query") in queries["Order.line_count"].queries
    assert "Order.helper" not in queries  # `cache.get(...)` is no session


def test_files_without_models_or_queries_keep_no_method_accesses() -> None:
    source = "class View(Base):\n    def get(self, request):\n        return self.render(request.user.name)\n"
    assert _queries(source, "app/views.py") == {}
