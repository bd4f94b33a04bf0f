from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from sqlglot import exp

from reviewer.web.apicheck import code, sql_of
from reviewer.model import Category, Confidence, Severity
from reviewer.names import dotted
from reviewer.project.ormvocab import sessionish
from reviewer.orm.querysets import QueryTracker, classify_call, names_in
from reviewer.rule import Example, Needs, PythonRule
from reviewer.orm.transactions import single_writer
from reviewer.walk import descendants

SHOP = (
    (
        "catalog/models.py",
        "from django.db import models\n"
        "class Product(models.Model):\n"
        "    name = models.CharField(max_length=80)\n"
        "    stock = models.IntegerField(default=0)\n",
    ),
)
LOCKS = frozenset({"select_for_update", "with_for_update"})
FETCHES = frozenset({"fetchone", "fetchall", "fetchmany", "fetchrow", "fetchval", "fetch"})
ARITHMETIC = (cst.Add, cst.Subtract, cst.Multiply)
VERSION_COLUMNS = frozenset({"version", "revision", "row_version", "lock_version"})


@dataclass
class _Function:
    node: cst.CSTNode
    pending: list[tuple[cst.CSTNode, str, str]] = field(default_factory=list)  # (update, instance, framework) awaiting a save
    selects: dict[str, exp.Select] = field(default_factory=dict)  # cursor -> the unlocked SELECT it ran last
    read: dict[str, exp.Select] = field(default_factory=dict)  # names holding values of that SELECT
    guarded: set[str] = field(default_factory=set)  # models an `if M...exists(): return` guard checked


