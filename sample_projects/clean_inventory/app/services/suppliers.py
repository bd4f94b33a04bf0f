"""Read-only client for the supplier availability API."""

import logging

import httpx
from pydantic import ValidationError

from app.errors import UpstreamError
from app.schemas import SupplierAvailability

logger = logging.getLogger(__name__)

SUPPLIER_TIMEOUT = httpx.Timeout(5.0, connect=2.0)


async def fetch_availability(
    client: httpx.AsyncClient, supplier_code: str, sku: str
) -> SupplierAvailability:
    try:
        response = await client.get(
            f"/v2/suppliers/{supplier_code}/availability",
            params={"sku": sku},
            timeout=SUPPLIER_TIMEOUT,
        )
        response.raise_for_status()
        return SupplierAvailability.model_validate(response.json())
    except (httpx.HTTPError, ValidationError) as exc:
        logger.warning(
            "supplier_lookup_failed",
            extra={"supplier_code": supplier_code, "error_type": type(exc).__name__},
        )
        raise UpstreamError(
            "The supplier service is unavailable", {"supplier_code": supplier_code}
        ) from exc
