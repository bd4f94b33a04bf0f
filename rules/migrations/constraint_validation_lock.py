from __future__ import annotations

from reviewer import migrations as mig
from reviewer.migrations import migration_fixes
from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, ProjectRule

ENV = (("alembic/env.py", ""),)
WHAT = {
    "fk": "Foreign key added without `NOT VALID`: validating it locks `{table}` and the referenced table",
    "check": "CHECK constraint added without `NOT VALID`: validating it scans `{table}` under lock",
    "unique": "UNIQUE constraint added to `{table}` without `USING INDEX`: the index is built while writes wait",
    "pk": "PRIMARY KEY added to `{table}` without `USING INDEX`: the index is built while writes wait",
    "exclude": "EXCLUDE constraint added to `{table}`: the index is built while writes wait",
}


class ConstraintValidationLock(ProjectRule):
    """A constraint is added to an existing table in a way that validates or builds under a
    lock that blocks writes: a FOREIGN KEY or CHECK without `NOT VALID` (PostgreSQL scans the
    table, and for a foreign key also locks the referenced table), a UNIQUE or PRIMARY KEY not
    built `USING INDEX` from a concurrently built index, an EXCLUDE constraint, a column added
    with `REFERENCES`, a `CREATE DOMAIN ... CHECK` / `ALTER DOMAIN ... ADD CONSTRAINT`, or
    `NOT VALID` followed by `VALIDATE` in the same transaction (which defeats its purpose).
    Read from SQL, Alembic (`create_foreign_key`, `create_check_constraint` without
    `postgresql_not_valid=True`, `create_unique_constraint`, `create_primary_key`) and Django
    (`AddConstraint`, `AlterUniqueTogether`, `AddField` with a `ForeignKey`).

    Findings on released migrations and on squashed ones (`replaces = [...]`) are summarised
    per app or chain, not listed: the harm needs a populated database serving traffic, which a
    released migration no longer meets and a squashed one never does (it only runs where none
    of the migrations it replaces has, i.e. on an empty database).

    Opt-in (select it by its code, or the audit profile): its field precision on the ecosystem
    check's tuned projects was 0.08 (12 judged: 2 debatable, 10 false) before the migration
    history existed: constraints went on small tables or on new, all-NULL columns; the harm
    depends on table size, which the code does not show.
    """

    code = "MIG007"
    name = "constraint-validation-lock"
    summary = "A constraint is added to an existing table in a way that validates under a write-blocking lock."
    category = Category.MIGRATIONS
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "{what}"
    fix = (
        "Add it `NOT VALID` and `VALIDATE CONSTRAINT` it in a later migration; for UNIQUE/PRIMARY KEY build the index "
        "`CONCURRENTLY` first and attach it with `ADD CONSTRAINT ... UNIQUE USING INDEX idx`; Django: "
        "`AddConstraintNotValid` + `ValidateConstraint` (checks), `db_constraint=False` + `RunSQL ... NOT VALID` (foreign keys)"
    )
    seed = 'S2:175 "appropriate foreign key constraints"; S1:127; S3:358'
    references = ("https://squawkhq.com/docs/constraint-missing-not-valid", "https://squawkhq.com/docs/adding-foreign-key-constraint",
                  "https://squawkhq.com/docs/disallowed-unique-constraint")
    index_sections = (mig.SECTION,)
    history = "live"
    opt_in = True
    fixes = "unsafe"
    invalid = (
        Example("ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\n"
                "ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE (ref);\n",
                path="db/migrations/V8__fk.sql", lines=(1, 2)),
        Example(
            'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\n\n'
            "def upgrade():\n"
            '    op.create_foreign_key("orders_user_fk", "orders", "users", ["user_id"], ["id"])\n\n'
            "def downgrade():\n"
            '    op.drop_constraint("orders_user_fk", "orders", type_="foreignkey")\n',
            path="alembic/versions/b2_fk.py", files=ENV, lines=(6,),
            fixed='revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\n\n'
            "def upgrade():\n"
            '    op.create_foreign_key("orders_user_fk", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True)\n'
            "    with op.get_context().autocommit_block():\n"
            "        op.execute('ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk')\n\n"
            "def downgrade():\n"
            '    op.drop_constraint("orders_user_fk", "orders", type_="foreignkey")\n',
        ),
        Example("-- migrate:up transaction:false\n"
                "ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0);\n"
                "-- migrate:down\nALTER TABLE orders DROP CONSTRAINT total_positive;\n",
                path="db/migrations/20240301_total_check.sql", lines=(2,),
                fixed="-- migrate:up transaction:false\n"
                "ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0) NOT VALID;\n"
                "ALTER TABLE orders VALIDATE CONSTRAINT total_positive;\n"
                "-- migrate:down\nALTER TABLE orders DROP CONSTRAINT total_positive;\n",
                note="dbmate without a transaction: each statement commits on its own"),
        Example(
            "from django.db import migrations, models\n\n"
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("shop", "0001_initial")]\n'
            "    operations = [\n"
            '        migrations.AddConstraint("order", models.CheckConstraint(condition=models.Q(total__gte=0), name="total_gte_0")),\n'
            "    ]\n",
            path="shop/migrations/0002_total_check.py", lines=(6,),
        ),
        Example("ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n"
                "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;\n",
                path="db/migrations/V11__fk.sql", lines=(2,), note="Flyway runs the file in one transaction"),
    )
    valid = (
        Example("ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n",
                path="db/migrations/V8__fk.sql"),
        Example("ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE USING INDEX orders_ref_idx;\n",
                path="db/migrations/V9__unique.sql", note="near-miss: attaches a concurrently built index"),
        Example("CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id));\n"
                "ALTER TABLE payments ADD CONSTRAINT payments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);\n",
                path="db/migrations/V10__payments.sql", note="near-miss: new table"),
    )

    def check(self, index) -> None:
        named = mig.chain_databases(mig.units(index))
        for unit in mig.postgres_units(index):
            others = named.get(mig.chain(unit), set()) - {"postgres"}
            added_not_valid = {}
            for item in mig.up_ops(unit):
                kind = item.kind
                table = mig.table_label(unit, item.table)
                if kind == "add_constraint":
                    if item.not_valid and item.name:
                        added_not_valid[item.name] = item
                    if item.new or item.using_index:
                        continue
                    if item.ctype in ("fk", "check") and item.not_valid:
                        continue
                    if item.ctype in WHAT:
                        self.report(mig.where(item), path=unit.path, what=WHAT[item.ctype].format(table=table),
                                    autofix=self._autofix(index, unit, item, bool(others)))
                elif kind == "add_column" and item.fk and not item.new:
                    self.report(mig.where(item), path=unit.path,
                                what=f"Column `{table}.{item.column}` added with a foreign key: validating it locks both tables")
                elif kind == "domain_constraint":
                    self.report(mig.where(item), path=unit.path,
                                what="Domain constraint added: every column of the domain is checked under lock")
                elif kind == "validate_constraint" and item.tx:
                    earlier = added_not_valid.get(item.name)
                    if earlier is not None and earlier.tx:
                        self.report(mig.where(item), path=unit.path,
                                    what=f"`VALIDATE CONSTRAINT {item.name}` in the same transaction as its `NOT VALID` add: the lock is held for the whole validation")

    @staticmethod
    def _autofix(index, unit, item, other_databases):
        """The `NOT VALID` + `VALIDATE CONSTRAINT` split, where the migration's tool lets the
        validation run outside the add's transaction (reviewer.migrations.migration_fixes); guarded by the
        dialect where the chain's code names other databases too."""
        if item.ctype not in ("fk", "check"):
            return None
        if unit.form == mig.ALEMBIC:
            return migration_fixes.alembic_not_valid_split(index.text(unit.path), item, other_databases)
        if unit.form == mig.SQL:
            return migration_fixes.sql_not_valid_split(index.text(unit.path), unit, item)
        return None