class RaceLostUpdateCheckThenAct(PythonRule):
    """A read-modify-write in Python: a row is read without a lock, a counter or balance is
    computed from the value read, and the result is written back. Two requests that read the
    same value both write their own result, and one update is lost (two orders each take the
    last item of stock; two withdrawals each see the full balance).

    Reported: a Django or SQLAlchemy instance read without `select_for_update()` /
    `with_for_update()` whose field is changed from its own value (`p.stock -= n`,
    `p.stock = p.stock - n`) and then saved (`save()`, `commit()`); and raw SQL that writes
    back `SET col = %s` a value computed in Python from a `SELECT col` without `FOR UPDATE`.
    And a Django exists-then-create (`if not M.objects.filter(k=v).exists(): M.objects.create(k=v)`,
    or a guard that returns when the row exists, then `create`) outside a `try` that handles
    `IntegrityError`: two requests both see no row, and both insert it (a duplicate without a
    unique constraint, a 500 with one); `get_or_create` backed by a unique constraint is the fix.
    An UPDATE whose WHERE also matches the value read or a version column (optimistic locking)
    is not reported. The fix is to let the database compute it (`F("stock") - n`, `Item.stock - n`,
    `SET col = col - %s`) or to lock the row first. Not reported: code one process runs by hand
    (migrations, management commands, script modules with `if __name__ == "__main__":`, tests),
    and string fields (`name += " (copy)"`).

    Opt-in (select it by its code, or the audit profile): on the ecosystem check's held-out
    projects (label `s8`) its 4 findings were judged 0 true, 2 false, 2 debatable (0.25): setup code
    run once at migrate time, and a scheduler that runs under its own lock. On the tuned projects
    its one finding is true (1.00 of 1): too little evidence for a default-on warning.
    """

    code = "ORM011"
    opt_in = True
    name = "race-lost-update-check-then-act"
    summary = "A read-modify-write runs in Python without a row lock or an atomic update, losing concurrent updates."
    category = Category.ORM
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "`{field}` is computed in Python from a value read without a lock, then written back: concurrent updates are lost"
    fix = (
        'Update in the database: `Product.objects.filter(pk=pk).update(stock=F("stock") - qty)` / '
        "`update(Item).values(quantity=Item.quantity - qty)` / `SET balance = balance - %s`; "
        "or lock the row first with `select_for_update()` / `with_for_update()` / `SELECT ... FOR UPDATE`"
    )
    exists_message = "`{model}` runs after a check that the row does not exist: concurrent requests both create it"
    exists_fix = (
        'Back the lookup with a unique constraint (`UniqueConstraint(fields=["user", "plan"], name="uniq_subscription")`) '
        "and use `get_or_create(...)`, or catch `IntegrityError` around the create"
    )
    seed = 'S3:259 "Handling concurrent updates"; S1:76 "Implement idempotency for critical operations"; S3:239 "Data guardian"'
    references = (
        "https://docs.djangoproject.com/en/stable/ref/models/expressions/#avoiding-race-conditions-using-f",
        "https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS",
    )
    # The value is written back by a save, a session commit / flush, or an SQL `UPDATE ... SET`; or an `exists()` check.
    needs = Needs(name_parts=("save", "commit", "flush", "exists"), string_parts=("SET ",))
    index_sections = ("orm_models", "symbols")
    invalid = (
        Example(
            "from catalog.models import Product\n"
            "def reserve(pk, qty):\n"
            "    product = Product.objects.get(pk=pk)\n"
            "    product.stock -= qty\n"
            "    product.save(update_fields=['stock'])\n",
            path="catalog/services.py",
            files=SHOP,
            lines=(4,),
        ),
        Example(
            "def withdraw(conn, account_id, amount):\n"
            "    cur = conn.cursor()\n"
            "    cur.execute('SELECT balance FROM accounts WHERE id = %s', (account_id,))\n"
            "    balance = cur.fetchone()[0]\n"
            "    cur.execute('UPDATE accounts SET balance = %s WHERE id = %s', (balance - amount, account_id))\n"
            "    conn.commit()\n",
            lines=(5,),
            note="raw SQL: the new balance is computed in Python",
        ),
        Example(
            "from sqlalchemy.orm import Session\n"
            "def deposit(session: Session, account_id: int, amount: int) -> None:\n"
            "    account = session.get(Account, account_id)\n"
            "    account.balance = account.balance + amount\n"
            "    session.commit()\n",
            path="bank/services.py",
            files=(("bank/models.py", "from sqlalchemy.orm import Mapped, mapped_column, DeclarativeBase\n"
                    "class Base(DeclarativeBase):\n    pass\n"
                    "class Account(Base):\n    __tablename__ = 'accounts'\n"
                    "    id: Mapped[int] = mapped_column(primary_key=True)\n    balance: Mapped[int] = mapped_column()\n"),),
            lines=(4,),
            note="SQLAlchemy",
        ),
        Example(
            "from catalog.models import Product\n"
            "def add(name):\n"
            "    if not Product.objects.filter(name=name).exists():\n"
            "        Product.objects.create(name=name)\n",
            path="catalog/services.py",
            files=SHOP,
            lines=(4,),
            note="exists-then-create",
        ),
        Example(
            "from catalog.models import Product\n"
            "def add(name):\n"
            "    if Product.objects.filter(name=name).exists():\n"
            "        raise ValueError('exists')\n"
            "    return Product.objects.create(name=name)\n",
            path="catalog/services.py",
            files=SHOP,
            lines=(5,),
            note="exists-then-create behind a guard",
        ),
    )
    valid = (
        Example(
            "from catalog.models import Product\n"
            "def add(name):\n"
            "    Product.objects.get_or_create(name=name)\n",
            path="catalog/services.py",
            files=SHOP,
        ),
        Example(
            "from django.db import IntegrityError\n"
            "from catalog.models import Product\n"
            "def add(name):\n"
            "    if not Product.objects.filter(name=name).exists():\n"
            "        try:\n"
            "            Product.objects.create(name=name)\n"
            "        except IntegrityError:\n"
            "            pass  # created concurrently\n",
            path="catalog/services.py",
            files=SHOP,
            note="near-miss: the create handles the duplicate the unique constraint rejects",
        ),
        Example(
            "from catalog.models import Product\n"
            "def add(name):\n"
            "    if not Product.objects.filter(name=name).exists():\n"
            "        log.info('no product %s', name)\n"
            "    else:\n"
            "        Product.objects.create(name=name + ' (2)')\n",
            path="catalog/services.py",
            files=SHOP,
            note="near-miss: the create is in the branch where the row exists",
        ),
        Example(
            "from django.db.models import F\n"
            "from catalog.models import Product\n"
            "def reserve(pk, qty):\n"
            "    Product.objects.filter(pk=pk).update(stock=F('stock') - qty)\n",
            path="catalog/services.py",
            files=SHOP,
        ),
        Example(
            "from django.db import transaction\n"
            "from catalog.models import Product\n"
            "def reserve(pk, qty):\n"
            "    with transaction.atomic():\n"
            "        product = Product.objects.select_for_update().get(pk=pk)\n"
            "        product.stock -= qty\n"
            "        product.save(update_fields=['stock'])\n",
            path="catalog/services.py",
            files=SHOP,
            note="near-miss: the row is locked",
        ),
        Example(
            "def withdraw(conn, account_id, amount):\n"
            "    cur = conn.cursor()\n"
            "    cur.execute('SELECT balance FROM accounts WHERE id = %s', (account_id,))\n"
            "    balance = cur.fetchone()[0]\n"
            "    if balance < amount:\n"
            "        raise ValueError('insufficient funds')\n"
            "    cur.execute('UPDATE accounts SET balance = balance - %s WHERE id = %s AND balance >= %s', (amount, account_id, amount))\n"
            "    conn.commit()\n",
            note="near-miss: the SQL computes the new balance (and guards it)",
        ),
        Example(
            "def withdraw(conn, account_id, amount):\n"
            "    cur = conn.cursor()\n"
            "    cur.execute('SELECT balance FROM accounts WHERE id = %s FOR UPDATE', (account_id,))\n"
            "    balance = cur.fetchone()[0]\n"
            "    cur.execute('UPDATE accounts SET balance = %s WHERE id = %s', (balance - amount, account_id))\n"
            "    conn.commit()\n",
            note="near-miss: SELECT ... FOR UPDATE locks the row",
        ),
        Example(
            "def withdraw(conn, account_id, amount):\n"
            "    cur = conn.cursor()\n"
            "    cur.execute('SELECT balance, version FROM accounts WHERE id = %s', (account_id,))\n"
            "    balance, version = cur.fetchone()\n"
            "    cur.execute('UPDATE accounts SET balance = %s, version = version + 1 WHERE id = %s AND version = %s',\n"
            "                (balance - amount, account_id, version))\n"
            "    if cur.rowcount == 0:\n"
            "        raise Conflict()\n"
            "    conn.commit()\n",
            note="near-miss: optimistic locking, the UPDATE matches only the version read",
        ),
        Example(
            "def adjust(db, item_id, delta):\n"
            "    db.execute(update(Item).where(Item.id == item_id, Item.quantity + delta >= 0)\n"
            "               .values(quantity=Item.quantity + delta))\n"
            "    db.commit()\n",
            note="near-miss: SQLAlchemy computes the quantity in SQL",
        ),
        Example(
            "from catalog.models import Product\n"
            "def copy(pk):\n"
            "    product = Product.objects.get(pk=pk)\n"
            "    product.name += ' (copy)'\n"
            "    product.save()\n",
            path="catalog/services.py",
            files=SHOP,
            note="near-miss: a string field, not a counter",
        ),
        Example(
            "from django.core.management.base import BaseCommand\n"
            "from catalog.models import Product\n"
            "class Command(BaseCommand):\n"
            "    def handle(self, *args, **options):\n"
            "        product = Product.objects.get(pk=options['pk'])\n"
            "        product.stock += options['qty']\n"
            "        product.save()\n",
            path="catalog/management/commands/restock.py",
            files=SHOP,
            note="near-miss: a management command run by hand is the only writer",
        ),
        Example(
            "from catalog.models import Product\n"
            "def preview(pk, qty):\n"
            "    product = Product.objects.get(pk=pk)\n"
            "    product.stock -= qty\n"
            "    return product.stock\n",
            path="catalog/services.py",
            files=SHOP,
            note="near-miss: computed but never written back",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.tracker = context.shared(QueryTracker)
        self.active = not single_writer(context)
        self.functions: list[_Function] = []
        self.checks: list[tuple[cst.If, str]] = []  # open `if not M...exists():` blocks and their model
        self.tries: list[tuple[cst.CSTNode, bool]] = []  # open try bodies / handlers: whether they handle IntegrityError

    # -- exists-then-create ---------------------------------------------------------------
    def visit_If(self, node: cst.If) -> None:
        test = node.test
        negated = isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)
        model = self._exists_model(test.expression if negated else test)  # type: ignore[attr-defined]
        if model is None or not self.functions:
            return
        if negated:
            self.checks.append((node, model))
        elif node.body.body and isinstance(_last_statement(node.body), (cst.Return, cst.Raise)):
            self.functions[-1].guarded.add(model)

    def leave_If(self, node: cst.If) -> None:
        if self.checks and self.checks[-1][0] is node:
            self.checks.pop()

    def visit_Try(self, node: cst.Try) -> None:
        self.tries.append((node, any(_catches_integrity(self.context, h) for h in node.handlers)))

    def leave_Try(self, node: cst.Try) -> None:
        if self.tries and self.tries[-1][0] is node:
            self.tries.pop()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.tries.append((node, False))

    def leave_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if self.tries and self.tries[-1][0] is node:
            self.tries.pop()

    def _exists_model(self, test: cst.BaseExpression) -> str | None:
        """The Django model `M.objects.filter(...).exists()` asks about."""
        if not (isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute) and test.func.attr.value == "exists"):
            return None
        found = classify_call(test, self.tracker)
        return found.model if found is not None and found.action == "read" else None

    def _created_twice(self, node: cst.Call, function: _Function) -> bool:
        """`M.objects.create(...)` after a check that no such row exists, with no IntegrityError handling."""
        if not isinstance(node.func, cst.Attribute) or node.func.attr.value != "create":
            return False
        found = classify_call(node, self.tracker)
        if found is None or found.action != "write" or not found.model or any(handles for _, handles in self.tries):
            return False
        if found.model in function.guarded:
            return True
        return any(model == found.model and _within(node, check.body) for check, model in self.checks)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(_Function(node))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.functions and self.functions[-1].node is node:
            self.functions.pop()

    # -- ORM instances --------------------------------------------------------------------
    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, (cst.AddAssign, cst.SubtractAssign)) and not _textual(node.value):
            self._modified(node, node.target)

    def visit_Assign(self, node: cst.Assign) -> None:
        if self.functions and self.active:
            self._raw_read(node)
        if len(node.targets) != 1 or not isinstance(node.value, cst.BinaryOperation):
            return
        target = node.targets[0].target
        value = node.value
        if isinstance(value.operator, ARITHMETIC) and isinstance(target, cst.Attribute) and any(
            isinstance(side, cst.Attribute) and side.deep_equals(target) for side in (value.left, value.right)
        ) and not _textual(value.left) and not _textual(value.right):
            self._modified(node, target)

    def _modified(self, node: cst.CSTNode, target: cst.BaseExpression) -> None:
        if not self.functions or not self.active or not isinstance(target, cst.Attribute) or not isinstance(target.value, cst.Name):
            return
        rows = self.tracker.rows_of(target.value)
        if rows is None or rows.many or not rows.instances or not rows.certain:
            return
        if not isinstance(rows.origin, cst.Call) or _locked(rows.origin):
            return
        self.functions[-1].pending.append((node, target.value.value, rows.framework))

    def visit_Call(self, node: cst.Call) -> None:
        if not self.functions or not self.active:
            return
        function = self.functions[-1]
        func = node.func
        if isinstance(func, cst.Attribute) and function.pending:
            method = func.attr.value
            receiver = dotted(func.value) or ""
            for entry in list(function.pending):
                update, instance, framework = entry
                saved = (framework == "django" and method == "save" and receiver == instance) or (
                    framework == "sqlalchemy" and method in ("commit", "flush") and sessionish(receiver))
                if saved:
                    function.pending.remove(entry)
                    target = update.target if isinstance(update, cst.AugAssign) else update.targets[0].target  # type: ignore[attr-defined]
                    self.report(update, field=code(self.context, target, 40))
        if self._created_twice(node, function):
            self.report(node, message=self.exists_message, fix=self.exists_fix, model=code(self.context, node.func, 40))
        elif self.context.sink(node) is not None:
            self._raw_statement(node, function)

    # -- raw SQL --------------------------------------------------------------------------
    def _raw_statement(self, node: cst.Call, function: _Function) -> None:
        tree = sql_of(self.context, node)
        receiver = dotted(node.func.value) if isinstance(node.func, cst.Attribute) else None
        if isinstance(tree, exp.Select) and receiver:
            if tree.args.get("locks"):
                function.selects.pop(receiver, None)
            else:
                function.selects[receiver] = tree
        elif isinstance(tree, exp.Update) and len(node.args) >= 2:
            computed = _written_back(tree, node.args[1].value, function.read)
            if computed:
                self.report(node, field=computed)

    def _raw_read(self, node: cst.Assign) -> None:
        function = self.functions[-1]
        value = node.value.expression if isinstance(node.value, cst.Await) else node.value
        targets = [n.value for t in node.targets for n in names_in(t.target)]
        select = None
        fetch = _fetch_call(value)
        if fetch is not None:
            receiver = dotted(fetch.func.value) or ""  # type: ignore[attr-defined]
            select = function.selects.get(receiver)
            if select is None and self.context.sink(fetch) is not None:
                tree = sql_of(self.context, fetch)
                select = tree if isinstance(tree, exp.Select) and not tree.args.get("locks") else None
        else:
            for name in names_in(value):
                if name.value in function.read:
                    select = function.read[name.value]
                    break
        for target in targets:
            if select is not None:
                function.read[target] = select
            else:
                function.read.pop(target, None)


