"""The migration loader (reviewer/migrations/__init__.py) and the `migrations:` config key."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import sqlglot

from reviewer.migrations.sql import command_ops, sql_unit
from reviewer.config import Config, ConfigError, parse_config
from tests.conftest import scan_tree, write_tree


def _tokens(sql: str):
    return sqlglot.Dialect.get_or_raise("postgres").tokenize(sql)


@pytest.mark.parametrize(
    ("sql", "kind", "concurrently"),
    [
        ("REINDEX INDEX CONCURRENTLY orders_pkey", "reindex", True),
        ("REINDEX TABLE orders", "reindex", False),
        ("VACUUM (FULL, ANALYZE) orders", "vacuum_full", None),
        ("CLUSTER orders USING orders_pkey", "cluster", None),
        ("REFRESH MATERIALIZED VIEW CONCURRENTLY totals", "refresh_matview", True),
        ("ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk", "validate_constraint", None),
        ("ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY", "detach_partition", True),
        ("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx", "add_constraint", None),
        ("ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok'", "enum_add_value", None),
        ("CREATE DOMAIN positive AS int CHECK (VALUE > 0)", "domain_constraint", None),
    ],
)
def test_token_classifier_reads_opaque_commands(sql: str, kind: str, concurrently) -> None:
    found = command_ops(_tokens(sql))
    assert found and found[0].kind == kind
    if concurrently is not None:
        assert found[0].concurrently is concurrently


def test_sql_sections_and_transaction_models() -> None:
    dbmate = sql_unit("db/20240101_x.sql", "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- migrate:down\nDROP INDEX i;\n")
    assert dbmate.tool == "dbmate"
    assert [(o.kind, o.direction, o.tx) for o in dbmate.ops] == [("create_index", "up", False), ("drop_index", "down", True)]
    goose = sql_unit("db/00001_x.sql", "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (a);\n")
    assert goose.tool == "goose" and goose.ops[0].tx is False
    single = sql_unit("db/migrations/000001_x.up.sql", "CREATE INDEX CONCURRENTLY i ON t (a);\n")
    assert single.ops[0].tx is False  # golang-migrate: one statement, no implicit transaction
    body = sql_unit("db/migrations/V1__f.sql", "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nDROP TABLE t;\n")
    assert [o.kind for o in body.ops] == ["ddl", "drop_table"]  # the dollar-quoted body stays whole


def test_config_key_parses_and_rejects_bad_values() -> None:
    config = parse_config({"migrations": {"policy": "forward-only", "loose-sql": False}}, "x.yml", Path("."))
    assert config.migrations_policy == "forward-only" and config.migrations_loose_sql is False
    with pytest.raises(ConfigError, match="policy"):
        parse_config({"migrations": {"policy": "sometimes"}}, "x.yml", Path("."))
    with pytest.raises(ConfigError, match="unknown key"):
        parse_config({"migrations": {"strict": True}}, "x.yml", Path("."))


def test_loose_sql_switch(tmp_path: Path) -> None:
    write_tree(tmp_path, {"schema/add_index.sql": "CREATE INDEX orders_user_idx ON orders (user_id);\n"})
    assert [f.rule for f in scan_tree(tmp_path, select=("MIG003",)).findings] == ["MIG003"]
    config = replace(Config(root=str(tmp_path)), migrations_loose_sql=False)
    assert scan_tree(tmp_path, select=("MIG003",), config=config).findings == ()


def test_forward_only_policy(tmp_path: Path) -> None:
    write_tree(tmp_path, {"db/migrations/000001_nick.up.sql": "ALTER TABLE users ADD COLUMN nickname text;\n"})
    reversible = scan_tree(tmp_path, select=("MIG001",)).findings
    assert [f.severity.value for f in reversible] == ["medium"]
    config = replace(Config(root=str(tmp_path)), migrations_policy="forward-only")
    forward = scan_tree(tmp_path, select=("MIG001",), config=config).findings
    assert [f.severity.value for f in forward] == ["info"]  # asks for a `-- rollback:` note instead
    write_tree(tmp_path, {"db/migrations/000001_nick.up.sql": "-- rollback: drop the column in a fix-forward\nALTER TABLE users ADD COLUMN nickname text;\n"})
    assert scan_tree(tmp_path, select=("MIG001",), config=config).findings == ()


def test_lock_rules_are_postgres_only(tmp_path: Path) -> None:
    write_tree(tmp_path, {"db/migrations/V2__idx.sql": "CREATE INDEX orders_user_idx ON orders (user_id);\n"})
    config = replace(Config(root=str(tmp_path)), dialect="mysql")
    assert scan_tree(tmp_path, select=("MIG003",), config=config).findings == ()


def test_alembic_dialect_branches_and_helpers(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "alembic/env.py": "",
        "alembic/versions/b2_x.py": (
            'revision = "b2"\ndown_revision = None\nfrom alembic import op\n\n'
            "def _index():\n    op.create_index('ix_a', 'orders', ['a'])\n\n"
            "def upgrade():\n"
            "    if op.get_bind().dialect.name == 'mysql':\n"
            "        op.create_index('ix_b', 'orders', ['b'])\n"
            "    _index()\n\n"
            "def downgrade():\n    op.drop_index('ix_a', table_name='orders')\n"
        ),
    })
    findings = scan_tree(tmp_path, select=("MIG003",)).findings
    assert [(f.rule, f.line) for f in findings] == [("MIG003", 11)]  # the MySQL branch is skipped


def test_segment_never_returns_another_files_lines() -> None:
    """Regression: lines were cached by id(text); CPython reuses a freed string's id, so a
    second file could be given the first file's lines and the index changed between runs."""
    import ast

    from reviewer.migrations.pysource import segment as _segment

    for number in range(200):
        first = f"op.drop_column('t{number:03d}', 'x')\n"
        assert _segment(first, ast.parse(first).body[0].value) == first.strip()
        del first
        second = f"op.drop_column('u{number:03d}', 'y')\n"
        assert _segment(second, ast.parse(second).body[0].value) == second.strip()


