from __future__ import annotations

from reviewer import migrations as mig
from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, ProjectRule

ENV = (("alembic/env.py", ""),)
SCHEMA = frozenset({
    "add_column", "drop_column", "rename_column", "set_not_null", "drop_not_null", "alter_type", "alter_column",
    "create_index", "drop_index", "add_constraint", "drop_constraint", "alter_field",
})


class BackfillInSchemaMigration(ProjectRule):
    """A data backfill (UPDATE, DELETE, INSERT ... SELECT, or a Django `RunPython` that loads
    the model) runs in the same transaction as a schema change of the same existing table.
    The DDL's ACCESS EXCLUSIVE lock is then held until the backfill has touched every row, so
    the table is unavailable for the whole backfill, and a failure rolls back the schema
    change too. Seeding constant rows (`INSERT ... VALUES`) and tables created in the same
    migration are not reported, nor are migrations that run outside a transaction.

    Findings on released migrations and on squashed ones (`replaces = [...]`) are summarised
    per app or chain, not listed: the harm needs a populated database serving traffic, which a
    released migration no longer meets and a squashed one never does (it only runs where none
    of the migrations it replaces has, i.e. on an empty database).

    Opt-in (select it by its code, or the audit profile): its field precision on the ecosystem
    check's tuned projects was 0.13 (16 judged: 4 debatable, 12 false) before the migration
    history existed: the backfills touch small tables or few rows, in projects that upgrade
    offline; the harm depends on table size.
    """

    code = "MIG010"
    name = "backfill-in-schema-migration"
    summary = "A data backfill runs in the same transaction as a schema change of the same table."
    category = Category.MIGRATIONS
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "{what} backfills `{table}` in the same transaction as its schema change (line {ddl})"
    fix = (
        "Split it: one migration adds the nullable column, a separate batched job backfills "
        "(`UPDATE users SET plan = 'free' WHERE id BETWEEN :lo AND :hi AND plan IS NULL`), a later migration adds NOT NULL"
    )
    seed = 'S3:359 "Data backfill is handled separately"; S3:358'
    references = ("https://github.com/ankane/strong_migrations#backfilling-data",)
    index_sections = (mig.SECTION,)
    history = "live"
    opt_in = True
    invalid = (
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
            "def upgrade():\n"
            '    op.add_column("users", sa.Column("plan", sa.Text(), nullable=True))\n'
            "    op.execute(\"UPDATE users SET plan = 'free'\")\n\n"
            "def downgrade():\n"
            '    op.drop_column("users", "plan")\n',
            path="alembic/versions/b2_plan.py", files=ENV, lines=(8,),
        ),
        Example("ALTER TABLE accounts ADD COLUMN currency char(3);\nUPDATE accounts SET currency = 'EUR';\n",
                path="db/migrations/000003_currency.up.sql", lines=(2,),
                files=(("db/migrations/000003_currency.down.sql", "ALTER TABLE accounts DROP COLUMN currency;\n"),)),
        Example(
            "from django.db import migrations, models\n\n"
            "def fill(apps, schema_editor):\n"
            '    Product = apps.get_model("catalog", "Product")\n'
            "    Product.objects.update(search_name=models.F(\"name\"))\n\n"
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("catalog", "0002_sku")]\n'
            "    operations = [\n"
            '        migrations.AddField("product", "search_name", models.CharField(max_length=200, default="")),\n'
            "        migrations.RunPython(fill, migrations.RunPython.noop),\n"
            "    ]\n",
            path="catalog/migrations/0003_search_name.py", lines=(11,),
        ),
    )
    valid = (
        Example("CREATE TABLE plans (code text PRIMARY KEY);\nINSERT INTO plans (code) VALUES ('free'), ('pro');\n",
                path="db/migrations/V16__plans.sql", note="near-miss: seeding a table created in the same migration"),
        Example("-- migrate:up transaction:false\nALTER TABLE accounts ADD COLUMN currency char(3);\n"
                "UPDATE accounts SET currency = 'EUR';\n-- migrate:down\nALTER TABLE accounts DROP COLUMN currency;\n",
                path="db/20240102_currency.sql", note="near-miss: no transaction"),
    )

    def check(self, index) -> None:
        for unit in mig.units(index):
            ops = list(mig.up_ops(unit))
            ddl = {}
            for item in ops:
                if item.kind in SCHEMA and item.tx and not item.new and item.table:
                    ddl.setdefault(item.table, item.line)
            if not ddl:
                continue
            if unit.form == mig.DJANGO:
                # RunSQL names the database table, operations name the model.
                for model in list(ddl):
                    ddl.setdefault(f"{unit.app}_{model}", ddl[model])
            for item in ops:
                if not item.tx:
                    continue
                if item.kind == "dml" and item.table in ddl and not item.new and not item.constant:
                    self.report(mig.where(item), path=unit.path, what=f"`{item.code[:60]}`",
                                table=mig.table_label(unit, item.table), ddl=ddl[item.table])
                elif item.kind == "run_python":
                    touched = [m for m in item.models if m in ddl]
                    if touched:
                        self.report(mig.where(item), path=unit.path, what="`RunPython`",
                                    table=mig.table_label(unit, touched[0]), ddl=ddl[touched[0]])
