from __future__ import annotations

import re

import libcst as cst
from sqlglot import exp

from reviewer.web.apicheck import simple_name, sql_of
from reviewer.model import Category, Confidence, Severity
from reviewer.web.handlers import Handler, HandlerScope
from reviewer.rule import Example, Needs, PythonRule
from reviewer.ops.nodes import has_star_kwargs, keyword

# Stripe SDK calls that move money or create a charge: a retried request without an
# idempotency key creates a second one. `create_async` is the async twin (stripe >= 9).
STRIPE_RESOURCES = ("PaymentIntent", "Charge", "Refund", "Transfer", "Payout")
STRIPE_CREATES = frozenset(
    f"stripe.{resource}.{method}" for resource in STRIPE_RESOURCES for method in ("create", "create_async")
)

# Sub-check (b): words of a route path, handler or view class name that name a money-moving or
# order-creating operation (RULES.md API014 (b)), singular or plural.
CRITICAL_WORDS = frozenset(
    word + plural
    for word in ("payment", "charge", "order", "checkout", "transfer", "payout", "refund", "subscription")
    for plural in ("", "s")
)
# Words that make "order" mean a sequence, not a purchase (`/items/reorder`, `sort_order`), or
# say the route sets a state or updates, which a repeat does again (`/orders/bulk-status`).
NOT_CREATING = frozenset({"sort", "reorder", "ordering", "position", "move", "status", "state", "update"})
# Writes that deduplicate: an insert-or-get keyed by a unique column, an upsert.
DEDUP_CALLS = frozenset({"get_or_create", "update_or_create", "on_conflict_do_nothing", "on_conflict_do_update", "on_conflict", "upsert"})
# Header names (and Django's META key) that carry the client's idempotency key.
IDEMPOTENCY_HEADERS = frozenset({"idempotency-key", "x-idempotency-key", "http_idempotency_key", "http_x_idempotency_key"})
WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
MAX_HOPS = 2
ROUTES = "payment-routes"


def words(*names: str) -> set[str]:
    """The lower-case words of path segments and identifiers (`createOrder`, `/v1/order-items`)."""
    return {word.lower() for name in names for word in WORD.findall(name)}


def names_critical_operation(*names: str) -> str | None:
    """The payment / order word the names carry, unless they speak of ordering a sequence or
    of setting a status."""
    found = words(*names)
    if found & NOT_CREATING:
        return None
    hits = sorted(found & CRITICAL_WORDS)
    return hits[0].rstrip("s") if hits else None


PAYMENT_ROUTE = (
    "from fastapi import APIRouter, Depends\n"
    "\n"
    "router = APIRouter()\n"
    "\n"
    '@router.post("/orders", status_code=201)\n'
    "def create_order(body: OrderIn, db: Session = Depends(get_db)):\n"
    "    order = Order(customer_id=body.customer_id, total=body.total)\n"
    "    db.add(order)\n"
    "    db.commit()\n"
    "    return order\n"
)


