from __future__ import annotations

from sqlglot import exp

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, SqlRule
from reviewer.sql.sqltext import display

# Where a comparison decides which rows match (as opposed to `SET col = NULL`).
CONDITIONS = (exp.Where, exp.Having, exp.Join, exp.If, exp.Case, exp.Qualify, exp.Filter)


class NullEqualityComparison(SqlRule):
    """A condition that compares with `= NULL` or `<> NULL`, which is never true. In SQL, comparing anything
    with NULL yields NULL, never true, so `WHERE deleted_at = NULL` matches no row and
    `WHERE deleted_at <> NULL` matches no row either: the query silently returns nothing (or
    an UPDATE silently changes nothing).

    `SET col = NULL` in an UPDATE is an assignment, not a comparison, and is not reported."""

    code = "SQL004"
    name = "null-equality-comparison"
    summary = "A comparison with `= NULL` or `<> NULL`, which is never true."
    category = Category.SQL
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "`{comparison}` is never true: a comparison with NULL yields NULL"
    fix = "Use `IS NULL` / `IS NOT NULL`: `WHERE deleted_at IS NULL` (or `IS DISTINCT FROM` to compare nullable values)"
    seed = 'S1:127 "Add database constraints for data integrity"; S2:177 "Write efficient queries"'
    references = ("https://www.postgresql.org/docs/current/functions-comparison.html",)
    # A comparison with NULL on either side, in each spelling sqlglot reads (`=NULL` holds
    # `!=`, `==` and Oracle's `^=`; whitespace and comments between them: reviewer.sql.words):
    # SQL without one is not parsed for this rule.
    words = ("=NULL", "<>NULL", "NULL=", "NULL<>", "NULL!=", "NULL^=")
    invalid = (
        Example("SELECT id FROM users WHERE deleted_at = NULL;\n", lines=(1,)),
        Example(
            "def stale(cur):\n"
            '    cur.execute("UPDATE sessions SET active = false WHERE user_id <> NULL")\n',
            path="jobs.py",
            lines=(2,),
        ),
        Example(
            "from app.queries import STALE_SESSIONS\n"
            "def purge(cur):\n"
            "    cur.execute(STALE_SESSIONS)\n",
            path="app/jobs.py",
            lines=(3,),
            files=(("app/queries.py", 'STALE_SESSIONS = "DELETE FROM sessions WHERE user_id = NULL"\n'),),
            note="the SQL is another module's constant: the file itself holds no `NULL`",
        ),
        Example(
            "def stale(cur, column):\n"
            '    cur.execute(f"SELECT id FROM sessions WHERE {column} = null")\n',
            path="jobs.py",
            lines=(2,),
            note="`null` in an f-string's text, in lower case",
        ),
    )
    valid = (
        Example("SELECT id FROM users WHERE deleted_at IS NULL;\nUPDATE users SET deleted_at = NULL WHERE id = 4;\n"),
        Example(
            "INSERT INTO users (id, email) VALUES (1, 'a@b.c') ON CONFLICT (id) DO UPDATE SET email = NULL;\n",
            note="near-miss: assignments, not comparisons",
        ),
        Example(
            "def stale(cur):\n"
            '    cur.execute("SELECT id FROM sessions WHERE user_id IS NULL")\n',
            path="jobs.py",
            note="near-miss: `IS NULL` in Python",
        ),
    )

    def check(self, statement: exp.Expression, source) -> None:
        for node in statement.find_all(exp.EQ, exp.NEQ):
            if not (isinstance(node.this, exp.Null) or isinstance(node.expression, exp.Null)):
                continue
            if isinstance(node.parent, (exp.Update, exp.OnConflict)) or node.find_ancestor(*CONDITIONS) is None:
                continue
            if node.find_ancestor(exp.Update) is not None and node.find_ancestor(exp.Where) is None:
                continue
            self.report(node, comparison=display(node.sql()))
