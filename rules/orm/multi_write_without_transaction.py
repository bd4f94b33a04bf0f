from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from reviewer.web.apicheck import code
from reviewer.model import Category, Confidence, Severity
from reviewer.orm.querysets import QueryTracker, classify_call, names_in
from reviewer.rule import Example, Needs, PythonRule
from reviewer.orm.transactions import Transactions, called_by_hand, single_writer, wrapped_by_callers

SHOP = (
    (
        "orders/models.py",
        "from django.db import models\n"
        "class Order(models.Model):\n"
        "    total = models.IntegerField(default=0)\n"
        "class OrderItem(models.Model):\n"
        "    order = models.ForeignKey(Order, on_delete=models.CASCADE)\n"
        "    quantity = models.IntegerField()\n"
        "class OrderLog(models.Model):\n"
        "    order = models.ForeignKey(Order, on_delete=models.CASCADE)\n",
    ),
)
# A helper of a service module making dependent writes, and the head of a view that calls it.
FILL = (
    "from orders.models import Order, OrderItem\n"
    "def fill(lines):\n"
    "    order = Order.objects.create(total=0)\n"
    "    for line in lines:\n"
    "        OrderItem.objects.create(order=order, quantity=line.quantity)\n"
)
CHECKOUT_HEAD = "from django.db import transaction\nfrom orders import services\ndef checkout(request):\n"
# Writes to these models record what happened; they are not part of the state they describe.
LOG_WORDS = ("log", "audit", "history", "event", "activity", "journal", "notification")


@dataclass
class _Write:
    call: cst.Call
    label: str
    produced: frozenset[str]  # names the write's result is bound to (`order = Order.objects.create(...)`)


@dataclass
class _Function:
    node: cst.CSTNode
    writes: list[_Write] = field(default_factory=list)
    pair: tuple[_Write, _Write] | None = None  # the first write another one depends on, and that one


