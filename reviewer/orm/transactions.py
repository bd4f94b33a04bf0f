"""Open database transactions: where code runs inside one, and what runs outside the database.

One definition of "an open transaction" for the transaction rules (ORM009, ORM010, ORM011):

- Django `transaction.atomic` as a decorator (on the function, or `method_decorator(atomic)`
  on its class) or as a context manager, and every view when `ATOMIC_REQUESTS` is on in
  `DATABASES` (unless the view is `non_atomic_requests`);
- SQLAlchemy `with session.begin()` / `engine.begin()` / `Session.begin()` /
  `session.begin_nested()` (also `async with`), and a session between its first write
  (`add`, `delete`, `merge`, an `INSERT`/`UPDATE`/`DELETE` it executes) and the `commit()` /
  `rollback()` that ends it (this covers Flask-SQLAlchemy's request-scoped `db.session`);
- asyncpg / psycopg 3 `async with conn.transaction()`, peewee `db.atomic()`, and DB-API
  connections used as a context manager (`with conn:` in psycopg2 and sqlite3).

A transaction is lexical to the function that opens it: a nested `def` or `lambda` (what
`transaction.on_commit(lambda: ...)` receives) runs later, outside it.

`Transactions` is a shared per-file analysis (`context.shared(Transactions)`): the engine feeds
it the batched walk, and rules ask `open_scope()` at any node. `side_effect(call, context)`
names a call that acts outside the database (HTTP, email, a task queue), for ORM010 and
anyone else who needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import libcst as cst

from reviewer.discovery import Deployment, in_migrations_package
from reviewer.entrypoints import is_management_command, runs_as_program
from reviewer.names import dotted
from reviewer.orm.transaction_needs import (
    ATOMIC, BEGIN_METHODS, CONNECTION_WORDS, HTTP_MODULES, HTTP_VERBS, MAIL_FUNCTIONS, MAIL_MESSAGES, TASK_METHODS, atomic_requests,
)
from reviewer.project.calls import CallEdge
from reviewer.project.ormvocab import sessionish
from reviewer.orm.querysets import QueryTracker, classify_call
from reviewer.walk import descendants

if TYPE_CHECKING:  # pragma: no cover
    from reviewer.context import FileContext

NON_ATOMIC = "django.db.transaction.non_atomic_requests"
METHOD_DECORATOR = "django.utils.decorators.method_decorator"
SESSION_WRITES = frozenset({"add", "add_all", "delete", "merge"})
ENDS = frozenset({"commit", "rollback"})


@dataclass
class Frame:
    """One function (or lambda) being walked and the transactions open in it."""

    node: cst.CSTNode
    decorated: str = ""  # the decorator (or setting) that makes the whole body a transaction
    scopes: list[str] = field(default_factory=list)  # open `with` transactions, innermost last
    pending: str = ""  # a session write not yet committed (label of the write)
    commits: bool | None = None  # whether the function commits at all (computed on first need)


class Transactions:
    """The transaction open at the node being visited, fed by the engine's batched walk."""

    def __init__(self, context: "FileContext") -> None:
        self.context = context
        self.tracker = context.shared(QueryTracker)
        self.frames: list[Frame] = [Frame(context.module)]
        self.classes: list[cst.ClassDef] = []
        self.class_atomic: list[bool] = []
        self.withs: list[tuple[cst.With, int]] = []  # with statements that opened scopes, and how many
        self.atomic_requests = atomic_requests(context.index)

    # -- feeding ------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node)
        self.class_atomic.append(any(self._atomic_decorator(d.decorator) for d in node.decorators))

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        if self.classes and self.classes[-1] is node:
            self.classes.pop()
            self.class_atomic.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        decorated = ""
        for decorator in node.decorators:
            if self._atomic_decorator(decorator.decorator):
                decorated = "`@transaction.atomic`"
        method = bool(self.classes) and node in self.classes[-1].body.body
        if not decorated and method and self.class_atomic[-1]:
            decorated = "`method_decorator(transaction.atomic)`"
        if not decorated and self.atomic_requests and not self._non_atomic(node):
            from reviewer.web.handlers import handler_for

            if handler_for(self.context, node, self.classes if method else []) is not None:
                decorated = "a view under `ATOMIC_REQUESTS`"
        self.frames.append(Frame(node, decorated))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._pop(node)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.frames.append(Frame(node))

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self._pop(node)

    def visit_With(self, node: cst.With) -> None:
        opened = [label for label in (self._opener(item.item) for item in node.items) if label]
        if opened:
            self.frames[-1].scopes.extend(opened)
            self.withs.append((node, len(opened)))

    def leave_With(self, node: cst.With) -> None:
        if self.withs and self.withs[-1][0] is node:
            _, count = self.withs.pop()
            del self.frames[-1].scopes[-count:]

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        receiver = dotted(func.value) or ""
        if not sessionish(receiver):
            return
        method = func.attr.value
        frame = self.frames[-1]
        if method in ENDS and not node.args:
            frame.pending = ""
        elif frame.pending:
            return
        elif method in SESSION_WRITES and node.args and not _cache(func.value):
            frame.pending = f"{receiver}.{method}()"
        elif (found := classify_call(node, self.tracker)) is not None and found.action == "write":
            frame.pending = f"{receiver}.{method}(...)"

    # -- queries ------------------------------------------------------------------------
    def open_scope(self) -> str:
        """How the transaction open here was opened, as a message says it (code in
        backticks), or "" when none is."""
        frame = self.frames[-1]
        if frame.scopes:
            return frame.scopes[-1]
        if frame.decorated:
            return frame.decorated
        if frame.pending and _commits(frame):
            return f"the transaction `{frame.pending}` began, before its `commit()`"
        return ""

    def explicit(self) -> bool:
        """An atomic block, decorator or `begin()` is open (not only a session's pending writes)."""
        frame = self.frames[-1]
        return bool(frame.scopes or frame.decorated)

    @property
    def function(self) -> cst.CSTNode | None:
        """The function (or lambda) being walked, None at module level."""
        return self.frames[-1].node if len(self.frames) > 1 else None

    # -- helpers ------------------------------------------------------------------------
    def _pop(self, node: cst.CSTNode) -> None:
        if len(self.frames) > 1 and self.frames[-1].node is node:
            self.frames.pop()

    def _atomic_decorator(self, target: cst.BaseExpression) -> bool:
        call = target if isinstance(target, cst.Call) else None
        func = call.func if call is not None else target
        qualified = self.context.resolve(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        if qualified in ATOMIC:
            return True
        if qualified == METHOD_DECORATOR and call is not None and call.args:
            return self._atomic_decorator(call.args[0].value)
        return False

    def _non_atomic(self, node: cst.FunctionDef) -> bool:
        for decorator in node.decorators:
            target = decorator.decorator
            func = target.func if isinstance(target, cst.Call) else target
            if isinstance(func, (cst.Name, cst.Attribute)) and self.context.resolve(func) == NON_ATOMIC:
                return True
        return False

    def _opener(self, expr: cst.BaseExpression) -> str:
        called = isinstance(expr, cst.Call)
        target = expr.func if isinstance(expr, cst.Call) else expr
        if not isinstance(target, (cst.Name, cst.Attribute)):
            return ""
        name = dotted(target)
        if name is None:  # `self.get_session().begin()`
            method = target.attr.value if isinstance(target, cst.Attribute) else ""
            return f"`....{method}()`" if called and method in BEGIN_METHODS - {"atomic"} else ""
        return opener(name, self.context.resolve(target) or name, called)


def opener(name: str, qualified: str, called: bool) -> str:
    """How a context manager opens a transaction, as a message says it, or "": `name` as the
    code writes it (`transaction.atomic`, `session.begin`, `conn`), `qualified` through the
    file's imports, `called` for `with name(...)`."""
    if qualified in ATOMIC:
        return "`transaction.atomic()`" if called else "`transaction.atomic`"
    receiver, _, method = name.rpartition(".")
    if called:
        if method not in BEGIN_METHODS or not receiver:
            return ""
        if method == "atomic" and not (sessionish(receiver) or receiver.rsplit(".", 1)[-1] in ("transaction", "database")):
            return ""  # peewee's `db.atomic()`; not any object's `atomic()`
        return f"`{name}()`"
    if name.rsplit(".", 1)[-1].lower() in CONNECTION_WORDS and not qualified.startswith("django."):
        return f"`with {name}:`"
    return ""


def caller_transaction(symbols: Any, path: str, edge: CallEdge) -> str:
    """How the caller in file `path` wraps the call of an edge in a transaction (a `with` that
    opens one, an atomic decorator, a migration that runs in one), or ""."""
    if migration_path(path, symbols):
        return "a migration"
    for written in (*reversed(edge.within), *edge.decorators):
        name, called = (written[:-2], True) if written.endswith("()") else (written, False)
        qualified = symbols.qualify(path, name)
        if written in edge.decorators:
            if qualified in ATOMIC:
                return "`@transaction.atomic`"
        elif opener(name, qualified, called):
            return opener(name, qualified, called)
    return ""


def migration_path(path: str, symbols: Any = None) -> bool:
    """A migration, a module of a migrations folder, or an Alembic revision file (per the project symbols)."""
    return in_migrations_package(path) or (symbols is not None and symbols.migration(path))


def single_writer_path(path: str, deployment: Deployment, symbols: Any = None) -> bool:
    """A file of code one process runs by hand, by its path: a migration, a management command,
    or code that is not the service's (`deployment.non_service`: test, example, docs and script
    code, developer tooling, the config's `not-deployed`: loaders and tools one developer runs)."""
    return migration_path(path, symbols) or is_management_command(path) or deployment.non_service(path)


def wrapped_by_callers(symbols: Any, path: str, name: str) -> str:
    """How a caller of the function or method `name` of file `path` wraps its call in a
    transaction, one call level up (the project model's call edges): the caller's file, line
    and how (`services/orders.py:12: transaction.atomic()`); "" when none does."""
    for where, edge in symbols.callers(path, name) if symbols is not None else ():
        how = caller_transaction(symbols, where, edge)
        if how:
            return f"{where}:{edge.line}: {how}"
    return ""


def called_by_hand(context: "FileContext", name: str) -> bool:
    """Every known caller of the function or method `name` of the context's file is code run
    by hand (a migration, a management command): one level up, the same single writer."""
    symbols, deployment = context.symbols, context.index.deployment
    callers = symbols.callers(context.path, name) if symbols is not None else ()
    return bool(callers) and all(single_writer_path(where, deployment, symbols) for where, _ in callers)


def single_writer(context: "FileContext") -> bool:
    """Code that one process runs by hand, where concurrent writers and partial state are not
    the concern: migrations, Django management commands, example and script folders, and script
    modules (an `if __name__ == "__main__":` block, the shape of a console entry point)."""
    return context.in_migration or single_writer_path(context.path, context.index.deployment) or runs_as_program(context.module)


def _commits(frame: Frame) -> bool:
    """The function ends its session's transaction with a `commit()` of its own: without one
    the write may be autocommitted (asyncpg) or committed by a caller."""
    if frame.commits is None:
        frame.commits = any(
            isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "commit"
            and not node.args and sessionish(dotted(node.func.value) or "")
            for node in descendants(frame.node)
        )
    return frame.commits


def _cache(receiver: cst.BaseExpression) -> bool:
    return "cache" in (dotted(receiver) or "").lower()


def side_effect(call: cst.Call, context: "FileContext") -> str:
    """What a call does outside the database that a rollback cannot undo: "HTTP call",
    "email" or "task enqueue"; "" for anything else."""
    func = call.func
    qualified = context.resolve(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
    if qualified:
        head, _, last = qualified.rpartition(".")
        if head.split(".")[0] in HTTP_MODULES and last in HTTP_VERBS or qualified == "urllib.request.urlopen":
            return "HTTP call"
        if qualified in MAIL_FUNCTIONS:
            return "email"
    if not isinstance(func, cst.Attribute):
        return ""
    method = func.attr.value
    if method in TASK_METHODS:
        return "task enqueue"
    if method in ("send", "send_messages") and _email_message(func.value, context):
        return "email"
    return ""


# A task scheduled at least this many seconds ahead runs after the transaction that queued it
# has committed. Celery's `countdown` (seconds) and `eta` (a datetime), like RQ's
# `enqueue_in` / `enqueue_at`, set the earliest time a worker may start the task; a minute is
# twice gunicorn's default worker timeout (30 s), far longer than a request's or a task's
# transaction should stay open, while a countdown of a few seconds can still beat a slow commit.
AFTER_COMMIT_SECONDS = 60
TIMEDELTA_UNITS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "milliseconds": 0.001, "microseconds": 1e-6}
TIMEDELTA_ORDER = ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks")


def scheduled_after_commit(call: cst.Call, context: "FileContext") -> bool:
    """A task enqueue that is scheduled to start later than the transaction lasts: a countdown
    or eta of at least AFTER_COMMIT_SECONDS (the shortest it can be, when it is read from a
    local sequence: pretix's `countdown=retry_intervals[n]` can be 5 s), or a delay or time read
    from an attribute whose value reviewer cannot see (squad's
    `countdown=project.notification_timeout`: a delay the project configures; reviewer does not
    guess it is short). `countdown=5`, `eta=now()`, a delay computed from locals and a plain
    `delay()` may start before the commit. The rollback risk stays (a deferred task still runs
    when the transaction fails) and is the task's own re-check to make; the race is gone."""
    if not isinstance(call.func, cst.Attribute):
        return False
    method = call.func.attr.value
    first = call.args[0].value if call.args and call.args[0].keyword is None else None
    if method in ("apply_async", "send_task"):
        countdown, eta = _keyword(call, "countdown"), _keyword(call, "eta")
        if countdown is not None:
            value, delay = countdown, _seconds(countdown, context)
        elif eta is not None:
            value, delay = eta, _eta_seconds(eta, context)
        else:
            return False
    elif method == "enqueue_in":
        value = _keyword(call, "time_delta") or first
        delay = _timedelta_seconds(value, context) if value is not None else 0.0
    elif method == "enqueue_at":
        value = _keyword(call, "datetime") or first
        delay = _eta_seconds(value, context) if value is not None else 0.0
    else:
        return False
    if delay is None:
        return isinstance(value, cst.Attribute) and context.project_constant(value) is None
    return delay >= AFTER_COMMIT_SECONDS


def _keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    return next((arg.value for arg in call.args if arg.keyword is not None and arg.keyword.value == name), None)


def _seconds(value: cst.BaseExpression, context: "FileContext", depth: int = 0) -> float | None:
    """The shortest number of seconds `value` can be: a literal, arithmetic of known values, a
    numeric project constant, a local every assignment of which is known, an item of a literal
    sequence (or of a local bound to one); None when it is not known."""
    if depth > 3:
        return None
    if isinstance(value, (cst.Integer, cst.Float)):
        return float(value.evaluated_value)
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, (cst.Multiply, cst.Add, cst.Power)):
        left, right = _seconds(value.left, context, depth + 1), _seconds(value.right, context, depth + 1)
        if left is None or right is None:
            return None
        if isinstance(value.operator, cst.Power):
            return left ** right if abs(right) < 64 else None
        return left * right if isinstance(value.operator, cst.Multiply) else left + right
    if isinstance(value, cst.Subscript):
        items = _sequence(value.value, context)
        known = [_seconds(item, context, depth + 1) for item in items]
        return min(known) if known and None not in known else None  # type: ignore[type-var]
    if isinstance(value, cst.Name):
        found = context.scopes.lookup(value.value)
        if found and found[1] and found[1][0].value is not None and all(a.op == "=" for a in found[1]):
            known = [_seconds(a.value, context, depth + 1) for a in found[1]]
            return min(known) if None not in known else None  # type: ignore[type-var]
    if isinstance(value, (cst.Name, cst.Attribute)):
        constant = context.project_constant(value)
        text = constant.text if constant is not None else None
        try:
            return float(text) if text is not None else None
        except ValueError:
            return None
    return None


