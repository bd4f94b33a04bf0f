"""SQLAlchemy 1.4 and 2.0 services (sessions, engines, text(), exec_driver_sql)."""
import sqlalchemy as sa
from sqlalchemy import bindparam, column, literal_column, select, table, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from app.db import SessionLocal, engine
from app.models import Customer, Order

ORDER_COLUMNS = ("id", "status", "total")
STATUS_FILTER = "status = :status"


def bad_session_text(session: Session, status):
    return session.execute(text(f"SELECT id FROM orders WHERE status = '{status}'")).all()


def bad_engine_connect(name):
    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM customers WHERE name = '" + name + "'")).all()


def bad_engine_begin(email):
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM sessions WHERE email = '%s'" % email)


def bad_connection_param(conn: Connection, region):
    query = "SELECT id, total FROM orders WHERE region = '{}'".format(region)
    return conn.execute(text(query)).fetchall()


def bad_sa14_string_execute(region):
    session = SessionLocal()
    return session.execute("SELECT id FROM orders WHERE region = '%s'" % region).fetchall()


def bad_filter_text(session: Session, status):
    return session.query(Order).filter(text(f"status = '{status}'")).all()


def bad_order_by_text(session: Session, sort):
    return session.query(Order).order_by(text(sort + " desc")).all()


def bad_literal_column(session: Session, name):
    return session.execute(select(literal_column(f"'{name}'").label("n"))).all()


def bad_pandas(engine: Engine, customer):
    import pandas as pd

    return pd.read_sql(f"SELECT * FROM orders WHERE customer = '{customer}'", engine)


def bad_sa_alias(conn: Connection, code):
    return conn.execute(sa.text("SELECT id FROM coupons WHERE code = '%s'" % code)).first()


def bad_in_list_join(session: Session, names):
    quoted = ", ".join(f"'{n}'" for n in names)
    return session.execute(text(f"SELECT id FROM customers WHERE name IN ({quoted})")).all()


def ok_bound_text(session: Session, status):
    return session.execute(text("SELECT id FROM orders WHERE status = :status"), {"status": status}).all()


def ok_bindparam(session: Session, status):
    stmt = text("SELECT id FROM orders WHERE status = :status").bindparams(bindparam("status", status))
    return session.execute(stmt).all()


def ok_core_select(conn: Connection, region):
    stmt = select(Order.id).where(Order.region == region)
    return conn.execute(stmt).all()


def ok_constant_fragment(session: Session, status):
    return session.execute(text(f"SELECT id FROM orders WHERE {STATUS_FILTER}"), {"status": status}).all()


def ok_columns_from_constant(session: Session, oid):
    columns = ", ".join(ORDER_COLUMNS)
    return session.execute(text(f"SELECT {columns} FROM orders WHERE id = :id"), {"id": oid}).first()


def ok_exec_driver_params(email):
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM sessions WHERE email = %(email)s", {"email": email})


def ok_int_page(session: Session, page: int, size: int):
    return session.execute(text(f"SELECT id FROM orders ORDER BY id LIMIT {size} OFFSET {page * size}")).all()


def ok_tablename(session: Session, oid):
    return session.execute(text(f"SELECT id FROM {Order.__tablename__} WHERE id = :id"), {"id": oid}).first()


def ok_pandas_params(engine: Engine, customer):
    import pandas as pd

    return pd.read_sql("SELECT * FROM orders WHERE customer = %(c)s", engine, params={"c": customer})


def ok_lightweight_table(conn: Connection, name):
    t = table("customers", column("id"), column("name"))
    return conn.execute(select(t.c.id).where(t.c.name == name)).all()


def ok_describe(name):
    return f"UPDATE customers SET name = '{name}' would run here"
