"""Where SQL text reaches a database: the catalogue of execution sinks, shared by every rule
that looks at SQL in Python (SQL001, the SQL extraction that feeds SqlRules, ...), and what a
file's code must contain for one of its calls to be a sink (SINK_NEEDS). Matching a libcst call
against the catalogue is reviewer.sql.sinkcalls'."""

from __future__ import annotations

import ast

from reviewer.names import CANONICAL
from reviewer.needs import FileFacts, Needs

# Functions resolved by qualified name: name -> keyword of the SQL argument.
FUNCTION_SINKS = {
    "sqlalchemy.text": "text",
    "sqlalchemy.sql.text": "text",
    "sqlalchemy.sql.expression.text": "text",
    "sqlalchemy.TextClause": "text",
    "sqlalchemy.sql.expression.TextClause": "text",
    "sqlalchemy.sql.elements.TextClause": "text",
    "django.db.models.RawSQL": "sql",
    "django.db.models.expressions.RawSQL": "sql",
    "pandas.read_sql": "sql",
    "pandas.read_sql_query": "sql",
    "alembic.op.execute": "sqltext",
    "sqlalchemy.literal_column": "text",
    "sqlalchemy.sql.literal_column": "text",
    "sqlalchemy.sql.expression.literal_column": "text",
    "psycopg2.extras.execute_values": "sql",
    "psycopg2.extras.execute_batch": "sql",
    # A Django migration's RunSQL: its forward SQL, one statement (a list of statements or of
    # (sql, params) pairs is not one site, see STATEMENT_LIST_SINKS).
    "django.db.migrations.RunSQL": "sql",
    "django.db.migrations.operations.RunSQL": "sql",
    "django.db.migrations.operations.special.RunSQL": "sql",
}
# Function sinks whose SQL argument may be a list of whole statements: a list is not lifted
# as one site (joined pieces would read as one statement that does not parse).
STATEMENT_LIST_SINKS = frozenset({"RunSQL"})
# Function sinks whose SQL is not the first positional argument: name -> its position.
FUNCTION_SINK_POSITIONS = {"psycopg2.extras.execute_values": 1, "psycopg2.extras.execute_batch": 1}
# Sinks that take a piece of SQL (a condition, an expression, an ORDER BY key) rather than a
# statement; the rule wraps the piece into a statement before parsing it.
FRAGMENT_SINKS = frozenset({"text", "TextClause", "RawSQL", "literal_column", "extra"})
# Flask-SQLAlchemy's extension object re-exports SQLAlchemy's names: `db.text(...)` is `text()`.
FLASK_SQLALCHEMY = frozenset({"flask_sqlalchemy.SQLAlchemy", "flask_sqlalchemy.extension.SQLAlchemy"})
# Django's QuerySet.extra(select, where, params, tables, order_by, select_params): the SQL
# pieces by keyword and by position.
EXTRA_PIECES = (("where", 1), ("select", 0), ("tables", 3), ("order_by", 4))
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
    "copy_expert": ("sql",),
    "copy_from_query": ("query",),  # asyncpg Connection / Pool
    "prepare": ("query",),
    "cursor": ("query",),
    "extra": ("where",),
    "run": ("sql",),  # pg8000.native.Connection.run
}
# SQLAlchemy `Query` methods that took raw SQL strings (before 1.4 required `text()`); sinks
# only on a `session.query(...)` chain, never on a Django QuerySet (which validates names).
QUERY_CLAUSE_METHODS = frozenset({"filter", "order_by", "group_by", "having", "distinct"})
# Method names no other common library uses.
UNAMBIGUOUS_METHODS = frozenset({"executemany", "executescript", "exec_driver_sql", "copy_expert", "copy_from_query"})
# Methods too generic to trust on an arbitrary receiver: they need a database-looking one.
NEEDS_DB_RECEIVER = frozenset({"fetch", "fetchrow", "fetchval", "prepare", "cursor", "run"})
# Calls that produce a connection, cursor, session or pool (receiver provenance).
DB_PRODUCERS = frozenset(
    {
        "cursor", "connect", "connection", "begin", "acquire", "create_pool", "Session", "AsyncSession",
        "SessionLocal", "session", "get_session", "get_db", "get_connection", "scoped_session",
        "sessionmaker", "begin_nested", "raw_connection", "create_engine", "create_async_engine",
    }
)
# Annotation types of connections, cursors, sessions and pools.
DB_TYPES = frozenset(
    {
        "Session", "AsyncSession", "Connection", "AsyncConnection", "Cursor", "AsyncCursor", "Pool",
        "Engine", "AsyncEngine", "CursorWrapper", "cursor", "connection", "scoped_session",
    }
)
DB_MODULES = (
    "sqlalchemy", "asyncpg", "psycopg", "psycopg2", "sqlite3", "aiosqlite", "pymysql", "MySQLdb", "aiomysql", "django.db", "pg8000",
)
DB_RECEIVER_NAMES = frozenset(
    {"cur", "cursor", "conn", "connection", "con", "db", "session", "engine", "pool", "tx", "transaction", "sess", "c"}
)


def _query_clause_in(facts: FileFacts) -> bool:
    """What _query_clause accepts, looked for in the file's `ast` tree (a need's test): a Query
    clause method given one string-building argument and no keyword, on a chain that reaches
    a `.query(...)` call, a `Model.query`, or a local name (which may be bound to either)."""
    tree = facts.tree
    if tree is None:
        return True
    for node in ast.walk(tree):
        if type(node) is not ast.Call or type(node.func) is not ast.Attribute or node.func.attr not in QUERY_CLAUSE_METHODS:
            continue
        if len(node.args) != 1 or node.keywords or not isinstance(node.args[0], (ast.JoinedStr, ast.BinOp, ast.Call, ast.Constant)):
            continue
        receiver = node.func.value
        while type(receiver) is ast.Call and type(receiver.func) is ast.Attribute and receiver.func.attr != "query":
            receiver = receiver.func.value
        if (
            type(receiver) is ast.Name
            or (type(receiver) is ast.Call and type(receiver.func) is ast.Attribute)
            or (type(receiver) is ast.Attribute and receiver.attr == "query" and type(receiver.value) is ast.Name)
        ):
            return True
    return False


# What a file's code must contain for one of its calls to be a sink (reviewer.needs): a call
# given an argument (the SQL) and named like a method sink or like a function sink's last name
# (Flask-SQLAlchemy's `db.text` too), or an import of a function sink under another name; or a
# Query clause (`.filter(f"...")`) where the code names `query` (_query_clause_in).
SINK_NEEDS = Needs(
    arg_calls=tuple(sorted({*METHOD_SINKS, *(name.rsplit(".", 1)[-1] for name in FUNCTION_SINKS)})),
    imports=tuple(sorted({*FUNCTION_SINKS, *(name for name, canonical in CANONICAL.items() if canonical in FUNCTION_SINKS)})),
) | Needs(arg_calls=tuple(sorted(QUERY_CLAUSE_METHODS))) & Needs(names=("query",)) & Needs(test=_query_clause_in)
DRIVER_DIALECTS = {
    "psycopg2": "postgres",
    "psycopg": "postgres",
    "asyncpg": "postgres",
    "sqlite3": "sqlite",
    "aiosqlite": "sqlite",
    "pymysql": "mysql",
    "MySQLdb": "mysql",
    "aiomysql": "mysql",
    "pg8000": "postgres",
}
