from __future__ import annotations

from reviewer import migrations as mig
from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, ProjectRule

ENV = (("alembic/env.py", ""),)


class AddColumnUnsafe(ProjectRule):
    """A column is added to an existing table in a way that fails on a populated table or
    rewrites it under ACCESS EXCLUSIVE: NOT NULL without a default (the migration fails as soon
    as the table has a row), a volatile default such as `gen_random_uuid()` or `nextval()`, a
    stored generated column or a `serial` type (each rewrites every row while reads and writes
    wait). A constant default is metadata-only since PostgreSQL 11 and is fine, as is Django's
    Python-side `default=` (applied once, then dropped). A Django `unique=True` field with a
    callable default gets the same value on every existing row and fails.

    Findings on released migrations and on squashed ones (`replaces = [...]`) are summarised
    per app or chain, not listed: the harm needs a populated database serving traffic, which a
    released migration no longer meets and a squashed one never does (it only runs where none
    of the migrations it replaces has, i.e. on an empty database).

    Opt-in (select it by its code, or the audit profile): its field precision on the ecosystem
    check's tuned projects was 0.08 (12 judged: 1 true, 11 false) before the migration history
    existed: the columns went on tables that are empty when the migration runs (squashed
    migrations, the second half of a split initial migration, tables created earlier in the
    same release), which a migration file does not show.
    """

    code = "MIG005"
    name = "add-column-unsafe"
    summary = "A column is added in a way that fails on a populated table or rewrites it under lock."
    category = Category.MIGRATIONS
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    message = "{what}"
    fix = (
        "Add the column nullable (or with a constant default), backfill in batches, then enforce NOT NULL with the "
        "`CHECK (col IS NOT NULL) NOT VALID` + `VALIDATE CONSTRAINT` recipe: "
        "`ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free'`"
    )
    seed = 'S2:178 "Implement database migrations that are backwards compatible"; S3:358'
    references = ("https://squawkhq.com/docs/adding-required-field", "https://squawkhq.com/docs/adding-field-with-default")
    index_sections = (mig.SECTION,)
    history = "live"
    opt_in = True
    invalid = (
        Example("ALTER TABLE users ADD COLUMN plan text NOT NULL;\n"
                "ALTER TABLE users ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();\n",
                path="db/migrations/V3__plan.sql", lines=(1, 2)),
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
            "def upgrade():\n"
            '    op.add_column("orders", sa.Column("shipping_method", sa.Text(), nullable=False))\n\n'
            "def downgrade():\n"
            '    op.drop_column("orders", "shipping_method")\n',
            path="alembic/versions/b2_shipping.py", files=ENV, lines=(7,),
        ),
        Example(
            "from django.db import migrations, models\n\n"
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("catalog", "0001_initial")]\n'
            '    operations = [migrations.AddField("product", "sku", models.CharField(max_length=64))]\n',
            path="catalog/migrations/0002_product_sku.py", lines=(5,),
        ),
    )
    valid = (
        Example("ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';\n"
                "ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();\n",
                path="db/migrations/V3__plan.sql", note="near-miss: non-volatile defaults are metadata-only"),
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
            "def upgrade():\n"
            '    op.add_column("orders", sa.Column("priority", sa.Integer(), nullable=False, server_default=sa.text("0")))\n\n'
            "def downgrade():\n"
            '    op.drop_column("orders", "priority")\n',
            path="alembic/versions/b2_priority.py", files=ENV,
        ),
        Example(
            "from django.db import migrations, models\n\n"
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("catalog", "0001_initial")]\n'
            "    operations = [\n"
            '        migrations.AddField("product", "is_featured", models.BooleanField(default=False)),\n'
            '        migrations.AddField("product", "notes", models.TextField(blank=True)),\n'
            "    ]\n",
            path="catalog/migrations/0002_product_flags.py", note="near-miss: Django fills existing rows from `default` / blank",
        ),
        Example(
            "from django.db import migrations, models\n\n"
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("catalog", "0002_product_flags")]\n'
            '    operations = [migrations.AddField("product", "has_known_issues", models.NullBooleanField())]\n',
            path="catalog/migrations/0003_product_known_issues.py",
            note="near-miss: a NullBooleanField's column is always nullable, without `null=True`",
        ),
        Example("CREATE TABLE plans (id bigint PRIMARY KEY);\nALTER TABLE plans ADD COLUMN code text NOT NULL;\n",
                path="db/migrations/V4__plans.sql", note="near-miss: table created in the same migration"),
    )

    def check(self, index) -> None:
        for unit in mig.postgres_units(index):
            for item in mig.up_ops(unit):
                if item.kind != "add_column" or item.new:
                    continue
                column = f"{mig.table_label(unit, item.table)}.{item.column}"
                if not item.nullable and not item.default and not item.generated:
                    self.report(mig.where(item), f"NOT NULL column `{column}` added without a default: fails on a populated table",
                                path=unit.path)
                elif item.volatile:
                    self.report(mig.where(item), f"Column `{column}` added with a volatile default: rewrites the table under lock",
                                severity=Severity.MEDIUM, path=unit.path)
                elif item.generated:
                    self.report(mig.where(item), f"Stored generated column `{column}` added: rewrites the table under lock",
                                severity=Severity.MEDIUM, path=unit.path)
                elif item.serial:
                    self.report(mig.where(item), f"`serial` column `{column}` added: rewrites the table under lock",
                                severity=Severity.MEDIUM, path=unit.path)
                elif item.unique and item.callable_default:
                    self.report(mig.where(item), f"Unique column `{column}` added with a callable default: every existing row gets the same value",
                                severity=Severity.MEDIUM, path=unit.path)
