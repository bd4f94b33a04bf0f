"""/api/v1/items"""

from datetime import datetime

from fastapi import APIRouter, Depends, Path, Query, Response, status
from sqlalchemy.orm import Session

from app.db import get_db
from app.schemas import AdjustmentCreate, ItemCreate, ItemOut, ItemPage, ItemUpdate, MovementOut, MovementPage
from app.services import stock

router = APIRouter(prefix="/items", tags=["items"])


@router.get("", response_model=ItemPage)
def list_items(
    limit: int = Query(50, ge=1, le=100),
    offset: int = Query(0, ge=0),
    warehouse_id: int | None = Query(None, gt=0),
    db: Session = Depends(get_db),
) -> ItemPage:
    return stock.list_items(db, limit=limit, offset=offset, warehouse_id=warehouse_id)


@router.post("", response_model=ItemOut, status_code=status.HTTP_201_CREATED)
def create_item(body: ItemCreate, db: Session = Depends(get_db)) -> ItemOut:
    return stock.item_to_out(stock.create_item(db, body))


@router.get("/{item_id}", response_model=ItemOut)
def get_item(item_id: int = Path(gt=0), db: Session = Depends(get_db)) -> ItemOut:
    return stock.item_to_out(stock.get_item(db, item_id))


@router.patch("/{item_id}", response_model=ItemOut)
def update_item(
    body: ItemUpdate, item_id: int = Path(gt=0), db: Session = Depends(get_db)
) -> ItemOut:
    return stock.item_to_out(stock.update_item(db, item_id, body))


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_item(item_id: int = Path(gt=0), db: Session = Depends(get_db)) -> Response:
    stock.delete_item(db, item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{item_id}/adjustments", response_model=MovementOut, status_code=status.HTTP_201_CREATED
)
def record_adjustment(
    body: AdjustmentCreate, item_id: int = Path(gt=0), db: Session = Depends(get_db)
) -> MovementOut:
    return MovementOut.model_validate(stock.record_adjustment(db, item_id, body))


@router.get("/{item_id}/movements", response_model=MovementPage)
def list_movements(
    item_id: int = Path(gt=0),
    limit: int = Query(50, ge=1, le=100),
    offset: int = Query(0, ge=0),
    since: datetime | None = Query(None),
    db: Session = Depends(get_db),
) -> MovementPage:
    return stock.list_movements(db, item_id, limit=limit, offset=offset, since=since)
