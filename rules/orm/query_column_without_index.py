from __future__ import annotations

from reviewer.orm import indexes, querysites
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

    Left out: tables that stay small by design, by the model's class name (lookup and enum
    tables such as `OrderStatus`, `Country`, configuration such as `SiteSettings`); joins of
    several models; lookups through a relation (another table); raw SQL. This is advice, not
    a defect: a table of a few thousand rows needs no index, and the rule cannot know row
    counts. See docs/indexes.md.

    Field precision 1.00, but on little evidence: 4 findings on the tuned projects (label
    fkindex-6), all judged.

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
    index_sections = (indexes.SECTION, querysites.SECTION, "routes", "migrations")
    invalid = (
        Example(_view('Order.objects.filter(status="open").order_by("-created")'), path="shop/views.py", lines=(6,),
                files=(DJANGO_MODELS, DRF_URLS)),
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
    )

    def check(self, index) -> None:
        handlers = _list_handlers(index)
        if not handlers:
            return
        coverage = indexes.coverage(index)
        tables = indexes.tables_by_model(index)
        # A handler builds its query over several statements (`query = query.where(...)`):
        # the sites of one function on one model are read as one query.
        queries: dict[tuple[str, str, str], list[querysites.QuerySite]] = {}
        for site in querysites.sites(index):
            key = (site.path, site.owner) if site.owner else (site.path, site.function)
            if key in handlers and not site.model.endswith(SMALL_TABLE_SUFFIXES):
                queries.setdefault((site.path, site.function, site.model), []).append(site)
        joined = {(s.path, s.function) for found in queries.values() for s in found if s.joined}
        grouped: dict[tuple[str, tuple[str, ...], str], list[querysites.QuerySite]] = {}
        for (path, function, model), found in queries.items():
            if (path, function) in joined:
                continue  # a query over several tables: the plan depends on the join
            table = tables.get(model)
            keys = coverage.tables.get(table) if table else None
            if keys is None:
                continue  # a model we do not know, or one several files define
            filters = tuple(sorted({c for s in found for c in s.filters if c not in ("pk", "id")}))
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
            self.report(Location(first.line, first.col, first.line, first.col), path=first.path, model=first.model, how=how,
                        columns=", ".join(f"`{c}`" for c in columns), count=len(found), ies="y" if len(found) == 1 else "ies",
                        sites=listed, lead=" or ".join(f"`{c}`" for c in columns))


def _list_handlers(index) -> set[tuple[str, str]]:
    """(file, class or function name) of the handlers of list and search endpoints: `GET`
    routes whose path does not end with a path parameter."""
    found: set[tuple[str, str]] = set()
    for route in routes.section(index)["routes"]:
        path = route.get("path") or ""
        if route.get("method") not in ("GET", "ANY") or path.rstrip("/").endswith("}") or routes.non_service(route["file"]):
            continue
        parts = route["handler"].split(".")
        if len(parts) >= 2 and parts[-2][:1].isupper():
            found.add((route["file"], parts[-2]))  # a view set's action, a view class's method
        else:
            found.add((route["file"], parts[-1]))  # a function, or a view class
    return found
