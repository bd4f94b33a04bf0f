"""The index coverage model (reviewer/orm/indexes.py), the key columns the migration loader records,
and the query sites (reviewer/orm/querysites.py)."""

from __future__ import annotations

import ast

from reviewer.migrations.alembic import alembic_unit
from reviewer.migrations.ops import UP, Operation
from reviewer.migrations.sql import sql_ops
from reviewer.orm.indexes import TableKeys, model_tables
from reviewer.orm.querysites import query_sites


def _ops(sql: str) -> list[Operation]:
    return sql_ops(sql, "postgres", 1, 1, UP, False)[0]


def test_sql_keys_and_index_columns() -> None:
    create, index = _ops(
        "CREATE TABLE m (\n  a int REFERENCES x (id),\n  b int,\n  c int,\n  PRIMARY KEY (b, c),\n"
        "  FOREIGN KEY (c, b) REFERENCES y (c, b)\n);\nCREATE INDEX ix ON m (a, lower(b));\n"
    )
    assert [(k.ctype, k.on, k.line) for k in create.keys] == [("pk", ("b", "c"), 5), ("fk", ("c", "b"), 6)]
    assert index.on == ("a", None)
    (constraint,) = _ops("ALTER TABLE m ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES x (id);")
    assert (constraint.ctype, constraint.on) == ("fk", ("a",))


def test_alembic_key_columns() -> None:
    text = (
        'revision = "b"\ndown_revision = "a"\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        "def upgrade():\n"
        '    op.create_table("m", sa.Column("a", sa.Integer()), sa.ForeignKeyConstraint(["a"], ["x.id"]), sa.UniqueConstraint("a", "b"))\n'
        '    op.create_index("ix", "m", ["b", "a"])\n'
        '    op.create_foreign_key("fk", "m", "y", ["b"], ["id"])\n'
        '    with op.batch_alter_table("n") as batch:\n'
        '        batch.create_index("ix_n", ["c"])\n'
    )
    ops = alembic_unit("alembic/versions/b.py", text, ast.parse(text)).ops
    keys = {(o.kind, o.table): o for o in ops}
    assert [(k.ctype, k.on) for k in keys["create_table", "m"].keys] == [("fk", ("a",)), ("unique", ("a", "b"))]
    assert keys["create_index", "m"].on == ("b", "a")
    assert keys["add_constraint", "m"].on == ("b",)
    assert keys["create_index", "n"].on == ("c",)
    assert not keys["create_table", "m"].mysql
    innodb = text.replace('sa.UniqueConstraint("a", "b"))', 'sa.UniqueConstraint("a", "b"), mysql_engine="InnoDB")')
    (table,) = [o for o in alembic_unit("alembic/versions/b.py", innodb, ast.parse(innodb)).ops if o.kind == "create_table"]
    assert table.mysql  # MySQL table options: the table is made for InnoDB, which indexes its keys


def test_model_tables_sqlalchemy_and_django() -> None:
    text = (
        "class Membership(Base):\n"
        '    __tablename__ = "memberships"\n'
        '    group_id = Column(ForeignKey("groups.id"), primary_key=True)\n'
        '    user_id = Column(ForeignKey("users.id"), primary_key=True)\n'
        '    note_id = mapped_column(ForeignKey("notes.id"), index=True)\n\n'
        "class Abstract(db.Model):\n    __abstract__ = True\n    x = db.Column(db.Integer)\n\n"
        "class Order(models.Model):\n"
        '    customer = models.ForeignKey("Customer", on_delete=models.CASCADE, db_index=False)\n'
        '    shop = models.ForeignKey("Shop", on_delete=models.CASCADE)\n'
        "    class Meta:\n"
        '        indexes = [models.Index(fields=["number", "customer"]), models.Index(fields=["customer"], condition=Q(a=1), name="p")]\n'
        'Index("ix_members_user", Membership.user_id, Membership.group_id)\n'
    )
    tables = model_tables("app/models.py", ast.parse(text))
    members, order = tables["tables"]
    assert members["table"] == "memberships" and members["keys"] == [["note_id"], ["group_id", "user_id"]]
    assert [f["column"] for f in members["fks"]] == ["group_id", "user_id", "note_id"]
    assert order["framework"] == "django" and [f["column"] for f in order["fks"]] == ["customer"]
    assert ["number", "customer"] in order["keys"] and ["customer"] not in order["keys"]  # partial index left out
    assert tables["indexes"] == [{"model": "Membership", "on": ["user_id", "group_id"]}]


