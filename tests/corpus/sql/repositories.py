"""Repository classes over DB-API drivers."""
import psycopg2
import psycopg2.extras
from psycopg import sql as pgsql

ALLOWED_SORTS = ("created_at", "name", "total")


class CustomerRepository:
    table = "customers"

    def __init__(self, conn):
        self.conn = conn

    def _select(self, where):
        return f"SELECT id, name FROM customers WHERE {where}"

    def bad_find_by_name(self, name):
        with self.conn.cursor() as cur:
            cur.execute("SELECT id FROM customers WHERE name = '%s'" % name)
            return cur.fetchone()

    def bad_helper_where(self, email):
        with self.conn.cursor() as cur:
            cur.execute(self._select(f"email = '{email}'"))
            return cur.fetchall()

    def bad_update_field(self, customer_id, field, value):
        cur = self.conn.cursor()
        cur.execute(f"UPDATE customers SET {field} = %s WHERE id = %s", (value, customer_id))

    def bad_delete_many(self, ids):
        cur = self.conn.cursor()
        cur.execute("DELETE FROM customers WHERE id IN (" + ",".join(ids) + ")")

    def bad_execute_values(self, table, rows):
        with self.conn.cursor() as cur:
            psycopg2.extras.execute_values(cur, f"INSERT INTO {table} (id, name) VALUES %s", rows)

    def bad_copy_expert(self, table, fh):
        with self.conn.cursor() as cur:
            cur.copy_expert(f"COPY {table} TO STDOUT WITH CSV HEADER", fh)

    def bad_sort(self, sort):
        with self.conn.cursor() as cur:
            cur.execute("SELECT id FROM customers ORDER BY %s" % sort)
            return cur.fetchall()

    def bad_search_terms(self, terms):
        clauses = []
        for term in terms:
            clauses.append(f"name ILIKE '%{term}%'")
        where = " OR ".join(clauses)
        with self.conn.cursor() as cur:
            cur.execute("SELECT id FROM customers WHERE " + where)
            return cur.fetchall()

    def ok_find_by_name(self, name):
        with self.conn.cursor() as cur:
            cur.execute("SELECT id FROM customers WHERE name = %s", (name,))
            return cur.fetchone()

    def ok_named_params(self, name, city):
        with self.conn.cursor() as cur:
            cur.execute("SELECT id FROM customers WHERE name = %(name)s AND city = %(city)s", {"name": name, "city": city})
            return cur.fetchall()

    def ok_in_placeholders(self, ids):
        placeholders = ", ".join(["%s"] * len(ids))
        with self.conn.cursor() as cur:
            cur.execute(f"SELECT id FROM customers WHERE id IN ({placeholders})", ids)
            return cur.fetchall()

    def ok_any_array(self, ids):
        with self.conn.cursor() as cur:
            cur.execute("SELECT id FROM customers WHERE id = ANY(%s)", (list(ids),))
            return cur.fetchall()

    def ok_psycopg_identifier(self, column, value):
        query = pgsql.SQL("SELECT id FROM customers WHERE {} = %s").format(pgsql.Identifier(column))
        with self.conn.cursor() as cur:
            cur.execute(query, (value,))
            return cur.fetchall()

    def ok_sort_guard(self, sort):
        if sort not in ALLOWED_SORTS:
            sort = "created_at"
        with self.conn.cursor() as cur:
            cur.execute("SELECT id FROM customers ORDER BY created_at")
            return cur.fetchall()

    def ok_execute_values(self, rows):
        with self.conn.cursor() as cur:
            psycopg2.extras.execute_values(cur, "INSERT INTO customers (id, name) VALUES %s", rows)

    def ok_dict_cursor(self, cid):
        with self.conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            cur.execute("SELECT id, name FROM customers WHERE id = %s", [cid])
            return cur.fetchone()

    def ok_search_terms(self, terms):
        clauses = []
        params = []
        for term in terms:
            clauses.append("name ILIKE %s")
            params.append(f"%{term}%")
        where = " OR ".join(clauses)
        with self.conn.cursor() as cur:
            cur.execute("SELECT id FROM customers WHERE " + where, params)
            return cur.fetchall()


SORT_KEYS = frozenset({"created_at", "name", "total"})


def ok_guard_then_format(conn, sort):
    if sort not in SORT_KEYS:
        raise ValueError(f"cannot sort by {sort}")
    with conn.cursor() as cur:
        cur.execute(f"SELECT id FROM customers ORDER BY {sort}")
        return cur.fetchall()


def ok_assert_guard(conn, column):
    assert column in ("name", "email")
    with conn.cursor() as cur:
        cur.execute("SELECT " + column + " FROM customers")
        return cur.fetchall()


def bad_guard_other_variable(conn, sort, direction):
    if sort not in SORT_KEYS:
        raise ValueError(sort)
    with conn.cursor() as cur:
        cur.execute(f"SELECT id FROM customers ORDER BY {sort} {direction}")
        return cur.fetchall()


def _run(conn, statement):
    with conn.cursor() as cur:
        cur.execute(statement)
        return cur.fetchall()


def bad_built_then_passed(conn, name):
    # Known miss: the SQL is built here and executed in another function.
    return _run(conn, f"SELECT id FROM customers WHERE name = '{name}'")


def ok_regex_validated(conn, table):
    # Known false positive: a regex check is not recognised as a sanitiser.
    import re

    if not re.fullmatch(r"[a-z_]+", table):
        raise ValueError(table)
    with conn.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        return cur.fetchone()
