from __future__ import annotations

from sqlglot import exp

from reviewer.model import Category, Confidence, FileKind, Severity
from reviewer.rule import Example, SqlRule
from reviewer.sql.sqltext import display


class LeadingWildcardLike(SqlRule):
    """A `LIKE`/`ILIKE` pattern that starts with a wildcard (`'%term'`, `'%' || :q || '%'`).
    A B-tree index can only serve a known prefix, so the database reads every row of the
    table for each search; fine on a small table, a timeout once it grows.

    Prefix patterns (`'term%'`), patterns passed whole as a parameter (`LIKE %s`), and
    migrations are not reported, nor is `NOT LIKE`: an exclusion filter that no index serves
    whatever its pattern (B-tree and trigram alike), on rows other conditions pick, so the
    pattern's shape decides nothing."""

    code = "SQL006"
    opt_in = True  # field precision 0.50 over 2 judged findings on the tuned projects (label s11)
    name = "leading-wildcard-like"
    summary = "A `LIKE`/`ILIKE` pattern that starts with a wildcard, so no index can serve it."
    category = Category.SQL
    severity = Severity.INFO
    confidence = Confidence.HIGH
    message = "`{expression}` starts with a wildcard and cannot use a B-tree index"
    fix = (
        "Search with a prefix (`LIKE 'term%'`), or index for substring search: PostgreSQL "
        "`CREATE INDEX ... USING gin (name gin_trgm_ops)` (pg_trgm) or full-text search"
    )
    seed = 'S2:177 "Write efficient queries"; S1:49 "Write optimized queries"'
    references = ("https://www.postgresql.org/docs/current/pgtrgm.html#PGTRGM-INDEX",)
    file_kinds = frozenset({FileKind.PYTHON, FileKind.SQL})
    # `LIKE`/`ILIKE` and PostgreSQL's `~~`/`~~*`, the only spellings sqlglot reads as them.
    words = ("LIKE", "~~")
    invalid = (
        Example("SELECT id FROM customers WHERE email LIKE '%@example.com';\n", lines=(1,)),
        Example(
            "def search(cur, term):\n"
            "    cur.execute(\"SELECT id FROM customers WHERE name ILIKE '%%' || %s || '%%'\", (term,))\n",
            path="search.py",
            lines=(2,),
        ),
    )
    valid = (
        Example("SELECT id FROM customers WHERE email LIKE 'anna%';\n"),
        Example(
            "def search(cur, pattern):\n"
            '    cur.execute("SELECT id FROM customers WHERE name LIKE %s", (pattern,))\n',
            path="search.py",
            note="near-miss: the pattern is a parameter",
        ),
        Example(
            "SELECT id FROM chats WHERE user_id = 7 AND title NOT LIKE '%\\x00%';\n",
            note="near-miss: `NOT LIKE` excludes rows; no index serves it whatever the pattern (open-webui's safety filters)",
        ),
    )

    def check(self, statement: exp.Expression, source) -> None:
        for node in statement.find_all(exp.Like, exp.ILike):
            parent = node.parent
            while isinstance(parent, exp.Paren):
                parent = parent.parent
            if node.args.get("negate") or isinstance(parent, exp.Not):
                continue  # an exclusion: no index serves it, whatever the pattern
            pattern = node.expression
            if isinstance(pattern, exp.Escape):
                pattern = pattern.this
            while isinstance(pattern, (exp.DPipe, exp.Concat, exp.Paren)):
                if isinstance(pattern, exp.Concat):
                    if not pattern.expressions:
                        break
                    pattern = pattern.expressions[0]
                else:
                    pattern = pattern.this
            if isinstance(pattern, exp.Literal) and pattern.is_string and pattern.this.startswith(("%", "_")):
                text = display(node.sql())
                self.report(node, expression=text if len(text) <= 70 else text[:67] + "...")