class IdempotencyKeyMissing(HandlerScope, PythonRule):
    """A payment-provider call that creates a charge, refund, transfer or payout is sent
    without an idempotency key, so a retry (a client retry, a timeout, a task re-run) charges
    or pays out twice.

    Stripe deduplicates a creation request only when it carries `idempotency_key=`: the same
    key within 24 hours returns the first result instead of creating a second object. The
    rule reports the Stripe SDK's `PaymentIntent`, `Charge`, `Refund`, `Transfer` and `Payout`
    `create` (and `create_async`) calls, by qualified name, that pass no `idempotency_key`.
    A call that forwards `**kwargs` is not judged (the key may be among them).

    This is sub-check (a) of the catalogue's API014, on by default. No tuned project of the
    ecosystem check calls Stripe (scan `api-4`): no field data.

    Sub-check (b), opt-in (the option `payment-routes`, which `--profile audit` switches on):
    a POST handler whose route path, function name or view class name names a payment, charge,
    order, checkout, transfer, payout, refund or subscription, and that shows no idempotency:
    it reads no `Idempotency-Key` header (FastAPI `Header(alias="Idempotency-Key")`,
    `request.headers.get("Idempotency-Key")`, Django's `HTTP_IDEMPOTENCY_KEY`), names no
    idempotency key or decorator, and writes through no deduplicating write (`get_or_create`,
    `update_or_create`, SQLAlchemy `on_conflict_do_nothing` / `on_conflict_do_update`, SQL
    `INSERT ... ON CONFLICT`, an insert that catches `IntegrityError` from a unique client
    reference). The handler's body and the functions of its module that it calls (two calls
    deep) are read; a helper in another module, a middleware or a gateway that deduplicates
    is not seen, which is why the sub-check is a naming heuristic, reported as info and
    opt-in. "Order" beside "sort", "reorder" or "position" is a sequence, not a purchase, and
    a route that sets a status or state or updates (`/orders/bulk-status`, `update_order`)
    does the same again on a repeat. Measured with `--profile audit` on five tuned projects of
    the ecosystem check (lnbits, django-oscar-api, django-oscar, label-studio, netbox): 13
    findings, all judged, 1 true, 5 debatable, 7 false, precision 0.27 (lnbits' routes on
    payments that decode, settle or cancel by payment hash, permission grants and web-push
    subscriptions are idempotent already; django-oscar's checkouts freeze the basket they
    submit)."""

    code = "API014"
    # Opt-in until the field has judged 5 of its findings (reviewer.precision.MIN_EVIDENCE); no finding on the ecosystem check's projects yet.
    opt_in = True
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
    # Stripe calls; with the routes option also POST handlers and functions named create...
    needs = Needs.words("stripe")
    ROUTE_NEEDS = Needs.words("post", "POST") | Needs(name_parts=("create",))
    options = {ROUTES: False}
    opt_in_options = {ROUTES: True}
    index_sections = ("routes",)

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
        Example(
            PAYMENT_ROUTE,
            path="shop/api.py",
            lines=(5,),
            options={ROUTES: True},
            note="(b): a POST route creating orders that reads no idempotency key",
        ),
        Example(
            "from rest_framework.response import Response\n"
            "from rest_framework.views import APIView\n"
            "\n"
            "class RefundView(APIView):\n"
            "    def post(self, request, pk):\n"
            "        refund = Refund.objects.create(payment_id=pk, amount=request.data['amount'])\n"
            "        return Response({'id': refund.id}, status=201)\n",
            path="billing/views.py",
            lines=(5,),
            options={ROUTES: True},
            note="(b): the view class names the operation",
        ),
    )
    valid = (
        Example(PAYMENT_ROUTE, path="shop/api.py", note="near-miss: (b) is opt-in; off by default"),
        Example(
            PAYMENT_ROUTE.replace("def create_order(body: OrderIn, db: Session = Depends(get_db)):",
                                  'def create_order(body: OrderIn, key: str = Header(alias="Idempotency-Key"), db: Session = Depends(get_db)):')
            .replace("from fastapi import APIRouter, Depends", "from fastapi import APIRouter, Depends, Header"),
            path="shop/api.py",
            options={ROUTES: True},
            note="near-miss: (b) the route reads the `Idempotency-Key` header",
        ),
        Example(
            "from flask import Blueprint, request\n"
            "\n"
            "bp = Blueprint('payments', __name__)\n"
            "\n"
            "def record(payload):\n"
            "    stmt = insert(Payment).values(**payload).on_conflict_do_nothing(index_elements=['client_reference'])\n"
            "    db.session.execute(stmt)\n"
            "\n"
            "@bp.post('/payments')\n"
            "def create_payment():\n"
            "    record(request.get_json())\n"
            "    return {}, 201\n",
            path="ledger/payments.py",
            options={ROUTES: True},
            note="near-miss: (b) a helper of the module upserts on the client reference",
        ),
        Example(
            "from django.db import connection\n"
            "from rest_framework.decorators import api_view\n"
            "\n"
            "@api_view(['POST'])\n"
            "def checkout(request):\n"
            "    with connection.cursor() as cursor:\n"
            "        cursor.execute(\n"
            "            'INSERT INTO orders (client_ref, cart_id) VALUES (%s, %s) ON CONFLICT (client_ref) DO NOTHING',\n"
            "            [request.data['ref'], request.data['cart']],\n"
            "        )\n",
            path="shop/views.py",
            options={ROUTES: True},
            note="near-miss: (b) `INSERT ... ON CONFLICT` on the client reference",
        ),
        Example(
            "from fastapi import APIRouter\n"
            "\n"
            "router = APIRouter()\n"
            "\n"
            "@router.post('/lists/{list_id}/items/reorder')\n"
            "def reorder_items(list_id: int, positions: list[int]):\n"
            "    save_positions(list_id, positions)\n",
            path="app/lists.py",
            options={ROUTES: True},
            note="near-miss: (b) reordering a list is not an order",
        ),
        Example(
            "from fastapi import APIRouter\n"
            "\n"
            "router = APIRouter(prefix='/orders')\n"
            "\n"
            "@router.post('/bulk-status')\n"
            "def bulk_status(ids: list[int], status: str):\n"
            "    set_status(ids, status)\n",
            path="shop/api.py",
            options={ROUTES: True},
            note="near-miss: (b) setting a status twice leaves it set",
        ),
        Example(
            "from rest_framework import serializers\n"
            "\n"
            "class OrderSerializer(serializers.ModelSerializer):\n"
            "    def create(self, validated_data):\n"
            "        return Order.objects.create(**validated_data)\n",
            path="shop/serializers.py",
            options={ROUTES: True},
            note="near-miss: (b) a serializer's `create` is not a route",
        ),
        Example(
            "from fastapi import APIRouter\n"
            "\n"
            "router = APIRouter()\n"
            "\n"
            "@router.get('/orders')\n"
            "def list_orders():\n"
            "    return load_orders()\n",
            path="shop/api.py",
            options={ROUTES: True},
            note="near-miss: (b) a GET route is idempotent by contract",
        ),
        Example(
            "from django.db import IntegrityError\n"
            "from rest_framework.decorators import api_view\n"
            "\n"
            "@api_view(['POST'])\n"
            "def create_subscription(request):\n"
            "    try:\n"
            "        Subscription.objects.create(user=request.user, plan=request.data['plan'], client_reference=request.data['ref'])\n"
            "    except IntegrityError:\n"
            "        pass\n",
            path="billing/views.py",
            options={ROUTES: True},
            note="near-miss: (b) a unique client reference rejects the retry",
        ),
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

    @classmethod
    def needs_under(cls, settings) -> Needs:
        return cls.needs | cls.ROUTE_NEEDS if settings[ROUTES] else cls.needs

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.routes_on = bool(self.settings[ROUTES])
        # Sub-check (b): per function of the module (by its dotted name in the module), whether
        # it shows idempotency, and the module functions it calls; the POST handlers named for
        # a critical operation, with the word.
        self.scopes: list[str] = []
        self.idempotent: set[str] = set()
        self.calls: dict[str, set[str]] = {}
        self.candidates: list[tuple[str, Handler, str]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        HandlerScope.visit_FunctionDef(self, node)
        if not self.routes_on:
            return
        classes, _ = self._handler_state()
        owner = classes[-1].name.value if classes and node in classes[-1].body.body else ""
        name = f"{owner}.{node.name.value}" if owner else node.name.value
        self.scopes.append(name)
        handler = self.handler
        if owner and self._is_serializer(classes[-1]):
            handler = None  # a DRF serializer's `create` is not a view's
        if handler is not None and handler.node is node and "POST" in handler.methods:
            route_paths = [handler.path, *self._indexed_paths(owner or node.name.value)]
            word = names_critical_operation(node.name.value, owner, *route_paths)
            if word:
                self.candidates.append((name, handler, word))

    def _is_serializer(self, node: cst.ClassDef) -> bool:
        return any((self.context.resolve(base.value) or "").startswith("rest_framework.serializers.") for base in node.bases)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        HandlerScope.leave_FunctionDef(self, node)
        if self.routes_on:
            self.scopes.pop()

    def _indexed_paths(self, name: str) -> list[str]:
        from reviewer.names import module_name_for
        from reviewer.web.routes import RoutesProvider

        wanted = f"{module_name_for(self.context.path)}.{name}"
        return [route.path for route in RoutesProvider.of(self.context.index).routes_of(wanted)]

    def _shows_idempotency(self) -> None:
        """The function being visited, and those it is nested in, show idempotency."""
        self.idempotent.update(self.scopes)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if self.routes_on and self.scopes:
            value = node.evaluated_value
            if isinstance(value, str) and value.strip().lower() in IDEMPOTENCY_HEADERS:
                self._shows_idempotency()

    def visit_Name(self, node: cst.Name) -> None:
        if self.routes_on and self.scopes and "idempot" in node.value.lower():
            self._shows_idempotency()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if self.routes_on and self.scopes and node.type is not None:
            caught = [node.type] if not isinstance(node.type, cst.Tuple) else [e.value for e in node.type.elements]
            if any(simple_name(self.context, item) == "IntegrityError" for item in caught):
                self._shows_idempotency()

    def finish(self) -> None:
        for name, handler, word in self.candidates:
            if not self._reaches_idempotency(name):
                self.report(
                    handler.anchor,
                    "POST handler `{handler}` acts on {word} without idempotency: no `Idempotency-Key` header is read "
                    "and no write deduplicates, so a retried request runs it twice",
                    severity=Severity.INFO,
                    confidence=Confidence.LOW,
                    fix=(
                        'Read an `Idempotency-Key` header (`key: str = Header(alias="Idempotency-Key")`) and store it '
                        "with a unique constraint, returning the first result on a repeat; or write through "
                        "`get_or_create` / `INSERT ... ON CONFLICT` on a unique client reference"
                    ),
                    # Its own problem: not merged with another rule's finding at the same route.
                    operation=f"idempotency of {name}",
                    handler=name,
                    word=("an " if word[0] in "aeiou" else "a ") + word,
                )

    def _reaches_idempotency(self, name: str) -> bool:
        frontier, seen = {name}, {name}
        for _ in range(MAX_HOPS + 1):
            if frontier & self.idempotent:
                return True
            frontier = {callee for caller in frontier for callee in self.calls.get(caller, ())} - seen
            seen |= frontier
        return False

    def _note_call(self, node: cst.Call) -> None:
        """Sub-check (b): a deduplicating write, or a call of another function of the module."""
        current = self.scopes[-1]
        callers = self.scopes
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in DEDUP_CALLS:
            self._shows_idempotency()
            return
        if self.context.sink(node) is not None:
            tree = sql_of(self.context, node)
            if isinstance(tree, exp.Expression) and tree.find(exp.OnConflict) is not None:
                self._shows_idempotency()
                return
        callee = None
        if isinstance(func, cst.Name):
            callee = func.value
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls") and "." in current:
            callee = f"{current.split('.')[0]}.{func.attr.value}"
        if callee is not None:
            for caller in callers:
                self.calls.setdefault(caller, set()).add(callee)

    def visit_Call(self, node: cst.Call) -> None:
        if self.routes_on and self.scopes:
            self._note_call(node)
        if not isinstance(node.func, cst.Attribute):
            return
        called = self.context.resolve(node.func)
        if called not in STRIPE_CREATES or keyword(node, "idempotency_key") is not None or has_star_kwargs(node):
            return
        resource = called.split(".")[1]
        self.report(node, call=called, what="payment" if resource == "PaymentIntent" else resource.lower())