def _sequence(value: cst.BaseExpression, context: "FileContext") -> list[cst.BaseExpression]:
    """The items of a literal tuple or list, or of the one a local is bound to."""
    if isinstance(value, cst.Name):
        found = context.scopes.lookup(value.value)
        if found and found[1] and len(found[1]) == 1 and found[1][0].op == "=":
            value = found[1][0].value
    if isinstance(value, (cst.Tuple, cst.List)):
        return [element.value for element in value.elements if isinstance(element, cst.Element)]
    return []


def _timedelta_seconds(value: cst.BaseExpression, context: "FileContext") -> float | None:
    """`timedelta(minutes=5)` in seconds; None when it is not a timedelta of constants."""
    if not isinstance(value, cst.Call) or not isinstance(value.func, (cst.Name, cst.Attribute)):
        return None
    if (context.resolve(value.func) or "") != "datetime.timedelta":
        return None
    total = 0.0
    for position, arg in enumerate(value.args):
        unit = arg.keyword.value if arg.keyword is not None else (TIMEDELTA_ORDER[position] if position < len(TIMEDELTA_ORDER) else None)
        amount = _seconds(arg.value, context) if unit in TIMEDELTA_UNITS else None
        if amount is None:
            return None
        total += amount * TIMEDELTA_UNITS[unit]  # type: ignore[index]
    return total


