from __future__ import annotations

from sqlglot import exp

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, SqlRule
from reviewer.sql.sqltext import display


class NotInSubquery(SqlRule):
    """A `NOT IN (SELECT ...)` condition, which matches no row at all once the subquery returns
    a NULL. `NOT IN` is then NULL for every row and the query returns nothing, without an
    error; the planner also cannot turn it into an anti-join, so it degrades to a nested scan
    on large tables.

    Not reported when the subquery itself filters out NULLs of the column it returns
    (`WHERE col IS NOT NULL`) or for `NOT IN` over a literal list."""

    code = "SQL005"
    name = "not-in-subquery"
    summary = "`NOT IN (SELECT ...)`, which matches no row once the subquery returns a NULL."
    category = Category.SQL
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "Possible empty result: `{expression}` matches no row once the subquery returns a NULL"
    fix = "Use `NOT EXISTS`: `WHERE NOT EXISTS (SELECT 1 FROM bans b WHERE b.user_id = u.id)`"
    seed = 'S2:177 "Write efficient queries"; S1:49 "Write optimized queries"'
    references = ("https://wiki.postgresql.org/wiki/Don%27t_Do_This#Don.27t_use_NOT_IN",)
    invalid = (
        Example("SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM bans);\n", lines=(1,)),
    )
    valid = (
        Example(
            "SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM bans b WHERE b.user_id = u.id);\n"
            "SELECT id FROM users WHERE status NOT IN ('banned', 'deleted');\n"
        ),
        Example(
            "SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM bans WHERE user_id IS NOT NULL);\n",
            note="near-miss: the subquery filters its NULLs",
        ),
    )

    def check(self, statement: exp.Expression, source) -> None:
        for node in statement.find_all(exp.Not):
            inner = node.this
            while isinstance(inner, exp.Paren):
                inner = inner.this
            if not isinstance(inner, exp.In):
                continue
            query = inner.args.get("query")
            if query is None:
                continue
            select = query.this if isinstance(query, exp.Subquery) else query
            if isinstance(select, exp.Select) and _filters_nulls(select):
                continue
            self.report(node, expression=_short(display(node.sql())))


def _filters_nulls(select: exp.Select) -> bool:
    if len(select.expressions) != 1:
        return False
    projected = select.expressions[0]
    if isinstance(projected, exp.Alias):
        projected = projected.this
    if not isinstance(projected, exp.Column):
        return isinstance(projected, exp.Literal)
    where = select.args.get("where")
    if where is None:
        return False
    for node in where.find_all(exp.Is):
        negated = node.args.get("negate") or isinstance(node.parent, exp.Not)
        if negated and isinstance(node.this, exp.Column) and isinstance(node.expression, exp.Null):
            if node.this.name == projected.name:
                return True
    return False


def _short(text: str) -> str:
    return text if len(text) <= 70 else text[:67] + "..."
