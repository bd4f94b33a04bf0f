from __future__ import annotations

from sqlglot import exp

from reviewer import migrations as mig
from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, SqlRule
from reviewer.sql.sqltext import display


class NotInSubquery(SqlRule):
    """A `NOT IN (SELECT ...)` condition, which matches no row at all once the subquery returns
    a NULL. `NOT IN` is then NULL for every row and the query returns nothing, without an
    error; the planner also cannot turn it into an anti-join, so it degrades to a nested scan
    on large tables.

    Not reported for `NOT IN` over a literal list, nor when what the subquery returns can
    never be NULL: it filters out its NULLs (`WHERE col IS NOT NULL`); it returns a literal,
    a `count()`, a PostgreSQL system column (`ctid`, `oid`, `xmin`, ...), or `min` / `max`
    of such a value per `GROUP BY` group (without `GROUP BY`, an empty table gives one NULL
    row); or it returns a column of a single table that the project's migrations declare
    `NOT NULL` (or primary key) and never make nullable again (`reviewer.migrations.not_null_columns`)."""

    code = "SQL005"
    opt_in = True  # field precision 0.00 over 1 judged findings on the tuned projects (label s11)
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
    invalid = invalid + (
        Example(
            "DELETE FROM users WHERE id NOT IN (SELECT max(user_id) FROM bans);\n",
            lines=(1,),
            note="an aggregate without GROUP BY is NULL on an empty table",
        ),
        Example(
            "SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM bans);\n",
            path="db/queries.sql",
            lines=(1,),
            files=(("db/migrations/V1__bans.sql", "CREATE TABLE bans (id bigint PRIMARY KEY, user_id bigint);\n"),),
            note="the migrations leave `bans.user_id` nullable",
        ),
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
        Example(
            "DELETE FROM memberships WHERE ctid NOT IN (\n"
            "    SELECT min(ctid) FROM memberships GROUP BY user_id, group_id\n"
            ");\n",
            note="near-miss: `ctid` is a system column and `min()` per GROUP BY group of it is never NULL (lemur)",
        ),
        Example(
            "SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM bans);\n",
            path="db/queries.sql",
            files=(("db/migrations/V1__bans.sql", "CREATE TABLE bans (id bigint PRIMARY KEY, user_id bigint NOT NULL);\n"),),
            note="near-miss: the migrations declare `bans.user_id` NOT NULL (dstack's `jobs.run_id`)",
        ),
    )
    index_sections = (mig.SECTION,)

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
            if isinstance(select, exp.Select) and (_filters_nulls(select) or self._never_null(select)):
                continue
            self.report(node, expression=_short(display(node.sql())))


    def _never_null(self, select: exp.Select) -> bool:
        """Whether the one value the subquery returns can never be NULL."""
        if len(select.expressions) != 1:
            return False
        projected = select.expressions[0]
        if isinstance(projected, exp.Alias):
            projected = projected.this
        grouped = select.args.get("group") is not None
        if isinstance(projected, (exp.Min, exp.Max)) and grouped:
            projected = projected.this  # one value per non-empty group: NULL only if the column is
        if isinstance(projected, (exp.Literal, exp.Count)):
            return True
        if not isinstance(projected, exp.Column):
            return False
        if projected.name.lower() in SYSTEM_COLUMNS:
            return True
        table = _single_table(select)
        if table is None or projected.table and projected.table.lower() not in (table.name.lower(), table.alias_or_name.lower()):
            return False
        if self.index is None:
            return False
        if "not_null" not in self.__dict__:
            self.__dict__["not_null"] = mig.not_null_columns(self.index)
        return projected.name.lower() in self.__dict__["not_null"].get(table.name.lower(), frozenset())


# PostgreSQL's system columns: every row has them, never NULL.
SYSTEM_COLUMNS = frozenset({"ctid", "oid", "tableoid", "xmin", "xmax", "cmin", "cmax"})


def _single_table(select: exp.Select) -> exp.Table | None:
    """The one table of a subquery's FROM, without joins (an outer join can add NULLs)."""
    source = select.args.get("from_") or select.args.get("from")
    if source is None or select.args.get("joins") or not isinstance(source.this, exp.Table):
        return None
    return source.this


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