def _eta_seconds(value: cst.BaseExpression, context: "FileContext", depth: int = 0) -> float | None:
    """How far ahead an `eta` is: `now() + timedelta(...)` -> the timedelta, a bare `now()` ->
    0, a local bound to one of those; None for any other datetime."""
    if isinstance(value, cst.Name) and depth < 3:
        found = context.scopes.lookup(value.value)
        if found and len(found[1]) == 1 and found[1][0].op == "=":
            return _eta_seconds(found[1][0].value, context, depth + 1)
        return None
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        ahead = [_timedelta_seconds(side, context) for side in (value.left, value.right)]
        known = [seconds for seconds in ahead if seconds is not None]
        return known[0] if known else None
    if isinstance(value, cst.Call) and isinstance(value.func, (cst.Name, cst.Attribute)):
        name = context.resolve(value.func) or dotted(value.func) or ""
        if name.rsplit(".", 1)[-1] in ("now", "utcnow", "today"):
            return 0.0
    return None


def _email_message(receiver: cst.BaseExpression, context: "FileContext") -> bool:
    """`EmailMessage(...).send()`, or `msg.send()` where `msg` was built from one."""
    if isinstance(receiver, cst.Name):
        found = context.scopes.lookup(receiver.value)
        if not found or not found[1]:
            return False
        receiver = found[1][-1].value
    if isinstance(receiver, cst.Call) and isinstance(receiver.func, (cst.Name, cst.Attribute)):
        qualified = context.resolve(receiver.func) or ""
        return qualified.startswith("django.core.mail") and qualified.rsplit(".", 1)[-1] in MAIL_MESSAGES
    return False