class MultiWriteWithoutTransaction(PythonRule):
    """A function makes dependent writes (a row, then rows that reference it) with no
    enclosing transaction. Django runs each query in its own transaction unless `atomic` (or
    `ATOMIC_REQUESTS`) groups them, and asyncpg commits every statement outside
    `conn.transaction()`: when the second write fails (a constraint, a timeout, a deploy
    killing the worker) the first stays committed, and the database holds an order without its
    items.

    Reported: two or more Django ORM writes (`create`, `save`, `update`, `delete`, ...) where a
    later write uses what an earlier one returned, outside `transaction.atomic` and with
    `ATOMIC_REQUESTS` off; and two or more `INSERT`/`UPDATE`/`DELETE` through asyncpg outside
    `conn.transaction()`. Not reported: writes to log / audit / history models, writes inside
    an `except` (compensation), functions that a caller in any module (the project model's call
    edges, one level up) calls inside a transaction (`with transaction.atomic()`, an atomic
    decorator, `with session.begin()`, `async with conn.transaction()`, a migration), functions
    whose every caller is code run by hand, and code one process runs by hand itself: migrations,
    management commands, script modules (`if __name__ == "__main__":`) and tests. A call through
    an instance (`service.checkout()`) is not followed.

    Opt-in (select it by its code, or the audit profile): on the ecosystem check's held-out
    projects (label `s8`) its 5 findings were judged 0 true, 2 false, 3 debatable (0.30): test jobs,
    helpers of data migrations, and background tasks whose partial state is reported as failed.
    It has no finding on the tuned projects (label `i16orm-3`).
    """

    code = "ORM009"
    opt_in = True
    name = "multi-write-without-transaction"
    summary = "Several dependent writes run with no enclosing transaction, so a failure leaves partial state."
    category = Category.ORM
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "`{function}` writes `{first}` then `{second}` (line {line}) with no enclosing transaction"
    fix = (
        "Wrap the writes in one transaction: `with transaction.atomic():` (Django) / "
        "`async with conn.transaction():` (asyncpg) / one `session.commit()` at the end (SQLAlchemy)"
    )
    seed = 'S1:51 "Use database transactions appropriately"; S4:424 "Transactions: ACID compliance where needed"; S5:550'
    references = (
        "https://docs.djangoproject.com/en/stable/topics/db/transactions/",
        "https://magicstack.github.io/asyncpg/current/api/index.html#transactions",
    )
    # A dependent write needs an earlier write's result: `x = M.objects.create(...)`, or asyncpg.
    needs = Needs.words("create", "asyncpg")
    index_sections = ("routes", "orm_models", "symbols")
    invalid = (
        Example(
            FILL,
            path="orders/services.py",
            files=SHOP + (("orders/views.py",
                           CHECKOUT_HEAD +
                           "    services.fill(request.lines)\n"
                           "    with transaction.atomic():\n"
                           "        services.notify(request.lines)\n"),),
            lines=(2,),
            note="the caller in another module opens no transaction around the call",
        ),
        Example(
            "from orders.models import Order, OrderItem\n"
            "def checkout(user, lines):\n"
            "    order = Order.objects.create(total=0)\n"
            "    for line in lines:\n"
            "        OrderItem.objects.create(order=order, quantity=line.quantity)\n",
            path="orders/services.py",
            files=SHOP,
            lines=(2,),
        ),
        Example(
            "import asyncpg\n"
            "async def transfer(conn, src, dst, amount):\n"
            "    await conn.execute('UPDATE accounts SET balance = balance - $1 WHERE id = $2', amount, src)\n"
            "    await conn.execute('UPDATE accounts SET balance = balance + $1 WHERE id = $2', amount, dst)\n",
            lines=(2,),
            note="asyncpg commits each statement outside conn.transaction()",
        ),
    )
    valid = (
        Example(
            "from django.db import transaction\n"
            "from orders.models import Order, OrderItem\n"
            "@transaction.atomic\n"
            "def checkout(user, lines):\n"
            "    order = Order.objects.create(total=0)\n"
            "    for line in lines:\n"
            "        OrderItem.objects.create(order=order, quantity=line.quantity)\n",
            path="orders/services.py",
            files=SHOP,
        ),
        Example(
            "import asyncpg\n"
            "async def transfer(conn, src, dst, amount):\n"
            "    async with conn.transaction():\n"
            "        await conn.execute('UPDATE accounts SET balance = balance - $1 WHERE id = $2', amount, src)\n"
            "        await conn.execute('UPDATE accounts SET balance = balance + $1 WHERE id = $2', amount, dst)\n",
        ),
        Example(
            "def adjust(db, item_id, delta):\n"
            "    db.execute(update(Item).where(Item.id == item_id).values(quantity=Item.quantity + delta))\n"
            "    db.add(StockMovement(item_id=item_id, delta=delta))\n"
            "    db.commit()\n",
            note="near-miss: a SQLAlchemy session writes in one transaction until its single commit()",
        ),
        Example(
            "from orders.models import Order, OrderLog\n"
            "def close(order_id):\n"
            "    order = Order.objects.create(total=0)\n"
            "    OrderLog.objects.create(order=order)\n",
            path="orders/services.py",
            files=SHOP,
            note="near-miss: the second write is a log row",
        ),
        Example(
            "from orders.models import Order, OrderItem\n"
            "def reset(order):\n"
            "    order.total = 0\n"
            "    order.save()\n",
            path="orders/services.py",
            files=SHOP,
            note="near-miss: one write",
        ),
        Example(
            "from django.db import transaction\n"
            "from orders.models import Order, OrderItem\n"
            "def _fill(lines):\n"
            "    order = Order.objects.create(total=0)\n"
            "    for line in lines:\n"
            "        OrderItem.objects.create(order=order, quantity=line.quantity)\n"
            "def checkout(lines):\n"
            "    with transaction.atomic():\n"
            "        _fill(lines)\n",
            path="orders/services.py",
            files=SHOP,
            note="near-miss: the only caller wraps the helper in atomic",
        ),
        Example(
            FILL,
            path="orders/services.py",
            files=SHOP + (("orders/views.py",
                           CHECKOUT_HEAD +
                           "    with transaction.atomic():\n"
                           "        services.fill(request.lines)\n"),),
            note="near-miss: the caller in another module wraps the call in `transaction.atomic()`",
        ),
        Example(
            "from orders.models import Order, OrderItem\n"
            "class OrderService:\n"
            "    def fill(self, lines):\n"
            "        order = Order.objects.create(total=0)\n"
            "        OrderItem.objects.create(order=order, quantity=1)\n",
            path="orders/services.py",
            files=SHOP + (("orders/tasks.py",
                           "from django.db.transaction import atomic\n"
                           "from orders.services import OrderService\n"
                           "@atomic\n"
                           "def import_orders(lines):\n"
                           "    OrderService.fill(None, lines)\n"),),
            note="near-miss: the caller is `@atomic`",
        ),
        Example(
            "from orders.models import Order, OrderItem\n"
            "def seed(lines):\n"
            "    order = Order.objects.create(total=0)\n"
            "    OrderItem.objects.create(order=order, quantity=1)\n",
            path="orders/utils/seeding.py",
            files=SHOP + (("orders/migrations/0003_seed.py",
                           "from django.db import migrations\n"
                           "from orders.utils.seeding import seed\n"
                           "def forwards(apps, schema_editor):\n"
                           "    seed([])\n"
                           "class Migration(migrations.Migration):\n"
                           "    operations = [migrations.RunPython(forwards)]\n"),),
            note="near-miss: a helper a data migration calls runs in the migration's transaction",
        ),
        Example(
            "from django.core.management.base import BaseCommand\n"
            "from orders.models import Order, OrderItem\n"
            "class Command(BaseCommand):\n"
            "    def handle(self, *args, **options):\n"
            "        order = Order.objects.create(total=0)\n"
            "        OrderItem.objects.create(order=order, quantity=1)\n",
            path="orders/management/commands/seed_demo.py",
            files=SHOP,
            note="near-miss: a management command run by hand",
        ),
        Example(
            "from orders.models import Order, OrderItem\n"
            "def bootstrap(lines):\n"
            "    order = Order.objects.create(total=0)\n"
            "    OrderItem.objects.create(order=order, quantity=1)\n"
            "def main():\n"
            "    bootstrap([])\n"
            "if __name__ == '__main__':\n"
            "    main()\n",
            path="orders/server.py",
            files=SHOP,
            note="near-miss: a script module (a console entry point) run by hand",
        ),
        Example(
            "from django.db import migrations\n"
            "def forwards(apps, schema_editor):\n"
            "    Order = apps.get_model('orders', 'Order')\n"
            "    OrderItem = apps.get_model('orders', 'OrderItem')\n"
            "    order = Order.objects.create(total=0)\n"
            "    OrderItem.objects.create(order=order, quantity=1)\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards)]\n",
            path="orders/migrations/0002_seed.py",
            files=SHOP,
            note="near-miss: a data migration runs in the migration's transaction",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.tracker = context.shared(QueryTracker)
        self.transactions = context.shared(Transactions)
        self.active = not single_writer(context)
        self.functions: list[_Function] = []
        self.targets: dict[int, frozenset[str]] = {}
        self.handlers = 0
        self.candidates: list[tuple[cst.FunctionDef, str, tuple[_Write, _Write]]] = []  # (function, its qualified name, writes)
        self.classes: list[cst.ClassDef] = []
        self.called_inside: set[str] = set()  # functions this module calls inside a transaction

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        if self.classes and self.classes[-1] is node:
            self.classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(_Function(node))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.functions or self.functions[-1].node is not node:
            return
        function = self.functions.pop()
        if function.pair is not None:
            # A module-level function or a method is what the project model's call edges know.
            name = ""
            if not self.functions and not self.classes:
                name = node.name.value
            elif not self.functions and node in self.classes[-1].body.body:
                name = f"{self.classes[-1].name.value}.{node.name.value}"
            self.candidates.append((node, name, function.pair))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.handlers += 1

    def leave_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.handlers -= 1

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value.expression if isinstance(node.value, cst.Await) else node.value
        if isinstance(value, cst.Call):
            self.targets[id(value)] = frozenset(n.value for t in node.targets for n in names_in(t.target))

    def visit_Call(self, node: cst.Call) -> None:
        if not self.active:
            return
        if self.transactions.explicit():
            callee = node.func.attr.value if isinstance(node.func, cst.Attribute) else getattr(node.func, "value", "")
            self.called_inside.add(callee)
            return
        if not self.functions or self.transactions.function is not self.functions[-1].node or self.handlers:
            return
        found = classify_call(node, self.tracker)
        if found is None or found.action != "write" or _log_write(found.label, found.model):
            return
        function = self.functions[-1]
        raw = self.context.sink(node) is not None
        if raw and not any(full.split(".")[0] == "asyncpg" for full in self.context.imports.aliases.values()):
            return  # DB-API drivers other than asyncpg open a transaction that the caller commits
        write = _Write(node, found.label, self.targets.get(id(node), frozenset()))
        if function.pair is None:
            for earlier in function.writes:
                if raw or _depends(node, earlier.produced):
                    function.pair = (earlier, write)
                    break
        function.writes.append(write)

    def finish(self) -> None:
        for node, name, (first, second) in self.candidates:
            if node.name.value in self.called_inside:
                continue
            if name and (wrapped_by_callers(self.context.symbols, self.context.path, name)
                         or called_by_hand(self.context, name)):
                continue
            self.report(
                node.name,
                function=node.name.value,
                first=code(self.context, first.call, 40),
                second=code(self.context, second.call, 40),
                line=self.context.line_of(second.call),
            )


def _depends(call: cst.Call, produced: frozenset[str]) -> bool:
    """The call's arguments use what an earlier write returned (a row it references)."""
    return bool(produced) and any(n.value in produced for arg in call.args for n in names_in(arg.value))


def _log_write(label: str, model: str | None) -> bool:
    name = (model or label.split(".", 1)[0]).lower()
    return any(word in name for word in LOG_WORDS)
