from __future__ import annotations

from reviewer import migrations as mig
from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, ProjectRule

ENV = (("alembic/env.py", ""),)


class SetNotNullFullScan(ProjectRule):
    """`SET NOT NULL` on a column of an existing table, with no validated `CHECK (col IS NOT
    NULL)` before it. PostgreSQL scans the whole table to prove there is no NULL while it holds
    ACCESS EXCLUSIVE, so every read and write waits for the scan. Since PostgreSQL 12 a
    validated CHECK constraint lets it skip the scan. The rule reads SQL, Alembic
    `alter_column(..., nullable=False)` and Django `AlterField` whose previous state (replayed
    from the app's earlier migrations) was `null=True`.

    Findings on released migrations and on squashed ones (`replaces = [...]`) are summarised
    per app or chain, not listed: the harm needs a populated database serving traffic, which a
    released migration no longer meets and a squashed one never does (it only runs where none
    of the migrations it replaces has, i.e. on an empty database).

    Opt-in (select it by its code, or the audit profile): its field precision on the ecosystem
    check's tuned projects was 0.13 (12 judged: 3 debatable, 9 false) before the migration
    history existed: the scans are of small configuration tables, or of tables of apps upgraded
    offline; the harm depends on table size, which the code does not show.
    """

    code = "MIG006"
    name = "set-not-null-full-scan"
    summary = "`SET NOT NULL` on an existing table without a validated `CHECK (col IS NOT NULL)` first."
    category = Category.MIGRATIONS
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "`SET NOT NULL` on `{column}` scans the whole table under an ACCESS EXCLUSIVE lock"
    fix = (
        "Add `CHECK (col IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` it in a later migration, then `SET NOT NULL` "
        "(PostgreSQL 12+ skips the scan) and drop the check"
    )
    seed = 'S3:358; S2:178'
    references = ("https://squawkhq.com/docs/adding-not-nullable-field",)
    index_sections = (mig.SECTION,)
    history = "live"
    opt_in = True
    invalid = (
        Example("ALTER TABLE recipe ALTER COLUMN view_count SET NOT NULL;\n", path="db/migrations/V5__nn.sql", lines=(1,)),
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\n\n'
            "def upgrade():\n"
            '    op.alter_column("orders", "total_cents", nullable=False)\n\n'
            "def downgrade():\n"
            '    op.alter_column("orders", "total_cents", nullable=True)\n',
            path="alembic/versions/b2_total.py", files=ENV, lines=(6,),
        ),
        Example(
            "from django.db import migrations, models\n\n"
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("shop", "0001_initial")]\n'
            '    operations = [migrations.AlterField("order", "note", models.TextField())]\n',
            path="shop/migrations/0002_note_required.py", lines=(5,),
            files=(("shop/migrations/0001_initial.py",
                    "from django.db import migrations, models\n\n"
                    "class Migration(migrations.Migration):\n"
                    "    initial = True\n"
                    "    operations = [migrations.CreateModel(\"Order\", [(\"id\", models.BigAutoField(primary_key=True)),"
                    " (\"note\", models.TextField(null=True))])]\n"),),
        ),
    )
    valid = (
        Example("ALTER TABLE recipe VALIDATE CONSTRAINT view_count_nn;\nALTER TABLE recipe ALTER COLUMN view_count SET NOT NULL;\n",
                path="db/migrations/V6__nn.sql", note="near-miss: a validated CHECK comes first"),
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
            "def upgrade():\n"
            '    op.create_table("plans", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("code", sa.Text()))\n'
            '    op.alter_column("plans", "code", nullable=False)\n\n'
            "def downgrade():\n"
            '    op.drop_table("plans")\n',
            path="alembic/versions/b2_plans.py", files=ENV, note="near-miss: table created in the same revision",
        ),
    )

    def check(self, index) -> None:
        all_units = mig.postgres_units(index)
        validated = {}
        for unit in all_units:
            for item in mig.up_ops(unit):
                if item.kind == "validate_constraint" or (
                    item.kind == "add_constraint" and item.not_null_check and not item.not_valid
                ):
                    validated.setdefault(unit.stream, set()).add(item.table)
        for unit in all_units:
            for item in mig.up_ops(unit):
                if item.kind != "set_not_null" or item.new:
                    continue
                if item.table in validated.get(unit.stream, ()):
                    continue
                self.report(mig.where(item), path=unit.path,
                            column=f"{mig.table_label(unit, item.table)}.{item.column}")
