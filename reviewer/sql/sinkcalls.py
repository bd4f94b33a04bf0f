"""Matching a call (libcst) against the catalogue of SQL execution sinks (reviewer.sql.sinks):
which call executes SQL, its SQL argument, how sure the match is, and the dialect it speaks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from reviewer.model import Confidence
from reviewer.names import dotted
from reviewer.sql.sinks import (
    DB_MODULES,
    DB_PRODUCERS,
    DB_RECEIVER_NAMES,
    DB_TYPES,
    DRIVER_DIALECTS,
    EXTRA_PIECES,
    FLASK_SQLALCHEMY,
    FRAGMENT_SINKS,
    FUNCTION_SINKS,
    FUNCTION_SINK_POSITIONS,
    METHOD_SINKS,
    NEEDS_DB_RECEIVER,
    QUERY_CLAUSE_METHODS,
    STATEMENT_LIST_SINKS,
    UNAMBIGUOUS_METHODS,
)

if TYPE_CHECKING:  # pragma: no cover
    from reviewer.context import FileContext


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
