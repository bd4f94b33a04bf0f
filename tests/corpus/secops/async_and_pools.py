"""Async handlers and per-request connections (OPS003, OPS004)."""
import asyncio
import sqlite3
import subprocess
import time

import asyncpg
import httpx
import psycopg
import psycopg2
import requests
from fastapi import APIRouter, Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from flask import Blueprint, g
from psycopg_pool import ConnectionPool
from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

app = FastAPI()
router = APIRouter()
bp = Blueprint("reports", __name__)
pool = ConnectionPool("postgresql:///orders", min_size=1, max_size=10)
DSN = "postgresql:///orders"


async def bad_ops003_requests_in_async(url):
    return requests.get(url, timeout=5).json()


async def bad_ops003_time_sleep():
    time.sleep(1)


async def bad_ops003_subprocess(path):
    return subprocess.run(["convert", path, "out.png"], check=True)


@router.get("/orders/{oid}")
async def bad_ops003_sync_session(oid: int, db: Session = Depends(get_db)):
    return db.get(Order, oid)


@router.post("/orders/{oid}/cancel")
async def bad_ops003_sync_session_commit(oid: int, db: Session = Depends(get_db)):
    order = db.execute(select(Order).where(Order.id == oid)).scalar_one()
    order.status = "cancelled"
    db.commit()


async def bad_ops003_django_orm(request, pk):
    return Product.objects.get(pk=pk)


async def bad_ops003_psycopg2_in_async(dsn):
    return psycopg2.connect(dsn)


async def ok_ops003_async_sleep():
    await asyncio.sleep(1)


async def ok_ops003_to_thread(url):
    return await asyncio.to_thread(requests.get, url, timeout=5)


async def ok_ops003_httpx_async(url):
    async with httpx.AsyncClient(timeout=5) as client:
        return (await client.get(url)).json()


@router.get("/reports/{rid}")
def ok_ops003_sync_endpoint(rid: int, db: Session = Depends(get_db)):
    return db.get(Report, rid)


@router.get("/items/{iid}")
async def ok_ops003_async_session(iid: int, db: AsyncSession = Depends(get_db)):
    return await db.get(Item, iid)


async def ok_ops003_nested_sync_function():
    def work():
        time.sleep(1)

    await run_in_threadpool(work)


async def ok_ops003_django_async_orm(request, pk):
    return await Product.objects.aget(pk=pk)


@app.get("/items")
def bad_ops004_psycopg_connect_in_handler():
    with psycopg.connect(DSN) as conn:
        return conn.execute("SELECT id FROM items ORDER BY id LIMIT 50").fetchall()


@app.get("/stats")
def bad_ops004_engine_per_request():
    engine = create_engine(DSN)
    with engine.connect() as conn:
        return conn.execute(select(1)).all()


@app.get("/users")
async def bad_ops004_asyncpg_connect():
    conn = await asyncpg.connect(DSN)
    try:
        return await conn.fetch("SELECT id FROM users LIMIT 20")
    finally:
        await conn.close()


def bad_ops004_flask_g_connection():
    if "db" not in g:
        g.db = psycopg2.connect(DSN)
    return g.db


@bp.route("/audit")
def bad_ops004_sqlite_per_request():
    conn = sqlite3.connect("/var/lib/app/audit.sqlite3")
    return conn.execute("SELECT count(*) FROM audit").fetchone()


@app.get("/pooled")
def ok_ops004_pool_connection():
    with pool.connection() as conn:
        return conn.execute("SELECT id FROM items ORDER BY id LIMIT 50").fetchall()


def ok_ops004_script_connects_once():
    conn = psycopg2.connect(DSN)
    conn.close()


def ok_ops004_engine_factory():
    return create_engine(DSN, pool_size=10)


@app.get("/cached")
def ok_ops004_module_engine():
    return ENGINE.connect()