def test_a_squash_whose_replaced_files_are_deleted_is_no_second_leaf(tmp_path: Path) -> None:
    """Later migrations keep naming the last replaced migration (weblate's 0015 depends on
    0014), which Django maps to the squash: one leaf, no conflict (MIG011 was high and false)."""
    squash = (
        "from django.db import migrations\n\nclass Migration(migrations.Migration):\n"
        '    replaces = [("shop", "0001_initial"), ("shop", "0002_price")]\n'
        "    dependencies = []\n    operations = []\n"
    )
    later = (
        "from django.db import migrations\n\nclass Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0002_price")]\n    operations = []\n'
    )
    write_tree(tmp_path, {"shop/migrations/__init__.py": "", "shop/migrations/0001_squashed_0002_price.py": squash,
                          "shop/migrations/0003_stock.py": later})  # fmt: skip
    assert scan_tree(tmp_path, select=("MIG011",)).findings == ()
    # without `replaces`, the same files are two leaves
    write_tree(tmp_path, {"shop/migrations/0001_squashed_0002_price.py": squash.replace("replaces", "_replaced")})
    assert [f.rule for f in scan_tree(tmp_path, select=("MIG011",)).findings] == ["MIG011", "MIG011"]


def test_units_of_every_form_survive_the_index_cache() -> None:
    """The index cache keeps units as JSON: a unit read back equals the unit written, nested
    records (columns, keys, Django fields, irreversible operations) included."""
    import ast

    from reviewer.migrations.alembic import alembic_unit
    from reviewer.migrations.django import django_unit
    from reviewer.migrations.ops import Unit, from_json, to_json

    django = (
        "from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n"
        "    dependencies = [('shop', '0001_initial')]\n"
        "    operations = [\n"
        "        migrations.CreateModel('Order', [('id', models.BigAutoField(primary_key=True)), ('total', models.FloatField())]),\n"
        "        migrations.AlterField('order', 'total', models.DecimalField(max_digits=9, decimal_places=2, db_index=True)),\n"
        "        migrations.RunPython(lambda apps, editor: None),\n"
        "    ]\n"
    )
    alembic = (
        'revision = "b2"\ndown_revision = ("a1", "a2")\nbranch_labels = ("billing",)\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        "def upgrade():\n"
        '    op.create_table("m", sa.Column("a", sa.Integer(), sa.ForeignKey("x.id")), sa.UniqueConstraint("a"))\n'
        '    op.alter_column("m", "a", type_=sa.BigInteger(), existing_type=sa.Integer())\n'
    )
    sql = "CREATE TABLE t (id bigserial PRIMARY KEY, note varchar(20) NOT NULL DEFAULT now());\nBEGIN;\nSET lock_timeout = '1s';\nCOMMIT;\n"
    found = [
        django_unit("shop/migrations/0002_order.py", django, ast.parse(django)),
        alembic_unit("alembic/versions/b2.py", alembic, ast.parse(alembic)),
        sql_unit("db/migrations/V2__t.sql", sql),
    ]
    for unit in found:
        assert unit is not None and unit.ops
        assert from_json(Unit, to_json(unit)) == unit
    django_ops = found[0].ops
    assert [o.kind for o in django_ops] == ["create_table", "alter_field", "run_python"]
    assert django_ops[1].field is not None and django_ops[1].field.field_class == "DecimalField"
    assert found[0].irreversible[0].what == "RunPython" and found[0].dependencies == (("shop", "0001_initial"),)
    assert found[1].down_revision == ("a1", "a2") and found[1].branch_labels == ("billing",)
    assert [o.kind for o in found[2].ops] == ["create_table", "begin", "set", "commit"]


