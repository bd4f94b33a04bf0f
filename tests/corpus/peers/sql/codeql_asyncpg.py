"""asyncpg connections, cursors and pools given a Flask route parameter as the whole
statement, re-expressed from CodeQL's
python/ql/test/query-tests/Security/CWE-089-SqlInjection/asyncpg.py (github/codeql, MIT; every
`# BAD` line positive). Names are our own."""

import asyncpg
from flask import Flask

app = Flask(__name__)


@app.route("/reports/<statement>")
async def run_report(statement):
    conn = await asyncpg.connect()
    try:
        await conn.copy_from_query(statement, output="out.csv")  # expect: SQL001 asyncpg.py:19
        await conn.copy_from_query(statement, "a", "b", output="out.csv")  # expect: SQL001 asyncpg.py:20
        await conn.execute(statement)  # expect: SQL001 asyncpg.py:22
        await conn.executemany(statement)  # expect: SQL001 asyncpg.py:23
        await conn.fetch(statement)  # expect: SQL001 asyncpg.py:24
        await conn.fetchrow(statement)  # expect: SQL001 asyncpg.py:25
        await conn.fetchval(statement)  # expect: SQL001 asyncpg.py:26
        prepared = await conn.prepare(statement)  # expect: SQL001 asyncpg.py:28
        prepared.executemany()
        prepared.fetch()
        async with conn.transaction():
            rows = await conn.cursor(statement)  # expect: SQL001 asyncpg.py:37
            await rows.fetch()
            prepared = await conn.prepare(statement)  # expect: SQL001 asyncpg.py:40
            prepared_rows = await prepared.cursor()
            await prepared_rows.fetch()
            async for record in conn.cursor(statement):  # expect: SQL001 asyncpg.py:44
                pass
            factory = conn.cursor(statement)  # expect: SQL001 asyncpg.py:47
            rows = await factory
    finally:
        await conn.close()

    pool = await asyncpg.create_pool()
    try:
        await pool.copy_from_query(statement, output="out.csv")  # expect: SQL001 asyncpg.py:56
        await pool.copy_from_query(statement, "a", "b", output="out.csv")  # expect: SQL001 asyncpg.py:57
        await pool.execute(statement)  # expect: SQL001 asyncpg.py:59
        await pool.executemany(statement)  # expect: SQL001 asyncpg.py:60
        await pool.fetch(statement)  # expect: SQL001 asyncpg.py:61
        await pool.fetchrow(statement)  # expect: SQL001 asyncpg.py:62
        await pool.fetchval(statement)  # expect: SQL001 asyncpg.py:63
        async with pool.acquire() as conn:
            await conn.execute(statement)  # expect: SQL001 asyncpg.py:66
        conn = await pool.acquire()
        try:
            await conn.fetch(statement)  # expect: SQL001 asyncpg.py:70
        finally:
            await pool.release(conn)
    finally:
        await pool.close()

    async with asyncpg.create_pool() as pool:
        await pool.execute(statement)  # expect: SQL001 asyncpg.py:78
        async with pool.acquire() as conn:
            await conn.execute(statement)  # expect: SQL001 asyncpg.py:81
        conn = await pool.acquire()
        try:
            await conn.fetch(statement)  # expect: SQL001 asyncpg.py:85
        finally:
            await pool.release(conn)
