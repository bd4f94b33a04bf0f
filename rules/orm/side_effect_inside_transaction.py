from __future__ import annotations

import libcst as cst

from reviewer.web.apicheck import code
from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, PythonRule
from reviewer.orm.transaction_needs import SIDE_EFFECT_NEEDS, TRANSACTION_NEEDS
from reviewer.orm.transactions import Transactions, scheduled_after_commit, side_effect

SETTINGS = (
    "shop/settings.py",
    'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop", "ATOMIC_REQUESTS": True}}\n',
)


class SideEffectInsideTransaction(PythonRule):
    """An HTTP call, an email or a task enqueue (Celery `delay` / `apply_async` / `send_task`,
    RQ `enqueue`) runs while a database transaction is open. The effect cannot be rolled back:
    when the transaction fails afterwards, the email is sent and the payment captured for an
    order that does not exist. A task enqueued before `COMMIT` may run before its rows are
    visible to the worker (it reads nothing, or stale data). And the transaction holds its
    row locks and a connection for as long as the remote call takes.

    Open transactions are `transaction.atomic` (decorator, context manager, `method_decorator`
    on a view class, every view under `ATOMIC_REQUESTS`), SQLAlchemy `begin()` /
    `begin_nested()`, asyncpg / psycopg `conn.transaction()`, `with conn:` on a DB-API
    connection, and a session between a write and the `commit()` of the same function. Code
    handed to `transaction.on_commit(...)` runs after the commit and is not reported; neither
    is writing the message to an outbox table, which is the fix. Nor is a task scheduled for
    later: Celery's `countdown` / `eta` (RQ's `enqueue_in` / `enqueue_at`) is the earliest time
    a worker starts it, so a delay of at least a minute (twice gunicorn's default worker
    timeout, longer than any transaction should stay open), or one read from an attribute
    whose value reviewer cannot see (a delay the project configures), starts the task after
    the commit. A countdown of a few seconds, one read from a sequence whose shortest item is
    (a retry schedule), one computed from locals, and an `eta` of `now()` are still reported."""

    code = "ORM010"
    name = "side-effect-inside-transaction"
    summary = "An HTTP call, email or task enqueue runs inside an open database transaction."
    category = Category.ORM
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "{effect} `{call}` inside {scope}: it cannot be rolled back and runs before the commit"
    fix = (
        "Run it after the commit: `transaction.on_commit(lambda: send_receipt.delay(order.id))` (Django), "
        "after `session.commit()`, or write it to an outbox table in the same transaction"
    )
    seed = 'S3:295 "Always consider the unhappy path"; S1:51; S3:259 "Handling concurrent updates"'
    references = (
        "https://docs.djangoproject.com/en/stable/topics/db/transactions/#performing-actions-after-commit",
        "https://microservices.io/patterns/data/transactional-outbox.html",
    )
    # A call side_effect names, and what opens a transaction (with ATOMIC_REQUESTS, any view).
    needs = SIDE_EFFECT_NEEDS & TRANSACTION_NEEDS
    index_sections = ("routes", "orm_models", "symbols")
    invalid = (
        Example(
            "from django.db import transaction\n"
            "from orders.tasks import send_receipt\n"
            "def place(user, total):\n"
            "    with transaction.atomic():\n"
            "        order = Order.objects.create(user=user, total=total)\n"
            "        send_receipt.delay(order.id)\n",
            lines=(6,),
        ),
        Example(
            "import requests\n"
            "from django.db import transaction\n"
            "@transaction.atomic\n"
            "def capture(order):\n"
            "    order.status = 'paid'\n"
            "    order.save()\n"
            "    requests.post(GATEWAY, json={'order': order.id}, timeout=5)\n",
            lines=(7,),
            note="the decorator form",
        ),
        Example(
            "import httpx\n"
            "def sync(session, user):\n"
            "    with session.begin():\n"
            "        session.add(AuditEvent(user_id=user.id))\n"
            "        httpx.post(WEBHOOK, json={'user': user.id}, timeout=5)\n",
            lines=(5,),
            note="SQLAlchemy session.begin()",
        ),
        Example(
            "from django.core.mail import send_mail\n"
            "def signup(session, form):\n"
            "    session.add(User(email=form.email))\n"
            "    send_mail('Welcome', 'Hi', 'noreply@example.com', [form.email])\n"
            "    session.commit()\n",
            lines=(4,),
            note="a session between its write and its commit()",
        ),
        Example(
            "from django.core.mail import send_mail\n"
            "from rest_framework.decorators import api_view\n"
            "@api_view(['POST'])\n"
            "def invite(request):\n"
            "    Invite.objects.create(email=request.data['email'])\n"
            "    send_mail('Invite', 'Join us', 'noreply@example.com', [request.data['email']])\n",
            path="shop/views.py",
            files=(SETTINGS,),
            lines=(6,),
            note="every view is atomic under ATOMIC_REQUESTS",
        ),
        Example(
            "async def charge(pool, order_id):\n"
            "    async with pool.acquire() as conn:\n"
            "        async with conn.transaction():\n"
            "            await conn.execute('UPDATE orders SET paid = true WHERE id = $1', order_id)\n"
            "            payments.apply_async(args=(order_id,))\n",
            lines=(5,),
            note="asyncpg conn.transaction()",
        ),
        Example(
            "from django.db import transaction\n"
            "from orders.tasks import send_receipt\n"
            "def place(user, total):\n"
            "    with transaction.atomic():\n"
            "        order = Order.objects.create(user=user, total=total)\n"
            "        send_receipt.apply_async(args=(order.id,), countdown=5)\n",
            lines=(6,),
            note="near-miss: a countdown of a few seconds can start the task before a slow commit",
        ),
        Example(
            "from django.db import transaction\n"
            "RETRY_INTERVALS = (5, 30, 300, 3600)\n"
            "def retry(hook_id, attempt):\n"
            "    with transaction.atomic():\n"
            "        Hook.objects.filter(pk=hook_id).update(attempts=attempt)\n"
            "        send_webhook.apply_async(args=(hook_id, attempt + 1), countdown=RETRY_INTERVALS[attempt])\n",
            lines=(6,),
            note="near-miss: a countdown read from a sequence of constants is as short as its shortest item (pretix)",
        ),
    )
    valid = (
        Example(
            "from django.db import transaction\n"
            "from orders.tasks import send_receipt\n"
            "def place(user, total):\n"
            "    with transaction.atomic():\n"
            "        order = Order.objects.create(user=user, total=total)\n"
            "        transaction.on_commit(lambda: send_receipt.delay(order.id))\n",
            note="near-miss: on_commit runs the enqueue after the commit",
        ),
        Example(
            "from django.db import transaction\n"
            "def place(user, total):\n"
            "    with transaction.atomic():\n"
            "        order = Order.objects.create(user=user, total=total)\n"
            "        OutboxMessage.objects.create(topic='order.placed', payload={'id': order.id})\n",
            note="near-miss: the outbox row is written in the transaction; a relay publishes it after the commit",
        ),
        Example(
            "import httpx\n"
            "async def fetch_availability(client, sku):\n"
            "    response = await client.get(f'/v2/availability/{sku}', timeout=5)\n"
            "    return response.json()\n",
            note="near-miss: an HTTP call in a function that never touches the database",
        ),
        Example(
            "import requests\n"
            "def sync(lock, order):\n"
            "    with lock:\n"
            "        order.save()\n"
            "        requests.post(WEBHOOK, json={'order': order.id}, timeout=5)\n",
            note="near-miss: a `with` of a lock opens no transaction, and `save()` commits on its own",
        ),
        Example(
            "from django.core.mail import send_mail\n"
            "def signup(session, form):\n"
            "    session.add(User(email=form.email))\n"
            "    session.commit()\n"
            "    send_mail('Welcome', 'Hi', 'noreply@example.com', [form.email])\n",
            note="near-miss: the email goes out after the commit",
        ),
        Example(
            "from django.db import transaction\n"
            "def place(user, total):\n"
            "    with transaction.atomic():\n"
            "        order = Order.objects.create(user=user, total=total)\n"
            "        cache.set(f'order:{order.id}', total)\n"
            "    send_receipt.delay(order.id)\n",
            note="near-miss: a cache write inside, the enqueue after the block",
        ),
        Example(
            "from django.core.mail import send_mail\n"
            "from rest_framework.decorators import api_view\n"
            "@api_view(['POST'])\n"
            "def invite(request):\n"
            "    Invite.objects.create(email=request.data['email'])\n"
            "    send_mail('Invite', 'Join us', 'noreply@example.com', [request.data['email']])\n",
            path="shop/views.py",
            note="near-miss: ATOMIC_REQUESTS is off, so the create committed already",
        ),
        Example(
            "from datetime import timedelta\n"
            "from django.db import transaction\n"
            "from django.utils import timezone\n"
            "def record(status_id, project):\n"
            "    with transaction.atomic():\n"
            "        status = ProjectStatus.objects.select_for_update().get(pk=status_id)\n"
            "        notify_on_timeout.apply_async(args=[status_id], countdown=project.notification_timeout)\n"
            "        remind.apply_async(args=[status_id], eta=timezone.now() + timedelta(hours=1))\n"
            "        status.save()\n",
            note="near-miss: tasks scheduled for later (a configured countdown, an eta an hour ahead) start after the commit (squad)",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.transactions = context.shared(Transactions)
        self.active = not context.in_migration

    def visit_Call(self, node: cst.Call) -> None:
        if not self.active:
            return
        effect = side_effect(node, self.context)
        if not effect or (effect == "task enqueue" and scheduled_after_commit(node, self.context)):
            return
        scope = self.transactions.open_scope()
        if not scope:
            return
        self.report(node, effect=effect[0].upper() + effect[1:], call=code(self.context, node, 50), scope=scope)
