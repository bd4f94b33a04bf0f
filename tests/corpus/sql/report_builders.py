"""Report builders: SQL assembled from parts."""
import sqlite3

import pymysql

METRICS = {"revenue": "SUM(total)", "orders": "COUNT(id)", "avg": "AVG(total)"}
GROUPINGS = ["day", "week", "month"]
BASE = "SELECT date_trunc('day', created_at) AS d, COUNT(id) FROM orders"


def bad_metric_expression(conn, metric_sql, since):
    cur = conn.cursor()
    cur.execute(f"SELECT {metric_sql} FROM orders WHERE created_at >= %s", (since,))
    return cur.fetchall()


def bad_date_literal(conn, since):
    cur = conn.cursor()
    query = BASE + " WHERE created_at >= '" + since + "' GROUP BY 1"
    cur.execute(query)
    return cur.fetchall()


def bad_group_by(conn, grouping):
    parts = ["SELECT", grouping, ", COUNT(id) FROM orders GROUP BY", grouping]
    cur = conn.cursor()
    cur.execute(" ".join(parts))
    return cur.fetchall()


def bad_filters_dict(conn, filters):
    conditions = " AND ".join(f"{key} = '{value}'" for key, value in filters.items())
    cur = conn.cursor()
    cur.execute("SELECT id FROM orders WHERE " + conditions)
    return cur.fetchall()


def bad_sqlite_report(db_path, region):
    conn = sqlite3.connect(db_path)
    return conn.execute("SELECT SUM(total) FROM orders WHERE region = '%s'" % region).fetchone()


def bad_mysql_report(region):
    conn = pymysql.connect(host="db")
    with conn.cursor() as cur:
        cur.execute("SELECT SUM(total) FROM orders WHERE region = '{0}'".format(region))
        return cur.fetchone()


def bad_branch_query(conn, kind, customer):
    if kind == "vip":
        query = "SELECT id FROM orders WHERE vip"
    elif kind == "customer":
        query = f"SELECT id FROM orders WHERE customer = '{customer}'"
    else:
        query = "SELECT id FROM orders"
    cur = conn.cursor()
    cur.execute(query)
    return cur.fetchall()


def bad_ternary(conn, status):
    query = "SELECT id FROM orders" if not status else "SELECT id FROM orders WHERE status = '" + status + "'"
    cur = conn.cursor()
    cur.execute(query)
    return cur.fetchall()


def ok_metric_mapping(conn, metric, since):
    expression = METRICS[metric]
    cur = conn.cursor()
    cur.execute(f"SELECT {expression} FROM orders WHERE created_at >= %s", (since,))
    return cur.fetchall()


def ok_grouping_list(conn, index):
    grouping = GROUPINGS[index]
    cur = conn.cursor()
    cur.execute(f"SELECT date_trunc('{grouping}', created_at), COUNT(id) FROM orders GROUP BY 1")
    return cur.fetchall()


def ok_base_constant(conn, since):
    cur = conn.cursor()
    cur.execute(BASE + " WHERE created_at >= %s GROUP BY 1", (since,))
    return cur.fetchall()


def ok_sqlite_report(db_path, region):
    conn = sqlite3.connect(db_path)
    return conn.execute("SELECT SUM(total) FROM orders WHERE region = ?", (region,)).fetchone()


def ok_sqlite_marks(db_path, regions):
    conn = sqlite3.connect(db_path)
    marks = ",".join("?" * len(regions))
    return conn.execute(f"SELECT SUM(total) FROM orders WHERE region IN ({marks})", regions).fetchall()


def ok_mysql_report(region):
    conn = pymysql.connect(host="db")
    with conn.cursor() as cur:
        cur.execute("SELECT SUM(total) FROM orders WHERE region = %s", (region,))
        return cur.fetchone()


def ok_branch_query(conn, kind, customer):
    params = ()
    if kind == "vip":
        query = "SELECT id FROM orders WHERE vip"
    elif kind == "customer":
        query = "SELECT id FROM orders WHERE customer = %s"
        params = (customer,)
    else:
        query = "SELECT id FROM orders"
    cur = conn.cursor()
    cur.execute(query, params)
    return cur.fetchall()


def ok_float_threshold(conn, threshold):
    cur = conn.cursor()
    cur.execute("SELECT id FROM orders WHERE total > %f" % float(threshold))
    return cur.fetchall()


def ok_percent_d(conn, days):
    cur = conn.cursor()
    cur.execute("SELECT id FROM orders WHERE age_days > %d" % days)
    return cur.fetchall()


def ok_sql_text_returned(region):
    return f"psql -c \"SELECT SUM(total) FROM orders WHERE region = '{region}'\""
