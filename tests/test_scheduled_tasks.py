"""transactions.scheduled_after_commit: a task queued inside a transaction but scheduled to start
after it commits (Celery countdown / eta, RQ enqueue_in / enqueue_at) is not ORM010's; the
threshold is transactions.AFTER_COMMIT_SECONDS (60 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.orm.transactions import AFTER_COMMIT_SECONDS
from tests.conftest import scan_tree, write_tree

HEADER = (
    "from datetime import timedelta\n"
    "from django.db import transaction\n"
    "from django.utils import timezone\n"
    "INTERVALS = (5, 30, 300)\n"
    "LONG = (120, 300)\n"
    "def place(order, project, queue, delay):\n"
    "    when = timezone.now() + timedelta(minutes=5)\n"
    "    with transaction.atomic():\n"
    "        order.save()\n"
)

CASES = [
    ("send_receipt.delay(order.id)", True),
    ("send_receipt.apply_async(args=(order.id,))", True),
    ("send_receipt.apply_async(args=(order.id,), countdown=0)", True),
    ("send_receipt.apply_async(args=(order.id,), countdown=59)", True),
    ("send_receipt.apply_async(args=(order.id,), countdown=60)", False),
    ("send_receipt.apply_async(args=(order.id,), countdown=15 * 60)", False),
    ("send_receipt.apply_async(args=(order.id,), countdown=INTERVALS[1])", True),  # as short as 5 s
    ("send_receipt.apply_async(args=(order.id,), countdown=LONG[0])", False),
    ("send_receipt.apply_async(args=(order.id,), countdown=2 ** delay)", True),  # computed: may be short
    ("send_receipt.apply_async(args=(order.id,), countdown=delay)", True),
    ("send_receipt.apply_async(args=(order.id,), countdown=project.notification_timeout)", False),  # configured
    ("send_receipt.apply_async(args=(order.id,), eta=timezone.now())", True),
    ("send_receipt.apply_async(args=(order.id,), eta=timezone.now() + timedelta(seconds=10))", True),
    ("send_receipt.apply_async(args=(order.id,), eta=timezone.now() + timedelta(hours=1))", False),
    ("send_receipt.apply_async(args=(order.id,), eta=when)", False),
    ("send_receipt.apply_async(args=(order.id,), eta=project.starts_at)", False),
    ("queue.enqueue_in(timedelta(seconds=5), send_receipt, order.id)", True),
    ("queue.enqueue_in(timedelta(minutes=2), send_receipt, order.id)", False),
]


def test_the_threshold_is_a_minute() -> None:
    assert AFTER_COMMIT_SECONDS == 60


@pytest.mark.parametrize(("call", "reported"), CASES)
def test_a_task_scheduled_after_the_commit_is_not_reported(tmp_path: Path, call: str, reported: bool) -> None:
    write_tree(tmp_path, {"shop/orders.py": HEADER + f"        {call}\n"})
    found = [f.line for f in scan_tree(tmp_path, select=("ORM010",)).findings if f.rule == "ORM010"]
    assert found == ([10] if reported else []), call
