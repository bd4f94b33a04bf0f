from datetime import date

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from app.db import get_db
from app.services import order_service, reporting

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get("/daily-revenue")
def daily_revenue(start: date, end: date, db: Session = Depends(get_db)):
    return reporting.daily_revenue(db, start, end)


@router.get("/top-customers")
def top_customers(since: date, limit: int = Query(10, ge=1, le=50), db: Session = Depends(get_db)):
    return reporting.top_customers(db, since, limit)


@router.get("/customers/search")
def search_customers(q: str, db: Session = Depends(get_db)):
    return reporting.find_customers(db, q)


@router.get("/orders/count")
def orders_count(status: str = "pending", db: Session = Depends(get_db)):
    return {"status": status, "count": order_service.count_by_status(db, status)}


@router.post("/vip-recompute")
def recompute_vips(threshold: float = 1000.0, db: Session = Depends(get_db)):
    return {"updated": order_service.recompute_vip_flags(db, threshold)}


@router.get("/orders/archived")
def archived_orders(
    limit: int = Query(50, ge=1, le=100), offset: int = Query(0, ge=0), db: Session = Depends(get_db)
):
    return order_service.archived_orders_page(db, limit, offset)
