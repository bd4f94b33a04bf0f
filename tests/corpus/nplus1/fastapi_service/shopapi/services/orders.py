"""Order queries the routers call (a service module, as in a FastAPI project)."""
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from shopapi.models import Order


def list_orders(db: Session):
    return db.scalars(select(Order).where(Order.paid.is_(True))).all()


def list_orders_with_customer(db: Session):
    return db.scalars(select(Order).options(joinedload(Order.customer))).all()


def recent_orders(db: Session, limit: int):
    stmt = select(Order).order_by(Order.id.desc()).limit(limit)
    return db.execute(stmt).scalars().all()


def legacy_orders(db: Session):
    return db.query(Order).filter(Order.paid == True).all()  # noqa: E712


def orders_statement():
    return select(Order).where(Order.paid.is_(True))


def order_by_id(db: Session, order_id: int):
    return db.get(Order, order_id)


def order_with_products(db: Session, order_id: int):
    return db.get(Order, order_id, options=[selectinload(Order.lines).joinedload(OrderLine.product)])


def order_totals(db: Session):
    return db.execute(select(Order.id, Order.customer_id)).all()


class OrderRepository:
    def __init__(self, db: Session) -> None:
        self.db = db

    def all(self):
        return self.db.scalars(select(Order)).all()

    def with_lines(self):
        return self.db.scalars(select(Order).options(selectinload(Order.lines))).all()


from shopapi.models import OrderLine  # noqa: E402