def test_not_null_columns_follow_what_every_migration_says(tmp_path: Path) -> None:
    """`not_null_columns`: NOT NULL or primary key at creation (Alembic, SQL, a Django field and
    its `<name>_id` foreign key column, under the model's table), or set later; a column made
    nullable again, renamed or dropped anywhere is not known to be NOT NULL."""
    from reviewer import migrations as mig
    from reviewer.discovery import discover
    from reviewer.runner import build_index

    write_tree(tmp_path, {
        "alembic/env.py": "",
        "alembic/versions/a1_jobs.py": (
            'import sqlalchemy as sa\nfrom alembic import op\nrevision = "a1"\ndown_revision = None\n\n'
            "def upgrade():\n"
            '    op.create_table("jobs", sa.Column("id", sa.Integer(), primary_key=True),\n'
            '                    sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),\n'
            '                    sa.Column("note", sa.String(), nullable=True),\n'
            '                    sa.Column("owner_id", sa.Integer(), nullable=False))\n'
            '    op.add_column("jobs", sa.Column("status", sa.String(), nullable=False, server_default="new"))\n'
            '    op.alter_column("jobs", "owner_id", nullable=True)\n'
            '    op.alter_column("jobs", "note", nullable=False)\n\n'
            "def downgrade():\n    pass\n"
        ),
        "shop/migrations/__init__.py": "",
        "shop/migrations/0001_initial.py": (
            "from django.db import migrations, models\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            '        migrations.CreateModel(name="Order", fields=[\n'
            '            ("id", models.AutoField(primary_key=True)),\n'
            '            ("customer", models.ForeignKey(on_delete=models.CASCADE, to="shop.customer")),\n'
            '            ("coupon", models.ForeignKey(null=True, on_delete=models.SET_NULL, to="shop.coupon")),\n'
            "        ]),\n"
            '        migrations.AddField(model_name="order", name="total", field=models.IntegerField(default=0)),\n'
            "    ]\n"
        ),
    })
    config = Config(root=str(tmp_path))
    index = build_index(tmp_path, discover(tmp_path, [tmp_path], (), True), config)
    found = mig.not_null_columns(index)
    assert found["jobs"] == {"id", "run_id", "status", "note"}
    assert found["shop_order"] == {"id", "customer", "customer_id", "total"}


def test_django_dependencies_built_by_a_module_function_are_read() -> None:
    """`dependencies = get_dependencies()`: the (app, name) pairs the module's function names,
    the conditional one included."""
    import ast

    from reviewer.migrations.django import django_unit

    code = (
        "from django.conf import settings\nfrom django.db import migrations\n\n"
        "def get_dependencies():\n"
        '    dependencies = [("trans", "0083_more"), ("workspaces", "0002_message")]\n'
        '    if "billing" in settings.INSTALLED_APPS:\n'
        '        dependencies.append(("billing", "0011_workspace"))\n'
        "    return dependencies\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = get_dependencies()\n"
        "    operations = []\n"
    )
    unit = django_unit("weblate/trans/migrations/0084_settings.py", code, ast.parse(code))
    assert unit is not None
    assert set(unit.dependencies) == {("trans", "0083_more"), ("workspaces", "0002_message"), ("billing", "0011_workspace")}


