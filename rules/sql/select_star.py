from __future__ import annotations

from sqlglot import exp

from reviewer.model import Category, Confidence, FileKind, Severity
from reviewer.rule import Example, SqlRule
from reviewer.sql.sqltext import display


class SelectStar(SqlRule):
    """`SELECT *` in the outermost projection of an application query (not in migrations). It fetches every
    column, including the wide ones the caller never reads, and code that reads rows by
    position (`row[2]`, `a, b, c = cur.fetchone()`) silently reads the wrong column once a
    migration adds or reorders one.

    `COUNT(*)`, `EXISTS (SELECT * ...)`, a `SELECT *` inside a subquery or CTE whose outer
    query names its columns, and `INSERT INTO ... SELECT *` copies are not reported, nor are
    migrations.

    Opt-in (profile `audit`): on the ecosystem check's tuned projects 0 of 11 judged findings
    were true and 2 debatable (precision 0.09): real `SELECT *` is a whole-table export, a
    wrapper around a compiled subquery, a one-row probe, example code or a one-off data
    migration, where every column is what the code means. A style rule for teams that want it."""

    code = "SQL003"
    opt_in = True
    name = "select-star"
    summary = "`SELECT *` in the outermost projection of an application query."
    category = Category.SQL
    severity = Severity.INFO
    confidence = Confidence.HIGH
    message = "`{projection}` fetches every column of `{table}`"
    fix = "Name the columns the code reads: `SELECT id, status, total FROM orders WHERE ...`"
    seed = 'S2:177 "Write efficient queries avoiding N+1 problems and unnecessary joins"; S1:49 "Write optimized queries"'
    references = ("https://docs.sqlfluff.com/en/stable/reference/rules.html#rule-ambiguous.column_count",)
    file_kinds = frozenset({FileKind.PYTHON, FileKind.SQL})
    invalid = (
        Example("SELECT * FROM orders WHERE user_id = 7;\n", lines=(1,)),
        Example(
            "def receipt(cur, order_id):\n"
            '    cur.execute("SELECT o.* FROM orders o WHERE o.id = %s", (order_id,))\n'
            "    return cur.fetchone()[2]\n",
            path="orders.py",
            lines=(2,),
        ),
    )
    valid = (
        Example("SELECT id, status, total FROM orders WHERE user_id = 7;\n"),
        Example(
            "SELECT COUNT(*) FROM orders;\n"
            "SELECT id FROM users u WHERE EXISTS (SELECT * FROM orders o WHERE o.user_id = u.id);\n"
            "SELECT id, total FROM (SELECT * FROM orders) AS recent;\n"
            "INSERT INTO orders_archive SELECT * FROM orders WHERE created_at < '2020-01-01';\n",
            note="near-misses: COUNT(*), EXISTS, inner star, table copy",
        ),
        Example("CREATE TABLE orders_copy AS SELECT * FROM orders;\n", path="migrations/V2__copy.sql"),
    )

    def check(self, statement: exp.Expression, source) -> None:
        for select in statement.find_all(exp.Select):
            if not _outermost(select):
                continue
            for projection in select.expressions:
                star = isinstance(projection, exp.Star) or (
                    isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
                )
                if star:
                    source_table = select.args.get("from_") or select.args.get("from")
                    table = display(source_table.this.sql()) if source_table is not None else "?"
                    self.report(projection, projection=f"SELECT {projection.sql()}", table=table)
                    break


def _outermost(select: exp.Select) -> bool:
    """The projection the caller receives: the statement itself, a branch of a top-level
    UNION, or the query of a CREATE VIEW; not a subquery, CTE, EXISTS or INSERT source."""
    node: exp.Expression = select
    while isinstance(node.parent, (exp.Union, exp.Except, exp.Intersect)):
        node = node.parent
    parent = node.parent
    if parent is None:
        return True
    if isinstance(parent, exp.Create):
        return (parent.args.get("kind") or "").upper() == "VIEW"
    return False
