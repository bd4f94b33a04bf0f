"""SQL lifted from Python reaches the SqlRules through the sink's template (the one SQL001
reads), Django `.extra(where=[...])` and SQLAlchemy clause strings included."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import scan_tree, write_tree


def _found(tmp_path: Path, code: str) -> list[tuple[int, str]]:
    write_tree(tmp_path, {"app/queries.py": code})
    result = scan_tree(tmp_path, select=("SQL", "SQL005", "SQL006"))
    return sorted((finding.line, finding.rule) for finding in result.findings)


def test_django_extra_where_reaches_the_sql_rules(tmp_path: Path) -> None:
    code = (
        "from shop.models import Product\n"
        "def discontinued():\n"
        '    return Product.objects.extra(where=["retired_at = NULL", "stock > 0"])\n'
    )
    assert _found(tmp_path, code) == [(3, "SQL004")]


def test_sqlalchemy_clause_strings_reach_the_sql_rules(tmp_path: Path) -> None:
    code = (
        "from sqlalchemy import text\n"
        "def smiths(session, User):\n"
        "    return session.query(User).filter(text(\"name LIKE '%smith'\")).all()\n"
    )
    assert _found(tmp_path, code) == [(3, "SQL006")]


def test_select_list_and_order_by_fragments_are_not_statements(tmp_path: Path) -> None:
    code = (
        "from sqlalchemy import func, literal_column, select, text\n"
        "def count(table):\n"
        '    return select(func.count(literal_column("*"))).select_from(table).order_by(text("id DESC"))\n'
    )
    assert _found(tmp_path, code) == []


def _sites(tmp_path: Path, monkeypatch, code: str, select: tuple[str, ...]) -> tuple[list, list, list]:
    """Scan one file; return the SQL sites built, every expression lifted from Python and
    the findings."""
    import reviewer.context as context_module

    lifted = []
    expressions = []
    plain_lift = context_module.FileContext.lift

    def recording_lift(self, expr):
        expressions.append(expr)
        return plain_lift(self, expr)

    monkeypatch.setattr(context_module.FileContext, "lift", recording_lift)

    def counting(call, context):
        site = context_module_lift(call, context)
        lifted.append((call, site))
        return site

    context_module_lift = context_module.lift_site
    monkeypatch.setattr(context_module, "lift_site", counting)
    write_tree(tmp_path, {"app/views.py": code})
    result = scan_tree(tmp_path, select=select)
    assert not result.errors, result.errors
    return lifted, expressions, result.findings


SERVICE = (
    "import os\nimport psycopg2\n"
    "from flask import Flask, request\n"
    "from sqlalchemy import select, text\n"
    "app = Flask(__name__)\n"
    "\n"
    '@app.route("/items")\n'
    "def items(conn):\n"
    "    cur = conn.cursor()\n"
    '    name = request.args["name"]\n'
    "    cur.execute(f\"SELECT * FROM items WHERE name = '{name}' AND owner = {os.getpid()}\")\n"
    '    cur.execute("DELETE FROM carts")\n'
    "    rows = cur.fetchall()\n"
    '    return select(Item).order_by(text("name DESC")).where(text(f"price > {os.getpid()}"))\n'
)


def test_each_call_is_lifted_once_for_every_rule_that_reads_its_sql(tmp_path: Path, monkeypatch) -> None:
    every_reader = (*(f"SQL{n:03}" for n in range(1, 11)), *(f"API{n:03}" for n in range(1, 16)), *(f"ORM{n:03}" for n in range(1, 14)))
    lifted, expressions, findings = _sites(tmp_path, monkeypatch, SERVICE, every_reader)
    calls = [call for call, _ in lifted]
    assert len(calls) == len({id(call) for call in calls}), "a call was lifted twice"
    assert len(expressions) == len({id(expr) for expr in expressions}), "an SQL argument was lifted twice"
    assert len(expressions) == len([site for _, site in lifted if site is not None])
    assert {finding.rule for finding in findings} >= {"SQL001", "SQL002"}


def test_a_site_holds_the_template_the_provenance_of_its_holes_and_the_parse(tmp_path: Path, monkeypatch) -> None:
    from sqlglot import exp

    from reviewer.sql.sites import REQUEST, UNKNOWN
    from reviewer.sql.sqltext import LITERAL, VALUE

    lifted, _, _ = _sites(tmp_path, monkeypatch, SERVICE, ("SQL001",))
    sites = {site.rendered: site for _, site in lifted if site is not None}
    query = sites["SELECT * FROM items WHERE name = '__dyn0__' AND owner = __dyn1__"]
    wipe, order, condition = sites["DELETE FROM carts"], sites["name DESC"], sites["price > __dyn0__"]
    assert query.sink.label == "cur.execute"
    assert [query.provenance[hole.marker] for hole in query.holes] == [REQUEST, UNKNOWN]
    assert query.request_holes == {query.holes[0].marker}
    assert [query.positions[hole.marker] for hole in query.holes] == [LITERAL, VALUE]
    assert query.is_statement and isinstance(query.statement, exp.Select)
    assert query.text.startswith("SELECT * FROM items WHERE name = '__dyn0__'")
    assert isinstance(wipe.statement, exp.Delete) and not wipe.holes
    # an ORDER BY key parses inside a wrapper statement for SQL001, but is no condition for SqlRules
    assert order.sink.fragment and order.tree is not None and order.condition_tree is None
    assert order.statement is None and not order.is_statement
    # a condition piece is read inside `SELECT 1 FROM t WHERE ...` by SQL001 and the SqlRules alike
    assert condition.condition_tree is condition.tree and isinstance(condition.tree, exp.Select)


def test_sql_of_python_migrations_reaches_the_sql_rules_as_a_sql_migration_does(tmp_path: Path) -> None:
    """Alembic's `op.execute("...")` and Django's `migrations.RunSQL("...")` are SQL sites: the
    SqlRules report on them what they report on the same statements in a `.sql` migration,
    once each (a RunSQL list of statements is not one site, and the reverse SQL not the
    forward one)."""
    statements = ("UPDATE orders SET status = 'x' WHERE note = NULL", "SELECT a.id FROM orders a, items b")
    write_tree(tmp_path, {
        "shop/__init__.py": "", "shop/migrations/__init__.py": "",
        "shop/migrations/0002_fix.py": (
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
            '    dependencies = [("shop", "0001_initial")]\n'
            "    operations = [\n"
            f'        migrations.RunSQL("{statements[0]}", reverse_sql=migrations.RunSQL.noop),\n'
            f'        migrations.RunSQL(sql="{statements[1]}", reverse_sql="SELECT 1"),\n'
            f'        migrations.RunSQL(["{statements[0]}", "{statements[1]}"]),\n'
            "    ]\n"
        ),
        "alembic/env.py": "from alembic import context\n",
        "alembic/versions/abc_fix.py": (
            'from alembic import op\n\nrevision = "abc"\ndown_revision = None\n\n\ndef upgrade():\n'
            f'    op.execute("{statements[0]}")\n    op.execute("{statements[1]}")\n'
        ),
        "db/migrations/0001_fix.sql": f"{statements[0]};\n{statements[1]};\n",
    })  # fmt: skip
    result = scan_tree(tmp_path, select=("SQL004", "SQL008"))
    found = sorted((f.path, f.line, f.rule) for f in result.findings if f.rule.startswith("SQL"))
    assert found == [
        ("alembic/versions/abc_fix.py", 8, "SQL004"), ("alembic/versions/abc_fix.py", 9, "SQL008"),
        ("db/migrations/0001_fix.sql", 1, "SQL004"), ("db/migrations/0001_fix.sql", 2, "SQL008"),
        ("shop/migrations/0002_fix.py", 7, "SQL004"), ("shop/migrations/0002_fix.py", 8, "SQL008"),
    ]


def test_request_data_reaches_a_hole_as_text_not_through_a_number(tmp_path: Path) -> None:
    # A number carries no SQL syntax: request data that reaches a hole only through int(),
    # min()/max() with a number, `n + 1`, or the test of a conditional is not request text;
    # text from the request still is, also through `or`.
    code = (
        "from flask import Flask, request\n"
        "from app.config import settings\n"
        "app = Flask(__name__)\n"
        "\n"
        '@app.get("/a")\n'
        "def a(cur):\n"
        '    n = int(request.args["n"]) if "n" in request.args else settings.page\n'
        '    cur.execute(f"SELECT id FROM t LIMIT {n}")\n'
        "\n"
        '@app.get("/b")\n'
        "def b(cur):\n"
        '    size = max(1, min(int(request.args.get("size", 20)), 100))\n'
        '    cur.execute(f"SELECT id FROM t LIMIT {size}")\n'
        "\n"
        '@app.get("/c")\n'
        "def c(cur):\n"
        '    size = request.args.get("size")\n'
        '    cur.execute(f"SELECT id FROM t LIMIT {size}")\n'
        '    cur.execute("SELECT id FROM t LIMIT {}".format(size - 1))\n'
        "\n"
        '@app.get("/d")\n'
        "def d(cur):\n"
        '    q = request.args.get("q") or settings.default_q\n'
        "    cur.execute(f\"SELECT id FROM t WHERE name = '{q}'\")\n"
        '    cur.execute(f"SELECT id FROM t LIMIT {max(q, key=len)}")\n'
    )
    write_tree(tmp_path, {"app/views.py": code})
    result = scan_tree(tmp_path, select=("SQL001",))
    found = sorted((f.line, f.severity.value, "request data" in f.message) for f in result.findings)
    assert found == [(8, "medium", False), (18, "critical", True), (24, "critical", True), (25, "critical", True)]
