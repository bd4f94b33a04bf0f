"""Jobs, scripts and misc driver use (psycopg 3, mysqlclient, aiosqlite, Celery)."""
import aiosqlite
import MySQLdb
import psycopg
from celery import shared_task
from psycopg import sql

ARCHIVE_TABLE = "orders_archive"


@shared_task
def bad_celery_purge(days):
    with psycopg.connect("dbname=app") as conn:
        conn.execute(f"DELETE FROM events WHERE created_at < now() - interval '{days} days'")


def bad_psycopg3_cursor(conn: psycopg.Connection, name):
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM users WHERE name = '" + name + "'")
        return cur.fetchall()


def bad_mysqlclient(host, user_id, status):
    db = MySQLdb.connect(host=host)
    c = db.cursor()
    c.execute("UPDATE users SET status = '%s' WHERE id = %s" % (status, user_id))


async def bad_aiosqlite(path, tag):
    async with aiosqlite.connect(path) as db:
        await db.execute(f"DELETE FROM tags WHERE name = '{tag}'")


def bad_schema_switch(conn: psycopg.Connection, tenant):
    conn.execute(f"SET search_path TO {tenant}")


def bad_vacuum_table(conn: psycopg.Connection, table):
    conn.execute("VACUUM ANALYZE " + table)


def ok_celery_purge(days: int):
    with psycopg.connect("dbname=app") as conn:
        conn.execute("DELETE FROM events WHERE created_at < now() - make_interval(days => %s)", (days,))


def ok_psycopg3_compose(conn: psycopg.Connection, table, name):
    query = sql.SQL("SELECT id FROM {} WHERE name = %s").format(sql.Identifier(table))
    return conn.execute(query, (name,)).fetchall()


def ok_mysqlclient(host, user_id, status):
    db = MySQLdb.connect(host=host)
    c = db.cursor()
    c.execute("UPDATE users SET status = %s WHERE id = %s", (status, user_id))


async def ok_aiosqlite(path, tag):
    async with aiosqlite.connect(path) as db:
        await db.execute("DELETE FROM tags WHERE name = ?", (tag,))


def ok_archive_constant(conn: psycopg.Connection, cutoff):
    conn.execute(f"INSERT INTO {ARCHIVE_TABLE} SELECT * FROM orders WHERE created_at < %s", (cutoff,))


def ok_shell_executor(executor, job):
    executor.execute(job.command + " --verbose")


def ok_literal_identifier(conn: psycopg.Connection, user):
    query = sql.SQL("SELECT {} FROM users").format(sql.Literal(user))
    conn.execute(query)


def ok_subprocess_like(runner, name):
    return runner.execute(f"deploy {name}")
