"""/api/v1/warehouses"""

from fastapi import APIRouter, Depends, Path, Query, status
from sqlalchemy.orm import Session

from app.db import get_db
from app.schemas import LowStockPage, WarehouseCreate, WarehouseOut, WarehousePage
from app.services import stock

router = APIRouter(prefix="/warehouses", tags=["warehouses"])


@router.get("", response_model=WarehousePage)
def list_warehouses(
    limit: int = Query(50, ge=1, le=100),
    offset: int = Query(0, ge=0),
    db: Session = Depends(get_db),
) -> WarehousePage:
    return stock.list_warehouses(db, limit=limit, offset=offset)


@router.post("", response_model=WarehouseOut, status_code=status.HTTP_201_CREATED)
def create_warehouse(body: WarehouseCreate, db: Session = Depends(get_db)) -> WarehouseOut:
    return WarehouseOut.model_validate(stock.create_warehouse(db, body))


@router.get("/{warehouse_id}", response_model=WarehouseOut)
def get_warehouse(
    warehouse_id: int = Path(gt=0), db: Session = Depends(get_db)
) -> WarehouseOut:
    return WarehouseOut.model_validate(stock.get_warehouse(db, warehouse_id))


@router.get("/{warehouse_id}/low-stock", response_model=LowStockPage)
def low_stock_report(
    warehouse_id: int = Path(gt=0),
    limit: int = Query(50, ge=1, le=100),
    offset: int = Query(0, ge=0),
    db: Session = Depends(get_db),
) -> LowStockPage:
    return stock.low_stock_report(db, warehouse_id, limit=limit, offset=offset)
