"""What ORM010's needs read from a file's `ast` facts (reviewer.needs) and the project: the
side effects and transaction openers reviewer.orm.transactions finds with libcst, in `ast`
terms. A module of its own, without libcst, so that the rule catalogue names these tests and a
scan whose files the rule cannot report on imports neither libcst nor the rule
(reviewer.registry.needs_to_json)."""

from __future__ import annotations

import ast
from typing import Any

from reviewer.astfacts import nodes_of, tail_name
from reviewer.needs import FileFacts, Needs, called, names_for, qualified_call

ATOMIC = frozenset({"django.db.transaction.atomic", "django.db.transaction.Atomic"})
# Methods whose context manager is a transaction: SQLAlchemy, asyncpg / psycopg 3, peewee.
BEGIN_METHODS = frozenset({"begin", "begin_nested", "transaction", "atomic"})
# Names of DB-API connections whose `with conn:` block is a transaction (psycopg2, sqlite3).
CONNECTION_WORDS = frozenset({"conn", "connection", "con", "db_conn", "dbconn", "db_connection"})

HTTP_MODULES = ("requests", "httpx", "aiohttp", "urllib3")
HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "urlopen"})
MAIL_FUNCTIONS = frozenset({
    "django.core.mail.send_mail", "django.core.mail.send_mass_mail", "django.core.mail.mail_admins",
    "django.core.mail.mail_managers", "smtplib.SMTP", "smtplib.SMTP_SSL",
})
MAIL_MESSAGES = ("EmailMessage", "EmailMultiAlternatives")
# Celery (`.delay`, `.apply_async`, `app.send_task`), RQ (`queue.enqueue*`).
TASK_METHODS = frozenset({"delay", "apply_async", "send_task", "enqueue", "enqueue_call", "enqueue_at", "enqueue_in"})
# What a file's code must hold for side_effect to find a call in it (reviewer.needs): a verb
# called on an HTTP module, a call of urlopen or of a mail function, a task method called,
# or `send()` of an EmailMessage built in the file.
SIDE_EFFECT_NEEDS = (
    Needs(names=HTTP_MODULES) & called(*sorted(HTTP_VERBS))
    | qualified_call("urllib.request.urlopen", *sorted(MAIL_FUNCTIONS))
    | Needs(calls=tuple(sorted(TASK_METHODS)))
    | qualified_call(*(f"django.core.mail.{name}" for name in MAIL_MESSAGES)) & Needs(calls=("send", "send_messages"))
)


def atomic_requests(index: Any) -> bool:
    """`ATOMIC_REQUESTS: True` on a database of the project's Django `DATABASES` setting."""
    from reviewer.web.routes import RoutesProvider

    databases = RoutesProvider.of(index).setting("DATABASES") if index is not None else None
    if not isinstance(databases, dict):
        return False
    return any(isinstance(db, dict) and db.get("ATOMIC_REQUESTS") is True for db in databases.values())


def opens_transaction(facts: FileFacts) -> bool:
    """The file's `ast` tree holds what Transactions opens a transaction at: a `with` (or
    `async with`) item that `opener` can accept (a call of a BEGIN_METHODS method, a name of
    `transaction.atomic`, a connection's name), or a decorator that `_atomic_decorator` can
    accept (`atomic` or `method_decorator` under any import alias)."""
    atomic = names_for(facts, ATOMIC_LASTS)
    if not facts.decorators.isdisjoint(atomic | names_for(facts, frozenset({"method_decorator"}))):
        return True
    if facts.tree is None:
        return True
    for node in nodes_of(facts.tree, ast.With, ast.AsyncWith):  # type: ignore[arg-type]
        for item in node.items:  # type: ignore[attr-defined]
            expression = item.context_expr
            if isinstance(expression, ast.Call):
                func = expression.func
                if isinstance(func, ast.Attribute) and func.attr in BEGIN_METHODS or tail_name(func) in atomic:
                    return True
            else:
                last = tail_name(expression)
                if last is not None and (last in atomic or last.lower() in CONNECTION_WORDS):
                    return True
    return False


ATOMIC_LASTS = frozenset(name.rpartition(".")[2] for name in ATOMIC)
# What a file's code must hold for `Transactions.open_scope` to find an open transaction in it:
# what opens one (a `with` item or decorator, `opens_transaction`), a `commit()` that ends a
# session's writes (`_commits`), or, in a project whose Django settings turn ATOMIC_REQUESTS on,
# a function (a view: reviewer.web.handlers.handler_for).
TRANSACTION_NEEDS = (
    Needs(calls=("commit",))
    | Needs(test=opens_transaction)
    | Needs.of_project(atomic_requests) & Needs(syntax=("FunctionDef", "AsyncFunctionDef"))
)
