"""The index coverage model (reviewer/orm/indexes.py), the key columns the migration loader records,
and the query sites (reviewer/orm/querysites.py)."""

from __future__ import annotations

import ast

from reviewer import migrations as mig
from reviewer.orm.indexes import TableKeys, model_tables
from reviewer.orm.querysites import query_sites


def _ops(sql: str) -> list[dict]:
    return mig.sql_ops(sql, "postgres", 1, 1, mig.UP, False)[0]


def test_sql_keys_and_index_columns() -> None:
    create, index = _ops(
        "CREATE TABLE m (\n  a int REFERENCES x (id),\n  b int,\n  c int,\n  PRIMARY KEY (b, c),\n"
        "  FOREIGN KEY (c, b) REFERENCES y (c, b)\n);\nCREATE INDEX ix ON m (a, lower(b));\n"
    )
    assert [(k["ctype"], k["on"], k["line"]) for k in create["keys"]] == [("pk", ["b", "c"], 5), ("fk", ["c", "b"], 6)]
    assert index["on"] == ["a", None]
    (constraint,) = _ops("ALTER TABLE m ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES x (id);")
    assert (constraint["ctype"], constraint["on"]) == ("fk", ["a"])


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
    ops = mig.alembic_unit("alembic/versions/b.py", text, ast.parse(text))["ops"]
    keys = {(o["k"], o.get("t")): o for o in ops}
    assert [(k["ctype"], k["on"]) for k in keys["create_table", "m"]["keys"]] == [("fk", ["a"]), ("unique", ["a", "b"])]
    assert keys["create_index", "m"]["on"] == ["b", "a"]
    assert keys["add_constraint", "m"]["on"] == ["b"]
    assert keys["create_index", "n"]["on"] == ["c"]


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


def test_leading_prefix() -> None:
    keys = TableKeys("t", (("a", "b"), ("c",)))
    assert keys.covers(["a"]) and keys.covers(["b", "a"]) and keys.covers(["c"])
    assert not keys.covers(["b"]) and not keys.covers(["a", "c"])
    assert keys.leads_with_any(["b", "c"]) and not keys.leads_with_any(["b"])


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
