from __future__ import annotations

from reviewer import migrations as mig
from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, ProjectRule

ENV = (("alembic/env.py", ""),)


class BackwardIncompatibleRenameDrop(ProjectRule):
    """A column or table is renamed or dropped (or `NOT NULL` dropped, a table truncated with
    `CASCADE`, a schema or database dropped) in one step. During a rolling deploy the previous
    release is still running and still reads and writes the old name, so its queries fail
    until the last old instance is gone; a rollback of the code cannot bring the data back.
    Read from SQL, Alembic (`drop_column`, `drop_table`, `rename_table`,
    `alter_column(new_column_name=...)`) and Django (`RemoveField`, `DeleteModel`,
    `RenameField`, `RenameModel`; state-only operations inside `SeparateDatabaseAndState` are
    not reported). Only the up direction is checked: a down path undoes its own up path. A
    sequence renamed with `ALTER TABLE <table>_<column>_seq RENAME TO ...` (PostgreSQL's own
    name for a serial's sequence) is not a table rename: the column default follows it.

    Findings on released migrations and on squashed ones (`replaces = [...]`) are summarised
    per app or chain, not listed: the harm needs a populated database serving traffic, which a
    released migration no longer meets and a squashed one never does (it only runs where none
    of the migrations it replaces has, i.e. on an empty database).

    Opt-in (select it by its code, or the audit profile): its field precision on the ecosystem
    check's tuned projects was 0.21 (12 judged: 5 debatable, 7 false) before the migration
    history existed: the projects upgrade with the application stopped (Airflow, indico,
    NetBox), so no previous release reads the old name; only teams that deploy with rolling
    restarts need it.
    """

    code = "MIG009"
    name = "backward-incompatible-rename-drop"
    summary = "A column or table is renamed or dropped in one step, breaking the release still running."
    category = Category.MIGRATIONS
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "{what}: code of the previous release still uses it during the deploy"
    fix = (
        "Expand and contract: add the new column or table and dual-write, move reads, and drop the old one in a later "
        "release once no running code uses it: `op.add_column(\"users\", sa.Column(\"full_name\", sa.Text(), nullable=True))`"
    )
    seed = 'S2:178 "migrations that are backwards compatible"; S3:360; S3:293'
    references = ("https://squawkhq.com/docs/renaming-column", "https://squawkhq.com/docs/ban-drop-column")
    index_sections = (mig.SECTION,)
    history = "live"
    opt_in = True
    invalid = (
        Example("ALTER TABLE accounts RENAME COLUMN owner_name TO holder_name;\nALTER TABLE accounts DROP COLUMN legacy;\n"
                "DROP TABLE old_audit;\n", path="db/migrations/V14__rename.sql", lines=(1, 2, 3)),
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
            "def upgrade():\n"
            '    op.alter_column("users", "name", new_column_name="full_name")\n\n'
            "def downgrade():\n"
            '    op.alter_column("users", "full_name", new_column_name="name")\n',
            path="alembic/versions/b2_rename.py", files=ENV, lines=(7,),
        ),
        Example(
            "from django.db import migrations\n\n"
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("orders", "0001_initial")]\n'
            '    operations = [migrations.RenameField("order", "shipping_address", "delivery_address")]\n',
            path="orders/migrations/0002_rename.py", lines=(5,),
        ),
    )
    valid = (
        Example(
            "from django.db import migrations\n\n"
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("orders", "0001_initial")]\n'
            "    operations = [migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField(\"order\", \"legacy\")])]\n",
            path="orders/migrations/0002_forget.py", note="near-miss: state only, the column stays",
        ),
        Example("CREATE TABLE tmp_import (id bigint);\nDROP TABLE tmp_import;\n", path="db/migrations/V15__tmp.sql",
                note="near-miss: created and dropped in the same migration"),
        Example("ALTER TABLE auth_user_id_seq RENAME TO users_user_id_seq;\n", path="db/migrations/V16__seq.sql",
                note="near-miss: a sequence rename (PostgreSQL's `<table>_<column>_seq`), not a table rename; "
                     "nothing reads a sequence by name"),
    )

    def check(self, index) -> None:
        for unit in mig.units(index):
            for item in mig.up_ops(unit):
                what = self._what(unit, item)
                if what is None:
                    continue
                severity = Severity.HIGH if item.kind == "drop_database" else None
                if item.kind == "drop_not_null" and item.known is False:
                    # Alembic `nullable=True` without `existing_nullable=False`: the column may
                    # already be nullable, which makes the statement a no-op.
                    self.report(mig.where(item), "Possible incompatible change: {what}", path=unit.path,
                                what=what, confidence=Confidence.LOW)
                    continue
                self.report(mig.where(item), path=unit.path, what=what, severity=severity)

    @staticmethod
    def _what(unit, item) -> str | None:
        kind = item.kind
        if item.new:
            return None
        if item.table is None or kind in ("rename_column", "drop_column", "drop_not_null") and not item.column:
            return None  # a name the migration computes: nothing to say about it
        table = mig.table_label(unit, item.table)
        column = f"{table}.{item.column}"
        if kind == "rename_column":
            return f"Column `{column}` renamed to `{item.to}`"
        if kind == "rename_table":
            return f"Table `{table}` renamed" + (f" to `{item.to}`" if item.to else "")
        if kind == "drop_column":
            return f"Column `{column}` dropped"
        if kind == "drop_table":
            return f"Table `{table}` dropped"
        if kind == "drop_not_null" and unit.form != mig.DJANGO:
            return f"`NOT NULL` dropped from `{column}`"
        if kind == "truncate" and item.cascade:
            return f"`TRUNCATE {table} CASCADE` empties every table that references it"
        if kind in ("drop_schema", "drop_database"):
            return f"`DROP {kind[5:].upper()} {item.table}`"
        return None
