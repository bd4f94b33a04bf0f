import logging
import time

import httpx
import requests

from app.models import Order

logger = logging.getLogger(__name__)

CARRIER_API_URL = "https://api.shipfast.example.com/v2/shipments"
CARRIER_TRACKING_URL = "https://api.shipfast.example.com/v2/tracking/{ref}"


async def push_to_carrier(order: Order) -> str:
    payload = {
        "reference": f"ORD-{order.id}",
        "service": order.shipping_method,
        "recipient": {"name": order.customer.full_name, "email": order.customer.email},
        "parcels": [{"sku": line.product.sku, "quantity": line.quantity} for line in order.items],
    }
    resp = requests.post(CARRIER_API_URL, json=payload, timeout=10)
    if resp.status_code == 429:
        time.sleep(2)
        resp = requests.post(CARRIER_API_URL, json=payload, timeout=10)
    resp.raise_for_status()
    return resp.json()["tracking_number"]


def fetch_carrier_status(order_id: int) -> str:
    resp = requests.get(CARRIER_TRACKING_URL.format(ref=f"ORD-{order_id}"), timeout=5)
    resp.raise_for_status()
    return resp.json()["status"]


# One client for the carrier's tracking API, shared by every request of the process.
tracking = httpx.AsyncClient(base_url="https://api.shipfast.example.com/v2", timeout=5.0)


async def tracking_events(order_id: int) -> list[dict]:
    resp = await tracking.get(f"/tracking/ORD-{order_id}/events")
    resp.raise_for_status()
    return resp.json()["events"]
