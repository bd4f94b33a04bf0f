"""psycopg2 cursors running formatted SQL, re-expressed in our own code from semgrep-rules'
python/lang/security/audit/sqli/psycopg-sqli.py (semgrep-rules' own licence: nothing copied; each
function keeps the pattern of the case it is named after, `# ruleid:` positive, `# ok:`
negative). As there, `form` and `term` are module names of unknown origin."""

import psycopg2
from psycopg2 import extensions as ext
from psycopg2 import sql


def bad_1():
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    query = "SELECT nick FROM members WHERE score=" + form.value("score")
    cur.execute(query)  # expect: SQL001 psycopg-sqli bad1


def bad_2():
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    query = "SELECT * FROM {}".format(term)
    cur.execute(query)  # expect: SQL001 psycopg-sqli bad2


def bad_3():
    conn = psycopg2.connect(DSN)
    with conn:
        with conn.cursor() as cur:
            query = "SELECT * FROM %s" % (term)
            cur.execute(query)  # expect: SQL001 psycopg-sqli bad3


def bad_4(term):
    conn = psycopg2.connect(DSN)
    with conn:
        with conn.cursor() as cur:
            query = f"SELECT * FROM {term}"
            cur.execute(query)  # expect: SQL001 psycopg-sqli bad4


def bad_5():
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    cur.executemany("SELECT nick FROM members WHERE score=" + form.value("score"))  # expect: SQL001 psycopg-sqli bad5


def bad_6(term):
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    cur.execute("SELECT * FROM {}".format(term))  # expect: SQL001 psycopg-sqli bad6


def bad_7(term):
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    cur.execute("SELECT * FROM %s" % (term))  # expect: SQL001 psycopg-sqli bad7


def bad_8(term):
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    cur.execute(f"SELECT * FROM {term}")  # expect: SQL001 psycopg-sqli bad8


def bad_9():
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    cur.execute(
        "insert into %s values (%%s, %%s)" % ext.quote_ident(table_name), [10, 20])  # expect: SQL001 psycopg-sqli bad9


def ok_1(term):
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    query = "INSERT INTO writers (name) VALUES (%s);"
    cur.execute(query, term)  # ok: SQL001 psycopg-sqli ok1


def ok_2(term):
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    query = "SELECT nick FROM members WHERE score=" + "3"
    cur.execute(query)  # ok: SQL001 psycopg-sqli ok2


def ok_3(term):
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    query = "SELECT nick FROM members WHERE score="
    query += "3"
    cur.execute(query)  # ok: SQL001 psycopg-sqli ok3


def ok_4(term):
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    query = "SELECT * FROM Alice".format()
    cur.fetchval(query)  # ok: SQL001 psycopg-sqli ok4


def ok_5(term):
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    query = "SELECT * FROM Alice" % ()
    cur.execute(query)  # ok: SQL001 psycopg-sqli ok5


def ok_6(term):
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    query = f"SELECT * FROM Alice"
    cur.execute(query)  # ok: SQL001 psycopg-sqli ok6


def ok_7(term):
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    cur.execute("SELECT nick FROM members WHERE score=" + "3")  # ok: SQL001 psycopg-sqli ok7


def ok_8(term):
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    cur.execute("SELECT * FROM Alice".format())  # ok: SQL001 psycopg-sqli ok8


def ok_9(term):
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    cur.execute("SELECT * FROM Alice" % ())  # ok: SQL001 psycopg-sqli ok9


def ok_10(term):
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    cur.execute(f"SELECT * FROM Alice")  # ok: SQL001 psycopg-sqli ok10


def ok_11(term):
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    query = sql.SQL("select {field} from {table} where {pkey} = %s").format(
        field=sql.Identifier("nick"),
        table=sql.Identifier("members"),
        pkey=sql.Identifier("id"))
    cur.execute(query)  # ok: SQL001 psycopg-sqli ok11
