from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from shopapi.services import orders as order_service
from shopapi.services.orders import (
    OrderRepository,
    legacy_orders,
    list_orders,
    list_orders_with_customer,
    order_by_id,
    order_totals,
    order_with_products,
    orders_statement,
    recent_orders,
)
from shopapi.services.render import render_ids, render_orders

router = APIRouter()


def get_db():
    yield None


@router.get("/orders")
def orders(db: Session = Depends(get_db)):
    return [o.customer.name for o in list_orders(db)]  # expect: ORM001


@router.get("/orders/legacy")
def orders_legacy(db: Session = Depends(get_db)):
    out = []
    for o in legacy_orders(db):
        out.append(o.customer.email)  # expect: ORM001
    return out


@router.get("/orders/recent")
def orders_recent(db: Session = Depends(get_db)):
    rows = recent_orders(db, 20)
    return [{"id": o.id, "customer": o.customer.name} for o in rows]  # expect: ORM001


@router.get("/orders/repo")
def orders_repo(db: Session = Depends(get_db)):
    repo = OrderRepository(db)
    return [o.customer.name for o in repo.all()]  # expect: ORM001


@router.get("/orders/module")
def orders_module(db: Session = Depends(get_db)):
    return [o.customer.name for o in order_service.list_orders(db)]  # expect: ORM001


@router.get("/orders/{order_id}/products")
def order_products(order_id: int, db: Session = Depends(get_db)):
    order = order_by_id(db, order_id)
    return [line.product.name for line in order.lines]  # expect: ORM001


@router.get("/orders/statement")
def orders_from_statement(db: Session = Depends(get_db)):
    return [o.customer.name for o in db.scalars(orders_statement()).all()]  # expect: ORM001


@router.get("/orders/rendered")
def orders_rendered(db: Session = Depends(get_db)):
    return render_orders(list_orders(db))  # expect: ORM001


@router.get("/orders/lines")
def orders_lines(db: Session = Depends(get_db)):
    repo = OrderRepository(db)
    out = []
    for o in repo.with_lines():
        out.append((len(o.lines), o.customer.name))  # expect: ORM001
    return out


def order_owner_emails(repo: OrderRepository):
    return [o.customer.email for o in repo.all()]  # expect: ORM001


# -- near-misses -------------------------------------------------------------------------


@router.get("/orders/eager")
def orders_eager(db: Session = Depends(get_db)):
    return [o.customer.name for o in list_orders_with_customer(db)]


@router.get("/orders/ids")
def orders_ids(db: Session = Depends(get_db)):
    return [o.customer_id for o in list_orders(db)]


@router.get("/orders/notes")
def orders_notes(db: Session = Depends(get_db)):
    return [[n.text for n in o.notes] for o in list_orders(db)]  # `notes` is lazy="selectin"


@router.get("/orders/{order_id}/eager-products")
def order_products_eager(order_id: int, db: Session = Depends(get_db)):
    order = order_with_products(db, order_id)
    return [line.product.name for line in order.lines]


@router.get("/orders/totals")
def orders_totals(db: Session = Depends(get_db)):
    return [{"id": row.id, "customer": row.customer_id} for row in order_totals(db)]


@router.get("/orders/rendered-eager")
def orders_rendered_eager(db: Session = Depends(get_db)):
    return render_orders(list_orders_with_customer(db))


@router.get("/orders/rendered-ids")
def orders_rendered_ids(db: Session = Depends(get_db)):
    return render_ids(list_orders(db))


@router.get("/orders/one")
def order_one(order_id: int, db: Session = Depends(get_db)):
    return order_by_id(db, order_id).customer.name


@router.get("/statuses")
def statuses():
    return [status.upper() for status in ("new", "paid", "shipped")]


@router.get("/orders/labels")
def orders_labels(db: Session = Depends(get_db)):
    return [o.customer_label for o in list_orders(db)]  # expect: ORM002


@router.get("/orders/line-counts")
def orders_line_counts(db: Session = Depends(get_db)):
    return {o.id: o.line_count for o in list_orders_with_customer(db)}  # expect: ORM002


@router.get("/orders/labels-eager")
def orders_labels_eager(db: Session = Depends(get_db)):
    return [(o.customer_label, o.note_count) for o in list_orders_with_customer(db)]
