from __future__ import annotations

from sqlglot import exp

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, SqlRule


class ImplicitCrossJoin(SqlRule):
    """Tables listed with a comma in `FROM a, b` and no condition that relates them. Every
    row of one is paired with every row of the other: a forgotten join condition multiplies
    the result (and any SUM/COUNT over it) by the size of the other table.

    Comma joins whose WHERE relates the two tables (old-style inner joins), comma joins with
    set-returning functions or subqueries (`FROM t, unnest(t.tags)`), and explicit
    `CROSS JOIN`s are not reported. When the WHERE uses unqualified columns the rule cannot
    tell which table they belong to and stays quiet. A CTE that yields one row (an
    `INSERT ... VALUES (one row) RETURNING`, a `SELECT` without `FROM`) pairs with each row
    once, on purpose."""

    code = "SQL008"
    # Opt-in until the field has judged 5 of its findings (reviewer.precision.MIN_EVIDENCE); no finding on the ecosystem check's projects yet.
    opt_in = True
    name = "implicit-cross-join"
    summary = "Tables joined with a comma in `FROM a, b` and no condition that relates them."
    category = Category.SQL
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "`FROM {left}, {right}` pairs every row of `{left}` with every row of `{right}`: no condition relates them"
    fix = "Join explicitly with the condition: `FROM orders o JOIN customers c ON c.id = o.customer_id` (or write `CROSS JOIN` if the product is intended)"
    seed = 'S2:177 "Write efficient queries avoiding N+1 problems and unnecessary joins"'
    references = ("https://www.postgresql.org/docs/current/queries-table-expressions.html#QUERIES-JOIN",)
    invalid = (
        Example("SELECT o.id, c.name FROM orders o, customers c;\n", lines=(1,)),
        Example(
            "SELECT o.id, c.name FROM orders o, customers c WHERE o.status = 'paid' AND c.active;\n",
            lines=(1,),
        ),
    )
    valid = (
        Example(
            "WITH attr AS (\n"
            "    INSERT INTO room_attributes (name) VALUES ('notification-email') RETURNING id\n"
            ")\n"
            "INSERT INTO room_attribute_values (room_id, attribute_id)\n"
            "SELECT r.id, attr.id FROM rooms r, attr;\n",
            note="near-miss: paired with a one-row CTE",
        ),
        Example("SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id;\n"),
        Example(
            "SELECT o.id, c.name FROM orders o, customers c WHERE c.id = o.customer_id;\n"
            "SELECT t.id, tag FROM posts t, unnest(t.tags) AS tag;\n"
            "SELECT o.id, s.size FROM orders o CROSS JOIN sizes s;\n",
            note="near-misses: old-style join, lateral function, explicit cross join",
        ),
        Example(
            "SELECT a.id FROM orders a, customers b WHERE customer_id = id;\n",
            note="near-miss: unqualified columns may relate them",
        ),
    )

    def check(self, statement: exp.Expression, source) -> None:
        single = {cte.alias_or_name for cte in statement.find_all(exp.CTE) if _one_row(cte.this)}
        for select in statement.find_all(exp.Select):
            source_from = select.args.get("from_") or select.args.get("from")
            if source_from is None or not isinstance(source_from.this, exp.Table):
                continue
            seen = [_alias(source_from.this)]
            where = select.args.get("where")
            for join in select.args.get("joins") or []:
                table = join.this
                comma = not join.args.get("kind") and not join.args.get("side") and join.args.get("on") is None
                comma = comma and not join.args.get("using") and not join.args.get("method")
                if not comma or not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
                    seen.append(_alias(table) if isinstance(table, exp.Table) else "")
                    continue
                name = _alias(table)
                if table.name in single or seen[0] in single:
                    seen.append(name)
                    continue
                if where is None or not _relates(where, name, seen):
                    if where is None or _all_qualified(where):
                        self.report(join, left=seen[0], right=name)
                seen.append(name)


def _one_row(body: exp.Expression) -> bool:
    """A CTE body that yields one row: an INSERT of one VALUES row (RETURNING its id), or a
    SELECT of expressions with no FROM."""
    if isinstance(body, exp.Insert):
        values = body.expression
        return isinstance(values, exp.Values) and len(values.expressions) == 1
    if isinstance(body, exp.Select):
        return body.args.get("from_") is None and body.args.get("from") is None
    return False


def _alias(table: exp.Table) -> str:
    return table.alias_or_name


def _all_qualified(where: exp.Expression) -> bool:
    return all(column.table for column in where.find_all(exp.Column))


def _relates(where: exp.Expression, name: str, others: list[str]) -> bool:
    """Some predicate mentions a column of `name` together with a column of another table
    (or one that is not qualified)."""
    for predicate in where.find_all(exp.Binary):
        if isinstance(predicate, (exp.And, exp.Or)):
            continue
        tables = {column.table for column in predicate.find_all(exp.Column)}
        if name in tables and (tables - {name}):
            return True
    for predicate in where.find_all(exp.In, exp.Between, exp.Exists):
        tables = {column.table for column in predicate.find_all(exp.Column)}
        if name in tables and (tables - {name}):
            return True
    return False
