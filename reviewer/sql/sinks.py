"""Where SQL text reaches a database: the catalogue of execution sinks, shared by every rule
that looks at SQL in Python (SQL001, the SQL extraction that feeds SqlRules, ...)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from reviewer.model import Confidence
from reviewer.names import CANONICAL, dotted
from reviewer.needs import FileFacts, Needs

if TYPE_CHECKING:  # pragma: no cover
    from reviewer.context import FileContext

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


@dataclass(frozen=True)
class Sink:
    call: cst.Call
    label: str  # how the sink reads in a message, e.g. `cursor.execute`
    argument: cst.BaseExpression  # the SQL argument
    confidence: Confidence  # how sure we are that this call executes SQL
    fragment: bool = False  # the argument may be a piece of SQL, not a whole statement


def match_sink(call: cst.Call, context: "FileContext") -> Sink | None:
    func = call.func
    if isinstance(func, (cst.Name, cst.Attribute)):
        qualified = context.resolve(func)
        if _flask_sqlalchemy_member(func, context):
            qualified = "sqlalchemy." + func.attr.value
        keyword = FUNCTION_SINKS.get(qualified or "")
        if keyword is not None:
            argument = _argument(call, (keyword,), FUNCTION_SINK_POSITIONS.get(qualified or "", 0))
            if argument is None:
                return None
            leaf = qualified.rsplit(".", 1)[-1]
            if leaf in STATEMENT_LIST_SINKS and isinstance(argument, (cst.List, cst.Tuple)):
                return None
            return Sink(call, leaf + "()", argument, Confidence.HIGH, fragment=leaf in FRAGMENT_SINKS)
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    if method in QUERY_CLAUSE_METHODS:
        return _query_clause(call, func, method, context)
    keywords = METHOD_SINKS.get(method)
    if keywords is None:
        return None
    if method == "extra":
        # Django's QuerySet.extra(where=[...], select={...}, tables=[...]): pieces of SQL.
        argument = _extra_argument(call)
        if argument is None:
            return None
        return Sink(call, "extra", argument, Confidence.HIGH, fragment=True)
    argument = _argument(call, keywords)
    if argument is None:
        return None
    receiver = func.value
    confidence = _provenance(receiver, context)
    if confidence is None:
        confidence = _receiver_confidence(method, receiver)
    if confidence is None:
        return None
    name = dotted(receiver) if isinstance(receiver, (cst.Name, cst.Attribute)) else None
    label = f"{name.rsplit('.', 1)[-1]}.{method}" if name else method
    return Sink(call, label, argument, confidence)


def _query_clause(call: cst.Call, func: cst.Attribute, method: str, context: "FileContext") -> Sink | None:
    """`session.query(User).filter(f"name = '{name}'")`: a string clause on a SQLAlchemy
    `Query`. The chain starts at a `.query(...)` call or at Flask-SQLAlchemy's `Model.query`,
    directly or through a local name bound to such a chain (`q = session.query(User)`)."""
    if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
        return None
    argument = call.args[0].value
    if not isinstance(argument, (cst.FormattedString, cst.BinaryOperation, cst.Call, cst.ConcatenatedString)):
        return None
    receiver: cst.BaseExpression = func.value
    seen: set[str] = set()
    while True:
        if isinstance(receiver, cst.Name) and receiver.value not in seen:
            seen.add(receiver.value)
            bound = context.scopes.binding(receiver.value)
            if bound is None:
                return None
            receiver = bound
        elif isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute):
            if receiver.func.attr.value == "query":
                break
            receiver = receiver.func.value
        elif isinstance(receiver, cst.Attribute) and receiver.attr.value == "query" and isinstance(receiver.value, cst.Name):
            break  # Flask-SQLAlchemy's `Model.query`
        else:
            return None
    return Sink(call, f"Query.{method}", argument, Confidence.HIGH, fragment=True)


def _flask_sqlalchemy_member(func: cst.BaseExpression, context: "FileContext") -> bool:
    """`db.text` where the module binds `db = SQLAlchemy(app)` (Flask-SQLAlchemy)."""
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
        return False
    bound = context.scopes.module_constant(func.value.value)
    return (
        isinstance(bound, cst.Call)
        and isinstance(bound.func, (cst.Name, cst.Attribute))
        and context.resolve(bound.func) in FLASK_SQLALCHEMY
    )


def _extra_argument(call: cst.Call) -> cst.BaseExpression | None:
    positional = []
    for arg in call.args:
        if arg.keyword is not None or arg.star:
            break
        positional.append(arg.value)
    for keyword, position in EXTRA_PIECES:
        argument = _argument(call, (keyword,), keyword_only=True)
        if argument is None and position < len(positional):
            argument = positional[position]
        if argument is not None:
            return argument
    return None


def _provenance(receiver: cst.BaseExpression, context: "FileContext") -> Confidence | None:
    """HIGH when a local receiver is known to be a connection, cursor, session or pool: it
    was produced by `conn.cursor()`, `with engine.begin() as conn`, `async with
    pool.acquire() as conn`, `Session()` ..., or is a parameter annotated with a driver or
    session type, or injected by FastAPI's `Depends(get_db)`. None when unknown."""
    if not isinstance(receiver, cst.Name):
        return None
    scopes = context.scopes
    produced = scopes.binding(receiver.value)
    if produced is not None:
        return Confidence.HIGH if _produces_db(produced, context) else None
    parameter = scopes.parameter(receiver.value)
    if parameter is None:
        return None
    if parameter.annotation is not None and _db_type(parameter.annotation, context):
        return Confidence.HIGH
    default = parameter.default
    if isinstance(default, cst.Call) and default.args and isinstance(default.func, (cst.Name, cst.Attribute)):
        if (context.resolve(default.func) or "").rsplit(".", 1)[-1] == "Depends":
            dependency = default.args[0].value
            name = dotted(dependency) if isinstance(dependency, (cst.Name, cst.Attribute)) else None
            leaf = (name or "").rsplit(".", 1)[-1].lower()
            if any(word in leaf for word in ("db", "session", "conn", "cursor", "database")):
                return Confidence.HIGH
    return None