def test_django_index_expressions() -> None:
    """`models.Index("a", "b")` (strings Django wraps in F()) and `F("a").desc()` index the
    columns; a function of a column (`Lower("a")`) indexes a computed value."""
    text = (
        "class Tile(models.Model):\n"
        '    nodegroup = models.ForeignKey(NodeGroup, db_index=False, on_delete=models.DO_NOTHING)\n'
        "    class Meta:\n"
        '        indexes = [models.Index("nodegroup", "resourceinstance", name="n"), models.Index(F("Sort").desc(), "x", name="s"),\n'
        '                   models.Index(Lower("title"), "nodegroup", name="l")]\n'
        '        constraints = [models.UniqueConstraint(F("slug"), "graph", name="u")]\n'
    )
    (tile,) = model_tables("app/models.py", ast.parse(text))["tables"]
    assert tile["keys"] == [["nodegroup", "resourceinstance"], ["sort", "x"], [None, "nodegroup"], ["slug", "graph"]]
    assert tile["unique"] == [["slug", "graph"]]
    keys = TableKeys("tile", tuple(map(tuple, tile["keys"])))
    assert keys.covers(["nodegroup"]) and not keys.covers(["title"])


def test_django_partial_index_on_non_null_rows_covers_its_leading_column() -> None:
    """A partial index that only leaves out rows whose leading column is NULL holds every row
    a lookup on that column can match (weblate's `condition=Q(project__isnull=False)`); any
    other condition covers only some rows."""
    text = (
        "class Change(models.Model):\n"
        "    class Meta:\n"
        "        indexes = [\n"
        '            models.Index(fields=["project", "-timestamp"], condition=Q(project__isnull=False), name="a"),\n'
        '            models.Index(fields=["unit"], condition=models.Q(unit_id__isnull=False) & Q(unit__isnull=False), name="b"),\n'
        '            models.Index(fields=["language", "x"], condition=Q(language__isnull=False) & Q(x__isnull=False), name="c"),\n'
        '            models.Index(fields=["category"], condition=Q(category__isnull=True), name="d"),\n'
        '            models.Index(fields=["author"], condition=Q(author__isnull=False, action=1), name="e"),\n'
        "        ]\n"
        "    project = models.ForeignKey(Project, db_index=False, on_delete=models.CASCADE)\n"
    )
    (change,) = model_tables("app/models.py", ast.parse(text))["tables"]
    assert change["keys"] == [["project", "timestamp"], ["unit"]]


def test_leading_prefix() -> None:
    keys = TableKeys("t", (("a", "b"), ("c",)))
    assert keys.covers(["a"]) and keys.covers(["b", "a"]) and keys.covers(["c"])
    assert not keys.covers(["b"]) and not keys.covers(["a", "c"])
    assert keys.leads_with_any(["b", "c"]) and not keys.leads_with_any(["b"])


def test_unique_keys() -> None:
    text = (
        "class Member(Base):\n"
        '    __tablename__ = "members"\n'
        '    __table_args__ = (UniqueConstraint("team_id", "user_id"), Index("ix_role", "role"), Index("ux", "code", unique=True))\n'
        "    id = Column(Integer, primary_key=True)\n"
        "    email = Column(String, unique=True)\n"
        "    name = Column(String, index=True)\n\n"
        "class Subscription(models.Model):\n"
        "    user = models.ForeignKey(User, on_delete=models.CASCADE)\n"
        "    slug = models.SlugField(unique=True)\n"
        "    class Meta:\n"
        '        unique_together = ("user", "plan")\n'
        '        constraints = [models.UniqueConstraint(fields=["user", "day"], name="u"), models.UniqueConstraint(fields=["a"], condition=Q(x=1), name="p")]\n'
    )
    members, subscription = model_tables("app/models.py", ast.parse(text))["tables"]
    assert members["unique"] == [["team_id", "user_id"], ["code"], ["email"], ["id"]]
    assert subscription["unique"] == [["slug"], ["user", "plan"], ["user", "day"]]
    keys = TableKeys("members", tuple(map(tuple, members["keys"])), tuple(map(tuple, members["unique"])))
    assert keys.unique_within(["user_id", "team_id", "role"]) and keys.unique_within(["email"])
    assert not keys.unique_within(["team_id"]) and not keys.unique_within(["name"])


