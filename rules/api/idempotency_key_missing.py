from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, Needs, PythonRule
from reviewer.ops.secops import has_star_kwargs, keyword

# Stripe SDK calls that move money or create a charge: a retried request without an
# idempotency key creates a second one. `create_async` is the async twin (stripe >= 9).
STRIPE_RESOURCES = ("PaymentIntent", "Charge", "Refund", "Transfer", "Payout")
STRIPE_CREATES = frozenset(
    f"stripe.{resource}.{method}" for resource in STRIPE_RESOURCES for method in ("create", "create_async")
)


class IdempotencyKeyMissing(PythonRule):
    """A payment-provider call that creates a charge, refund, transfer or payout is sent
    without an idempotency key, so a retry (a client retry, a timeout, a task re-run) charges
    or pays out twice.

    Stripe deduplicates a creation request only when it carries `idempotency_key=`: the same
    key within 24 hours returns the first result instead of creating a second object. The
    rule reports the Stripe SDK's `PaymentIntent`, `Charge`, `Refund`, `Transfer` and `Payout`
    `create` (and `create_async`) calls, by qualified name, that pass no `idempotency_key`.
    A call that forwards `**kwargs` is not judged (the key may be among them).

    This is sub-check (a) of the catalogue's API014, on by default. Sub-check (b), POST routes
    named for payments or orders that read no `Idempotency-Key` header, is a naming heuristic
    the catalogue makes opt-in; it is not built yet. No tuned project of the ecosystem check
    calls Stripe (scan `api-4`): no field data."""

    code = "API014"
    name = "idempotency-key-missing"
    summary = "A Stripe charge, refund, transfer or payout is created without an idempotency key."
    category = Category.API
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "`{call}(...)` is sent without `idempotency_key=`: a retry creates a second {what}"
    fix = (
        "Pass a key derived from the operation, stable across retries: "
        '`stripe.PaymentIntent.create(..., idempotency_key=f"order-{{order.id}}-pay")`'
    )
    seed = 'S1:76 "Implement idempotency for critical operations"; S3:273 "Retry strategies"'
    references = ("https://docs.stripe.com/api/idempotent_requests",)
    needs = Needs(names=("stripe",))  # the root of every call it reports (stripe.PaymentIntent.create ...)
    invalid = (
        Example(
            "import stripe\n"
            "\n"
            "def pay(order, customer_id):\n"
            "    return stripe.PaymentIntent.create(amount=order.total, currency='eur', customer=customer_id)\n",
            path="shop/payments.py",
            lines=(4,),
        ),
        Example(
            "from stripe import Refund\n"
            "\n"
            "async def refund(charge_id):\n"
            "    await Refund.create_async(charge=charge_id)\n",
            path="shop/payments.py",
            lines=(4,),
            note="an imported resource and the async method",
        ),
    )
    valid = (
        Example(
            "import stripe\n"
            "\n"
            "def pay(order, customer_id):\n"
            "    return stripe.PaymentIntent.create(\n"
            "        amount=order.total, currency='eur', customer=customer_id, idempotency_key=f'order-{order.id}'\n"
            "    )\n",
            path="shop/payments.py",
        ),
        Example(
            "import stripe\n"
            "\n"
            "def pay(order, **options):\n"
            "    return stripe.Charge.create(amount=order.total, currency='eur', **options)\n",
            path="shop/payments.py",
            note="near-miss: `**options` may carry the key",
        ),
        Example(
            "import stripe\n"
            "\n"
            "def new_customer(email):\n"
            "    return stripe.Customer.create(email=email)\n",
            path="shop/payments.py",
            note="near-miss: creating a customer moves no money",
        ),
        Example(
            "class PaymentIntent:\n"
            "    @staticmethod\n"
            "    def create(**fields):\n"
            "        return fields\n"
            "\n"
            "def pay(order):\n"
            "    return PaymentIntent.create(amount=order.total)\n",
            path="shop/payments.py",
            note="near-miss: a project class of the same name, not Stripe's",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Attribute):
            return
        called = self.context.resolve(node.func)
        if called not in STRIPE_CREATES or keyword(node, "idempotency_key") is not None or has_star_kwargs(node):
            return
        resource = called.split(".")[1]
        self.report(node, call=called, what="payment" if resource == "PaymentIntent" else resource.lower())
