"""Warehouse, item and stock-movement operations. One commit per unit of work."""

import logging
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.errors import ConflictError, NotFoundError
from app.models import Item, StockMovement, Warehouse
from app.schemas import (
    AdjustmentCreate,
    ItemCreate,
    ItemOut,
    ItemPage,
    ItemUpdate,
    LowStockPage,
    LowStockRow,
    MovementOut,
    MovementPage,
    WarehouseCreate,
    WarehouseOut,
    WarehousePage,
)

logger = logging.getLogger(__name__)

LOW_STOCK_SQL = text(
    "SELECT i.id, i.sku, i.name, i.quantity, i.reorder_level "
    "FROM items AS i "
    "WHERE i.warehouse_id = :warehouse_id AND i.quantity <= i.reorder_level "
    "ORDER BY i.id "
    "LIMIT :limit OFFSET :offset"
)
LOW_STOCK_COUNT_SQL = text(
    "SELECT count(i.id) FROM items AS i "
    "WHERE i.warehouse_id = :warehouse_id AND i.quantity <= i.reorder_level"
)


def item_to_out(item: Item) -> ItemOut:
    return ItemOut(
        id=item.id,
        warehouse_id=item.warehouse_id,
        warehouse_code=item.warehouse.code,
        sku=item.sku,
        name=item.name,
        description=item.description,
        quantity=item.quantity,
        reorder_level=item.reorder_level,
        unit_cost=item.unit_cost,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def list_warehouses(db: Session, *, limit: int, offset: int) -> WarehousePage:
    total = db.scalar(select(func.count()).select_from(Warehouse)) or 0
    rows = db.scalars(select(Warehouse).order_by(Warehouse.id).limit(limit).offset(offset)).all()
    return WarehousePage(
        items=[WarehouseOut.model_validate(row) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


def get_warehouse(db: Session, warehouse_id: int) -> Warehouse:
    warehouse = db.get(Warehouse, warehouse_id)
    if warehouse is None:
        raise NotFoundError("Warehouse not found", {"warehouse_id": warehouse_id})
    return warehouse


def create_warehouse(db: Session, body: WarehouseCreate) -> Warehouse:
    warehouse = Warehouse(code=body.code, name=body.name)
    db.add(warehouse)
    try:
        db.commit()
    except IntegrityError as exc:
        db.rollback()
        raise ConflictError("A warehouse with this code already exists", {"code": body.code}) from exc
    db.refresh(warehouse)
    logger.info("warehouse_created", extra={"warehouse_id": warehouse.id})
    return warehouse


def list_items(db: Session, *, limit: int, offset: int, warehouse_id: int | None) -> ItemPage:
    conditions = []
    if warehouse_id is not None:
        conditions.append(Item.warehouse_id == warehouse_id)
    total = db.scalar(select(func.count()).select_from(Item).where(*conditions)) or 0
    rows = db.scalars(
        select(Item)
        .options(selectinload(Item.warehouse))
        .where(*conditions)
        .order_by(Item.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return ItemPage(
        items=[item_to_out(item) for item in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


def get_item(db: Session, item_id: int) -> Item:
    item = db.get(Item, item_id, options=[selectinload(Item.warehouse)])
    if item is None:
        raise NotFoundError("Item not found", {"item_id": item_id})
    return item


def create_item(db: Session, body: ItemCreate) -> Item:
    warehouse = get_warehouse(db, body.warehouse_id)
    item = Item(
        warehouse=warehouse,
        sku=body.sku,
        name=body.name,
        description=body.description,
        unit_cost=body.unit_cost,
        reorder_level=body.reorder_level,
    )
    db.add(item)
    try:
        db.commit()
    except IntegrityError as exc:
        db.rollback()
        raise ConflictError("An item with this SKU already exists", {"sku": body.sku}) from exc
    logger.info("item_created", extra={"item_id": item.id, "warehouse_id": warehouse.id})
    return get_item(db, item.id)


def update_item(db: Session, item_id: int, body: ItemUpdate) -> Item:
    item = get_item(db, item_id)
    if body.name is not None:
        item.name = body.name
    if body.description is not None:
        item.description = body.description
    if body.unit_cost is not None:
        item.unit_cost = body.unit_cost
    if body.reorder_level is not None:
        item.reorder_level = body.reorder_level
    db.commit()
    return get_item(db, item_id)


def delete_item(db: Session, item_id: int) -> None:
    item = get_item(db, item_id)
    db.delete(item)
    db.commit()
    logger.info("item_deleted", extra={"item_id": item_id})


def record_adjustment(db: Session, item_id: int, body: AdjustmentCreate) -> StockMovement:
    get_item(db, item_id)
    new_quantity = db.scalar(
        update(Item)
        .where(Item.id == item_id, Item.quantity + body.delta >= 0)
        .values(quantity=Item.quantity + body.delta, updated_at=func.now())
        .returning(Item.quantity)
        .execution_options(synchronize_session=False)
    )
    if new_quantity is None:
        db.rollback()
        raise ConflictError(
            "Adjustment would make the stock level negative",
            {"item_id": item_id, "delta": body.delta},
        )
    movement = StockMovement(item_id=item_id, delta=body.delta, reason=body.reason)
    db.add(movement)
    db.commit()
    logger.info(
        "stock_adjusted",
        extra={"item_id": item_id, "delta": body.delta, "quantity": new_quantity},
    )
    return movement


def list_movements(
    db: Session, item_id: int, *, limit: int, offset: int, since: datetime | None
) -> MovementPage:
    get_item(db, item_id)
    conditions = [StockMovement.item_id == item_id]
    if since is not None:
        conditions.append(StockMovement.created_at >= since)
    total = db.scalar(select(func.count()).select_from(StockMovement).where(*conditions)) or 0
    rows = db.scalars(
        select(StockMovement)
        .where(*conditions)
        .order_by(StockMovement.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return MovementPage(
        items=[MovementOut.model_validate(row) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


def low_stock_report(db: Session, warehouse_id: int, *, limit: int, offset: int) -> LowStockPage:
    get_warehouse(db, warehouse_id)
    params = {"warehouse_id": warehouse_id, "limit": limit, "offset": offset}
    rows = db.execute(LOW_STOCK_SQL, params).mappings().all()
    total = db.scalar(LOW_STOCK_COUNT_SQL, {"warehouse_id": warehouse_id}) or 0
    return LowStockPage(
        items=[LowStockRow.model_validate(dict(row)) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
    )
