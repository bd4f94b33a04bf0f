from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.orm.querysets import QueryTracker, Rows, chain_of, eager_call
from reviewer.rule import Example, Needs, PythonRule

MODELS = (
    (
        "app/models.py",
        "from sqlalchemy import ForeignKey\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class Order(Base):\n"
        "    __tablename__ = 'orders'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    items: Mapped[list['Item']] = relationship()\n"
        "    notes: Mapped[list['Note']] = relationship(lazy='selectin')\n"
        "class Item(Base):\n"
        "    __tablename__ = 'items'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    order_id: Mapped[int] = mapped_column(ForeignKey('orders.id'))\n"
        "class Note(Base):\n"
        "    __tablename__ = 'notes'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    order_id: Mapped[int] = mapped_column(ForeignKey('orders.id'))\n",
    ),
)


class AsyncLazyLoad(PythonRule):
    """A lazily loaded SQLAlchemy relationship is read on an object that came from an
    `AsyncSession` call. Under asyncio the lazy load cannot run implicitly: the attribute
    access raises `MissingGreenlet` at runtime (a 500 on the endpoint), where sync code would
    only have run one more query.

    The objects are followed from `await session.get(...)`, `await session.scalars(...)` and
    `await session.execute(...)` through variables and loops; a relationship loaded by a
    loader option (`selectinload`, `joinedload`, ...) or an eager `lazy=` on the mapping is
    safe, and so is `await obj.awaitable_attrs.rel` (AsyncAttrs)."""

    code = "ORM006"
    opt_in = True  # field precision 0.00 over 1 judged findings on the tuned projects (label s11)
    name = "async-lazy-load"
    summary = "A lazy SQLAlchemy relationship is read on an object from an `AsyncSession` (`MissingGreenlet`)."
    category = Category.ORM
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    message = "`{expr}` lazy-loads `{relation}` on an object from the awaited query at {origin}: raises MissingGreenlet under asyncio"
    fix = "Load it with the query at {origin}: `{call}` (or `lazy=\"selectin\"` on the relationship, or `await obj.awaitable_attrs.{attr}`)"
    seed = 'S1:68 "Connection pooling, async processing"; S1:124'
    references = ("https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html#preventing-implicit-io-when-using-asyncsession",)
    # An attribute read in an `async def` on rows of an awaited query.
    needs = Needs(syntax=("AsyncFunctionDef",)) & Needs(syntax=("Await",))
    index_sections = ("orm_models", "symbols")
    invalid = (
        Example(
            "from app.models import Order\n"
            "async def item_count(session, oid):\n"
            "    order = await session.get(Order, oid)\n"
            "    return len(order.items)\n",
            path="app/service.py",
            files=MODELS,
            lines=(4,),
        ),
    )
    valid = (
        Example(
            "from sqlalchemy import select\n"
            "from sqlalchemy.orm import selectinload\n"
            "from app.models import Order\n"
            "async def item_count(session, oid):\n"
            "    result = await session.execute(select(Order).where(Order.id == oid).options(selectinload(Order.items)))\n"
            "    order = result.scalar_one()\n"
            "    return len(order.items), len(order.notes)\n",
            path="app/service.py",
            files=MODELS,
            note="near-miss: selectinload option, and `notes` is lazy='selectin'",
        ),
        Example(
            "from app.models import Order\n"
            "async def item_count(session, oid):\n"
            "    order = await session.get(Order, oid)\n"
            "    return len(await order.awaitable_attrs.items)\n",
            path="app/service.py",
            files=MODELS,
            note="near-miss: AsyncAttrs",
        ),
        Example(
            "from app.queries import orders_with_items\n"
            "async def item_counts(session):\n"
            "    orders = await orders_with_items(session, True)\n"
            "    return [len(order.items) for order in orders]\n",
            path="app/service.py",
            files=(*MODELS, (
                "app/queries.py",
                "from sqlalchemy import select\n"
                "from sqlalchemy.orm import selectinload\n"
                "from app.models import Order, Item\n"
                "async def orders_with_items(session, include_items):\n"
                "    options = []\n"
                "    if include_items:\n"
                "        options.append(selectinload(Order.items.and_(Item.id > 0)))\n"
                "    result = await session.execute(select(Order).options(*options))\n"
                "    return list(result.scalars().all())\n",
            )),
            note="near-miss: a helper in another module loads `items` (a filtered selectinload in an options list)",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.tracker = context.shared(QueryTracker)
        self.active = any(m.framework == "sqlalchemy" for m in self.tracker.graph.models.values()) and not context.in_migration
        self.handled: set[int] = set()
        self.reported: set[tuple[int, tuple[str, ...]]] = set()

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        if self.active and isinstance(node.target, cst.Attribute):
            self.handled.add(id(node.target))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if not self.active or id(node) in self.handled:
            return
        function = self.context.scopes.function
        if function is None or not isinstance(function.node, cst.FunctionDef) or function.node.asynchronous is None:
            return
        found = chain_of(node)
        if found is None:
            return
        head, attributes = found
        for attribute in attributes:
            self.handled.add(id(attribute))
        if head.value in ("self", "cls"):
            return
        rows = self.tracker.rows_of(head)
        if rows is None or rows.many or not rows.awaited or rows.framework != "sqlalchemy" or not rows.instances:
            return
        self._check(rows, attributes)

    def _check(self, rows: Rows, attributes: list[cst.Attribute]) -> None:
        graph = self.tracker.graph
        model: str | None = rows.model
        path: tuple[str, ...] = ()
        for attribute in attributes:
            name = attribute.attr.value
            relation = graph.relation(model, name)
            if relation is None:
                return
            path += (name,)
            if not rows.covers(path, relation):
                key = (id(rows.origin), path)
                if key in self.reported:
                    return
                self.reported.add(key)
                origin = f"{self.context.path}:{self.context.line_of(rows.origin)}"
                self.report(
                    attribute,
                    expr=self.context.module.code_for_node(attribute),
                    relation=f"{relation.model}.{relation.attr}",
                    origin=origin,
                    call=eager_call(rows, graph, path),
                    attr=name,
                )
                return
            if relation.many or not relation.target:
                return
            model = relation.target