def test_django_dependencies_written_as_a_concatenation_keep_their_literal_parts() -> None:
    """`[("helpdesk", "0027_x")] + settings.EXTRA` (django-helpdesk): the literal pairs are
    read, swappable_dependency is the swappable marker, and every part that is not literal is
    kept as unknown, never read as "no dependency"."""
    import ast

    from reviewer.migrations.django import UNKNOWN_DEPENDENCY, django_unit

    code = (
        "from django.conf import settings\nfrom django.db import migrations\nfrom helpdesk import settings as hs\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("helpdesk", "0042_layout"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]'
        " + hs.TEAMS_DEPENDENCIES + [*hs.MORE]\n"
        "    operations = []\n"
    )
    unit = django_unit("helpdesk/migrations/0043_fix.py", code, ast.parse(code))
    assert unit is not None
    assert unit.dependencies == (("helpdesk", "0042_layout"), ("__swappable__", "__first__"), UNKNOWN_DEPENDENCY,
                                 UNKNOWN_DEPENDENCY)
    imported = (
        "from django.db import migrations\nfrom shop.deps import deps\n\nclass Migration(migrations.Migration):\n"
        "    dependencies = deps()\n    operations = []\n"
    )
    unit = django_unit("shop/migrations/0002_x.py", imported, ast.parse(imported))
    assert unit is not None and unit.dependencies == (UNKNOWN_DEPENDENCY,)


def test_alembic_guarded_operations_and_earlier_revisions() -> None:
    import ast

    from reviewer import migrations as mig
    from reviewer.migrations.alembic import alembic_unit

    text = (
        'revision = "b2"\ndown_revision = "a1"\n\n'
        "def upgrade():\n"
        "    try:\n"
        '        op.create_table("kept")\n'
        "    except Exception:\n"
        '        op.create_table("fallback")\n'
        '    if not inspector.has_table("checked"):\n'
        '        op.create_table("checked")\n'
        "    else:\n"
        '        op.create_table("other_branch")\n'
        '    if "status" not in columns and ready:\n'
        '        op.add_column("t", sa.Column("status", sa.Text()))\n'
        "    if ready:\n"
        '        op.create_table("plain_if")\n'
        '    op.create_table("plain")\n'
    )
    unit = alembic_unit("alembic/versions/b2.py", text, ast.parse(text))
    guarded = {(o.table, o.column): o.guarded for o in unit.ops}
    assert guarded == {("kept", None): True, ("fallback", None): False, ("checked", None): True, ("other_branch", None): False,
                       ("t", "status"): True, ("plain_if", None): False, ("plain", None): False}
    root = alembic_unit("alembic/versions/a1.py", 'revision = "a1"\ndown_revision = None\n', ast.parse('revision = "a1"\n'))
    side = alembic_unit("alembic/versions/c3.py", 'revision = "c3"\ndown_revision = "a1"\n', ast.parse('revision = "c3"\n'))
    other_chain = alembic_unit("other/versions/a1.py", 'revision = "a1"\ndown_revision = None\n', ast.parse('revision = "a1"\n'))
    found = [root, unit, side, other_chain]
    assert [u.path for u in mig.earlier_revisions(unit, found)] == ["alembic/versions/a1.py"]
    assert mig.earlier_revisions(root, found) == []


