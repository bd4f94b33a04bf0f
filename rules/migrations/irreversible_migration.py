from __future__ import annotations

from reviewer import migrations as mig
from reviewer.model import Category, Confidence, Location, Severity
from reviewer.rule import Example, ProjectRule

ENV = (("alembic/env.py", ""),)


class IrreversibleMigration(ProjectRule):
    """A migration has no usable down path: an Alembic `downgrade()` that is missing, empty or
    only raises, a Django `RunPython` without `reverse_code` or `RunSQL` without
    `reverse_sql`, a golang-migrate `.up.sql` without its `.down.sql`, a dbmate or goose file
    without a down section. A failed deploy then cannot be rolled back by the tool: someone
    writes the inverse by hand, under pressure, against production. With
    `migrations: {policy: forward-only}` the rule instead asks SQL migrations for a
    `-- rollback:` note (info). A data-only Alembic revision (DML through `op.execute` or an ORM
    session it commits, no schema operation) may leave `downgrade()` empty: that is Alembic's
    no-op reverse, as `RunPython.noop` is Django's. Merge-only Alembic revisions and Supabase migrations (which
    have no down files by design) are not reported; Flyway undo files are a paid feature and
    are not required.

    Released migrations are summarised, not listed. A squashed migration is still checked:
    unapplying it fails on an empty database too, and once the replaced migrations are deleted
    the squash is the file where the reverse has to be written.
    """

    code = "MIG001"
    name = "irreversible-migration"
    category = Category.MIGRATIONS
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "{what}"
    fix = (
        "Write the inverse: Alembic `def downgrade(): op.drop_column(\"users\", \"nickname\")`; Django "
        "`RunPython(forwards, reverse_code=migrations.RunPython.noop)` / `RunSQL(sql, reverse_sql=...)`; "
        "a `N_name.down.sql` beside the up file; or set `migrations: {policy: forward-only}` and document the fix-forward plan"
    )
    seed = 'S3:356 "Migration is reversible (has down migration)"; S3:361 "Rollback plan documented"'
    references = ("https://alembic.sqlalchemy.org/en/latest/tutorial.html#running-our-second-migration",
                  "https://docs.djangoproject.com/en/stable/ref/migration-operations/#runpython")
    index_sections = (mig.SECTION,)
    history = "released"
    invalid = (
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
            "def upgrade():\n"
            '    op.add_column("users", sa.Column("nickname", sa.Text()))\n\n'
            "def downgrade():\n"
            "    pass\n",
            path="alembic/versions/b2_nickname.py", files=ENV, lines=(9,),
        ),
        Example(
            "from django.db import migrations\n\n"
            "def fill(apps, schema_editor):\n    pass\n\n"
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("users", "0002_nickname")]\n'
            "    operations = [migrations.RunPython(fill)]\n",
            path="users/migrations/0003_fill.py", lines=(8,),
        ),
        Example(
            "from django.db import migrations\n\n"
            "def fill(apps, schema_editor):\n    pass\n\n"
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("users", "0002_nickname")]\n'
            "    operations = [\n"
            "        migrations.RunPython(fill),\n"
            '        migrations.RunSQL("UPDATE users_user SET nickname = name"),\n'
            '        migrations.RunSQL("UPDATE users_user SET active = true"),\n'
            "    ]\n",
            path="users/migrations/0003_fill.py", lines=(9,),
            note="one finding per migration, naming its three irreversible operations",
        ),
        Example("ALTER TABLE users ADD COLUMN nickname text;\n", path="db/migrations/000004_nickname.up.sql", lines=(1,),
                note="golang-migrate up file without its down file"),
        Example("-- migrate:up\nALTER TABLE users ADD COLUMN nickname text;\n\n-- migrate:down\n",
                path="db/20240101120000_nickname.sql", lines=(4,), note="dbmate: empty down section"),
    )
    valid = (
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
            "def upgrade():\n"
            '    op.add_column("users", sa.Column("nickname", sa.Text()))\n\n'
            "def downgrade():\n"
            '    op.drop_column("users", "nickname")\n',
            path="alembic/versions/b2_nickname.py", files=ENV,
        ),
        Example(
            "from django.db import migrations\n\n"
            "def fill(apps, schema_editor):\n    pass\n\n"
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("users", "0002_nickname")]\n'
            "    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]\n",
            path="users/migrations/0003_fill.py", note="near-miss: an explicit no-op reverse",
        ),
        Example(
            'revision = "c3"\ndown_revision = ("a1", "b2")\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n',
            path="alembic/versions/c3_merge.py", files=ENV, note="near-miss: merge revision",
        ),
        Example(
            'revision = "d4"\ndown_revision = "c3"\nfrom alembic import op\nfrom sqlalchemy.orm import Session\n\n'
            "def upgrade():\n"
            '    op.execute("UPDATE slices SET viz_type = \'table\' WHERE viz_type = \'pivot_table\'")\n'
            "    session = Session(bind=op.get_bind())\n"
            "    for row in session.query(Slice):\n"
            "        row.params = migrate(row.params)\n"
            "    session.commit()\n\n"
            "def downgrade():\n"
            "    pass  # slices cannot be converted back\n",
            path="alembic/versions/d4_pivot_v2.py", files=ENV,
            note="near-miss: a data-only revision; its empty downgrade is the no-op reverse (as RunPython.noop)",
        ),
        Example("ALTER TABLE users ADD COLUMN nickname text;\n", path="db/migrations/000004_nickname.up.sql",
                files=(("db/migrations/000004_nickname.down.sql", "ALTER TABLE users DROP COLUMN nickname;\n"),)),
    )

    def check(self, index) -> None:
        forward_only = mig.policy(index) == "forward-only"
        all_units = mig.units(index)
        downs = {(u["stream"], u.get("pair")) for u in all_units if u["tool"] == "golang-migrate" and u.get("direction") == mig.DOWN
                 and u["statements"][mig.DOWN] > 0}
        for unit in all_units:
            if forward_only:
                if unit["form"] == mig.SQL and unit.get("direction") != mig.DOWN and unit["tool"] != "loose" \
                        and not unit.get("rollback_note") and any(True for _ in mig.up_ops(unit)):
                    self.report(Location(1, 1, 1, 1), "Forward-only migration has no `-- rollback:` note",
                                severity=Severity.INFO, confidence=Confidence.MEDIUM,
                                fix="Add a `-- rollback: <how to fix forward or restore>` comment", path=unit["path"])
                continue
            getattr(self, "_" + unit["form"])(unit, downs)

    def _alembic(self, unit, downs) -> None:
        if unit["upgrade_state"] in ("missing", "empty"):
            return  # merge point or placeholder: nothing to undo
        state = unit["down_state"]
        if state == "empty" and unit.get("data_only"):
            return  # a data migration: an empty downgrade is Alembic's explicit no-op reverse
        at = Location(unit["down_line"], unit["down_col"], unit["down_line"], unit["down_col"])
        if state == "missing":
            self.report(at, "Alembic revision has no `downgrade()`", path=unit["path"])
        elif state == "empty":
            self.report(at, "`downgrade()` does nothing while `upgrade()` does", path=unit["path"])
        elif state == "raise":
            self.report(at, "`downgrade()` only raises: the revision is explicitly irreversible",
                        severity=Severity.INFO, path=unit["path"])

    def _django(self, unit, downs) -> None:
        # One finding per migration, at its first irreversible operation, naming all of them:
        # the fix (a reverse for each) is one edit of one file.
        items = unit.get("irreversible", [])
        if not items:
            return
        named = ", ".join(f"`{item['what']}` (line {item['l']}) without `{item['missing']}`" for item in items)
        if len(items) == 1:
            what = f"`{items[0]['what']}` without `{items[0]['missing']}` cannot be unapplied"
        else:
            what = f"Migration cannot be unapplied: {len(items)} operations have no reverse: {named}"
        self.report(mig.where(items[0]), what, path=unit["path"])

    def _sql(self, unit, downs) -> None:
        tool = unit["tool"]
        if tool == "golang-migrate" and unit.get("direction") == mig.UP and unit["statements"][mig.UP]:
            if (unit["stream"], unit.get("pair")) not in downs:
                self.report(Location(1, 1, 1, 1), f"`{unit['name']}` has no matching non-empty `.down.sql` file",
                            path=unit["path"])
        elif tool in ("dbmate", "goose") and unit["statements"][mig.UP]:
            line = unit.get("down_line")
            if line is None:
                self.report(Location(1, 1, 1, 1), f"{tool} migration has no down section", path=unit["path"])
            elif not unit["statements"][mig.DOWN]:
                self.report(Location(line, 1, line, 1), f"{tool} migration's down section is empty", path=unit["path"])