def test_query_sites() -> None:
    text = (
        "class V(ListView):\n"
        "    def get_queryset(self):\n"
        '        return Order.objects.filter(status="open", customer__email=e).exclude(kind__in=k).order_by("-created", "?")\n'
        "def h(session):\n"
        "    return session.scalars(select(Order).where(and_(Order.status == 1, Order.kind.in_(k))).order_by(desc(Order.created_at)))\n"
        "def k(session):\n"
        "    session.query(Order).filter_by(status=1).all()\n"
        "    session.query(Order).join(Line).filter(Order.a == 1, Line.b == 2)\n"
        '    request.GET.get("x")\n'
    )
    found = [(s.function, s.model, s.filters, s.order) for s in query_sites("a.py", ast.parse(text))]
    assert found == [
        ("V.get_queryset", "Order", ("kind", "status"), ("created",)),
        ("h", "Order", ("kind", "status"), ("created_at",)),
        ("k", "Order", ("status",), ()),
    ]


def test_declared_table_names_and_deliberate_unindexed_keys() -> None:
    text = (
        "class Base(DeclarativeBase):\n"
        "    @declared_attr.directive\n"
        "    def __tablename__(cls):\n"
        "        return CAMEL.sub('_', cls.__name__).lower()\n"
        "    id = mapped_column(primary_key=True)\n\n"
        "class WorkPool(Base):\n"
        "    default_queue_id = mapped_column(ForeignKey('work_queue.id'))\n"
        "    storage_document_id = mapped_column(ForeignKey('block_document.id'), index=False)\n\n"
        "class Event(Base):\n"
        "    @declared_attr.directive\n"
        "    def __tablename__(cls):\n"
        "        return 'events'\n"
        "    resource_id = mapped_column(ForeignKey('resources.id'))\n"
    )
    pool, event = model_tables("app/orm.py", ast.parse(text))["tables"]
    assert (pool["table"], [f["column"] for f in pool["fks"]], pool["unindexed"]) == (
        "work_pool", ["default_queue_id"], ["storage_document_id"])
    assert event["table"] == "events"


def test_raw_sql_sites() -> None:
    from reviewer.orm.rawsites import raw_sql_sites

    text = (
        "from sqlalchemy import text\n"
        "JOINED = 'SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.email = :e AND o.paid = true'\n"
        "class Orders:\n"
        "    def list(self, db, status, sort):\n"
        "        db.execute(text('SELECT id FROM orders WHERE status = :s AND deleted_at IS NULL ORDER BY created_at'), {'s': status})\n"
        "        db.execute(text(JOINED), {'e': 1})\n"
        "        db.execute(text(f'SELECT id FROM orders ORDER BY {sort}'))\n"
        "        db.execute(text(\"SELECT id FROM orders WHERE name ILIKE '%x%' ORDER BY name\"))\n"
        "        db.execute(text('SELECT id FROM orders WHERE id IN (SELECT order_id FROM lines WHERE sku = :s)'))\n"
        "def search(cur, q):\n"
        "    cur.execute('SELECT id FROM products WHERE sku = %s OR name = %s', (q, q))\n"
    )
    found = [(s.line, s.function, s.owner, s.table, s.filters, s.order) for s in raw_sql_sites("app/api.py", text, ast.parse(text))]
    assert found == [
        (5, "Orders.list", "Orders", "orders", ("status",), ("created_at",)),
        (6, "Orders.list", "Orders", "orders", ("customer_id",), ()),
        (6, "Orders.list", "Orders", "customers", ("email", "id"), ()),
    ]