def test_alembic_tentative_drops_early_exits_and_variant_types() -> None:
    """An upgrade that only returns early is empty. A drop is tentative when it runs only if the object is there: `if_exists=True`, SQL `IF
    EXISTS`, under an `if`, in a `try` with handlers or `with suppress(...)`; an unconditional
    drop is not, and no other operation is. `.with_variant(...)` types are read as their base."""
    import ast

    from reviewer.migrations.alembic import alembic_type, alembic_unit

    text = (
        'revision = "b2"\ndown_revision = "a1"\n\n'
        "def upgrade():\n"
        '    op.drop_index("ix_if_exists", table_name="a", if_exists=True)\n'
        '    op.execute("DROP TABLE IF EXISTS sql_if_exists")\n'
        '    op.execute("ALTER TABLE c DROP COLUMN IF EXISTS sql_column")\n'
        "    with suppress(DatabaseError):\n"
        '        op.drop_table("suppressed")\n'
        "    try:\n"
        '        op.drop_constraint("in_try", "d")\n'
        "    except Exception:\n"
        "        pass\n"
        "    for table in names:\n"
        "        if table in tables:\n"
        '            op.drop_table("under_if")\n'
        '            op.create_table("created_under_if")\n'
        '    op.drop_table("plain")\n'
        '    op.execute("DROP INDEX plain_sql")\n'
    )
    unit = alembic_unit("alembic/versions/b2.py", text, ast.parse(text))
    tentative = {o.name or o.column or o.table: o.tentative for o in unit.ops}
    assert tentative == {"ix_if_exists": True, "sql_if_exists": True, "sql_column": True, "suppressed": True, "in_try": True,
                         "under_if": True, "created_under_if": False, "plain": False, "plain_sql": False}
    from reviewer.migrations.pysource import body_state

    def state(body: str) -> str:
        return body_state(ast.parse("def upgrade():\n" + body).body[0])  # type: ignore[arg-type]

    assert state("    if skip(op, __name__):\n        return\n    pass\n") == "empty"
    assert state("    if skip(op):\n        return\n    op.drop_table('t')\n") == "ok"
    assert state("    if skip(op):\n        return\n    else:\n        op.drop_table('t')\n") == "ok"
    assert state("    if skip(op):\n        return op.drop_table('t')\n") == "ok"
    repair = (
        'revision = "c3"\ndown_revision = "b2"\n\n'
        "def upgrade():\n"
        "    conn = op.get_bind()\n"
        "    rows = conn.execute(sa.select(t.c.id))\n"
        "    conn.execute(sa.update(t).where(t.c.id == 1).values(a=2))\n"
    )
    repaired = alembic_unit("alembic/versions/c3.py", repair, ast.parse(repair))
    assert [(o.kind, o.verb, o.line) for o in repaired.ops] == [("dml", "update", 7)] and repaired.data_only
    variant = ast.parse('sa.Text().with_variant(MEDIUMTEXT, "mysql").with_variant(NVARCHAR(None), "mssql")', mode="eval").body
    assert alembic_type(variant).type == "text"


def test_alembic_autocommit_connection_leaves_the_transaction() -> None:
    """SQL executed on a connection switched to AUTOCOMMIT (`execution_options(isolation_level=
    "AUTOCOMMIT")`, bound to a name, inline, or as a `with` target) runs outside the revision's
    transaction; on the plain bind, or on a name rebound to it, it stays inside."""
    import ast

    from reviewer.migrations.alembic import alembic_unit

    text = (
        'revision = "b2"\ndown_revision = "a1"\n\n'
        "def upgrade():\n"
        "    connection = op.get_bind()\n"
        "    connection.commit()\n"
        '    auto = connection.execution_options(isolation_level="AUTOCOMMIT")\n'
        '    auto.exec_driver_sql("CREATE INDEX CONCURRENTLY a_idx ON t (a)")\n'
        '    connection.execute("CREATE INDEX CONCURRENTLY b_idx ON t (b)")\n'
        '    op.get_bind().execution_options(isolation_level="AUTOCOMMIT").execute("CREATE INDEX CONCURRENTLY c_idx ON t (c)")\n'
        '    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:\n'
        '        conn.execute("CREATE INDEX CONCURRENTLY d_idx ON t (d)")\n'
        '    auto = op.get_bind().execution_options(isolation_level="READ COMMITTED")\n'
        '    auto.execute("CREATE INDEX CONCURRENTLY e_idx ON t (e)")\n\n'
        "def downgrade():\n"
        '    auto.execute("DROP INDEX CONCURRENTLY a_idx")\n'
    )
    unit = alembic_unit("alembic/versions/b2.py", text, ast.parse(text))
    assert {(o.name, o.direction): o.tx for o in unit.ops} == {
        ("a_idx", "up"): False, ("b_idx", "up"): True, ("c_idx", "up"): False, ("d_idx", "up"): False,
        ("e_idx", "up"): True, ("a_idx", "down"): True}
