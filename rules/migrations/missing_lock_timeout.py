from __future__ import annotations

from reviewer import migrations as mig
from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, ProjectRule

ENV = (("alembic/env.py", ""),)
LOCKING = frozenset({
    "create_index", "drop_index", "add_column", "drop_column", "rename_column", "rename_table", "set_not_null",
    "drop_not_null", "alter_type", "alter_column", "add_constraint", "drop_constraint", "drop_table", "truncate",
    "reindex", "vacuum_full", "cluster", "validate_constraint", "detach_partition", "alter_field",
})


class MissingLockTimeout(ProjectRule):
    """Lock-taking DDL runs without a `lock_timeout`. An `ALTER TABLE` waits in the lock queue
    behind any long-running query on the table, and every later query waits behind the
    `ALTER`: one slow report stalls all traffic on the table until the migration gets its
    lock. With `lock_timeout` the migration fails fast and can be retried. Satisfied by
    `SET [LOCAL] lock_timeout` before the first lock-taking statement of a migration, or
    project-wide by `-c lock_timeout=...` in the connection options (Alembic `env.py`, Django
    `DATABASES[...]["OPTIONS"]["options"]`) or a `SET lock_timeout` the project runs there.
    Opt-in: timeouts are often set on the database role instead, which no file shows.

    Findings on released migrations and on squashed ones (`replaces = [...]`) are summarised
    per app or chain, not listed: the harm needs a populated database serving traffic, which a
    released migration no longer meets and a squashed one never does (it only runs where none
    of the migrations it replaces has, i.e. on an empty database).
    """

    code = "MIG013"
    name = "missing-lock-timeout"
    summary = "Lock-taking DDL runs without a `lock_timeout`."
    category = Category.MIGRATIONS
    severity = Severity.INFO
    confidence = Confidence.MEDIUM
    message = "Lock-taking DDL on `{table}` runs without a `lock_timeout`"
    fix = "Start the migration with `SET lock_timeout = '2s'; SET statement_timeout = '15s';` (or `-c lock_timeout=2s` in the migration connection's options)"
    seed = 'S3:358; S3:295 "What happens when the database is slow?"'
    references = ("https://squawkhq.com/docs/require-lock-timeout",
                  "https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT")
    index_sections = (mig.SECTION,)
    history = "live"
    opt_in = True
    invalid = (
        Example("ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0) NOT VALID;\n",
                path="db/migrations/V30__check.sql", lines=(1,)),
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
            "def upgrade():\n"
            '    op.add_column("users", sa.Column("nickname", sa.Text()))\n\n'
            "def downgrade():\n"
            '    op.drop_column("users", "nickname")\n',
            path="alembic/versions/b2_nickname.py", files=ENV, lines=(7,),
        ),
    )
    valid = (
        Example("SET lock_timeout = '2s';\nSET statement_timeout = '15s';\n"
                "ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0) NOT VALID;\n",
                path="db/migrations/V30__check.sql"),
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
            "def upgrade():\n"
            '    op.add_column("users", sa.Column("nickname", sa.Text()))\n\n'
            "def downgrade():\n"
            '    op.drop_column("users", "nickname")\n',
            path="alembic/versions/b2_nickname.py",
            files=(("alembic/env.py", 'OPTIONS = "-c lock_timeout=5s -c statement_timeout=15min"\n'),),
            note="near-miss: env.py sets the timeouts for every revision",
        ),
        Example("CREATE TABLE plans (id bigint PRIMARY KEY);\nCREATE INDEX plans_id_idx ON plans (id);\n",
                path="db/migrations/V31__plans.sql", note="near-miss: only a new table"),
    )

    def check(self, index) -> None:
        project_wide = "lock_timeout" in mig.session_timeouts(index)
        for unit in mig.postgres_units(index):
            if project_wide and unit.form != mig.SQL:
                continue
            for item in mig.up_ops(unit):
                if item.kind == "set" and "lock_timeout" in item.vars:
                    break
                if item.kind in LOCKING and not item.new and not item.concurrently:
                    self.report(mig.where(item), path=unit.path, table=mig.table_label(unit, item.table))
                    break
