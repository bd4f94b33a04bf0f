from __future__ import annotations

from reviewer import migrations as mig
from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, ProjectRule

ENV = (("alembic/env.py", ""),)


class ColumnTypeChangeRewrite(ProjectRule):
    """A column's type is changed on an existing table (`ALTER COLUMN ... TYPE`, Alembic
    `alter_column(type_=...)`, a Django `AlterField` that changes the field class or shrinks
    `max_length`). PostgreSQL rewrites the table and its indexes under ACCESS EXCLUSIVE, and
    clients still running the previous release read a type they do not expect. Binary-
    coercible widenings (`varchar(n)` to a longer `varchar` or to `text`, when the old type is
    known) are not reported.

    Findings on released migrations and on squashed ones (`replaces = [...]`) are summarised
    per app or chain, not listed: the harm needs a populated database serving traffic, which a
    released migration no longer meets and a squashed one never does (it only runs where none
    of the migrations it replaces has, i.e. on an empty database).

    Opt-in (select it by its code, or the audit profile): its field precision on the ecosystem
    check's tuned projects was 0.17 (12 judged: 1 true, 2 debatable, 9 false) before the
    migration history existed: type changes hit small tables or were restatements; the harm
    depends on table size, which the code does not show.
    """

    code = "MIG008"
    name = "column-type-change-rewrite"
    summary = "A column's type is changed on an existing table, which rewrites it under ACCESS EXCLUSIVE."
    category = Category.MIGRATIONS
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "Type change of `{column}` ({change}) rewrites the table under an ACCESS EXCLUSIVE lock"
    fix = (
        "Expand and contract: add a new column of the new type, dual-write and backfill in batches, switch reads, "
        "drop the old column in a later release"
    )
    seed = 'S2:178; S3:293 "Design APIs for evolution"'
    references = ("https://squawkhq.com/docs/changing-column-type",)
    index_sections = (mig.SECTION,)
    history = "live"
    opt_in = True
    invalid = (
        Example("ALTER TABLE events ALTER COLUMN id TYPE bigint;\n", path="db/migrations/V12__events.sql", lines=(1,)),
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
            "def upgrade():\n"
            '    op.alter_column("events", "payload", type_=sa.JSON(), existing_type=sa.Text())\n\n'
            "def downgrade():\n"
            '    op.alter_column("events", "payload", type_=sa.Text(), existing_type=sa.JSON())\n',
            path="alembic/versions/b2_payload.py", files=ENV, lines=(7,),
        ),
    )
    valid = (
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
            "def upgrade():\n"
            '    op.alter_column("users", "name", type_=sa.String(200), existing_type=sa.String(100))\n\n'
            "def downgrade():\n"
            "    pass  # widening, nothing to undo\n",
            path="alembic/versions/b2_name.py", files=ENV, note="near-miss: varchar widening is metadata-only",
        ),
        Example("CREATE TABLE events (id int);\nALTER TABLE events ALTER COLUMN id TYPE bigint;\n",
                path="db/migrations/V13__events.sql", note="near-miss: new table"),
    )

    def check(self, index) -> None:
        for unit in mig.postgres_units(index):
            for item in mig.up_ops(unit):
                if item.kind != "alter_type" or item.new or item.widening:
                    continue
                if item.old_known is False:
                    # Alembic `type_=` without `existing_type`: the old type is unknown, so
                    # this may be a no-op restatement or a binary-coercible widening.
                    self.report(mig.where(item), "Possible table rewrite: type of `{column}` set to {change} "
                                "(previous type not stated)", confidence=Confidence.LOW, path=unit.path,
                                column=f"{mig.table_label(unit, item.table)}.{item.column}",
                                change=str(item.type)[:60])
                    continue
                self.report(mig.where(item), path=unit.path,
                            column=f"{mig.table_label(unit, item.table)}.{item.column}",
                            change=str(item.type)[:60])
