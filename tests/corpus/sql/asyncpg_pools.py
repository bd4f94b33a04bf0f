"""asyncpg pools and connections."""
import asyncpg

from app.config import DSN

pool: asyncpg.Pool | None = None
TENANT_SCHEMA = "tenant_default"


async def bad_pool_fetch(email):
    return await pool.fetch(f"SELECT id FROM users WHERE email = '{email}'")


async def bad_acquire(name):
    async with pool.acquire() as conn:
        return await conn.fetchrow("SELECT id FROM teams WHERE name = '%s'" % name)


async def bad_fetchval(conn: asyncpg.Connection, code):
    return await conn.fetchval("SELECT discount FROM coupons WHERE code = '" + code + "'")


async def bad_execute(conn: asyncpg.Connection, user_id, note):
    await conn.execute(f"UPDATE users SET note = '{note}' WHERE id = $1", user_id)


async def bad_connect(dsn, table):
    conn = await asyncpg.connect(dsn)
    return await conn.fetch(f"SELECT * FROM {table}")


async def bad_transaction(conn: asyncpg.Connection, status):
    async with conn.transaction():
        await conn.execute("UPDATE orders SET status = '{}'".format(status) + " WHERE archived")


async def bad_cursor(conn: asyncpg.Connection, prefix):
    async with conn.transaction():
        async for row in conn.cursor(f"SELECT id FROM logs WHERE path LIKE '{prefix}%'"):
            yield row


async def bad_executemany(conn: asyncpg.Connection, table, rows):
    await conn.executemany(f"INSERT INTO {table} (a, b) VALUES ($1, $2)", rows)


async def ok_pool_fetch(email):
    return await pool.fetch("SELECT id FROM users WHERE email = $1", email)


async def ok_acquire(name):
    async with pool.acquire() as conn:
        return await conn.fetchrow("SELECT id FROM teams WHERE name = $1", name)


async def ok_any_array(conn: asyncpg.Connection, ids):
    return await conn.fetch("SELECT id FROM users WHERE id = ANY($1::bigint[])", ids)


async def ok_schema_constant(conn: asyncpg.Connection, uid):
    return await conn.fetchrow(f"SELECT id FROM {TENANT_SCHEMA}.users WHERE id = $1", uid)


async def ok_numbered_list(conn: asyncpg.Connection, ids):
    marks = ", ".join(f"${i + 1}" for i in range(len(ids)))
    return await conn.fetch(f"SELECT id FROM users WHERE id IN ({marks})", *ids)


async def ok_int_limit(conn: asyncpg.Connection, limit):
    return await conn.fetch(f"SELECT id FROM events ORDER BY id DESC LIMIT {int(limit)}")


async def ok_connect(dsn):
    conn = await asyncpg.connect(dsn)
    return await conn.fetch("SELECT id FROM users")


async def ok_copy_records(conn: asyncpg.Connection, rows):
    await conn.copy_records_to_table("events", records=rows, columns=["id", "kind"])
