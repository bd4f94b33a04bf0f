from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.project.queries import SELF_READ
from reviewer.orm.querysets import INSTANCE_WRITES, LoopStack, QueryTracker, classify_call, eager_call
from reviewer.rule import Example, Needs, PythonRule

DJANGO = (
    (
        "shop/models.py",
        "from django.db import models\n"
        "class Product(models.Model):\n"
        "    sku = models.CharField(max_length=64)\n",
    ),
)

ORDERS = (
    (
        "shop/models.py",
        "from django.db import models\n"
        "from django.db.models import Sum\n"
        "class Order(models.Model):\n"
        "    number = models.CharField(max_length=20)\n"
        "    @property\n"
        "    def total_paid(self):\n"
        "        return Payment.objects.filter(order=self).aggregate(s=Sum('amount'))['s']\n"
        "    @property\n"
        "    def label(self):\n"
        "        return f'#{self.number}'\n"
        "class Payment(models.Model):\n"
        "    order = models.ForeignKey(Order, on_delete=models.CASCADE)\n"
        "    amount = models.IntegerField()\n",
    ),
)


class QueryInLoop(PythonRule):
    """A query runs on every pass of a loop, keyed by the loop variable: one round trip per
    item, where one `IN` / `ANY` query (`in_bulk`, `filter(pk__in=...)`,
    `select(...).where(M.id.in_(ids))`, `WHERE id = ANY(%s)`) would fetch them all. The cost
    grows with the input, and a list of 500 ids becomes 500 queries.

    Covered: Django manager reads (`get`, `first`, `exists`, `count`, `get_or_create`, ...),
    `get_object_or_404`, SQLAlchemy `session.get(M, x)`, `session.execute/scalars(select(...))`
    and `query(...).first()`, and DB-API / asyncpg `SELECT`s. Queries hidden in a model
    method or `@property` read on each row of a query the loop iterates are found through the
    summary "runs a query" of the project model (`reviewer.project.queries`, the model class
    and its project base classes in any module): a manager read or session call, a relation
    method that bypasses the prefetch cache, or a relation the rows do not eager-load. Loops over batches or chunks
    (the batching fix itself), over literal collections or `range()`, and `while` loops that
    page through results are not reported; writes are ORM003's.

    Opt-in: its field precision on the ecosystem check's tuned projects is 0.30 (strict 0.10)
    over 10 judged of 43 findings (`bench/ecosystem/verdicts.tsv`, scan `apiorm-4`), under the
    0.85 a default rule needs: the false ones loop over small fixed or configured sets (three
    date ranges, the paper roles, configured categories) or query a different table per pass."""

    code = "ORM002"
    opt_in = True
    name = "query-in-loop"
    summary = "A query runs on every pass of a loop, keyed by the loop variable."
    category = Category.ORM
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "`{call}` queries the database once per iteration of the loop over `{loop}`"
    fix = (
        "Fetch every row in one query before the loop and look them up in a dict: "
        '`Product.objects.in_bulk(ids)` / `select(M).where(M.id.in_(ids))` / `WHERE id = ANY(%s)` with the list'
    )
    seed = 'S1:124; S2:177; S4:440 "N+1 prevention"'
    references = ("https://docs.djangoproject.com/en/stable/ref/models/querysets/#in-bulk",)
    needs = Needs(loops=True)
    index_sections = ("orm_models", "symbols")
    invalid = (
        Example(
            "from shop.models import Product\n"
            "def prices(cart_items):\n"
            "    out = []\n"
            "    for item in cart_items:\n"
            "        product = Product.objects.get(pk=item['product_id'])\n"
            "        out.append(product.price)\n"
            "    return out\n",
            path="shop/views.py",
            files=DJANGO,
            lines=(5,),
        ),
        Example(
            "def emails(cur, user_ids):\n"
            "    for uid in user_ids:\n"
            "        cur.execute('SELECT id, email FROM users WHERE id = %s', (uid,))\n"
            "        yield cur.fetchone()\n",
            lines=(3,),
            note="raw DB-API cursor",
        ),
        Example(
            "from shop.models import Order\n"
            "def totals():\n"
            "    return [o.total_paid for o in Order.objects.all()]\n",
            path="shop/views.py",
            files=ORDERS,
            lines=(3,),
            note="the query is hidden in a model property of another module",
        ),
    )
    valid = (
        Example(
            "from shop.models import Product\n"
            "def prices(cart_items):\n"
            "    products = Product.objects.in_bulk([i['product_id'] for i in cart_items])\n"
            "    return [products[i['product_id']].price for i in cart_items]\n",
            path="shop/views.py",
            files=DJANGO,
        ),
        Example(
            "from shop.models import Order\n"
            "def labels():\n"
            "    return [o.label for o in Order.objects.all()]\n",
            path="shop/views.py",
            files=ORDERS,
            note="near-miss: a property that reads only the row's own columns",
        ),
        Example(
            "from shop.models import Product\n"
            "def by_chunk(ids):\n"
            "    for chunk in chunks(ids, 500):\n"
            "        yield list(Product.objects.filter(pk__in=chunk).values_list('sku', flat=True))\n",
            path="shop/views.py",
            files=DJANGO,
            note="near-miss: batching loop",
        ),
        Example(
            "from shop.models import Product\n"
            "def filtered(tags):\n"
            "    qs = Product.objects.all()\n"
            "    for tag in tags:\n"
            "        qs = qs.filter(tags__name=tag)\n"
            "    return qs\n",
            path="shop/views.py",
            files=DJANGO,
            note="near-miss: building one lazy queryset in a loop runs no query",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.tracker = context.shared(QueryTracker)
        self.loops = context.shared(LoopStack)
        self.active = not context.in_migration
        self.handled: set[int] = set()

    # -- queries hidden in a model method or property, per row -----------------------------
    def visit_Attribute(self, node: cst.Attribute) -> None:
        """`o.total_paid` on each row, where the model's `total_paid` property runs a query
        (the summary "runs a query" of the project model)."""
        if not self.active or self.loops.innermost is None or id(node) in self.handled:
            return
        self._member(node, call=False)

    def _member(self, node: cst.Attribute, call: bool) -> bool:
        if not isinstance(node.value, cst.Name):
            return False
        rows = self._row(node.value.value)
        if rows is None:
            return False
        if call and node.attr.value in INSTANCE_WRITES:
            return False  # a write per row is ORM003's
        found, hidden = self.tracker.member_queries(rows.model, node.attr.value)
        if found is None or found.summary.is_property == call:
            return False
        costly = self.tracker.costly(rows, hidden)
        if call:
            # A method that does work per row (`sync()`, `send()`, `reject()`: it returns
            # nothing) is the loop's unit of work, not a hidden query. A getter's related rows
            # loaded on `self` are incidental; a query it runs, returns for the caller to run,
            # or a collection of `self` it reads or filters, is not.
            if not found.summary.getter:
                return False
            costly = [h for h in costly if h.use.kind != SELF_READ and (not h.path or h.call or self.tracker.ends_many(rows.model, h.path))]
        if not costly:
            return False
        loop = self.loops.depends(node)
        if loop is None or loop.literal or loop.batched:
            return False
        kind = "method" if call else "property"
        expr = self.context.module.code_for_node(node) + ("()" if call else "")
        loads = [h.path for h in costly if h.path and not h.call]
        fix = (
            f"Compute it in the query instead (`.annotate(...)` / a joined column) or batch it before the loop; "
            f"the {kind} is `{found.qualified}` in {found.path}"
        )
        if loads and len(loads) == len(costly):
            fix = f"Eager-load what the {kind} reads on the query at {self.context.path}:{self.context.line_of(rows.origin)}: `{eager_call(rows, self.tracker.graph, loads[0])}`"
        self.report(
            node,
            "`{expr}` queries the database once per iteration of the loop over `{loop}`: the {kind} `{member}` ({where}) {what}",
            fix=fix,
            expr=expr,
            loop=_loop_text(self.context, loop.node),
            kind=kind,
            member=found.qualified,
            where=found.path,
            what=costly[0].describe(),
        )
        return True

    def _row(self, name: str):
        """The row a loop variable holds (a row of a query the loop iterates), else None."""
        for frame in reversed(self.tracker.bindings):
            if name in frame:
                rows = frame[name]
                return rows if rows.instances and not (rows.awaited and rows.framework == "sqlalchemy") else None
        return None

    def visit_Call(self, node: cst.Call) -> None:
        if not self.active or self.loops.innermost is None or id(node) in self.handled:
            return
        if isinstance(node.func, cst.Attribute):
            self.handled.add(id(node.func))
            if self._member(node.func, call=True):
                return
        found = classify_call(node, self.tracker)
        if found is None:
            return
        for call in found.chain:
            self.handled.add(id(call))
        if found.action != "read":
            return
        loop = self.loops.depends(node)
        if loop is None or loop.literal or loop.batched or _is_iterable_of(loop, node):
            return
        self.report(node, call=_short(self.context, node), loop=_loop_text(self.context, loop.node))


def _is_iterable_of(loop, node: cst.Call) -> bool:
    """The query is the loop's own iterable (`for x in M.objects.filter(...)`): it runs once."""
    iterable = getattr(loop.node, "iter", None)
    return iterable is node


def _loop_text(context, loop: cst.CSTNode) -> str:
    if isinstance(loop, cst.For):
        text = context.module.code_for_node(loop.iter)
    else:
        text = context.module.code_for_node(loop.for_in.iter)  # type: ignore[attr-defined]
    text = " ".join(text.split())
    return text if len(text) <= 50 else text[:47] + "..."


def _short(context, node: cst.CSTNode) -> str:
    text = " ".join(context.module.code_for_node(node).split())
    return text if len(text) <= 60 else text[:57] + "..."
