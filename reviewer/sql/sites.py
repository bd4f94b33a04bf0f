"""SQL sites: the SQL one Python call sends to a database, lifted once and read by every rule.

A site is the sink (which call, which argument, how sure we are that it runs SQL), the
template the argument builds (literal text and holes, Django's `.extra(where=[...])` pieces
joined), the provenance of each hole (request data or not), and the parse of the text with
driver placeholders normalised: a whole statement, or a piece of one (a `text()` condition, a
`Query.filter` clause) wrapped into a statement. SQL001, the SqlRules fed from Python, the
other SQL rules and the API and ORM analyses that look at raw SQL all read this one fact
(`FileContext.sql_site`), so they agree on what a call executes.

The template and the provenance depend on where the walk is (local names are resolved through
the scope facts of the batched visit), so a site is built the first time it is asked for,
which is while its call, or the statement holding it, is visited. The parse depends on the
text only and is done when first read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst
from sqlglot import exp

from reviewer.project.symbols import ORIGIN_REQUEST
from reviewer.sql.sinkcalls import Sink, sink_template
from reviewer.sql.sqllex import normalise_placeholders
from reviewer.sql.sqltext import (
    CONDITION_WRAPPERS,
    FRAGMENT_WRAPPERS,
    Hole,
    Template,
    classify_holes,
    looks_like_sql,
    numeric,
    parse_statement,
)

if TYPE_CHECKING:  # pragma: no cover
    from reviewer.context import FileContext

# Provenance of a hole.
REQUEST = "request data"  # a piece of the client's request reaches it
UNKNOWN = "unknown"  # anything else the lifter could not show to be safe


@dataclass(frozen=True, eq=False)
class SqlSite:
    """The SQL of one database call."""

    sink: Sink
    template: Template
    # The template with a `__dynN__` marker for each hole, driver placeholders as written.
    rendered: str
    # What sqlglot reads: `rendered` with driver placeholders normalised to `:pN`.
    text: str
    dialect: str
    # Hole marker -> REQUEST or UNKNOWN.
    provenance: dict[str, str]

    @property
    def call(self) -> cst.Call:
        return self.sink.call

    @property
    def holes(self) -> list[Hole]:
        return self.template.holes

    @property
    def has_text(self) -> bool:
        """Some of the SQL is known text (not only holes)."""
        return any(isinstance(part, str) for part in self.template.parts)

    @property
    def request_holes(self) -> frozenset[str]:
        """Markers of the holes that request data reaches."""
        return frozenset(marker for marker, origin in self.provenance.items() if origin == REQUEST)

    @cached_property
    def is_statement(self) -> bool:
        """The text starts the way an SQL statement does."""
        return looks_like_sql(self.text, self.dialect)

    @cached_property
    def _parsed(self) -> tuple[exp.Expression | None, str | None]:
        if self.is_statement:
            return parse_statement(self.text, self.dialect), None
        if not self.sink.fragment:
            return None, None
        for wrapper in FRAGMENT_WRAPPERS:
            statement = parse_statement(wrapper.format(self.text), self.dialect)
            if statement is not None and not isinstance(statement, exp.Command):
                return statement, wrapper
        return None, None

    @property
    def statement(self) -> exp.Expression | None:
        """The parsed statement, when the text is one and parses."""
        return self._parsed[0] if self.is_statement else None

    @property
    def tree(self) -> exp.Expression | None:
        """The parsed statement, or for a sink that takes pieces of SQL (`text()`, `.extra()`,
        `Query.filter`), the piece wrapped into the first statement of
        `sqltext.FRAGMENT_WRAPPERS` that parses (a condition, a select list, an ORDER BY key,
        a FROM list)."""
        return self._parsed[0]

    @property
    def condition_tree(self) -> exp.Expression | None:
        """What SqlRules check: the parsed statement, or a piece that parses as a condition
        (inside `SELECT 1 FROM t WHERE ...`). Select lists and ORDER BY keys are left out:
        `count(literal_column("*"))` is not `SELECT *`."""
        tree, wrapper = self._parsed
        return tree if wrapper is None or wrapper in CONDITION_WRAPPERS else None

    @cached_property
    def positions(self) -> dict[str, str]:
        """Hole marker -> where it sits in the SQL (sqltext.VALUE, LITERAL, IDENTIFIER, FRAGMENT)."""
        return classify_holes(self.tree, [hole.marker for hole in self.holes], self.text, self.dialect)


def lift_site(call: cst.Call, context: "FileContext") -> SqlSite | None:
    """The SQL site of a call, None when the call runs no SQL we know of."""
    sink = context.sink(call)
    if sink is None:
        return None
    template = sink_template(sink, context)
    rendered = template.render()
    dialect = context.dialect
    provenance = {hole.marker: REQUEST if request_text(hole.expr, context) else UNKNOWN for hole in template.holes}
    return SqlSite(sink, template, rendered, normalise_placeholders(rendered, dialect), dialect, provenance)


def request_text(expr: cst.BaseExpression, context: "FileContext", depth: int = 0) -> bool:
    """Whether request data can reach the hole's value as text: `context.is_request_data`,
    except through a number (`sqltext.numeric`: `int(...)`, `min(int(size), 100)`, `size + 1`),
    which carries no SQL syntax, and for a conditional value only through its two outcomes,
    not the test that chooses between them (`int(request.args["n"]) if "n" in request.args
    else DEFAULT`). A local name is followed through every assignment to it; a parameter is
    request data when a call somewhere in the project passes request data for it (the argument
    facts of the project model's call edges, `ProjectSymbols.parameter_origin`)."""
    if depth > 3:
        return False  # the depth `is_request_data` follows names to, shared with it
    if numeric(expr, context):
        return False
    if isinstance(expr, cst.IfExp):
        return request_text(expr.body, context, depth + 1) or request_text(expr.orelse, context, depth + 1)
    if isinstance(expr, cst.BooleanOperation):
        return request_text(expr.left, context, depth + 1) or request_text(expr.right, context, depth + 1)
    if isinstance(expr, cst.Name) and context.scopes.parameter(expr.value) is None:
        found = context.scopes.lookup(expr.value)
        if found is not None and found[0] is not context.scopes.module and found[1]:
            return any(request_text(assignment.value, context, depth + 1) for assignment in found[1])
    if isinstance(expr, cst.Name) and context.scopes.parameter(expr.value) is not None:
        if context.parameter_origin(expr.value) == ORIGIN_REQUEST:
            return True  # a call somewhere in the project passes request data for it
    return context.is_request_data(expr, depth)

