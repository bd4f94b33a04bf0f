"""aiopg cursors and pools running formatted SQL, re-expressed in our own code from semgrep-rules'
python/lang/security/audit/sqli/aiopg-sqli.py (semgrep-rules' own licence: nothing copied; each
function keeps the pattern of the case it is named after, `# ruleid:` positive, `# ok:`
negative). As there, `form` and `term` are module names of unknown origin."""

import aiopg
from psycopg2 import extensions as ext


async def bad_1():
    conn = await aiopg.connect(database="shop", user="app", password="x", host="127.0.0.1")
    cur = await conn.cursor()
    query = "SELECT nick FROM members WHERE score=" + form.value("score")
    await cur.execute(query)  # expect: SQL001 aiopg-sqli bad1


async def bad_2():
    pool = await aiopg.create_pool(dsn)
    with (await pool.cursor()) as cur:
        query = "SELECT * FROM {}".format(term)
        await cur.execute(query)  # expect: SQL001 aiopg-sqli bad2
        row = await cur.fetchone()


async def bad_3():
    pool = await aiopg.create_pool(dsn)
    async with pool.acquire() as conn:
        query = "SELECT * FROM %s" % (term)
        async with conn.cursor() as cur:
            await cur.execute(query)  # expect: SQL001 aiopg-sqli bad3


async def bad_4(term):
    pool = await aiopg.create_pool(dsn)
    async with pool as conn:
        cur = await conn.cursor()
        query = f"SELECT * FROM {term}"
        await cur.execute(query)  # expect: SQL001 aiopg-sqli bad4


async def bad_5():
    pool = await aiopg.create_pool(dsn)
    async with pool.cursor() as cur:
        await cur.execute("SELECT nick FROM members WHERE score=" + form.value("score"))  # expect: SQL001 aiopg-sqli bad5


async def bad_6(term):
    pool = await aiopg.create_pool(dsn)
    async with pool.cursor() as cur:
        await cur.execute("SELECT * FROM {}".format(term))  # expect: SQL001 aiopg-sqli bad6


async def bad_7(term):
    conn = await aiopg.connect(database="shop", user="app", password="x", host="127.0.0.1")
    cur = await conn.cursor()
    cur.execute("SELECT * FROM %s" % (term))  # expect: SQL001 aiopg-sqli bad7


async def bad_8(term):
    conn = await aiopg.connect(database="shop", user="app", password="x", host="127.0.0.1")
    cur = await conn.cursor()
    cur.execute(f"SELECT * FROM {term}")  # expect: SQL001 aiopg-sqli bad8


async def bad_9(term):
    conn = await aiopg.connect(database="shop", user="app", password="x", host="127.0.0.1")
    cur = await conn.cursor()
    cur.execute(
        "insert into %s values (%%s, %%s)" % ext.quote_ident(table_name), [10, 20])  # expect: SQL001 aiopg-sqli bad9


async def ok_1(term):
    conn = await aiopg.connect(database="shop", user="app", password="x", host="127.0.0.1")
    cur = await conn.cursor()
    cur.execute("SELECT * FROM members WHERE id = %s", (3,))  # ok: SQL001 aiopg-sqli ok1


async def ok_2(term):
    conn = await aiopg.connect(database="shop", user="app", password="x", host="127.0.0.1")
    cur = await conn.cursor()
    query = "SELECT nick FROM members WHERE score=" + "3"
    cur.execute(query)  # ok: SQL001 aiopg-sqli ok2


async def ok_3(term):
    conn = await aiopg.connect(database="shop", user="app", password="x", host="127.0.0.1")
    cur = await conn.cursor()
    query = "SELECT nick FROM members WHERE score="
    query += "3"
    cur.execute(query)  # ok: SQL001 aiopg-sqli ok3


async def ok_4(term):
    conn = await aiopg.connect(database="shop", user="app", password="x", host="127.0.0.1")
    cur = await conn.cursor()
    query = "SELECT * FROM Alice".format()
    cur.fetchval(query)  # ok: SQL001 aiopg-sqli ok4


async def ok_5(term):
    conn = await aiopg.connect(database="shop", user="app", password="x", host="127.0.0.1")
    cur = await conn.cursor()
    query = "SELECT * FROM Alice" % ()
    cur.execute(query)  # ok: SQL001 aiopg-sqli ok5


async def ok_6(term):
    conn = await aiopg.connect(database="shop", user="app", password="x", host="127.0.0.1")
    cur = await conn.cursor()
    query = f"SELECT * FROM Alice"
    cur.execute(query)  # ok: SQL001 aiopg-sqli ok6


async def ok_7(term):
    conn = await aiopg.connect(database="shop", user="app", password="x", host="127.0.0.1")
    cur = await conn.cursor()
    cur.execute("SELECT nick FROM members WHERE score=" + "3")  # ok: SQL001 aiopg-sqli ok7


async def ok_8(term):
    conn = await aiopg.connect(database="shop", user="app", password="x", host="127.0.0.1")
    cur = await conn.cursor()
    cur.execute("SELECT * FROM Alice".format())  # ok: SQL001 aiopg-sqli ok8


async def ok_9(term):
    conn = await aiopg.connect(database="shop", user="app", password="x", host="127.0.0.1")
    cur = await conn.cursor()
    cur.execute("SELECT * FROM Alice" % ())  # ok: SQL001 aiopg-sqli ok9


async def ok_10(term):
    conn = await aiopg.connect(database="shop", user="app", password="x", host="127.0.0.1")
    cur = await conn.cursor()
    cur.execute(f"SELECT * FROM Alice")  # ok: SQL001 aiopg-sqli ok10
