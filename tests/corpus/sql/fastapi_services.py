"""FastAPI handlers with injected sessions and connections."""
from enum import Enum
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.deps import get_db, get_session

router = APIRouter()
SORT_COLUMNS = {"created": "created_at", "total": "total"}


class Status(str, Enum):
    new = "new"
    paid = "paid"


@router.get("/users")
def bad_depends_session(name: str, db: Session = Depends(get_db)):
    return db.execute(text(f"SELECT id, email FROM users WHERE name = '{name}'")).all()


@router.get("/orders")
async def bad_async_session(status: str, session: AsyncSession = Depends(get_session)):
    result = await session.execute(text("SELECT id FROM orders WHERE status = '" + status + "'"))
    return result.all()


@router.get("/orders/sorted")
def bad_sort_query(sort: str = Query("id"), db: Session = Depends(get_db)):
    return db.execute(text(f"SELECT id FROM orders ORDER BY {sort}")).all()


@router.get("/search")
def bad_untyped_dependency(q: str, db=Depends(get_db)):
    sql = "SELECT id FROM products WHERE title ILIKE '%" + q + "%'"
    return db.execute(text(sql)).all()


@router.post("/tags")
def bad_body_value(payload: dict, db: Session = Depends(get_db)):
    tag = payload["tag"]
    db.execute(text("INSERT INTO tags (name) VALUES ('%s')" % tag))
    db.commit()


@router.get("/reports/{table}")
def bad_path_identifier(table: str, db: Session = Depends(get_db)):
    return db.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()


@router.get("/filter")
def bad_conditional_where(status: str | None = None, db: Session = Depends(get_db)):
    sql = "SELECT id FROM orders"
    if status:
        sql += f" WHERE status = '{status}'"
    return db.execute(text(sql)).all()


@router.get("/v2/users")
def ok_depends_bound(name: str, db: Session = Depends(get_db)):
    return db.execute(text("SELECT id, email FROM users WHERE name = :name"), {"name": name}).all()


@router.get("/v2/orders/sorted")
def ok_sort_mapping(sort: str = "created", db: Session = Depends(get_db)):
    column = SORT_COLUMNS.get(sort, "created_at")
    return db.execute(text(f"SELECT id FROM orders ORDER BY {column}")).all()


@router.get("/v2/orders/{order_id}")
def ok_uuid_param(order_id: UUID, db: Session = Depends(get_db)):
    return db.execute(text(f"SELECT id FROM orders WHERE id = '{order_id}'")).first()


@router.get("/v2/page")
def ok_int_query(limit: int = 50, offset: int = 0, db: Session = Depends(get_db)):
    return db.execute(text(f"SELECT id FROM orders ORDER BY id LIMIT {limit} OFFSET {offset}")).all()


@router.get("/v2/direction")
def ok_literal_param(direction: Literal["asc", "desc"] = "asc", db: Session = Depends(get_db)):
    return db.execute(text(f"SELECT id FROM orders ORDER BY created_at {direction}")).all()


@router.get("/v2/status")
def ok_enum_value(status: Status, db: Session = Depends(get_db)):
    return db.execute(text("SELECT id FROM orders WHERE status = :s"), {"s": status.value}).all()


@router.get("/v2/filter")
def ok_conditional_bound(status: str | None = None, db: Session = Depends(get_db)):
    sql = "SELECT id FROM orders"
    params = {}
    if status:
        sql += " WHERE status = :status"
        params["status"] = status
    return db.execute(text(sql), params).all()


@router.get("/v2/allow")
def ok_guarded_column(column: str, db: Session = Depends(get_db)):
    if column not in SORT_COLUMNS.values():
        raise ValueError(column)
    return db.execute(text("SELECT id FROM orders ORDER BY id")).all()


@router.get("/v2/health")
def ok_select_one(db: Session = Depends(get_db)):
    return db.execute(text("SELECT 1")).scalar()
