"""Where SQL text reaches a database: the catalogue of execution sinks, shared by every rule
that looks at SQL in Python (SQL001, the SQL extraction that feeds SqlRules, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from reviewer.model import Confidence
from reviewer.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from reviewer.context import FileContext

# Functions resolved by qualified name: name -> keyword of the SQL argument.
FUNCTION_SINKS = {
    "sqlalchemy.text": "text",
    "sqlalchemy.sql.text": "text",
    "sqlalchemy.sql.expression.text": "text",
    "django.db.models.RawSQL": "sql",
    "django.db.models.expressions.RawSQL": "sql",
    "pandas.read_sql": "sql",
    "pandas.read_sql_query": "sql",
    "alembic.op.execute": "sqltext",
}
# Methods matched by name on a receiver we cannot type: name -> keyword of the SQL argument.
METHOD_SINKS = {
    "execute": ("operation", "query", "sql", "statement"),
    "executemany": ("operation", "query", "sql"),
    "executescript": ("sql_script",),
    "exec_driver_sql": ("statement",),
    "raw": ("raw_query",),
    "fetch": ("query",),
    "fetchrow": ("query",),
    "fetchval": ("query",),
}
# Method names no other common library uses.
UNAMBIGUOUS_METHODS = frozenset({"executemany", "executescript", "exec_driver_sql"})
# Methods too generic to trust on an arbitrary receiver: they need a database-looking one.
NEEDS_DB_RECEIVER = frozenset({"fetch", "fetchrow", "fetchval"})
DB_RECEIVER_NAMES = frozenset(
    {"cur", "cursor", "conn", "connection", "con", "db", "session", "engine", "pool", "tx", "transaction", "sess", "c"}
)
DRIVER_DIALECTS = {
    "psycopg2": "postgres",
    "psycopg": "postgres",
    "asyncpg": "postgres",
    "sqlite3": "sqlite",
    "aiosqlite": "sqlite",
    "pymysql": "mysql",
    "MySQLdb": "mysql",
    "aiomysql": "mysql",
}


@dataclass(frozen=True)
class Sink:
    call: cst.Call
    label: str  # how the sink reads in a message, e.g. `cursor.execute`
    argument: cst.BaseExpression  # the SQL argument
    confidence: Confidence  # how sure we are that this call executes SQL


def match_sink(call: cst.Call, context: "FileContext") -> Sink | None:
    func = call.func
    if isinstance(func, (cst.Name, cst.Attribute)):
        qualified = context.resolve(func)
        keyword = FUNCTION_SINKS.get(qualified or "")
        if keyword is not None:
            argument = _argument(call, (keyword,))
            if argument is None:
                return None
            return Sink(call, qualified.rsplit(".", 1)[-1] + "()", argument, Confidence.HIGH)
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    keywords = METHOD_SINKS.get(method)
    if keywords is None:
        return None
    argument = _argument(call, keywords)
    if argument is None:
        return None
    receiver = func.value
    confidence = _receiver_confidence(method, receiver)
    if confidence is None:
        return None
    name = dotted(receiver) if isinstance(receiver, (cst.Name, cst.Attribute)) else None
    label = f"{name.rsplit('.', 1)[-1]}.{method}" if name else method
    return Sink(call, label, argument, confidence)


def _receiver_confidence(method: str, receiver: cst.BaseExpression) -> Confidence | None:
    if method == "raw":
        # Django's Manager.raw: `Model.objects.raw(...)` or a custom manager attribute.
        if isinstance(receiver, cst.Attribute) and receiver.attr.value.endswith("objects"):
            return Confidence.HIGH
        return Confidence.MEDIUM
    if method in UNAMBIGUOUS_METHODS:
        return Confidence.HIGH
    if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute):
        if receiver.func.attr.value in ("cursor", "connect", "connection", "begin", "acquire"):
            return Confidence.HIGH
    leaf = None
    if isinstance(receiver, cst.Name):
        leaf = receiver.value
    elif isinstance(receiver, cst.Attribute):
        leaf = receiver.attr.value
    looks_db = leaf is not None and (
        leaf.lower() in DB_RECEIVER_NAMES
        or leaf.lower().endswith(("cursor", "_cur", "conn", "connection", "session", "_db"))
    )
    if looks_db:
        return Confidence.HIGH
    if method in NEEDS_DB_RECEIVER:
        return None
    return Confidence.MEDIUM


def _argument(call: cst.Call, keywords: tuple[str, ...]) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in keywords:
            return arg.value
    for arg in call.args:
        if arg.keyword is None and not arg.star:
            return arg.value
        break
    return None


def dialect_for(context: "FileContext", default: str) -> str:
    """The SQL dialect a file's driver imports imply, else the configured default."""
    for target in context.imports.aliases.values():
        dialect = DRIVER_DIALECTS.get(target.split(".")[0])
        if dialect:
            return dialect
    return default
