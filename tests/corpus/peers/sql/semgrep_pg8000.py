"""pg8000 connections running formatted SQL (`run`, `execute`), re-expressed in our own code from semgrep-rules'
python/lang/security/audit/sqli/pg8000-sqli.py (semgrep-rules' own licence: nothing copied; each
function keeps the pattern of the case it is named after, `# ruleid:` positive, `# ok:`
negative). As there, `form` and `term` are module names of unknown origin."""

import os

import pg8000.dbapi
import pg8000.native as pgn


def bad_1():
    conn = pgn.Connection("postgres", password="x")
    query = "SELECT nick FROM members WHERE score=" + form.value("score")
    conn.run(query)  # expect: SQL001 pg8000-sqli bad1


def bad_2():
    db = pg8000.connect(**settings)
    cursor = db.cursor()
    query = "SELECT * FROM {}".format(term)
    cursor.execute(query)  # expect: SQL001 pg8000-sqli bad2


def bad_3():
    connection = pg8000.connect(os.environ["DB_USER"], password=os.environ["DB_PASSWORD"])
    query = "SELECT * FROM %s" % (term)
    connection.run(query)  # expect: SQL001 pg8000-sqli bad3


def bad_4(term):
    conn = pg8000.connect(user="postgres", password="x", database="shop")
    cursor = conn.cursor()
    query = f"SELECT * FROM {term}"
    cursor.execute(query)  # expect: SQL001 pg8000-sqli bad4


def bad_5():
    conn = pg8000.connect(user="postgres", password="x", database="shop")
    conn.executemany("SELECT nick FROM members WHERE score=" + form.value("score"))  # expect: SQL001 pg8000-sqli bad5


def bad_6(term):
    conn = pg8000.connect(user="postgres", password="x", database="shop")
    conn.run("SELECT * FROM {}".format(term))  # expect: SQL001 pg8000-sqli bad6


def bad_7(term):
    conn = pg8000.connect(user="postgres", password="x", database="shop")
    conn.run("SELECT * FROM %s" % (term))  # expect: SQL001 pg8000-sqli bad7


def bad_8(term):
    conn = pg8000.connect(user="postgres", password="x", database="shop")
    conn.execute(f"SELECT * FROM {term}")  # expect: SQL001 pg8000-sqli bad8


def bad_9():
    conn = pg8000.connect(user="postgres", password="x", database="shop")
    conn.execute(
        "insert into %s values (%%s, %%s)" % table_name, [10, 20])  # expect: SQL001 pg8000-sqli bad9


def ok_1(term):
    conn = pg8000.connect(user="postgres", password="x", database="shop")
    query = "INSERT INTO writers (name) VALUES :term;"
    conn.execute(query, term=term)  # ok: SQL001 pg8000-sqli ok1


def ok_2(term):
    conn = pg8000.connect(user="postgres", password="x", database="shop")
    query = "SELECT nick FROM members WHERE score=" + "3"
    conn.execute(query)  # ok: SQL001 pg8000-sqli ok2


def ok_3(term):
    conn = pg8000.connect(user="postgres", password="x", database="shop")
    query = "SELECT nick FROM members WHERE score="
    query += "3"
    conn.execute(query)  # ok: SQL001 pg8000-sqli ok3


def ok_4(term):
    conn = pg8000.connect(user="postgres", password="x", database="shop")
    query = "SELECT * FROM Alice".format()
    conn.fetchval(query)  # ok: SQL001 pg8000-sqli ok4


def ok_5(term):
    conn = pg8000.connect(user="postgres", password="x", database="shop")
    query = "SELECT * FROM Alice" % ()
    conn.execute(query)  # ok: SQL001 pg8000-sqli ok5


def ok_6(term):
    conn = pg8000.connect(user="postgres", password="x", database="shop")
    query = f"SELECT * FROM Alice"
    conn.execute(query)  # ok: SQL001 pg8000-sqli ok6


def ok_7(term):
    conn = pg8000.connect(user="postgres", password="x", database="shop")
    conn.execute("SELECT nick FROM members WHERE score=" + "3")  # ok: SQL001 pg8000-sqli ok7


def ok_8(term):
    conn = pg8000.connect(user="postgres", password="x", database="shop")
    conn.execute("SELECT * FROM Alice".format())  # ok: SQL001 pg8000-sqli ok8


def ok_9(term):
    conn = pg8000.connect(user="postgres", password="x", database="shop")
    conn.execute("SELECT * FROM Alice" % ())  # ok: SQL001 pg8000-sqli ok9


def ok_10(term):
    conn = pg8000.connect(user="postgres", password="x", database="shop")
    conn.execute(f"SELECT * FROM Alice")  # ok: SQL001 pg8000-sqli ok10


def ok_11(term):
    conn = pg8000.native.Connection("postgres", password="x")
    conn.prepare("SELECT (:v) FROM members")
    cur.run(v=term)  # ok: SQL001 pg8000-sqli ok11
