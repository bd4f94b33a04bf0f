"""asyncpg connections and pools running formatted SQL, re-expressed in our own code from semgrep-rules'
python/lang/security/audit/sqli/asyncpg-sqli.py (semgrep-rules' own licence: nothing copied; each
function keeps the pattern of the case it is named after, `# ruleid:` positive, `# ok:`
negative). As there, `form` and `term` are module names of unknown origin."""

import asyncpg
from asyncpg import Connection
from psycopg2 import extensions as ext


async def bad_1():
    conn = await asyncpg.connect(user="app", password="x", database="shop", host="127.0.0.1")
    query = "SELECT nick FROM members WHERE score=" + form.value("score")
    values = await conn.fetch(query)  # expect: SQL001 asyncpg-sqli bad1
    await conn.close()


async def bad_2(conn: Connection):
    async with conn.transaction():
        query = "SELECT * FROM {}".format(term)
        rows = await conn.cursor(query)  # expect: SQL001 asyncpg-sqli bad2


async def bad_3(connection: Connection):
    async with connection.transaction():
        query = "SELECT * FROM %s" % (term)
        await connection.execute(query)  # expect: SQL001 asyncpg-sqli bad3


async def bad_4(term):
    async with asyncpg.create_pool(user="postgres", command_timeout=60) as pool:
        query = f"SELECT * FROM {term}"
        await pool.fetch(query)  # expect: SQL001 asyncpg-sqli bad4


async def bad_5():
    async with asyncpg.create_pool(user="postgres", command_timeout=60) as pool:
        async with pool.acquire() as con:
            await con.execute("SELECT nick FROM members WHERE score=" + form.value("score"))  # expect: SQL001 asyncpg-sqli bad5


async def bad_6(term):
    pool = await asyncpg.create_pool(user="postgres", command_timeout=60)
    con = await pool.acquire()
    try:
        await con.execute("SELECT * FROM {}".format(term))  # expect: SQL001 asyncpg-sqli bad6
    finally:
        await pool.release(con)


async def bad_7(conn: Connection, term):
    conn.execute("SELECT * FROM %s" % (term))  # expect: SQL001 asyncpg-sqli bad7


async def bad_8(conn: Connection, term):
    conn.fetchrow(f"SELECT * FROM {term}")  # expect: SQL001 asyncpg-sqli bad8


async def bad_9(conn: Connection, term):
    conn.execute(
        "insert into %s values (%%s, %%s)" % ext.quote_ident(table_name), [10, 20])  # expect: SQL001 asyncpg-sqli bad9


async def bad_10(conn: asyncpg.Connection):
    async with conn.transaction():
        query = "SELECT * FROM {}".format(term)
        rows = await conn.cursor(query)  # expect: SQL001 asyncpg-sqli bad10


async def ok_1(term):
    con = await asyncpg.connect(user="postgres")
    result = await con.copy_from_query(
        "SELECT a, b FROM members WHERE a > $1", 10,
        output="out.csv", format="csv")  # ok: SQL001 asyncpg-sqli ok1


async def ok_2(term):
    con = await asyncpg.connect(user="postgres")
    query = "SELECT nick FROM members WHERE score=" + "3"
    con.execute(query)  # ok: SQL001 asyncpg-sqli ok2


async def ok_3(term):
    query = "SELECT nick FROM members WHERE score="
    query += "3"
    con.execute(query)  # ok: SQL001 asyncpg-sqli ok3


async def ok_4(term):
    con = await asyncpg.connect(user="postgres")
    query = "SELECT * FROM Alice".format()
    con.fetchval(query)  # ok: SQL001 asyncpg-sqli ok4


async def ok_5(term):
    con = await asyncpg.connect(user="postgres")
    query = "SELECT * FROM Alice" % ()
    con.execute(query)  # ok: SQL001 asyncpg-sqli ok5


async def ok_6(term):
    query = f"SELECT * FROM Alice"
    con.execute(query)  # ok: SQL001 asyncpg-sqli ok6


async def ok_7(term):
    con.execute("SELECT nick FROM members WHERE score=" + "3")  # ok: SQL001 asyncpg-sqli ok7


async def ok_8(term):
    con = await asyncpg.connect(user="postgres")
    con.execute("SELECT * FROM Alice".format())  # ok: SQL001 asyncpg-sqli ok8


async def ok_9(term):
    con = await asyncpg.connect(user="postgres")
    con.execute("SELECT * FROM Alice" % ())  # ok: SQL001 asyncpg-sqli ok9


async def ok_10(term):
    con = await asyncpg.connect(user="postgres")
    con.execute(f"SELECT * FROM Alice")  # ok: SQL001 asyncpg-sqli ok10


async def ok_11(term):
    con = await asyncpg.connect(user="postgres")
    stmt = await con.prepare("SELECT ($1::int, $2::text)")  # ok: SQL001 asyncpg-sqli ok11
    print(stmt.get_parameters())
