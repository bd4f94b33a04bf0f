from __future__ import annotations

from reviewer import migrations as mig
from reviewer.migrations import migration_fixes
from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, ProjectRule

ENV = (("alembic/env.py", ""),)
CONCURRENT = frozenset({"create_index", "drop_index", "reindex", "detach_partition", "refresh_matview"})
WHY = {
    "alembic": "outside `autocommit_block()` or an AUTOCOMMIT connection, Alembic runs it inside the revision's transaction",
    "django": "the migration is atomic (no `atomic = False`)",
    "dbmate": "dbmate wraps the file in a transaction (no `transaction:false`)",
    "goose": "goose wraps the file in a transaction (no `-- +goose NO TRANSACTION`)",
    "golang-migrate": "golang-migrate sends the multi-statement file as one implicit transaction",
    "flyway": "Flyway refuses a file that mixes it with transactional statements",
    "supabase": "Supabase applies the file in a transaction",
}
# Tools that bracket explicit BEGIN/COMMIT themselves without complaint.
EXPLICIT_OK = frozenset({"golang-migrate", "generic", "loose"})


class ConcurrentIndexInTransaction(ProjectRule):
    """A `CONCURRENTLY` operation will run inside a transaction, given how the project's
    migration tool runs the file, so the deploy fails with "cannot run inside a transaction
    block". The transaction model is the tool's: Alembic unless inside `autocommit_block()` or
    executed on a connection switched to AUTOCOMMIT (`execution_options(isolation_level=
    "AUTOCOMMIT")`), Django unless `atomic = False`, dbmate unless `transaction:false`, goose unless
    `NO TRANSACTION`, golang-migrate when the file holds more than one statement, Flyway when
    the file mixes it with other statements, and any explicit `BEGIN`. Also reported: a
    `BEGIN` inside a transaction that is already open, and a `BEGIN` never committed.

    Released migrations are summarised, not listed. A squashed migration is still checked:
    `CONCURRENTLY` inside a transaction fails on an empty database as well, so every fresh
    install would break.
    """

    code = "MIG004"
    # Opt-in until the field has judged 5 of its findings (reviewer.precision.MIN_EVIDENCE); first findings on held-out cohorts: 0 true of 6 (c5, cause fixed).
    opt_in = True
    name = "concurrent-index-in-transaction"
    summary = "A `CONCURRENTLY` operation will run inside a transaction and fail the deploy."
    category = Category.MIGRATIONS
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    message = "{what}: {why}"
    fix = (
        "Run it outside a transaction: Alembic `with op.get_context().autocommit_block():`; Django `atomic = False`; "
        "dbmate `-- migrate:up transaction:false`; goose `-- +goose NO TRANSACTION`; one statement per golang-migrate file"
    )
    seed = 'S3:358; S1:52 "Plan for database migrations"'
    references = ("https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY",
                  "https://squawkhq.com/docs/ban-concurrent-index-creation-in-transaction")
    index_sections = (mig.SECTION,)
    history = "released"
    fixes = "unsafe"
    invalid = (
        Example(
            "from django.contrib.postgres.operations import AddIndexConcurrently\n"
            "from django.db import migrations, models\n\n"
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("shop", "0041_order_status")]\n'
            '    operations = [AddIndexConcurrently("order", models.Index(fields=["user"], name="order_user_idx"))]\n',
            path="shop/migrations/0042_order_user_idx.py", lines=(6,),
            fixed="from django.contrib.postgres.operations import AddIndexConcurrently\n"
            "from django.db import migrations, models\n\n"
            "class Migration(migrations.Migration):\n"
            "    atomic = False\n"
            '    dependencies = [("shop", "0041_order_status")]\n'
            '    operations = [AddIndexConcurrently("order", models.Index(fields=["user"], name="order_user_idx"))]\n',
        ),
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\n\n'
            "def upgrade():\n"
            '    op.create_index("ix_orders_status", "orders", ["status"], postgresql_concurrently=True)\n\n'
            "def downgrade():\n"
            "    with op.get_context().autocommit_block():\n"
            '        op.drop_index("ix_orders_status", table_name="orders", postgresql_concurrently=True)\n',
            path="alembic/versions/b2_status_index.py", files=ENV, lines=(6,),
            fixed='revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\n\n'
            "def upgrade():\n"
            "    with op.get_context().autocommit_block():\n"
            '        op.create_index("ix_orders_status", "orders", ["status"], postgresql_concurrently=True)\n\n'
            "def downgrade():\n"
            "    with op.get_context().autocommit_block():\n"
            '        op.drop_index("ix_orders_status", table_name="orders", postgresql_concurrently=True)\n',
        ),
        Example(
            'revision = "b3"\ndown_revision = "b2"\nfrom alembic import op\n\n'
            "def upgrade():\n"
            "    connection = op.get_bind()\n"
            '    connection.execution_options(isolation_level="READ COMMITTED")\n'
            '    connection.exec_driver_sql("CREATE INDEX CONCURRENTLY ix_orders_user ON orders (user_id)")\n\n'
            "def downgrade():\n"
            '    op.drop_index("ix_orders_user", table_name="orders")\n',
            path="alembic/versions/b3_user_index.py", files=ENV, lines=(8,),
            note="near-miss: the bind's isolation level is set, but not to AUTOCOMMIT, so the revision's transaction is still open",
        ),
        Example("-- migrate:up\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n\n"
                "-- migrate:down\nDROP INDEX CONCURRENTLY users_email_idx;\n",
                path="db/migrations/20240101_users_email.sql", lines=(2, 5)),
        Example("BEGIN;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nCOMMIT;\n",
                path="schema/users_email_index.sql", lines=(2,), note="loose .sql file, explicit BEGIN"),
        Example("BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\n", path="db/migrations/000009_nick.up.sql", lines=(1,),
                note="BEGIN without COMMIT",
                files=(("db/migrations/000009_nick.down.sql", "ALTER TABLE users DROP COLUMN nickname;\n"),)),
    )
    valid = (
        Example(
            'revision = "b3"\ndown_revision = "b2"\nfrom alembic import op\n\n'
            "def upgrade():\n"
            "    connection = op.get_bind()\n"
            "    connection.commit()\n"
            '    autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")\n'
            '    autocommit.exec_driver_sql("CREATE INDEX CONCURRENTLY ix_orders_user ON orders (user_id)")\n\n'
            "def downgrade():\n"
            '    op.drop_index("ix_orders_user", table_name="orders")\n',
            path="alembic/versions/b3_user_index.py", files=ENV,
            note="near-miss: executed on a connection switched to AUTOCOMMIT, so no transaction is open",
        ),
        Example("-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n\n"
                "-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY users_email_idx;\n",
                path="db/migrations/20240101_users_email.sql"),
        Example("CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n", path="db/migrations/000009_email.up.sql",
                note="near-miss: a one-statement golang-migrate file runs without a transaction",
                files=(("db/migrations/000009_email.down.sql", "DROP INDEX CONCURRENTLY users_email_idx;\n"),)),
        Example(
            "from django.contrib.postgres.operations import AddIndexConcurrently\n"
            "from django.db import migrations, models\n\n"
            "class Migration(migrations.Migration):\n"
            "    atomic = False\n"
            '    dependencies = [("shop", "0041_order_status")]\n'
            '    operations = [AddIndexConcurrently("order", models.Index(fields=["user"], name="order_user_idx"))]\n',
            path="shop/migrations/0042_order_user_idx.py",
        ),
    )

    @staticmethod
    def _autofix(index, unit, item):
        """Out of the transaction: `atomic = False` (Django), `autocommit_block()` (Alembic).
        Not for an explicit `BEGIN` in SQL, whose author chose the transaction."""
        if item.explicit_tx:
            return None
        if unit.form == mig.DJANGO:
            return migration_fixes.django_non_atomic(index.text(unit.path), item)
        if unit.form == mig.ALEMBIC:
            return migration_fixes.alembic_concurrent(index.text(unit.path), item, concurrently=False)
        return None

    def check(self, index) -> None:
        for unit in mig.units(index):
            tool = unit.tool
            for direction in (mig.UP, mig.DOWN):
                ops = [o for o in unit.ops if o.direction == direction and o.db]
                open_begin = None
                for item in ops:
                    kind = item.kind
                    if kind in CONCURRENT and item.concurrently and item.tx:
                        why = "inside an explicit `BEGIN`" if item.explicit_tx else WHY.get(tool, "inside a transaction")
                        self.report(mig.where(item), path=unit.path, what="`CONCURRENTLY` operation runs in a transaction",
                                    why=why, autofix=self._autofix(index, unit, item))
                    elif kind == "begin" and unit.form == mig.SQL:
                        if open_begin is not None or (item.tx and tool not in EXPLICIT_OK):
                            self.report(mig.where(item), path=unit.path, what="Nested `BEGIN`",
                                        why="a transaction is already open, so the inner `COMMIT` ends the outer one")
                        open_begin = item
                    elif kind in ("commit", "rollback"):
                        open_begin = None
                if open_begin is not None:
                    self.report(mig.where(open_begin), path=unit.path, what="`BEGIN` without `COMMIT`",
                                why="the transaction stays open and the tool's own commit or the connection close decides its fate")
