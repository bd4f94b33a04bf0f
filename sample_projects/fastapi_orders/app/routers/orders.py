import logging

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.auth import get_current_customer_id
from app.db import get_db
from app.models import Order, OrderItem, Product
from app.schemas import BulkStatusIn, OrderCreate, OrderOut, OrderSummary, PaymentIn
from app.services import notifications, order_service, payments

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/orders", tags=["orders"])


@router.get("", response_model=list[OrderSummary])
def list_orders(status: str | None = None, db: Session = Depends(get_db)):
    stmt = select(Order).order_by(Order.created_at.desc())
    if status:
        stmt = stmt.where(Order.status == status)
    orders = db.scalars(stmt).all()
    return [
        OrderSummary(
            id=o.id,
            status=o.status,
            total=o.total,
            customer_name=o.customer.full_name,
            customer_email=o.customer.email,
            item_count=len(o.items),
        )
        for o in orders
    ]


@router.get("/search")
def search_orders(status: str, sort: str = "created_at", db: Session = Depends(get_db)):
    rows = db.execute(
        text(f"SELECT id, customer_id, status, total, created_at FROM orders WHERE status = '{status}' ORDER BY {sort} DESC LIMIT 100")
    ).mappings().all()
    return {"results": [dict(r) for r in rows]}


@router.get("/batch")
def get_orders_batch(ids: list[int] = Query(...), db: Session = Depends(get_db)):
    return order_service.fetch_orders_by_ids(db, ids)


@router.get("/{order_id}", response_model=OrderOut)
def get_order(order_id: int, db: Session = Depends(get_db)):
    order = db.get(Order, order_id)
    if order is None:
        return JSONResponse(status_code=404, content={"message": f"Order {order_id} not found"})
    return order


@router.get("/{order_id}/raw")
def get_order_raw(order_id: int, db: Session = Depends(get_db)):
    row = order_service.get_order_row(db, order_id)
    if row is None:
        raise HTTPException(status_code=404, detail="Order not found")
    return row


@router.post("", response_model=OrderOut)
def create_order(
    payload: OrderCreate,
    db: Session = Depends(get_db),
    customer_id: int = Depends(get_current_customer_id),
):
    order = Order(customer_id=payload.customer_id, status="pending", shipping_method=payload.shipping_method)
    db.add(order)
    total = 0.0
    for line in payload.items:
        product = db.scalars(select(Product).where(Product.sku == line.sku)).first()
        if product is None:
            raise HTTPException(status_code=400, detail=f"Unknown SKU {line.sku}")
        order.items.append(OrderItem(product_id=product.id, quantity=line.quantity, unit_price=product.unit_price))
        total += float(product.unit_price) * line.quantity
    order.total = total
    order.total_cents = int(round(total * 100))
    db.commit()
    db.refresh(order)
    logger.info("order %s created by customer %s", order.id, customer_id)
    return order


@router.post("/bulk-status")
def bulk_status(payload: BulkStatusIn, db: Session = Depends(get_db)):
    updated = order_service.bulk_set_status(db, payload.order_ids, payload.status)
    return {"updated": updated}


@router.patch("/{order_id}/status")
async def update_status(order_id: int, request: Request, db: Session = Depends(get_db)):
    data = await request.json()
    order = db.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="Order not found")
    order.status = data["status"]
    db.commit()
    return {"id": order.id, "status": order.status}


@router.post("/{order_id}/pay")
def pay_order(order_id: int, payment: PaymentIn, db: Session = Depends(get_db)):
    order = db.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="Order not found")
    try:
        charge_id = payments.charge_card(payment.card_token, order.total, order.id)
    except payments.PaymentDeclined as e:
        return {"error": str(e), "order_id": order.id}
    except Exception as e:
        logger.exception("payment failed for order %s", order.id)
        raise HTTPException(status_code=502, detail=str(e))
    order.status = "paid"
    db.commit()
    return {"id": order.id, "status": order.status, "charge_id": charge_id}


@router.post("/{order_id}/ship")
async def ship_order(order_id: int, db: Session = Depends(get_db)):
    order = db.get(Order, order_id)
    if order is None or order.status != "paid":
        return JSONResponse(status_code=409, content={"error": {"code": "NOT_SHIPPABLE", "message": "Order is not paid"}})
    tracking_number = await notifications.push_to_carrier(order)
    order.status = "shipped"
    db.commit()
    return {"id": order.id, "status": order.status, "tracking_number": tracking_number}


@router.get("/{order_id}/tracking")
def refresh_tracking(order_id: int, db: Session = Depends(get_db)):
    order = db.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="Order not found")
    carrier_status = notifications.fetch_carrier_status(order.id)
    if carrier_status == "delivered" and order.status != "delivered":
        order.status = "delivered"
        db.commit()
    return {"id": order.id, "status": order.status, "carrier_status": carrier_status}
