from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from sqlglot import exp

from reviewer.orm import indexes
from reviewer.web.apicheck import code, sql_of
from reviewer.model import Category, Confidence, Severity
from reviewer.names import dotted
from reviewer.project.ormvocab import sessionish
from reviewer.orm.querysets import QueryTracker, classify_call, names_in
from reviewer.rule import Example, Needs, PythonRule
from reviewer.orm.transactions import called_by_hand, single_writer
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
SUBSCRIPTIONS = (
    (
        "billing/models.py",
        "from django.db import models\n"
        "class Subscription(models.Model):\n"
        "    user = models.ForeignKey('auth.User', on_delete=models.CASCADE)\n"
        "    plan = models.CharField(max_length=20)\n"
        "    class Meta:\n"
        "        constraints = [models.UniqueConstraint(fields=['user', 'plan'], name='uniq_subscription')]\n",
    ),
)
BANK = (
    (
        "bank/models.py",
        "from sqlalchemy import UniqueConstraint\n"
        "from sqlalchemy.orm import Mapped, mapped_column, DeclarativeBase\n"
        "class Base(DeclarativeBase):\n    pass\n"
        "class Account(Base):\n    __tablename__ = 'accounts'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n    balance: Mapped[int] = mapped_column()\n"
        "    email: Mapped[str] = mapped_column(unique=True)\n    owner: Mapped[str] = mapped_column()\n"
        "class Member(Base):\n    __tablename__ = 'members'\n"
        "    __table_args__ = (UniqueConstraint('team_id', 'user_id'),)\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    team_id: Mapped[int] = mapped_column()\n    user_id: Mapped[int] = mapped_column()\n",
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
    guarded: dict[str, frozenset[str]] = field(default_factory=dict)
    by_hand: bool | None = None  # every caller is code run by hand (computed on first need)  # model an `if M...exists(): return` guard checked -> its columns


class RaceLostUpdateCheckThenAct(PythonRule):
    """A read-modify-write in Python: a row is read without a lock, a counter or balance is
    computed from the value read, and the result is written back. Two requests that read the
    same value both write their own result, and one update is lost (two orders each take the
    last item of stock; two withdrawals each see the full balance).

    Reported: a Django or SQLAlchemy instance read without `select_for_update()` /
    `with_for_update()` whose field is changed from its own value (`p.stock -= n`,
    `p.stock = p.stock - n`) and then saved (`save()`, `commit()`); and raw SQL that writes
    back `SET col = %s` a value computed in Python from a `SELECT col` without `FOR UPDATE`.
    And an exists-then-create: Django `if not M.objects.filter(k=v).exists(): M.objects.create(k=v)`,
    SQLAlchemy `row = session.query(M).filter_by(k=v).first()` (or `session.scalar(select(M)...)`)
    then `if row is None: session.add(M(k=v))`, or a guard that returns when the row exists and
    then creates it; outside a `try` that handles `IntegrityError`: two requests both see no row,
    and both insert it (a SQLAlchemy row a helper looked up is left out: what it compared is out
    of sight). Not reported when a unique key of the table (a primary key, `unique=True`,
    `unique_together`, a `UniqueConstraint` of the model or of its migrations, a unique index)
    lies within the columns the check compares: the database refuses the duplicate, so the race
    ends in an IntegrityError rather than a second row (handling it is still good manners).
    An UPDATE whose WHERE also matches the value read or a version column (optimistic locking)
    is not reported. The fix is to let the database compute it (`F("stock") - n`, `Item.stock - n`,
    `SET col = col - %s`) or to lock the row first. Not reported: code one process runs by hand
    (migrations, management commands, `examples/` and `scripts/` folders, script modules with
    `if __name__ == "__main__":`, tests, and helpers whose every caller is one of those, by the project model's call edges), and
    string fields (`name += " (copy)"`).

    Opt-in (select it by its code, or the audit profile): on the ecosystem check's held-out
    projects (label `s8`) its 4 findings were judged 0 true, 2 false, 2 debatable (0.25): setup code
    run once at migrate time, and a scheduler that runs under its own lock. On the tuned projects
    (label `i16orm-3`) its 2 findings are 1 true, 1 debatable (0.75 of 2): too little evidence
    for a default-on warning.
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
    exists_fix_sqlalchemy = (
        'Back the lookup with a unique constraint (`UniqueConstraint("team_id", "user_id")` in `__table_args__`) '
        "and catch `IntegrityError` around the add and commit, or insert with "
        "`insert(Model).values(...).on_conflict_do_nothing()`"
    )
    exists_fix = (
        'Back the lookup with a unique constraint (`UniqueConstraint(fields=["user", "plan"], name="uniq_subscription")`) '
        "and use `get_or_create(...)`, or catch `IntegrityError` around the create"
    )
    seed = 'S3:259 "Handling concurrent updates"; S1:76 "Implement idempotency for critical operations"; S3:239 "Data guardian"'
    references = (
        "https://docs.djangoproject.com/en/stable/ref/models/expressions/#avoiding-race-conditions-using-f",
        "https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS",
    )
    # The value is written back by a save, a session commit / flush, or an SQL `UPDATE ... SET`;
    # or an `exists()` check, or a row added to a session.
    needs = Needs(name_parts=("save", "commit", "flush", "exists", "add"), string_parts=("SET ",))
    index_sections = ("orm_models", "symbols", indexes.SECTION, "migrations")  # unique keys: models and migrations
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
            files=BANK,
            lines=(4,),
            note="SQLAlchemy",
        ),
        Example(
            "from bank.models import Account\n"
            "def deposit(session, account_id, amount):\n"
            "    account = session.query(Account).filter_by(id=account_id).first()\n"
            "    account.balance += amount\n"
            "    session.commit()\n",
            path="bank/services.py",
            files=BANK,
            lines=(4,),
            note="SQLAlchemy: a row loaded by a query, changed from its own value",
        ),
        Example(
            "from sqlalchemy import select\n"
            "from bank.models import Account\n"
            "def open_account(session, owner):\n"
            "    existing = session.scalars(select(Account).where(Account.owner == owner)).first()\n"
            "    if existing is None:\n"
            "        session.add(Account(owner=owner, balance=0))\n"
            "        session.commit()\n",
            path="bank/services.py",
            files=BANK,
            lines=(6,),
            note="SQLAlchemy exists-then-add: `owner` is not unique",
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
            "from billing.models import Subscription\n"
            "def subscribe(user, plan):\n"
            "    if not Subscription.objects.filter(user=user, plan=plan).exists():\n"
            "        Subscription.objects.create(user=user, plan=plan)\n",
            path="billing/services.py",
            files=SUBSCRIPTIONS,
            note="near-miss: a UniqueConstraint on (user, plan) refuses the duplicate (a lost race is an IntegrityError, not a second row)",
        ),
        Example(
            "from bank.models import Member\n"
            "def join(session, team_id, user_id):\n"
            "    if session.query(Member).filter_by(team_id=team_id, user_id=user_id).first():\n"
            "        return\n"
            "    session.add(Member(team_id=team_id, user_id=user_id))\n"
            "    session.commit()\n",
            path="bank/services.py",
            files=BANK,
            note="near-miss: SQLAlchemy exists-then-add on columns a UniqueConstraint of __table_args__ covers",
        ),
        Example(
            "from bank.models import Account\n"
            "def register(session, email):\n"
            "    if session.query(Account).filter_by(email=email).first() is None:\n"
            "        session.add(Account(email=email, owner=email, balance=0))\n"
            "        session.commit()\n",
            path="bank/services.py",
            files=BANK,
            note="near-miss: `email` is `unique=True`",
        ),
        Example(
            "from sqlalchemy.exc import IntegrityError\n"
            "from bank.models import Account\n"
            "def open_account(session, owner):\n"
            "    if session.query(Account).filter_by(owner=owner).first() is None:\n"
            "        try:\n"
            "            session.add(Account(owner=owner, balance=0))\n"
            "            session.commit()\n"
            "        except IntegrityError:\n"
            "            session.rollback()\n",
            path="bank/services.py",
            files=BANK,
            note="near-miss: the add handles IntegrityError",
        ),
        Example(
            "from bank.models import Account\n"
            "def _find(session, owner):\n"
            "    return session.query(Account).filter(Account.owner.ilike(owner)).first()\n"
            "def open_account(session, owner):\n"
            "    if _find(session, owner) is None:\n"
            "        session.add(Account(owner=owner, balance=0))\n"
            "        session.commit()\n",
            path="bank/services.py",
            files=BANK,
            note="near-miss: a helper looked the row up; what it compared (and what unique key covers it) is out of sight",
        ),
        Example(
            "from bank.models import Account\n"
            "def load_demo_accounts(session):\n"
            "    if not session.query(Account).filter_by(owner='demo').first():\n"
            "        session.add(Account(owner='demo', balance=100))\n"
            "        session.commit()\n",
            path="bank/examples/demo_data.py",
            files=BANK,
            note="near-miss: an example loader one developer runs by hand",
        ),
        Example(
            "from bank.models import Account\n"
            "def deposit(session, account_id, amount):\n"
            "    account = session.query(Account).with_for_update().filter_by(id=account_id).first()\n"
            "    account.balance += amount\n"
            "    session.commit()\n",
            path="bank/services.py",
            files=BANK,
            note="near-miss: SQLAlchemy `with_for_update()` locks the row",
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
            "def restock(pk, qty):\n"
            "    product = Product.objects.get(pk=pk)\n"
            "    product.stock += qty\n"
            "    product.save()\n",
            path="catalog/stock.py",
            files=SHOP + (("catalog/management/commands/restock.py",
                           "from django.core.management.base import BaseCommand\n"
                           "from catalog.stock import restock\n"
                           "class Command(BaseCommand):\n"
                           "    def handle(self, *args, **options):\n"
                           "        restock(options['pk'], options['qty'])\n"),),
            note="near-miss: the only caller is a management command run by hand",
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
        # open `if not M...exists():` checks: (if, the block that runs when no row exists, model, columns)
        self.checks: list[tuple[cst.If, cst.BaseSuite, str, frozenset[str]]] = []
        self.coverage: tuple[indexes.IndexCoverage, dict[str, str]] | None = None
        self.tries: list[tuple[cst.CSTNode, bool]] = []  # open try bodies / handlers: whether they handle IntegrityError

    # -- exists-then-create ---------------------------------------------------------------
    def visit_If(self, node: cst.If) -> None:
        if not self.functions:
            return
        test = node.test
        negated = isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)
        inner = test.expression if negated else test  # type: ignore[attr-defined]
        if isinstance(inner, cst.Comparison) and len(inner.comparisons) == 1 and _is_none(inner.comparisons[0].comparator):
            operator = inner.comparisons[0].operator
            if isinstance(operator, (cst.Is, cst.Equal)):
                negated = not negated  # `row is None`: the row does not exist
            elif not isinstance(operator, (cst.IsNot, cst.NotEqual)):
                return
            inner = inner.left
        probe = self._probe(inner)
        if probe is None:
            return
        model, columns = probe
        if negated:
            self.checks.append((node, node.body, model, columns))
        else:
            if node.body.body and isinstance(_last_statement(node.body), (cst.Return, cst.Raise)):
                self.functions[-1].guarded[model] = columns
            if node.orelse is not None and isinstance(node.orelse, cst.Else):
                self.checks.append((node, node.orelse.body, model, columns))

    def leave_If(self, node: cst.If) -> None:
        while self.checks and self.checks[-1][0] is node:
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

    def _probe(self, test: cst.BaseExpression) -> tuple[str, frozenset[str]] | None:
        """(model, columns compared for equality) of a check whether a row exists: Django
        `M.objects.filter(...).exists()`, or one SQLAlchemy row looked up without a lock
        (`session.query(M).filter_by(...).first()`, `session.scalar(select(M).where(...))`),
        written in the test or bound to the name it tests."""
        if isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute) and test.func.attr.value == "exists":
            found = classify_call(test, self.tracker)
            if found is None or found.action != "read" or not found.model:
                return None
            return found.model, _lookup_columns(test)
        expressions = [test]
        if isinstance(test, cst.Name):
            bound = self.context.scopes.lookup(test.value)
            if bound is None or len(bound[1]) != 1 or bound[1][0].op != "=":
                return None
            expressions = [bound[1][0].value]
        value = expressions[0]
        value = value.expression if isinstance(value, cst.Await) else value
        if not isinstance(value, cst.Call):
            return None
        rows = self.tracker.rows_of(value)
        if rows is None or rows.framework != "sqlalchemy" or rows.many or _locked(value):
            return None
        columns = _lookup_columns(value)
        # A row a helper looked up (`self._find_scorer(...)`): what it compared, and whether a
        # unique key covers it, cannot be seen here.
        return (rows.model, columns) if columns else None

    def _created(self, node: cst.Call) -> str | None:
        """The model a call inserts a row of: Django `M.objects.create(...)`, SQLAlchemy
        `session.add(M(...))` (or of a name bound to `M(...)`)."""
        func = node.func
        if not isinstance(func, cst.Attribute):
            return None
        if func.attr.value == "create":
            found = classify_call(node, self.tracker)
            return found.model if found is not None and found.action == "write" and found.model else None
        if func.attr.value != "add" or len(node.args) != 1 or not sessionish(dotted(func.value) or ""):
            return None
        value = node.args[0].value
        if isinstance(value, cst.Name):
            bound = self.context.scopes.lookup(value.value)
            value = bound[1][-1].value if bound is not None and bound[1] else value
        if isinstance(value, cst.Call) and isinstance(value.func, (cst.Name, cst.Attribute)):
            model = self.tracker.model_name(value.func)
            return model if model is not None and self.tracker.graph.framework(model) == "sqlalchemy" else None
        return None

    def _created_twice(self, node: cst.Call, function: _Function) -> bool:
        """A row inserted after a check that no such row exists, with no IntegrityError
        handling, and no unique constraint over the columns the check compared."""
        model = self._created(node)
        if model is None or any(handles for _, handles in self.tries):
            return False
        checked = [columns for _, block, found, columns in self.checks if found == model and _within(node, block)]
        if model in function.guarded:
            checked.append(function.guarded[model])
        return bool(checked) and not any(self._unique(model, columns) for columns in checked)

    def _unique(self, model: str, columns: frozenset[str]) -> bool:
        """A unique key of the model's table (its model, or its migrations) lies within the
        columns: a concurrent duplicate is refused by the database, not written."""
        if not columns or self.context.index is None:
            return False
        if self.coverage is None:
            self.coverage = (indexes.coverage(self.context.index), indexes.tables_by_model(self.context.index))
        coverage, tables = self.coverage
        table = tables.get(model.rsplit(".", 1)[-1])
        keys = coverage.tables.get(table) if table else None
        spellings = {v for c in columns for v in (c, f"{c}_id", c.removesuffix("_id"))}  # Django: `user` / `user_id`
        return keys is not None and keys.unique_within(tuple(spellings))

    def _by_hand(self) -> bool:
        """Every caller of the function being walked (a module-level function or a method) is
        code run by hand: a migration or a management command calls a helper of the project."""
        if len(self.functions) != 1:
            return False
        function = self.functions[0]
        if function.by_hand is None:
            owner = self.tracker.enclosing_class()
            name = f"{owner}.{function.node.name.value}" if owner else function.node.name.value  # type: ignore[attr-defined]
            function.by_hand = called_by_hand(self.context, name)
        return function.by_hand

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
        if not isinstance(rows.origin, cst.Call) or _locked(rows.origin) or self._locked_binding(target.value):
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
                    if not self._by_hand():
                        self.report(update, field=code(self.context, target, 40))
        if self._created_twice(node, function) and not self._by_hand():
            fix = self.exists_fix if isinstance(node.func, cst.Attribute) and node.func.attr.value == "create" else self.exists_fix_sqlalchemy
            self.report(node, message=self.exists_message, fix=fix, model=code(self.context, node, 40))
        elif self.context.sink(node) is not None:
            self._raw_statement(node, function)

    def _locked_binding(self, name: cst.Name) -> bool:
        """The instance was read by a chain that locks it (`session.query(M).with_for_update()...first()`:
        the chain outside the query the tracker starts from)."""
        found = self.context.scopes.lookup(name.value)
        return found is not None and any(_locked(a.value) for a in found[1] if isinstance(a.value, cst.BaseExpression))

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
            if computed and not self._by_hand():
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


def _locked(origin: cst.CSTNode) -> bool:
    if isinstance(origin, cst.Call) and any(a.keyword is not None and a.keyword.value == "with_for_update" for a in origin.args):
        return True  # session.get(Account, pk, with_for_update=True)
    return any(isinstance(n, cst.Attribute) and n.attr.value in LOCKS for n in descendants(origin))


def _textual(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString))


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _lookup_columns(query: cst.Call) -> frozenset[str]:
    """Columns a query compares for equality: Django `filter(a=..., b__exact=...)` / `get(...)`,
    SQLAlchemy `filter_by(a=...)` and `filter(M.a == x)` / `where(M.a == x, ...)`."""
    found: set[str] = set()
    for call in (n for n in descendants(query) if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute)):
        method = call.func.attr.value  # type: ignore[attr-defined]
        if method in ("filter", "filter_by", "get"):
            for arg in call.args:
                if arg.keyword is not None:
                    parts = arg.keyword.value.lower().split("__")
                    if len(parts) == 1 or parts[1:] in (["exact"], ["iexact"]):
                        found.add(parts[0])
        if method in ("filter", "where"):
            for arg in call.args:
                if arg.keyword is None:
                    found |= _compared(arg.value)
    return frozenset(found)


def _compared(node: cst.BaseExpression) -> set[str]:
    """`M.a == x` -> {"a"}; through `and_(...)` and `&`."""
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1 and isinstance(node.comparisons[0].operator, cst.Equal):
        return {node.left.attr.value.lower()} if isinstance(node.left, cst.Attribute) else set()
    if isinstance(node, cst.Call) and (dotted(node.func) or "").rsplit(".", 1)[-1] == "and_":
        return {c for arg in node.args for c in _compared(arg.value)}
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitAnd):
        return _compared(node.left) | _compared(node.right)
    return set()
