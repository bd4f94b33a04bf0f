from __future__ import annotations

import ast

from reviewer.orm import indexes, querysites, rawsites
from reviewer.orm.modelgraph import ModelGraph, ModelGraphProvider
from reviewer.web import routes
from reviewer.model import Category, Confidence, Location, Severity
from reviewer.rule import Example, ProjectRule

# Class names of tables that stay small by design: lookup / enum tables and configuration.
SMALL_TABLE_SUFFIXES = (
    "Type", "Kind", "Status", "Category", "Setting", "Settings", "Config", "Configuration", "Preference",
    "Preferences", "Choice", "Option", "Options", "Country", "Currency", "Language", "Locale", "Region", "Role",
    "Permission", "Flag", "Feature", "Plugin", "Template",
)
MAX_LISTED = 3

DJANGO_MODELS = (
    "shop/models.py",
    "from django.db import models\n\n"
    "class Order(models.Model):\n"
    "    customer = models.ForeignKey(\"Customer\", on_delete=models.CASCADE)\n"
    "    status = models.CharField(max_length=20)\n"
    "    number = models.CharField(max_length=20, unique=True)\n"
    "    created = models.DateTimeField(db_index=True)\n\n"
    "class OrderStatus(models.Model):\n"
    "    label = models.CharField(max_length=20)\n",
)
DRF_URLS = (
    "shop/urls.py",
    "from rest_framework.routers import DefaultRouter\nfrom shop.views import OrderViewSet\n\n"
    "router = DefaultRouter()\nrouter.register(\"orders\", OrderViewSet, basename=\"order\")\nurlpatterns = router.urls\n",
)
VIEW_HEAD = "from rest_framework import viewsets\nfrom shop.models import Order, OrderStatus\n\n"


RAW_HEAD = ("from django.db import connection\nfrom rest_framework import viewsets\nfrom rest_framework.response import Response\n\n"
            "class OrderViewSet(viewsets.ViewSet):\n    def list(self, request):\n        with connection.cursor() as cursor:\n")


def _models(extra: str) -> tuple[str, str]:
    return DJANGO_MODELS[0], DJANGO_MODELS[1] + extra


def _raw_view(sql: str) -> str:
    return RAW_HEAD + f"            cursor.execute({sql!r}, [request.GET['q']])\n            return Response(cursor.fetchall())\n"


def _view(query: str) -> str:
    return (VIEW_HEAD + "class OrderViewSet(viewsets.ReadOnlyModelViewSet):\n"
            "    def get_queryset(self):\n"
            f"        return {query}\n")


