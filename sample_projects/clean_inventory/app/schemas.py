"""Request and response bodies."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MovementReason = Literal["received", "shipped", "damaged", "count_correction"]


class WarehouseCreate(BaseModel):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Z0-9-]+$")
    name: str = Field(min_length=1, max_length=200)


class WarehouseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    created_at: datetime


class WarehousePage(BaseModel):
    items: list[WarehouseOut]
    total: int
    limit: int
    offset: int


class ItemCreate(BaseModel):
    warehouse_id: int = Field(gt=0)
    sku: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    unit_cost: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    reorder_level: int = Field(default=0, ge=0)


class ItemUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    unit_cost: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    reorder_level: int | None = Field(default=None, ge=0)


class ItemOut(BaseModel):
    id: int
    warehouse_id: int
    warehouse_code: str
    sku: str
    name: str
    description: str | None
    quantity: int
    reorder_level: int
    unit_cost: Decimal
    created_at: datetime
    updated_at: datetime


class ItemPage(BaseModel):
    items: list[ItemOut]
    total: int
    limit: int
    offset: int


class AdjustmentCreate(BaseModel):
    delta: int = Field(ge=-1_000_000, le=1_000_000)
    reason: MovementReason

    @field_validator("delta")
    @classmethod
    def delta_not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("delta must not be zero")
        return value


class MovementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    item_id: int
    delta: int
    reason: str
    created_at: datetime


class MovementPage(BaseModel):
    items: list[MovementOut]
    total: int
    limit: int
    offset: int


class LowStockRow(BaseModel):
    id: int
    sku: str
    name: str
    quantity: int
    reorder_level: int


class LowStockPage(BaseModel):
    items: list[LowStockRow]
    total: int
    limit: int
    offset: int


class SupplierAvailability(BaseModel):
    supplier_code: str
    sku: str
    available_quantity: int = Field(ge=0)
    lead_time_days: int = Field(ge=0)
