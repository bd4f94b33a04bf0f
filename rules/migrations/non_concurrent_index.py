from __future__ import annotations

from reviewer import migrations as mig
from reviewer.migrations import migration_fixes
from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, ProjectRule

ENV = (("alembic/env.py", ""),)
LOCKING = {
    "reindex": "`REINDEX` without `CONCURRENTLY`",
    "vacuum_full": "`VACUUM FULL`",
    "cluster": "`CLUSTER`",
    "refresh_matview": "`REFRESH MATERIALIZED VIEW` without `CONCURRENTLY`",
    "detach_partition": "`DETACH PARTITION` without `CONCURRENTLY`",
}


class NonConcurrentIndex(ProjectRule):
    """An index is created, dropped or rebuilt on an existing table without `CONCURRENTLY`.
    A plain `CREATE INDEX` holds a SHARE lock that blocks every write to the table for as long
    as the build takes (minutes on a large table); `DROP INDEX`, `REINDEX`, `VACUUM FULL` and
    `CLUSTER` take ACCESS EXCLUSIVE and block reads too. The rule reads the same operation as
    SQL, as Alembic `op.create_index` / `op.drop_index` and as Django `AddIndex` /
    `RemoveIndex` / `AddField(db_index=True)` or a `ForeignKey` (Django builds its index inside
    the migration). Tables created earlier in the same migration are exempt: they are empty.

    Findings on released migrations and on squashed ones (`replaces = [...]`) are summarised
    per app or chain, not listed: the harm needs a populated database serving traffic, which a
    released migration no longer meets and a squashed one never does (it only runs where none
    of the migrations it replaces has, i.e. on an empty database).

    Opt-in (select it by its code, or the audit profile): its field precision on the ecosystem
    check's tuned projects was 0.25 (12 judged: 1 true, 4 debatable, 7 false) before the
    migration history existed: most indexes go on small configuration tables, or on tables of
    self-hosted apps whose upgrades run with the service stopped, and `CONCURRENTLY` is not
    portable to the MySQL / SQLite back ends many of these projects support.
    """

    code = "MIG003"
    name = "non-concurrent-index"
    summary = "An index is created, dropped or rebuilt on an existing table without `CONCURRENTLY`."
    category = Category.MIGRATIONS
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    message = "{what} on existing table `{table}` blocks writes while it runs"
    fix = (
        "Build it concurrently outside the migration's transaction: SQL `CREATE INDEX CONCURRENTLY ...`; "
        "Alembic `with op.get_context().autocommit_block(): op.create_index(..., postgresql_concurrently=True)`; "
        "Django `AddIndexConcurrently` from `django.contrib.postgres.operations` with `atomic = False`"
    )
    seed = 'S3:358 "Index changes won\'t lock tables too long"; S1:121'
    references = (
        "https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY",
        "https://squawkhq.com/docs/require-concurrent-index-creation",
    )
    index_sections = (mig.SECTION,)
    history = "live"
    opt_in = True
    fixes = "safe, unsafe"
    invalid = (
        Example("CREATE INDEX orders_user_id_idx ON orders (user_id);\n", path="db/migrations/000002_idx.up.sql", lines=(1,),
                fixed="CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);\n",
                note="golang-migrate runs a one-statement file outside a transaction: the fix is safe"),
        Example("ALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX orders_user_id_idx ON orders (user_id);\n",
                path="db/migrations/000002_idx.up.sql", lines=(2,),
                note="no fix: golang-migrate sends a multi-statement file as one implicit transaction"),
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\n\n'
            "def upgrade():\n"
            '    op.create_index("ix_orders_status", "orders", ["status"])\n\n'
            "def downgrade():\n"
            '    op.drop_index("ix_orders_status", table_name="orders")\n',
            path="alembic/versions/b2_status_index.py", files=ENV, lines=(6,),
            fixed='revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\n\n'
            "def upgrade():\n"
            "    with op.get_context().autocommit_block():\n"
            '        op.create_index("ix_orders_status", "orders", ["status"], postgresql_concurrently=True)\n\n'
            "def downgrade():\n"
            '    op.drop_index("ix_orders_status", table_name="orders")\n',
        ),
        Example(
            "from django.db import migrations, models\n\n"
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("shop", "0001_initial")]\n'
            "    operations = [\n"
            '        migrations.AddIndex(model_name="order", index=models.Index(fields=["user"], name="order_user_idx")),\n'
            '        migrations.AddField(model_name="order", name="ref", field=models.CharField(max_length=20, null=True, db_index=True)),\n'
            "    ]\n",
            path="shop/migrations/0002_order_idx.py", lines=(6, 7),
        ),
        Example(
            "from django.db import migrations, models\n\n"
            "class Migration(migrations.Migration):\n"
            '    """Index orders by user."""\n\n'
            '    dependencies = [("shop", "0001_initial")]\n'
            "    operations = [\n"
            '        migrations.AddIndex(model_name="order", index=models.Index(fields=["user"], name="order_user_idx")),\n'
            "    ]\n",
            path="shop/migrations/0002_order_idx.py", lines=(8,),
            fixed="from django.db import migrations, models\n"
            "from django.contrib.postgres.operations import AddIndexConcurrently\n\n"
            "class Migration(migrations.Migration):\n"
            '    """Index orders by user."""\n'
            "    atomic = False\n\n"
            '    dependencies = [("shop", "0001_initial")]\n'
            "    operations = [\n"
            '        AddIndexConcurrently(model_name="order", index=models.Index(fields=["user"], name="order_user_idx")),\n'
            "    ]\n",
        ),
        Example("REINDEX TABLE orders;\nVACUUM FULL orders;\n", path="db/migrations/000003_maint.up.sql", lines=(1, 2),
                note="opaque commands, classified from tokens"),
    )
    valid = (
        Example("CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);\n", path="db/migrations/000002_idx.up.sql"),
        Example(
            "CREATE TABLE invoices (id bigint PRIMARY KEY, order_id bigint);\n"
            "CREATE INDEX invoices_order_id_idx ON invoices (order_id);\n",
            path="db/migrations/000002_invoices.up.sql", note="near-miss: the table is created in the same migration",
        ),
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\n\n'
            "def upgrade():\n"
            "    with op.get_context().autocommit_block():\n"
            '        op.create_index("ix_orders_status", "orders", ["status"], postgresql_concurrently=True)\n\n'
            "def downgrade():\n"
            "    with op.get_context().autocommit_block():\n"
            '        op.drop_index("ix_orders_status", table_name="orders", postgresql_concurrently=True)\n',
            path="alembic/versions/b2_status_index.py", files=ENV,
        ),
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\nimport sqlalchemy as sa\n'
            "from app.migrations.shared.utils import create_table\n\n"
            "def upgrade():\n"
            '    create_table("tab_state", sa.Column("id", sa.Integer(), primary_key=True))\n'
            '    op.create_index("ix_tab_state_id", "tab_state", ["id"], unique=True)\n\n'
            "def downgrade():\n"
            '    op.drop_table("tab_state")\n',
            path="alembic/versions/b2_tab_state.py", files=ENV,
            note="near-miss: a project `create_table` helper (wrapping `op.create_table`) made the table in this revision",
        ),
        Example(
            "from django.contrib.postgres.operations import AddIndexConcurrently\n"
            "from django.db import migrations, models\n\n"
            "class Migration(migrations.Migration):\n"
            "    atomic = False\n"
            '    dependencies = [("shop", "0001_initial")]\n'
            "    operations = [\n"
            '        AddIndexConcurrently("order", models.Index(fields=["user"], name="order_user_idx")),\n'
            "    ]\n",
            path="shop/migrations/0002_order_idx.py",
        ),
    )

    def check(self, index) -> None:
        for unit in mig.postgres_units(index):
            created_indexes = {o.name for o in mig.up_ops(unit) if o.kind == "create_index" and o.name}
            for item in mig.up_ops(unit):
                what = self._what(unit, item, created_indexes)
                if what is None:
                    continue
                self.report(mig.where(item), path=unit.path, what=what, table=mig.table_label(unit, item.table),
                            autofix=self._autofix(index, unit, item))

    @staticmethod
    def _autofix(index, unit, item):
        if item.kind not in ("create_index", "drop_index") or item.via:
            return None
        text = index.text(unit.path)
        if unit.form == mig.SQL:
            return migration_fixes.sql_concurrent_index(text, unit, item)
        if unit.form == mig.ALEMBIC:
            return migration_fixes.alembic_concurrent(text, item, concurrently=True)
        if unit.form == mig.DJANGO:
            return migration_fixes.django_concurrent_index(text, item)
        return None

    @staticmethod
    def _what(unit, item, created_indexes) -> str | None:
        kind = item.kind
        if item.new:
            return None
        if kind == "create_index" and not item.concurrently:
            return "`CREATE INDEX`" if unit.form == mig.SQL or item.via else (
                "`op.create_index` without `postgresql_concurrently=True`" if unit.form == mig.ALEMBIC
                else "`AddIndex` (not `AddIndexConcurrently`)" if "AddIndex" in item.code else "an index build")
        if kind == "drop_index" and not item.concurrently and item.name not in created_indexes:
            return "`DROP INDEX` without `CONCURRENTLY`"
        if kind in LOCKING and not item.concurrently:
            return LOCKING[kind]
        if kind == "add_column" and unit.form == mig.DJANGO and (item.index or item.unique):
            return "`AddField` with an index (`db_index`, `unique` or a foreign key)"
        return None
