from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.orm.querysets import PREFETCH_CACHE_METHODS, QueryTracker, Rows, chain_of, eager_call, eager_load_fix
from reviewer.rule import Example, Needs, PythonRule

DJANGO_MODELS = (
    "from django.db import models\n"
    "class Customer(models.Model):\n"
    "    name = models.CharField(max_length=100)\n"
    "    company = models.ForeignKey('Company', on_delete=models.CASCADE)\n"
    "class Company(models.Model):\n"
    "    name = models.CharField(max_length=100)\n"
    "class Tag(models.Model):\n"
    "    label = models.CharField(max_length=50)\n"
    "class Order(models.Model):\n"
    "    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name='orders')\n"
    "    tags = models.ManyToManyField(Tag)\n"
    "    paid = models.BooleanField()\n"
)
SQLALCHEMY_MODELS = (
    "from sqlalchemy import ForeignKey\n"
    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n"
    "class Base(DeclarativeBase):\n"
    "    pass\n"
    "class Customer(Base):\n"
    "    __tablename__ = 'customers'\n"
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    "    name: Mapped[str]\n"
    "    orders: Mapped[list['Order']] = relationship(back_populates='customer')\n"
    "class Order(Base):\n"
    "    __tablename__ = 'orders'\n"
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    "    paid: Mapped[bool]\n"
    "    customer_id: Mapped[int] = mapped_column(ForeignKey('customers.id'))\n"
    "    customer: Mapped[Customer] = relationship(back_populates='orders')\n"
    "    lines: Mapped[list['Line']] = relationship(lazy='selectin')\n"
    "class Line(Base):\n"
    "    __tablename__ = 'lines'\n"
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    "    order_id: Mapped[int] = mapped_column(ForeignKey('orders.id'))\n"
)
SERVICES = (
    "from sqlalchemy import select\n"
    "from sqlalchemy.orm import joinedload\n"
    "from app.models import Order\n"
    "def paid_orders(session):\n"
    "    return session.scalars(select(Order).where(Order.paid)).all()\n"
    "def paid_orders_with_customer(session):\n"
    "    return session.scalars(select(Order).options(joinedload(Order.customer))).all()\n"
)
DJANGO = (("shop/models.py", DJANGO_MODELS),)
DJANGO_SELECTORS = (
    "from shop.models import Order\n"
    "def paid_orders(since):\n"
    "    if since is None:\n"
    "        return Order.objects.filter(paid=True)\n"
    "    return Order.objects.filter(paid=True, created__gte=since).order_by(\"-created\")\n"
)
SQLALCHEMY = (("app/models.py", SQLALCHEMY_MODELS),)


