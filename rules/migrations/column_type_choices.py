from __future__ import annotations

from reviewer import migrations as mig
from reviewer.model import Category, Confidence, Location, Severity
from reviewer.rule import Example, ProjectRule

ENV = (("alembic/env.py", ""),)
ADVICE = {
    "timestamp": ("`timestamp` without time zone", "use `timestamptz` (`sa.DateTime(timezone=True)`)"),
    "varchar": ("`varchar(n)`", "use `text` (with a CHECK on length if the limit is a business rule)"),
    "char": ("`char(n)`", "use `text`; `char` pads with spaces"),
    "json": ("`json`", "use `jsonb`"),
    "serial": ("`serial`", "use `bigint GENERATED ALWAYS AS IDENTITY`"),
    "int": ("32-bit integer key", "use `bigint`; 2^31 ids run out and widening later rewrites the table"),
    "smallint": ("16-bit integer key", "use `bigint`"),
    "float": ("floating-point money", "use `numeric(12, 2)` (Django `DecimalField`)"),
}
SERIALS = frozenset({"serial", "bigserial", "smallserial"})
FLOATS = frozenset({"float", "double", "real", "double precision"})
MONEY_WORDS = ("price", "amount", "balance", "total", "cost", "fee")


class ColumnTypeChoices(ProjectRule):
    """A migration creates a column with a type that causes bugs or costly migrations later:
    `timestamp` without time zone, `varchar(n)` and `char(n)`, `json` instead of `jsonb`,
    `serial` instead of an identity column, 32/16-bit integer keys, and floating point for
    money-like columns (`price`, `amount`, `balance`, `total`, `cost`, `fee`). Reported for SQL,
    Alembic and Django migrations (floats only for Django: its other type choices come from
    settings), PostgreSQL only.

    Released migrations are summarised, not listed. A squashed migration is still checked: the
    types it creates are the schema of every fresh install.

    Opt-in (select it by its code, or the audit profile): its field precision on the ecosystem
    check's tuned projects was 0.08 (12 judged: 2 debatable, 10 false) before the migration
    history existed: integer keys match the Integer keys they reference, `JSON` is the portable
    type of multi-database projects, project type wrappers add the time zone, and `varchar(n)`
    limits are business rules.
    """

    code = "MIG012"
    name = "column-type-choices"
    summary = "A migration creates a column with a type that causes bugs or costly migrations later."
    category = Category.MIGRATIONS
    severity = Severity.INFO
    confidence = Confidence.HIGH
    message = "Column `{column}` uses {what}"
    fix = "Prefer `timestamptz`, `text`, `jsonb`, `bigint GENERATED ALWAYS AS IDENTITY` keys and `numeric` for money"
    seed = 'S1:128 "Use appropriate column types and sizes"; S5:548'
    references = ("https://wiki.postgresql.org/wiki/Don%27t_Do_This", "https://squawkhq.com/docs/prefer-timestamptz")
    index_sections = (mig.SECTION,)
    history = "released"
    opt_in = True
    invalid = (
        Example("CREATE TABLE payments (\n  id serial PRIMARY KEY,\n  amount double precision,\n  paid_at timestamp,\n  meta json\n);\n",
                path="db/migrations/V17__payments.sql", lines=(2, 3, 4, 5)),
        Example(
            'revision = "a1"\ndown_revision = None\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
            "def upgrade():\n"
            '    op.create_table("orders",\n'
            '        sa.Column("id", sa.BigInteger(), primary_key=True),\n'
            '        sa.Column("created_at", sa.DateTime(), nullable=False))\n\n'
            "def downgrade():\n"
            '    op.drop_table("orders")\n',
            path="alembic/versions/a1_orders.py", files=ENV, lines=(9,),
        ),
    )
    valid = (
        Example("CREATE TABLE payments (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  amount numeric(12, 2),\n"
                "  paid_at timestamptz,\n  meta jsonb,\n  retries int\n);\n",
                path="db/migrations/V17__payments.sql", note="near-miss: a non-key `int` is fine"),
    )

    def check(self, index) -> None:
        for unit in mig.postgres_units(index):
            for item in mig.up_ops(unit):
                if item.kind == "alter_type" and item.new_type and not item.widening:
                    columns = [mig.Column(item.column, item.line, item.new_type.type, item.new_type.size)]
                elif item.kind in ("create_table", "add_column"):
                    columns = item.columns
                else:
                    continue
                for column in columns:
                    issue = self._issue(unit, column)
                    if issue is None:
                        continue
                    line = column.line or item.line
                    what, advice = ADVICE[issue]
                    self.report(Location(line, 1, line, 1), path=unit.path, fix=advice[0].upper() + advice[1:],
                                column=f"{mig.table_label(unit, item.table)}.{column.name}", what=what)

    @staticmethod
    def _issue(unit, column) -> str | None:
        kind = (column.type or "").lower()
        name = column.name or ""
        money = any(word in name for word in MONEY_WORDS)
        if kind in FLOATS and money:
            return "float"
        if unit.form == mig.DJANGO:
            return None
        if kind == "timestamp":
            return "timestamp"
        if kind == "varchar" and column.size:
            return "varchar"
        if kind == "char" and column.size is not None:
            return "char"
        if kind == "json":
            return "json"
        if kind in SERIALS:
            return "serial"
        key = column.pk or column.fk or name == "id" or name.endswith("_id")
        if kind in ("int", "smallint") and key:
            return kind
        return None
