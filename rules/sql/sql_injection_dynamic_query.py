from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, PythonRule
from reviewer.sqltext import (
    FRAGMENT,
    IDENTIFIER,
    LITERAL,
    VALUE,
    classify_holes,
    looks_like_sql,
    normalise_placeholders,
    parse_statement,
)

# Worst first: the hole that decides the finding.
POSITION_ORDER = (LITERAL, VALUE, FRAGMENT, IDENTIFIER)
DESCRIBE = {
    LITERAL: "inside a quoted SQL literal",
    VALUE: "as an SQL value",
    IDENTIFIER: "as an SQL identifier",
    FRAGMENT: "into the SQL text",
}
FIX_VALUE = (
    "Bind it as a parameter instead of formatting it in: "
    '`cur.execute("... WHERE name = %s", (name,))` or `text("... WHERE name = :name")` with `{"name": name}`'
)
FIX_IDENTIFIER = (
    "Pick the identifier from a constant allowlist (`if column not in SORTABLE: raise ...`) "
    "or compose it with `psycopg.sql.Identifier(column)`"
)
FIX_FRAGMENT = "Build the statement from constant fragments and bind every value as a parameter"
LOWER = {Confidence.HIGH: Confidence.MEDIUM, Confidence.MEDIUM: Confidence.LOW, Confidence.LOW: Confidence.LOW}


class SqlInjectionDynamicQuery(PythonRule):
    """SQL text built with an f-string, `%`, `.format()` or `+` from a non-constant value
    reaches a database call. Whoever controls the value controls the statement: a quote in a
    name ends the literal and the rest runs as SQL. Bound parameters keep values out of the
    SQL text entirely, and the driver sends them separately.

    The rule follows the string through local variables, classifies every interpolated hole
    with sqlglot (a value, inside a quoted literal, or an identifier such as a column or an
    ORDER BY target) and says which fix applies. Holes filled with constants, `int()`/`float()`
    casts or `", ".join(["%s"] * n)` placeholder lists are not injection and are not reported;
    strings that look like SQL but never reach a database call are not reported either."""

    code = "SQL001"
    name = "sql-injection-dynamic-query"
    category = Category.SQL
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    message = "`{hole}` is interpolated {position} passed to `{sink}`{origin}"
    fix = FIX_VALUE
    seed = 'S1:75 "Use parameterized queries to prevent SQL injection"; S4:433 "SQL Injection Prevention"'
    references = (
        "https://owasp.org/www-community/attacks/SQL_Injection",
        "https://cheatsheetseries.owasp.org/cheatsheets/Query_Parameterization_Cheat_Sheet.html",
        "https://www.psycopg.org/psycopg3/docs/basic/params.html",
    )
    triggers = ("execute", "text", "raw", "read_sql", "RawSQL", "fetch")
    invalid = (
        Example(
            "from fastapi import APIRouter, Depends\n"
            "from sqlalchemy import text\n"
            "router = APIRouter()\n"
            "\n"
            '@router.get("/users")\n'
            "def search(name: str, db=Depends(get_db)):\n"
            '    return db.execute(text(f"SELECT id, email FROM users WHERE name = \'{name}\'")).all()\n',
            lines=(7,),
            note="request data inside a quoted literal: critical",
        ),
        Example(
            "def find(cur, email):\n"
            '    sql = "SELECT id FROM accounts WHERE email = \'%s\'" % email\n'
            "    cur.execute(sql)\n",
            lines=(3,),
            note="through one local variable",
        ),
        Example(
            "def by_owner(owner_id):\n"
            '    return Invoice.objects.raw("SELECT * FROM billing_invoice WHERE owner_id = {}".format(owner_id))\n',
            lines=(2,),
        ),
        Example(
            "def sorted_rows(conn, column):\n"
            '    conn.execute("SELECT id, name FROM items ORDER BY " + column)\n',
            lines=(2,),
            note="identifier hole: allowlist fix",
        ),
    )
    valid = (
        Example(
            "def find(cur, email):\n"
            '    cur.execute("SELECT id FROM accounts WHERE email = %s", (email,))\n',
            note="bound parameter",
        ),
        Example(
            'TABLE = "accounts"\n'
            "def find(cur, email):\n"
            '    cur.execute(f"SELECT id FROM {TABLE} WHERE email = %s", (email,))\n',
            note="near-miss: only a module constant is interpolated",
        ),
        Example(
            "def by_ids(cur, ids):\n"
            '    marks = ", ".join(["%s"] * len(ids))\n'
            '    cur.execute(f"SELECT id FROM accounts WHERE id IN ({marks})", ids)\n',
            note="near-miss: placeholder list",
        ),
        Example(
            "def page(cur, limit):\n"
            '    cur.execute(f"SELECT id FROM accounts ORDER BY id LIMIT {int(limit)}")\n',
            note="near-miss: int() cast",
        ),
        Example(
            "import logging\n"
            "def audit(user):\n"
            '    logging.info(f"SELECT issued by {user}")\n'
            '    return f"DELETE FROM sessions WHERE user = {user}"\n',
            note="near-miss: reads like SQL, reaches no database call",
        ),
        Example(
            "def run(executor, job):\n"
            "    executor.execute(job.name + suffix)\n",
            note="near-miss: an `execute` that is not SQL",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        sink = self.context.sink(node)
        if sink is None:
            return
        template = self.context.lift(sink.argument)
        holes = template.holes
        if not holes or not template.literal_text.strip():
            return  # nothing is built here: the whole statement comes from elsewhere
        dialect = self.context.dialect
        text = normalise_placeholders(template.render())
        if not looks_like_sql(text, dialect):
            return
        positions = classify_holes(parse_statement(text, dialect), [hole.marker for hole in holes])
        tainted = {hole.marker for hole in holes if self.context.is_request_data(hole.expr)}
        if self.context.in_migration and not tainted:
            return  # migrations run once, by operators, with values the code defines

        def rank(hole) -> tuple[int, int]:
            return (0 if hole.marker in tainted else 1, POSITION_ORDER.index(positions[hole.marker]))

        worst = min(holes, key=rank)
        position = positions[worst.marker]
        severity, confidence = self._grade(position, worst.marker in tainted)
        if sink.confidence is not Confidence.HIGH:
            confidence = LOWER[confidence]
        message = self.message
        if confidence is Confidence.LOW:
            message = "Possible SQL injection: " + message
        self.report(
            node,
            message,
            severity=severity,
            confidence=confidence,
            fix=FIX_IDENTIFIER if position == IDENTIFIER else FIX_FRAGMENT if position == FRAGMENT else FIX_VALUE,
            hole=_code(self.context.module, worst.expr),
            position=DESCRIBE[position],
            sink=sink.label,
            origin=" (request data)" if worst.marker in tainted else "",
        )

    @staticmethod
    def _grade(position: str, tainted: bool) -> tuple[Severity, Confidence]:
        if tainted:
            return (Severity.HIGH if position == IDENTIFIER else Severity.CRITICAL), Confidence.HIGH
        if position == LITERAL:
            return Severity.HIGH, Confidence.HIGH
        if position == VALUE:
            return Severity.MEDIUM, Confidence.MEDIUM
        if position == IDENTIFIER:
            return Severity.LOW, Confidence.LOW
        return Severity.MEDIUM, Confidence.LOW


def _code(module: cst.Module, node: cst.CSTNode) -> str:
    text = " ".join(module.code_for_node(node).split())
    return text if len(text) <= 60 else text[:57] + "..."
