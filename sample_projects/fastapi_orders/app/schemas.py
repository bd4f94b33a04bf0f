from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class CustomerCreate(BaseModel):
    email: str = Field(max_length=255)
    full_name: str = Field(max_length=200)
    phone_number: str | None = None


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    full_name: str
    phone_number: str | None
    is_vip: bool


class CustomerImport(BaseModel):
    customers: list[CustomerCreate]


class OrderLineIn(BaseModel):
    sku: str
    quantity: int = Field(gt=0)


class OrderCreate(BaseModel):
    customer_id: int
    shipping_method: str = "standard"
    items: list[OrderLineIn]


class OrderItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int
    quantity: int
    unit_price: Decimal


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    status: str
    total: float
    shipping_method: str
    created_at: datetime
    items: list[OrderItemOut]


class OrderSummary(BaseModel):
    id: int
    status: str
    total: float
    customer_name: str
    customer_email: str
    item_count: int


class BulkStatusIn(BaseModel):
    order_ids: list[int]
    status: str


class PaymentIn(BaseModel):
    card_token: str