class QueryColumnWithoutIndex(ProjectRule):
    """A list or search endpoint filters or orders a table by a column (or a combination of
    columns) that no index leads with, so each request scans the table and sorts it; as the
    table grows, the endpoint slows down with it.

    The query sites are the ORM queries of the handlers of `GET` routes whose path does not end
    with a path parameter (list and search endpoints, not detail ones): Django
    `filter` / `exclude` / `get` lookups and `order_by` fields on `Model.objects`, SQLAlchemy
    `where` / `filter` / `filter_by` / `order_by` on `Model.column`. A query is covered when
    some index (model, migration, primary key or unique constraint: the shared index coverage
    model) has one of its filtered columns as its leading column, or, for an ordering alone,
    leads with the first ordering column. Several sites on one column combination are one
    finding that lists them.

    Raw SQL is read too: a `SELECT` a list handler executes (`cursor.execute(...)`,
    `session.execute(text(...))`), lifted by the SQL sites, with the columns its `WHERE`
    compares with a value and its `JOIN ... ON` conditions use, per table, and the `ORDER BY`
    of a single-table query; a table is matched by its name (a Django model by `db_table` or
    `<app>_<model>`).

    Left out: tables that stay small by design, by the model's class name (lookup and enum
    tables such as `OrderStatus`, `Country`, configuration such as `SiteSettings`) or the
    words of a table name; ORM joins of several models; lookups through a relation (another
    table: `customer__email`, a many-to-many field); a query that filters by the primary key;
    a foreign key no index leads with (ORM008 reports it, at the model);
    raw SQL in a helper the handler calls, subqueries, CTEs and unions. This is advice, not a
    defect: a table of a few thousand rows needs no index, and the rule cannot know row
    counts. See docs/indexes.md.

    Field precision 1.00, but on little evidence: 4 findings on the tuned projects (label
    `i16orm-3`, the same as `fkindex-6`), all judged; the raw SQL sites add none there.

    Opt-in (select it by its code, or the audit profile): on the ecosystem check's held-out
    projects (label `s8`) its 6 findings were judged 0 true, 5 false, 1 debatable (0.08): small
    tables (billing, configured apps) and lookups the primary key or a join table's index answers.
    Its 4 findings on the tuned projects were true (1.00), which it was tuned on.
    """

    code = "ORM013"
    opt_in = True
    name = "query-column-without-index"
    summary = "A list endpoint filters or orders a table by columns no index leads with."
    category = Category.ORM
    severity = Severity.INFO
    confidence = Confidence.LOW
    message = "Possible missing index: `{model}` is {how} {columns} in {count} list endpoint quer{ies} ({sites}) and no index leads with {lead}"
    fix = "Add an index leading with the filtered column(s): `models.Index(fields=[...])`, `Index(...)` in `__table_args__`, `op.create_index(...)`"
    seed = 'S2:176 "Create indexes for frequently queried columns"; S1:121 "composite indexes for multi-column queries"'
    references = ("https://www.postgresql.org/docs/current/indexes-multicolumn.html",)
    index_sections = (indexes.SECTION, querysites.SECTION, "routes", "migrations", "orm_models")
    invalid = (
        Example(_view('Order.objects.filter(status="open").order_by("-created")'), path="shop/views.py", lines=(6,),
                files=(DJANGO_MODELS, DRF_URLS)),
        Example(_raw_view("SELECT id, number FROM shop_order WHERE status = %s ORDER BY created"), path="shop/views.py", lines=(8,),
                files=(DJANGO_MODELS, DRF_URLS), note="raw SQL: Django names the table `<app>_<model>`"),
        Example(_raw_view("SELECT o.id FROM shop_order o JOIN shop_customer c ON c.id = o.customer_id WHERE c.email = %s"),
                path="shop/views.py", lines=(8,), files=(_models("class Customer(models.Model):\n"
                                                                          "    email = models.CharField(max_length=200)\n"), DRF_URLS),
                note="raw SQL join: the customers are looked up by `email`, which no index leads with"),
    )
    valid = (
        Example(_view('Order.objects.filter(customer=self.request.user.customer)'), path="shop/views.py",
                files=(DJANGO_MODELS, DRF_URLS), note="near-miss: Django indexes a foreign key"),
        Example(_view('Order.objects.order_by("-created")'), path="shop/views.py",
                files=(DJANGO_MODELS, DRF_URLS), note="near-miss: ordered by an indexed column"),
        Example(_view('OrderStatus.objects.filter(label="open")'), path="shop/views.py",
                files=(DJANGO_MODELS, DRF_URLS), note="near-miss: a lookup table, small by design"),
        Example(_view('Order.objects.filter(number=self.request.GET["number"])'), path="shop/views.py",
                files=(DJANGO_MODELS, DRF_URLS), note="near-miss: a unique column is indexed"),
        Example(_view('Order.objects.select_related("customer").filter(status="open")'), path="shop/views.py",
                files=(DJANGO_MODELS, DRF_URLS), note="near-miss: a query joining another table is left to the planner"),
        Example(VIEW_HEAD + "def report():\n    return Order.objects.filter(status=\"open\")\n", path="shop/views.py",
                files=(DJANGO_MODELS, DRF_URLS), note="near-miss: not a list endpoint's query"),
        Example(_view('Order.objects.filter(pk=self.kwargs["pk"], status="open")'), path="shop/views.py",
                files=(DJANGO_MODELS, DRF_URLS), note="near-miss: the primary key finds the row, the other filter checks it"),
        Example(_view('Order.objects.filter(tags=self.request.GET["tag"])'), path="shop/views.py",
                files=(_models("class Tag(models.Model):\n    orders = models.ManyToManyField(Order, related_name='tags')\n"),
                       DRF_URLS), note="near-miss: a many-to-many lookup reads the join table, whose keys Django indexes"),
        Example(_raw_view("SELECT id FROM shop_order WHERE customer_id = %s ORDER BY created"), path="shop/views.py",
                files=(DJANGO_MODELS, DRF_URLS), note="near-miss: raw SQL filtered by an indexed foreign key"),
        Example(_raw_view("SELECT o.id FROM shop_order o JOIN shop_customer c ON c.id = o.customer_id WHERE c.email = %s"),
                path="shop/views.py", files=(_models("class Customer(models.Model):\n"
                                                              "    email = models.CharField(max_length=200, unique=True)\n"), DRF_URLS),
                note="near-miss: raw SQL join on indexed keys, the customer found by a unique column"),
        Example(_raw_view("SELECT id, label FROM shop_orderstatus WHERE label = %s"), path="shop/views.py",
                files=(DJANGO_MODELS, DRF_URLS), note="near-miss: raw SQL on a lookup table, small by design"),
    )

    def check(self, index) -> None:
        handlers = _list_handlers(index)
        if not handlers:
            return
        coverage = indexes.coverage(index)
        tables = indexes.tables_by_model(index)
        named = indexes.keys_by_table_name(index)
        graph = ModelGraph(ModelGraphProvider.of(index))
        # A foreign key no index leads with is ORM008's finding, at the model where the index belongs.
        unindexed = {(fk.table, fk.columns[0]) for fk in coverage.unindexed_foreign_keys()}
        # A handler builds its query over several statements (`query = query.where(...)`):
        # the sites of one function on one model (or, in raw SQL, one table) are read as one query.
        queries: dict[tuple[str, str, str, str], list[querysites.QuerySite]] = {}
        for site in querysites.sites(index) + _raw_sites(index, {path for path, _ in handlers}):
            key = (site.path, site.owner) if site.owner else (site.path, site.function)
            if key in handlers and not _small(site):
                queries.setdefault((site.path, site.function, site.model, site.table), []).append(site)
        joined = {(s.path, s.function) for found in queries.values() for s in found if s.joined}
        grouped: dict[tuple[str, tuple[str, ...], str], list[querysites.QuerySite]] = {}
        for (path, function, model, raw), found in queries.items():
            if model and (path, function) in joined:
                continue  # an ORM query over several tables: the plan depends on the join
            table = tables.get(model) if model else named.get(raw)
            keys = coverage.tables.get(table) if table else None
            if keys is None:
                continue  # a table we do not know, or one several files define
            filtered = {c for s in found for c in s.filters}
            if model:
                if filtered & {"pk", "id"}:
                    continue  # the primary key finds the row; the other filters check it
                # A lookup on a many-to-many or reverse relation reads another table (the join table's keys).
                filtered = {c for c in filtered if (r := graph.relation(model, c)) is None or not r.many}
            filtered = {c for c in filtered if (table, c) not in unindexed}
            if not filtered and any(s.filters for s in found):
                continue  # filtered by another table's keys or an unindexed foreign key: the order is not the question
            filters = tuple(sorted(filtered))
            # An ordering counts only on a query the function starts (one it is given was filtered elsewhere).
            order = next((s.order[:1] for s in found if s.order and s.fresh and s.order[0] not in ("pk", "id")), ())
            first = min(found, key=lambda s: s.line)
            if filters:
                spellings = {v for c in filters for v in (c, f"{c}_id", c.removesuffix("_id"))}  # Django: `customer` / `customer_id`
                if not keys.leads_with_any(tuple(spellings)):
                    grouped.setdefault((table, filters, "filtered by"), []).append(first)
            elif order and not keys.leads_with_any(order):
                grouped.setdefault((table, order, "ordered by"), []).append(first)
        for (_, columns, how), found in sorted(grouped.items(), key=lambda item: (item[1][0].path, item[1][0].line)):
            first = found[0]
            listed = ", ".join(f"{s.path}:{s.line}" for s in found[:MAX_LISTED])
            if len(found) > MAX_LISTED:
                listed += f" and {len(found) - MAX_LISTED} more"
            self.report(Location(first.line, first.col, first.line, first.col), path=first.path, model=first.model or first.table,
                        how=how, columns=", ".join(f"`{c}`" for c in columns), count=len(found), ies="y" if len(found) == 1 else "ies",
                        sites=listed, lead=" or ".join(f"`{c}`" for c in columns))


