import logging

from sqlalchemy import text
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

ORDERS_TABLE = "orders"


def get_order_row(db: Session, order_id: int) -> dict | None:
    row = db.execute(text("SELECT * FROM orders WHERE id = :id"), {"id": order_id}).first()
    if row is None:
        return None
    return {"id": row[0], "customer_id": row[1], "status": row[2], "total": row[3]}


def count_by_status(db: Session, status: str) -> int:
    stmt = text(f"SELECT count(id) FROM {ORDERS_TABLE} WHERE status = :status")
    return db.execute(stmt, {"status": status}).scalar_one()


def bulk_set_status(db: Session, order_ids: list[int], status: str) -> int:
    ids_csv = ",".join(str(order_id) for order_id in order_ids)
    sql = "UPDATE orders SET status = '%s' WHERE id IN (%s)" % (status, ids_csv)
    result = db.execute(text(sql))
    db.commit()
    logger.info("bulk status update to %s touched %s orders", status, result.rowcount)
    return result.rowcount


def fetch_orders_by_ids(db: Session, order_ids: list[int]) -> list[dict]:
    placeholders = ", ".join(["%s"] * len(order_ids))
    result = db.connection().exec_driver_sql(
        f"SELECT id, customer_id, status, total FROM orders WHERE id IN ({placeholders}) ORDER BY id",
        tuple(order_ids),
    )
    return [dict(row._mapping) for row in result]


def recompute_vip_flags(db: Session, threshold: float) -> int:
    db.execute(text("UPDATE customers SET is_vip = false"))
    result = db.execute(
        text(
            "UPDATE customers SET is_vip = true WHERE id IN ("
            "SELECT customer_id FROM orders WHERE status = 'paid' "
            "GROUP BY customer_id HAVING sum(total) >= :threshold)"
        ),
        {"threshold": threshold},
    )
    db.commit()
    return result.rowcount


def archived_orders_page(db: Session, limit: int, offset: int) -> list[dict]:
    rows = db.execute(
        text("SELECT id, status, total FROM orders WHERE status = 'archived' LIMIT :limit OFFSET :offset"),
        {"limit": limit, "offset": offset},
    ).mappings().all()
    return [dict(r) for r in rows]
