from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.querysets import LoopStack, QueryTracker, classify_call
from reviewer.rule import Example, PythonRule

DJANGO = (
    (
        "shop/models.py",
        "from django.db import models\n"
        "class Product(models.Model):\n"
        "    sku = models.CharField(max_length=64)\n",
    ),
)


class QueryInLoop(PythonRule):
    """A query runs on every pass of a loop, keyed by the loop variable: one round trip per
    item, where one `IN` / `ANY` query (`in_bulk`, `filter(pk__in=...)`,
    `select(...).where(M.id.in_(ids))`, `WHERE id = ANY(%s)`) would fetch them all. The cost
    grows with the input, and a list of 500 ids becomes 500 queries.

    Covered: Django manager reads (`get`, `first`, `exists`, `count`, `get_or_create`, ...),
    `get_object_or_404`, SQLAlchemy `session.get(M, x)`, `session.execute/scalars(select(...))`
    and `query(...).first()`, and DB-API / asyncpg `SELECT`s. Loops over batches or chunks
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
    triggers = ("for ",)
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

    def visit_Call(self, node: cst.Call) -> None:
        if not self.active or self.loops.innermost is None or id(node) in self.handled:
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
