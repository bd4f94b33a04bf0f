from __future__ import annotations

from sqlglot import exp

from reviewer.model import Category, Confidence, FileKind, Severity
from reviewer.rule import Example, SqlRule


class OrderByRandom(SqlRule):
    """`ORDER BY RANDOM()` (`RAND()` in MySQL), which sorts every candidate row to pick a few.
    To return a few random rows the database reads the whole table (or the whole filtered set), computes a random key per row and sorts
    them all: cheap on a demo table, a full scan and sort per request in production.

    Migrations are not reported."""

    code = "SQL007"
    # Opt-in until the field has judged 5 of its findings (reviewer.precision.MIN_EVIDENCE); no finding on the ecosystem check's projects yet.
    opt_in = True
    name = "order-by-random"
    summary = "`ORDER BY RANDOM()`, which sorts every candidate row to pick a few."
    category = Category.SQL
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "`ORDER BY {expression}` sorts every candidate row to pick a few"
    fix = (
        "Sample instead of sorting: PostgreSQL `FROM items TABLESAMPLE SYSTEM (1)`, or pick "
        "random ids in the application and fetch `WHERE id = ANY(%s)`"
    )
    seed = 'S2:177 "Write efficient queries"; S1:49 "Write optimized queries"'
    references = ("https://www.postgresql.org/docs/current/sql-select.html#SQL-FROM",)
    file_kinds = frozenset({FileKind.PYTHON, FileKind.SQL})
    # sqlglot reads `exp.Rand` from RAND(), RANDOM(), randCanonical() and DBMS_RANDOM.VALUE only.
    words = ("RAND",)
    invalid = (
        Example("SELECT id, title FROM articles ORDER BY RANDOM() LIMIT 5;\n", lines=(1,)),
        Example(
            "import pymysql\n"
            "def featured(cur):\n"
            '    cur.execute("SELECT id FROM products ORDER BY RAND() LIMIT 3")\n',
            path="shop.py",
            lines=(3,),
        ),
    )
    valid = (
        Example("SELECT id, title FROM articles ORDER BY published_at DESC LIMIT 5;\n"),
        Example("SELECT id, random() AS r FROM articles ORDER BY id;\n", note="near-miss: random() outside ORDER BY"),
    )

    def check(self, statement: exp.Expression, source) -> None:
        for order in statement.find_all(exp.Order):
            for ordered in order.expressions:
                key = ordered.this if isinstance(ordered, exp.Ordered) else ordered
                if isinstance(key, exp.Rand):
                    self.report(ordered, expression=key.sql())