def _last_statement(block: cst.BaseSuite) -> cst.CSTNode | None:
    body = block.body
    if not body:
        return None
    last = body[-1]
    if isinstance(last, cst.SimpleStatementLine) and last.body:
        return last.body[-1]
    return last


def _within(node: cst.CSTNode, block: cst.CSTNode) -> bool:
    return any(child is node for child in descendants(block))


def _catches_integrity(context, handler: cst.ExceptHandler) -> bool:
    if handler.type is None:
        return True  # a bare `except:` handles it too
    kinds = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type]
    for kind in kinds:
        value = kind.value if isinstance(kind, cst.Element) else kind
        name = (context.resolve(value) or dotted(value) or "") if isinstance(value, (cst.Name, cst.Attribute)) else ""
        if name.rsplit(".", 1)[-1] in ("IntegrityError", "Exception", "BaseException", "DatabaseError"):
            return True
    return False


def _fetch_call(value: cst.BaseExpression) -> cst.Call | None:
    """The fetch in `cur.fetchone()`, `cur.fetchone()[0]`, `await conn.fetchrow(...)`."""
    while isinstance(value, (cst.Subscript, cst.Await)):
        value = value.value if isinstance(value, cst.Subscript) else value.expression
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in FETCHES:
        return value
    return None


def _written_back(update: exp.Update, params: cst.BaseExpression, read: dict[str, exp.Select]) -> str:
    """The column an UPDATE sets to a placeholder whose value Python computed from the same
    column of an unlocked SELECT; "" when there is none."""
    computed = [
        element.value for element in getattr(params, "elements", ())
        if isinstance(element.value, cst.BinaryOperation) and isinstance(element.value.operator, ARITHMETIC)
    ]
    sources = [read[n.value] for value in computed for n in names_in(value) if n.value in read]
    if not sources or _compare_and_set(update):
        return ""
    for assignment in update.expressions:
        if not isinstance(assignment, exp.EQ) or not isinstance(assignment.expression, (exp.Placeholder, exp.Parameter)):
            continue
        column = assignment.this.name
        for select in sources:
            selected = {e.alias_or_name for e in select.expressions}
            if column in selected or "*" in selected:
                return f"SET {column} = ..."
    return ""


def _compare_and_set(update: exp.Update) -> bool:
    """Optimistic locking: the WHERE also matches the value read (`AND balance = %s`) or a
    version column, so a concurrent change makes the UPDATE match no row."""
    where = update.args.get("where")
    if where is None:
        return False
    assigned = {a.this.name for a in update.expressions if isinstance(a, exp.EQ)}
    compared = {c.name.lower() for c in where.find_all(exp.Column)}
    return bool(compared & {name.lower() for name in assigned}) or any(
        name in VERSION_COLUMNS or name.endswith("_version") for name in compared)


def _locked(origin: cst.Call) -> bool:
    return any(isinstance(n, cst.Attribute) and n.attr.value in LOCKS for n in descendants(origin))


def _textual(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString))