def _produces_db(expr: cst.BaseExpression, context: "FileContext") -> bool:
    while isinstance(expr, cst.Await):
        expr = expr.expression
    if not isinstance(expr, cst.Call) or not isinstance(expr.func, (cst.Name, cst.Attribute)):
        return False
    qualified = context.resolve(expr.func) or ""
    leaf = qualified.rsplit(".", 1)[-1]
    return leaf in DB_PRODUCERS or qualified.startswith(DB_MODULES)


def _db_type(annotation: cst.BaseExpression, context: "FileContext") -> bool:
    if isinstance(annotation, cst.Subscript):  # Optional[Session], Annotated[Session, ...]
        return any(
            isinstance(element.slice, cst.Index) and _db_type(element.slice.value, context)
            for element in annotation.slice[:1]
        )
    if isinstance(annotation, cst.BinaryOperation):  # Session | None
        return _db_type(annotation.left, context)
    if isinstance(annotation, cst.SimpleString):
        text = annotation.evaluated_value
        return isinstance(text, str) and text.rsplit(".", 1)[-1] in DB_TYPES
    if not isinstance(annotation, (cst.Name, cst.Attribute)):
        return False
    qualified = context.resolve(annotation) or ""
    return qualified.rsplit(".", 1)[-1] in DB_TYPES and (qualified.startswith(DB_MODULES) or "." not in qualified)


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


def _argument(
    call: cst.Call, keywords: tuple[str, ...], position: int = 0, keyword_only: bool = False
) -> cst.BaseExpression | None:
    for keyword in keywords:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return arg.value
    if keyword_only:
        return None
    positional = []
    for arg in call.args:
        if arg.keyword is not None or arg.star:
            break
        positional.append(arg.value)
    return positional[position] if position < len(positional) else None


def dialect_for(context: "FileContext", default: str) -> str:
    """The SQL dialect a file's driver imports imply, else the configured default."""
    for target in context.imports.aliases.values():
        dialect = DRIVER_DIALECTS.get(target.split(".")[0])
        if dialect:
            return dialect
    return default


def sink_template(sink: Sink, context: "FileContext"):
    """The SQL template a sink receives. Django's `.extra(where=[...])` and `select={...}`
    hold several pieces, joined here into one. Read it through `FileContext.sql_site`, which
    lifts each call once."""
    from reviewer.sql.sqltext import Template, literal

    argument = sink.argument
    if isinstance(argument, (cst.List, cst.Tuple, cst.Dict)):
        joiner = literal(", ") if isinstance(argument, cst.Dict) else literal(" AND ")
        joined = Template()
        for position, element in enumerate(argument.elements):
            if isinstance(element, (cst.StarredElement, cst.StarredDictElement)):
                return context.lift(argument)
            if position:
                joined = joined.add(joiner)
            joined = joined.add(context.lift(element.value))
        return joined
    return context.lift(argument)
