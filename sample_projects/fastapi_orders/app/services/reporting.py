import logging
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import Order

logger = logging.getLogger(__name__)


def daily_revenue_sql(start: date, end: date) -> str:
    """Same query as daily_revenue(), spelled out for the analysts' dashboard tooling."""
    return (
        "SELECT date_trunc('day', created_at) AS day, sum(total) AS revenue FROM orders "
        f"WHERE status = 'paid' AND created_at >= '{start}' AND created_at < '{end}' "
        "GROUP BY 1 ORDER BY 1"
    )


def daily_revenue(db: Session, start: date, end: date) -> list[dict]:
    logger.info("daily revenue report, equivalent SQL: %s", daily_revenue_sql(start, end))
    rows = db.execute(
        text(
            "SELECT date_trunc('day', created_at) AS day, sum(total) AS revenue FROM orders "
            "WHERE status = 'paid' AND created_at >= :start AND created_at < :end "
            "GROUP BY 1 ORDER BY 1"
        ),
        {"start": start, "end": end},
    ).all()
    return [{"day": row.day.date().isoformat(), "revenue": float(row.revenue)} for row in rows]


def find_customers(db: Session, term: str) -> list[dict]:
    stmt = text(
        "SELECT id, email, full_name FROM customers "
        "WHERE email ILIKE '%{0}%' OR full_name ILIKE '%{0}%' ORDER BY id LIMIT 25".format(term)
    )
    return [dict(row) for row in db.execute(stmt).mappings()]


def top_customers(db: Session, since: date, limit: int) -> list[dict]:
    orders = db.scalars(select(Order).where(Order.created_at >= since, Order.status == "paid")).all()
    totals: dict[int, dict] = {}
    for order in orders:
        entry = totals.setdefault(
            order.customer_id,
            {"customer_id": order.customer_id, "email": order.customer.email, "revenue": 0.0},
        )
        entry["revenue"] += order.total
    ranked = sorted(totals.values(), key=lambda e: e["revenue"], reverse=True)
    return ranked[:limit]
