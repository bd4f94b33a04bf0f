from __future__ import annotations

from reviewer import migrations as mig
from reviewer.orm import indexes
from reviewer.model import Category, Confidence, Location, Severity
from reviewer.rule import Example, ProjectRule

SA_HEAD = "from sqlalchemy import ForeignKey, Index, Integer, UniqueConstraint\nfrom sqlalchemy.orm import Mapped, mapped_column\n\n"
ENV = (("alembic/env.py", ""),)
DJANGO_HEAD = "from django.db import models\n\n"


class ForeignKeyWithoutIndex(ProjectRule):
    """A foreign-key column has no index that leads with it. PostgreSQL and SQLite do not index
    the referencing side of a foreign key by themselves, so every join from the parent, every
    `WHERE child.parent_id = ...` and every delete or key update of a parent row (which checks
    the children) scans the child table.

    Read from the models and the migration history together, once per column: SQLAlchemy
    `ForeignKey(...)` columns without `index=True`, Alembic `create_foreign_key` /
    `sa.ForeignKeyConstraint` / `sa.ForeignKey`, SQL `REFERENCES` / `FOREIGN KEY`, and Django
    `ForeignKey(db_index=False)` (Django indexes a foreign key otherwise). Any index, primary
    key or unique constraint whose leading column is the key covers it, wherever it is declared
    (`index=True`, `__table_args__`, a module-level `Index(...)`, `Meta.indexes`,
    `unique_together`, `op.create_index`, `CREATE INDEX`): a composite primary key `(a_id,
    b_id)` covers `a_id`, not `b_id`. The finding sits on the model column, or on the
    migration line when no model declares the table.

    MySQL is left out (InnoDB creates the index itself), and so is Redshift (no indexes): the
    configured dialect, MySQL-only migration chains and `mysql_*` table options (on the model or
    on the migration's `create_table`) say which.
    Partial indexes (Django `condition=`) do not count as covering, unless the condition only
    leaves out the rows whose key is NULL (`Q(project__isnull=False)`), which no lookup matches. Every index the history
    ever created counts (drops are not replayed), so an index dropped later still covers; a
    foreign key a later migration drops by name (or PostgreSQL's default `<table>_<column>_fkey`)
    is left out.

    Opt-in: field precision 0.76 (62 judged of 272 findings on the tuned projects, label
    migorm-1: 35 true, 3 false, 24 debatable). The findings are facts (the key has no index);
    what the judges could not see is whether the child table is big enough for it to matter
    (schedules, rooms, gateways, short-lived codes): most of the debatable ones. See
    docs/indexes.md.
    """

    code = "ORM008"
    name = "foreign-key-without-index"
    summary = "A foreign-key column has no index leading with it (PostgreSQL, SQLite)."
    category = Category.ORM
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "Foreign key `{column}` has no index whose leading column is {lead}"
    fix = "Index it: `mapped_column(ForeignKey(...), index=True)`, `op.create_index(...)`, `CREATE INDEX ... ({columns})`"
    seed = 'S2:175 "appropriate foreign key constraints"; S2:176; S1:121'
    references = ("https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK",
                  "https://supabase.com/docs/guides/database/database-linter?lint=0001_unindexed_foreign_keys")
    index_sections = (indexes.SECTION, mig.SECTION)
    opt_in = True
    invalid = (
        Example(SA_HEAD + "class Order(Base):\n    __tablename__ = \"orders\"\n"
                "    id: Mapped[int] = mapped_column(Integer, primary_key=True)\n"
                "    customer_id: Mapped[int] = mapped_column(ForeignKey(\"customers.id\"))\n",
                path="app/models.py", lines=(7,)),
        Example(SA_HEAD + "class Membership(Base):\n    __tablename__ = \"memberships\"\n"
                "    group_id: Mapped[int] = mapped_column(ForeignKey(\"groups.id\"), primary_key=True)\n"
                "    user_id: Mapped[int] = mapped_column(ForeignKey(\"users.id\"), primary_key=True)\n",
                path="app/models.py", lines=(7,), note="composite primary key (group_id, user_id) covers group_id only"),
        Example("CREATE TABLE entries (\n    id BIGSERIAL PRIMARY KEY,\n    account_id INTEGER NOT NULL REFERENCES accounts (id)\n);\n",
                path="db/migrations/000002_create_entries.up.sql", lines=(3,),
                files=(("db/migrations/000002_create_entries.down.sql", "DROP TABLE entries;\n"),)),
        Example('revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\n\n'
                "def upgrade():\n"
                '    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"])\n\n'
                "def downgrade():\n"
                '    op.drop_constraint("fk_orders_user", "orders")\n',
                path="alembic/versions/b2_orders_user_fk.py", lines=(6,), files=ENV),
        Example(DJANGO_HEAD + "class Order(models.Model):\n"
                "    customer = models.ForeignKey(\"Customer\", on_delete=models.CASCADE, db_index=False)\n",
                path="shop/models.py", lines=(4,)),
    )
    valid = (
        Example(SA_HEAD + "class Order(Base):\n    __tablename__ = \"orders\"\n"
                "    id: Mapped[int] = mapped_column(Integer, primary_key=True)\n"
                "    customer_id: Mapped[int] = mapped_column(ForeignKey(\"customers.id\"), index=True)\n",
                path="app/models.py"),
        Example(SA_HEAD + "class Line(Base):\n    __tablename__ = \"lines\"\n"
                "    __table_args__ = (Index(\"ix_lines_order_sku\", \"order_id\", \"sku\"),)\n"
                "    order_id: Mapped[int] = mapped_column(ForeignKey(\"orders.id\"))\n"
                "    sku: Mapped[str] = mapped_column()\n",
                path="app/models.py", note="near-miss: a composite index leading with the key covers it"),
        Example(SA_HEAD + "class Line(Base):\n    __tablename__ = \"lines\"\n"
                "    order_id: Mapped[int] = mapped_column(ForeignKey(\"orders.id\"))\n",
                path="app/models.py", note="near-miss: the migration that creates the table indexes it",
                files=(("alembic/versions/a1_lines.py",
                        'revision = "a1"\ndown_revision = None\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
                        "def upgrade():\n"
                        '    op.create_table("lines", sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id")))\n'
                        '    op.create_index("ix_lines_order_id", "lines", ["order_id"])\n\n'
                        "def downgrade():\n"
                        '    op.drop_table("lines")\n'), *ENV)),
        Example("CREATE TABLE entries (\n    id BIGSERIAL PRIMARY KEY,\n    account_id INTEGER NOT NULL REFERENCES accounts (id)\n);\n\n"
                "CREATE INDEX entries_account_id_idx ON entries (account_id);\n",
                path="db/migrations/000002_create_entries.up.sql", note="near-miss: indexed in the same migration",
                files=(("db/migrations/000002_create_entries.down.sql", "DROP TABLE entries;\n"),)),
        Example(DJANGO_HEAD + "class Order(models.Model):\n"
                "    customer = models.ForeignKey(\"Customer\", on_delete=models.CASCADE)\n",
                path="shop/models.py", note="near-miss: Django indexes a foreign key by default"),
        Example(DJANGO_HEAD + "class Order(models.Model):\n"
                "    customer = models.ForeignKey(\"Customer\", on_delete=models.CASCADE, db_index=False)\n"
                "    number = models.CharField(max_length=20)\n\n"
                "    class Meta:\n        unique_together = [(\"customer\", \"number\")]\n",
                path="shop/models.py", note="near-miss: a unique constraint leading with the key covers it"),
        Example(DJANGO_HEAD + "class Tile(models.Model):\n"
                "    nodegroup = models.ForeignKey(\"NodeGroup\", on_delete=models.CASCADE, db_index=False)\n"
                "    resource = models.ForeignKey(\"Resource\", on_delete=models.CASCADE)\n\n"
                "    class Meta:\n        indexes = [models.Index(\"nodegroup\", \"resource\", name=\"nodegroup_and_resource\")]\n",
                path="shop/models.py", note="near-miss: an index given its columns as positional expressions leads with the key"),
        Example(DJANGO_HEAD + "class Change(models.Model):\n"
                "    project = models.ForeignKey(\"Project\", null=True, on_delete=models.CASCADE, db_index=False)\n"
                "    timestamp = models.DateTimeField()\n\n"
                "    class Meta:\n        indexes = [models.Index(fields=[\"project\", \"-timestamp\"], "
                "condition=models.Q(project__isnull=False), name=\"change_project_idx\")]\n",
                path="shop/models.py", note="near-miss: a partial index leaving out only the rows whose key is NULL "
                                            "holds every row a lookup by the key can match"),
        Example(SA_HEAD + "class Deployment(Base):\n    __tablename__ = \"deployment\"\n"
                "    storage_document_id: Mapped[int] = mapped_column(ForeignKey(\"block_document.id\"), index=False)\n",
                path="app/models.py", note="near-miss: `index=False` written out is the author's decision"),
        Example('revision = "c3"\ndown_revision = "b2"\nfrom alembic import op\n\n'
                "def upgrade():\n"
                '    op.drop_constraint("note_user_fkey", "note", type_="foreignkey")\n',
                path="alembic/versions/c3_drop_note_user_fk.py", note="near-miss: a later migration drops the foreign key",
                files=(("alembic/versions/b2_note.py",
                        'revision = "b2"\ndown_revision = None\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
                        "def upgrade():\n"
                        '    op.create_table("note", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("user_id", sa.Integer()),\n'
                        '                    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="note_user_fkey"))\n'), *ENV)),
        Example(SA_HEAD + "class DagTag(Base):\n    __tablename__ = \"dag_tag\"\n"
                "    name: Mapped[str] = mapped_column(primary_key=True)\n"
                "    dag_id: Mapped[str] = mapped_column(ForeignKey(\"dag.dag_id\"), primary_key=True)\n"
                "    __table_args__ = (Index(\"idx_dag_tag_dag_id\", dag_id),)\n",
                path="app/models.py", note="near-miss: an index on the class-body column, beside a primary key led by `name`"),
        Example(SA_HEAD + "from sqlalchemy import ForeignKeyConstraint\n\n"
                "class PromptTask(Base):\n    __tablename__ = \"prompt_tasks\"\n"
                "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                "    type: Mapped[str] = mapped_column()\n"
                "    __table_args__ = (ForeignKeyConstraint([\"type\", \"id\"], [\"jobs.type\", \"jobs.id\"]),)\n",
                path="app/models.py", note="near-miss: the primary key leads with a column of the composite foreign key"),
        Example(SA_HEAD + "class Order(Base):\n    __tablename__ = \"orders\"\n"
                "    __table_args__ = {\"mysql_engine\": \"InnoDB\"}\n"
                "    customer_id: Mapped[int] = mapped_column(ForeignKey(\"customers.id\"))\n",
                path="app/models.py", note="near-miss: MySQL InnoDB indexes foreign keys itself"),
        Example(SA_HEAD + "class IdPRemoteIds(Base):\n    __tablename__ = \"idp_remote_ids\"\n"
                "    idp_id: Mapped[str] = mapped_column(ForeignKey(\"identity_provider.id\"))\n"
                "    remote_id: Mapped[str] = mapped_column(primary_key=True)\n",
                path="app/models.py", note="near-miss: the migration creates the table with InnoDB options (`mysql_engine`); "
                     "the chain supports PostgreSQL too (keystone)",
                files=(("alembic/versions/a1_initial.py",
                        'revision = "a1"\ndown_revision = None\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
                        "def upgrade():\n"
                        '    op.create_table("idp_remote_ids", sa.Column("idp_id", sa.String(64), sa.ForeignKey("identity_provider.id")),\n'
                        '                    sa.Column("remote_id", sa.String(255), primary_key=True), mysql_engine="InnoDB")\n'
                        '    if op.get_bind().engine.name == "postgresql":\n'
                        '        op.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")\n'), *ENV)),
    )

    def check(self, index) -> None:
        for fk in indexes.coverage(index).unindexed_foreign_keys():
            self.report(Location(fk.line, fk.col, fk.line, fk.col), path=fk.path, column=fk.label,
                        lead=" or ".join(f"`{c}`" for c in fk.columns), columns=", ".join(fk.columns))
