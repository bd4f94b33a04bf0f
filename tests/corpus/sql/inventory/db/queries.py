from flask import request
from sqlalchemy import text

from inventory import ARCHIVE_TABLE
from inventory.constants import NOTE, ORDERS_BY_NAME, SORTABLE, Kind, Status, Tables
from inventory.db.sqlutil import in_clause, placeholders
from .. import constants


def ok_enum(cur):
    cur.execute(f"SELECT id FROM inventory_item WHERE status = '{Status.ACTIVE.value}' AND kind = '{Kind.TOOL}'")


def ok_other_module(cur):
    cur.execute(f"SELECT id FROM {ARCHIVE_TABLE} JOIN {Tables.AUDIT} USING (id) WHERE x = '{constants.ITEMS_TABLE}'")


def ok_loop(cur):
    for table in ("inventory_item", "inventory_audit"):
        cur.execute(f"DELETE FROM {table} WHERE stale")
    for name, kind in (("a", "b"), ("c", "d")):
        cur.execute(f"UPDATE t SET {name} = '{kind}'")


def ok_cond(cur, desc):
    order = "DESC" if desc else "ASC"
    cur.execute(f"SELECT id FROM t ORDER BY id {order}")


def ok_helper(conn, ids):
    conn.execute("SELECT id FROM t WHERE " + in_clause("id", ids), ids)
    conn.execute(f"SELECT id FROM t WHERE id IN ({placeholders(ids)})", ids)


def ok_nested(cur, column):
    if column not in SORTABLE:
        raise ValueError(column)

    def run():
        cur.execute(f"SELECT id FROM items ORDER BY {column}")

    return run()


def ok_dict_keys(cur, name, email):
    row = {"name": name, "email": email}
    cols = ", ".join(row.keys())
    marks = ", ".join(f"%({k})s" for k in row)
    cur.execute(f"INSERT INTO people ({cols}) VALUES ({marks})", row)


class OkRepo:
    TABLE = "inventory_item"

    def count(self, cur):
        cur.execute(f"SELECT COUNT(*) FROM {self.TABLE}")


def bad_apostrophe(cur, name):
    cur.execute(f"UPDATE t SET note = '{NOTE}' WHERE name = '{name}'")


def bad_whole_query(conn):
    query = request.args["q"]
    conn.execute(query)


def bad_text_param(session):
    username = request.args["u"]
    session.execute(text(username))


def bad_template_other_module(cur, name):
    cur.execute(ORDERS_BY_NAME % name)


def bad_replace(cur, name):
    cur.execute("SELECT id FROM users WHERE name = '{name}'".replace("{name}", name))


def bad_filter(session, name):
    return session.query(User).filter(f"name = '{name}'").all()


def bad_pg8000(conn, name):
    conn.run(f"SELECT id FROM users WHERE name = '{name}'")
