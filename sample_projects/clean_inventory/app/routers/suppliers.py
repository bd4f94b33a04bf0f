"""/api/v1/suppliers: live availability from the supplier API (no database access)."""

from fastapi import APIRouter, Path, Query, Request

from app.schemas import SupplierAvailability
from app.services import suppliers

router = APIRouter(prefix="/suppliers", tags=["suppliers"])


@router.get("/{supplier_code}/availability", response_model=SupplierAvailability)
async def supplier_availability(
    request: Request,
    supplier_code: str = Path(min_length=2, max_length=32, pattern=r"^[A-Z0-9-]+$"),
    sku: str = Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$"),
) -> SupplierAvailability:
    return await suppliers.fetch_availability(request.app.state.supplier_http, supplier_code, sku)