class NPlusOneLazyRelationInLoop(PythonRule):
    """A relation is read on each row of a multi-row query inside a loop or comprehension,
    and nothing loads it eagerly, so every row costs one more query (N+1). Listing 100 orders
    with their customer's name runs 101 queries; the eager-loading call runs 2, whatever N is.

    The rows are followed from the query through local variables, one level of helper
    functions that return a query, custom Django managers (their `get_queryset`), and loop
    variables. Across modules it relies on two summaries of the project model
    (`reviewer.project.queries`): "returns rows of model M with eager loads E" for functions,
    methods of a class and of a local instance in any module (a FastAPI service, a
    repository), and "iterates parameter p and reads relation r" for rows handed to a
    function that loops over them (a presenter), reported at the call. A path is covered by Django `select_related` / `prefetch_related` / `Prefetch`,
    SQLAlchemy `joinedload` / `selectinload` / `subqueryload` / `contains_eager` / `raiseload`
    options or an eager `lazy=` on the relationship; chained paths (`o.customer.company.name`)
    are followed link by link. Reading the foreign-key column (`o.customer_id`) is not a
    query and is not reported; `o.customer.id` is, with `o.customer_id` as the fix. On a
    prefetched Django relation, `.filter()` / `.order_by()` bypass the prefetch cache and
    query again per row.

    Opt-in: its field precision on the ecosystem check's tuned projects is 0.71 (strict 0.42)
    over 12 judged of 33 findings (`bench/ecosystem/verdicts.tsv`, scan `apiorm-4`), under the
    0.85 a default rule needs: the debatable ones are many-to-one loads that SQLAlchemy's
    identity map serves for repeated parents, error paths and maintenance commands over a few
    rows."""

    code = "ORM001"
    opt_in = True
    name = "n-plus-one-lazy-relation-in-loop"
    summary = "A relation is read on each row of a query in a loop without eager loading (N+1)."
    category = Category.ORM
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "`{expr}` loads `{relation}` once per row of the {source} (N+1)"
    fix = "Eager-load it on the query at {origin}: `{call}`"
    seed = 'S1:124 "Avoid N+1 queries with eager loading"; S2:177; S4:440'
    references = (
        "https://docs.djangoproject.com/en/stable/ref/models/querysets/#select-related",
        "https://docs.djangoproject.com/en/stable/ref/models/querysets/#prefetch-related",
        "https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html",
    )
    needs = Needs(loops=True)
    index_sections = ("orm_models", "symbols")
    fixes = "unsafe"
    invalid = (
        Example(
            "from shop.models import Order\n"
            "def report():\n"
            "    rows = []\n"
            "    for o in Order.objects.filter(paid=True):\n"
            "        rows.append((o.customer.name, [t.label for t in o.tags.all()]))\n"
            "    return rows\n",
            path="shop/views.py",
            files=DJANGO,
            lines=(5,),
            note="forward FK and M2M per row (two findings on line 5; the second fix lands in a second pass)",
            fixed="from shop.models import Order\n"
            "def report():\n"
            "    rows = []\n"
            '    for o in Order.objects.filter(paid=True).select_related("customer").prefetch_related("tags"):\n'
            "        rows.append((o.customer.name, [t.label for t in o.tags.all()]))\n"
            "    return rows\n",
        ),
        Example(
            "from shop.selectors import paid_orders\n"
            "def labels(since):\n"
            "    return [o.customer.name for o in paid_orders(since)]\n",
            path="shop/views.py",
            files=(*DJANGO, ("shop/selectors.py", DJANGO_SELECTORS)),
            lines=(3,),
            note="rows from a helper in another module: the fix appends the eager load to each queryset the helper returns",
        ),
        Example(
            "from sqlalchemy import select\n"
            "from app.models import Order\n"
            "def paid(session):\n"
            "    orders = session.scalars(select(Order).where(Order.paid)).all()\n"
            "    return [{'id': o.id, 'customer': o.customer.name} for o in orders]\n",
            path="app/service.py",
            files=SQLALCHEMY,
            lines=(5,),
            note="SQLAlchemy 2.0 select through a variable",
        ),
        Example(
            "from shop.models import Order\n"
            "def names():\n"
            "    qs = Order.objects.select_related('customer')\n"
            "    return [o.customer.company.name for o in qs]\n",
            path="shop/views.py",
            files=DJANGO,
            lines=(4,),
            note="chained path: only `customer` is loaded, `customer__company` is not",
        ),
        Example(
            "from shop.models import Order\n"
            "def ids():\n"
            "    return [o.customer.id for o in Order.objects.all()]\n",
            path="shop/views.py",
            files=DJANGO,
            lines=(3,),
            note="`o.customer.id` loads the customer: read `o.customer_id`",
        ),
        Example(
            "from app.services import paid_orders\n"
            "def names(session):\n"
            "    return [o.customer.name for o in paid_orders(session)]\n",
            path="app/routes.py",
            files=(*SQLALCHEMY, ("app/services.py", SERVICES)),
            lines=(3,),
            note="the rows come from a service function of another module",
        ),
    )
    valid = (
        Example(
            "from app.services import paid_orders_with_customer\n"
            "def names(session):\n"
            "    return [o.customer.name for o in paid_orders_with_customer(session)]\n",
            path="app/routes.py",
            files=(*SQLALCHEMY, ("app/services.py", SERVICES)),
            note="near-miss: the service function eager-loads the customer",
        ),
        Example(
            "from shop.models import Order\n"
            "def report():\n"
            "    qs = Order.objects.filter(paid=True).select_related('customer').prefetch_related('tags')\n"
            "    return [(o.customer.name, [t.label for t in o.tags.all()]) for o in qs]\n",
            path="shop/views.py",
            files=DJANGO,
        ),
        Example(
            "from shop.models import Order\n"
            "def ids():\n"
            "    return [o.customer_id for o in Order.objects.all()]\n",
            path="shop/views.py",
            files=DJANGO,
            note="near-miss: the foreign-key column is on the row",
        ),
        Example(
            "from sqlalchemy import select\n"
            "from sqlalchemy.orm import joinedload\n"
            "from app.models import Order\n"
            "def paid(session):\n"
            "    stmt = select(Order).options(joinedload(Order.customer))\n"
            "    return [(o.customer.name, len(o.lines)) for o in session.scalars(stmt)]\n",
            path="app/service.py",
            files=SQLALCHEMY,
            note="near-miss: joinedload option, and `lines` is lazy='selectin' on the mapping",
        ),
        Example(
            "from shop.models import Order\n"
            "def one(pk):\n"
            "    order = Order.objects.get(pk=pk)\n"
            "    return order.customer.name\n",
            path="shop/views.py",
            files=DJANGO,
            note="near-miss: a single row is not N+1",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.tracker = context.shared(QueryTracker)
        self.active = bool(self.tracker.graph) and not context.in_migration
        self.handled: set[int] = set()
        self.reported: set[tuple[int, tuple[str, ...]]] = set()

    # -- rows handed to a function that loops over them ------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        """`render(orders)` where `render` (any module) iterates its parameter and reads a
        relation on each item: the summary "iterates parameter p and reads relation r"."""
        if not self.active:
            return
        positional = [a for a in node.args if a.keyword is None and a.star == ""]
        if not positional:
            return
        found = self.tracker.callee(node.func)
        if found is None or not found.summary.iterates:
            return
        for item in found.summary.iterates:
            if item.index >= len(positional):
                continue
            rows = self.tracker.rows_of(positional[item.index].value)
            if rows is None or not rows.many or not rows.instances or (rows.awaited and rows.framework == "sqlalchemy"):
                continue
            for chain in item.reads:
                path = self.tracker.unloaded(rows, chain)
                if path is None or (id(rows.origin), path) in self.reported:
                    continue
                self.reported.add((id(rows.origin), path))
                relation = self.tracker.graph.relation(self._model_at(rows, path[:-1]), path[-1])
                origin = f"{self.context.path}:{self.context.line_of(rows.origin)}"
                expr = self.context.module.code_for_node(node.func)
                self.report(
                    node,
                    "`{expr}()` ({where}) reads `{parameter}[i].{chain}` on each row of the `{model}` query at {origin}, "
                    "which does not load `{relation}` (N+1)",
                    confidence=None if rows.certain else Confidence.MEDIUM,
                    fix=f"Eager-load it on the query at {origin}: `{eager_call(rows, self.tracker.graph, path)}`",
                    expr=expr,
                    where=found.path,
                    parameter=item.parameter,
                    chain=".".join(path),
                    model=rows.model,
                    origin=origin,
                    relation=f"{relation.model}.{relation.attr}",  # type: ignore[union-attr]
                )

    def _model_at(self, rows: Rows, path: tuple[str, ...]) -> str | None:
        model: str | None = rows.model
        for name in path:
            relation = self.tracker.graph.relation(model, name)
            model = relation.target if relation is not None else None
        return model

    # -- reads --------------------------------------------------------------------------
    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        """`o.items = []` replaces the relation: a write, not a per-row read (its parents,
        `o.customer` in `o.customer.name = x`, are still read)."""
        if self.active and isinstance(node.target, cst.Attribute):
            self.handled.add(id(node.target))
            found = chain_of(node.target)
            if found is not None and len(found[1]) > 1:
                self._read(found[0], found[1][:-1])

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if not self.active or not self.tracker.bindings or id(node) in self.handled:
            return
        found = chain_of(node)
        if found is None:
            return
        self._read(*found)

    def _read(self, head: cst.Name, attributes: list[cst.Attribute]) -> None:
        for attribute in attributes:
            self.handled.add(id(attribute))
        rows = None
        for frame in reversed(self.tracker.bindings):
            if head.value in frame:
                rows = frame[head.value]
                break
        if rows is None or not rows.instances:
            return
        if rows.awaited and rows.framework == "sqlalchemy":
            return  # under asyncio the lazy load raises instead: ORM006 reports it
        self._check(rows, head, attributes)

    def _check(self, rows: Rows, head: cst.Name, attributes: list[cst.Attribute]) -> None:
        graph = self.tracker.graph
        model: str | None = rows.model
        path: tuple[str, ...] = ()
        for number, attribute in enumerate(attributes):
            name = attribute.attr.value
            relation = graph.relation(model, name)
            if relation is None:
                return
            path += (name,)
            following = attributes[number + 1].attr.value if number + 1 < len(attributes) else None
            covered = rows.covers(path, relation)
            if relation.framework == "django" and relation.many:
                if covered and (following is None or following in PREFETCH_CACHE_METHODS):
                    return
                if covered:
                    self._report(rows, attributes[number + 1], path, relation, bypass=following)
                else:
                    self._report(rows, attribute, path, relation)
                return
            if relation.dynamic or not covered:
                fk_id = relation.framework == "django" and relation.kind == "fk" and following in ("id", "pk") and number + 2 == len(attributes)
                self._report(rows, attributes[number + 1] if fk_id else attribute, path, relation, fk_id=fk_id)
                return
            if relation.many or not relation.target or graph.model(relation.target) is None:
                return
            model = relation.target

    def _report(self, rows: Rows, node: cst.Attribute, path, relation, bypass: str | None = None, fk_id: bool = False) -> None:
        key = (id(rows.origin), path)
        if key in self.reported:
            return
        self.reported.add(key)
        origin = f"{self.context.path}:{self.context.line_of(rows.origin)}"
        source = f"`{rows.model}` query at {origin}"
        if rows.via[0]:
            source = f"`{rows.via[0]}.{rows.via[1]}` collection read at {origin}"
        elif rows.helper:
            source = f"`{rows.model}` rows that {rows.helper} returns, called at {origin}"
        expr = self.context.module.code_for_node(node)
        relation_name = f"{relation.model}.{relation.attr}"
        severity = Severity.INFO if rows.sliced else None
        confidence = None if rows.certain else Confidence.MEDIUM
        prefix = "" if rows.certain else "Possible N+1: "
        autofix = None
        if fk_id:
            message = f"{prefix}`{expr}` loads `{relation_name}` once per row of the {source} to read its key"
            column = expr.rsplit(".", 2)[0] + f".{path[-1]}_id"
            fix = f"Read the foreign-key column instead: `{column}`"
        elif bypass is not None:
            message = (
                f"{prefix}`{expr}` queries `{relation_name}` once per row of the {source}: "
                f"`.{bypass}()` bypasses the prefetch cache"
            )
            fix = (
                f'Prefetch the filtered rows once on the query at {origin}: `.prefetch_related(Prefetch("{"__".join(path)}", '
                f'queryset=..., to_attr="...")`) and read the `to_attr` list in the loop'
            )
        else:
            message = prefix + self.message.format(expr=expr, relation=relation_name, source=source)
            fix = self.fix.format(origin=origin, call=eager_call(rows, self.tracker.graph, path))
            if rows.via[0]:
                fix = f"Eager-load it where the `{rows.via[0]}` is queried: `{eager_call(rows, self.tracker.graph, path)}`"
            elif rows.helper:
                fix = f"Eager-load it on the query in {rows.helper}: `{eager_call(rows, self.tracker.graph, path)}`"
            # Rows from a project helper are eager-loaded where the helper builds its query.
            text_of = self.context.index.text if self.context.index is not None else None
            autofix = eager_load_fix(rows, eager_call(rows, self.tracker.graph, path), text_of)
        # The message is final text: braces in code or paths must not read as placeholders.
        self.report(node, message.replace("{", "{{").replace("}", "}}"), severity=severity, confidence=confidence, fix=fix,
                    autofix=autofix)  # fmt: skip