def _raw_sites(index, paths: set[str]) -> list[querysites.QuerySite]:
    """The raw SQL query sites of the files that hold list handlers (read here, not in the index
    pass, so that only a scan that runs this rule pays for lifting their SQL)."""
    dialect = getattr(index.config, "dialect", "postgres")
    found: list[querysites.QuerySite] = []
    for path in sorted(paths):
        text = index.text(path)
        if text is None or ("SELECT" not in text and "select " not in text):
            continue
        try:
            found += rawsites.raw_sql_sites(path, text, ast.parse(text), dialect)
        except Exception:  # noqa: BLE001 - a file whose SQL cannot be read adds no site; the others still count
            continue
    return found


def _small(site: querysites.QuerySite) -> bool:
    """A lookup / enum / configuration table, small by design: by its model's class name, or
    by the words of a raw SQL table name (`order_status`)."""
    if site.model:
        return site.model.endswith(SMALL_TABLE_SUFFIXES)
    name = site.table.replace("_", "").lower()
    return name.endswith(tuple(suffix.lower() for suffix in SMALL_TABLE_SUFFIXES))


def _list_handlers(index) -> set[tuple[str, str]]:
    non_service = index.deployment.non_service
    """(file, class or function name) of the handlers of list and search endpoints: `GET`
    routes whose path does not end with a path parameter."""
    found: set[tuple[str, str]] = set()
    for route in routes.RoutesProvider.of(index).routes:
        path = route.path or ""
        if route.method not in ("GET", "ANY") or path.rstrip("/").endswith("}") or non_service(route.file):
            continue
        parts = route.handler.split(".")
        if len(parts) >= 2 and parts[-2][:1].isupper():
            found.add((route.file, parts[-2]))  # a view set's action, a view class's method
        else:
            found.add((route.file, parts[-1]))  # a function, or a view class
    return found
