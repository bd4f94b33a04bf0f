import psycopg2
import psycopg2.extras
from flask import current_app, g


def get_conn():
    if "db" not in g:
        g.db = psycopg2.connect(current_app.config["DATABASE_URL"])
    return g.db


def get_cursor(dict_rows=True):
    if dict_rows:
        return get_conn().cursor(cursor_factory=psycopg2.extras.RealDictCursor)
    return get_conn().cursor()


def close_conn(exc=None):
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


def init_app(app):
    app.teardown_appcontext(close_conn)
