import logging

import requests
import stripe

logger = logging.getLogger(__name__)

PAYMENT_GATEWAY_URL = "https://payments.internal.example.com/v1/charges"


class PaymentDeclined(Exception):
    pass


def charge_card(card_token: str, amount: float, order_id: int) -> str:
    resp = requests.post(
        PAYMENT_GATEWAY_URL,
        json={
            "source": card_token,
            "amount": int(round(amount * 100)),
            "currency": "usd",
            "metadata": {"order_id": order_id},
        },
    )
    if resp.status_code == 402:
        raise PaymentDeclined(resp.json().get("message", "card declined"))
    resp.raise_for_status()
    charge_id = resp.json()["id"]
    logger.info("order %s charged, charge id %s", order_id, charge_id)
    return charge_id


def refund_order(charge_id: str, amount_cents: int) -> str:
    """Refund a captured charge through Stripe (the gateway above only charges)."""
    refund = stripe.Refund.create(charge=charge_id, amount=amount_cents)
    logger.info("charge %s refunded, refund id %s", charge_id, refund.id)
    return refund.id
