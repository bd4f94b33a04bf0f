from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import get_db
from app.models import Customer
from app.schemas import CustomerCreate, CustomerImport, CustomerOut

router = APIRouter(prefix="/customers", tags=["customers"])


@router.get("")
def list_customers(sort: str = "id", limit: int = 50, offset: int = 0, db: Session = Depends(get_db)):
    result = db.connection().exec_driver_sql(
        f"SELECT id, email, full_name, is_vip FROM customers ORDER BY {sort} LIMIT {limit} OFFSET {offset}"
    )
    return [dict(row._mapping) for row in result]


@router.post("", response_model=CustomerOut, status_code=201)
def create_customer(payload: CustomerCreate, db: Session = Depends(get_db)):
    customer = Customer(email=payload.email.lower(), full_name=payload.full_name, phone_number=payload.phone_number)
    db.add(customer)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        return JSONResponse(
            status_code=409,
            content={"error": {"code": "EMAIL_TAKEN", "message": "A customer with this email already exists"}},
        )
    db.refresh(customer)
    return customer


@router.post("/import", status_code=201)
def import_customers(payload: CustomerImport, db: Session = Depends(get_db)):
    created = 0
    for row in payload.customers:
        db.add(Customer(email=row.email.lower(), full_name=row.full_name, phone_number=row.phone_number))
        db.commit()
        created += 1
    return {"created": created}


@router.get("/{customer_id}/orders/recent")
def recent_orders(customer_id: int, db: Session = Depends(get_db)):
    rows = db.execute(
        text(
            "SELECT id, status, total, created_at FROM orders "
            "WHERE customer_id = :cid ORDER BY created_at DESC LIMIT 20"
        ),
        {"cid": customer_id},
    ).mappings().all()
    return [dict(r) for r in rows]


@router.get("/{customer_id}/lifetime-value")
def lifetime_value(customer_id: int, db: Session = Depends(get_db)):
    customer = db.get(Customer, customer_id)
    if customer is None:
        raise HTTPException(status_code=404, detail="Customer not found")
    total = sum(o.total for o in customer.orders if o.status == "paid")
    return {"customer_id": customer.id, "lifetime_value": round(total, 2)}
