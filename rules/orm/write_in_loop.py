from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.orm.querysets import LoopStack, QueryTracker, classify_call, is_wipe_command, is_wipe_command_module
from reviewer.rule import Example, Needs, PythonRule
from reviewer.walk import descendants

DJANGO = (
    (
        "events/models.py",
        "from django.db import models\n"
        "class Event(models.Model):\n"
        "    kind = models.CharField(max_length=32)\n",
    ),
)


class WriteInLoop(PythonRule):
    """Rows are written one at a time inside a loop (`save()`, `create()`, a per-row
    `INSERT`/`UPDATE`, or a `commit()` per iteration) where one bulk statement would do. Each
    pass is a round trip, and a commit per row also pays a transaction (and a disk flush) per
    row, so imports of a few thousand rows take minutes and leave half-written data when
    they fail midway.

    `session.add()` in a loop is not reported: SQLAlchemy's unit of work batches the inserts
    at flush. Commits inside a conditional in the loop (`if i % 1000 == 0: commit()`) are
    batching and are not reported; neither are loops over literal collections or `range()`
    (retries) nor data migrations. `bulk_create` and `update()` skip `save()` overrides and
    signals: check the model has none before switching. Loops over tables (`for model in
    MODELS: session.execute(delete(model)...)`) and retry loops (`for attempt in
    Retrying(...)`) are not per-row and are not reported.

    Row-by-row on purpose is not reported either: a write that must go through the model's own
    `save()` / `delete()` (the model overrides it, has `pre_save` / `post_save` receivers or
    logs each change with django-simple-history, django-reversion or django-auditlog, all of
    which a bulk write skips); a single-row table (django-solo, a `save()` pinning
    `self.pk = 1`); a `commit()` paired with a `rollback()` in an `except` inside the loop (one
    transaction per item, so one bad row does not undo the others); and maintenance commands
    whose purpose is a wipe (`management/commands/purge_*.py`, `@cli.command("reset-db")`).

    Opt-in: its field precision on the ecosystem check's tuned projects is 0.05 (strict 0.00)
    over 10 judged of 53 findings (`bench/ecosystem/verdicts.tsv`, scan `apiorm-4`), under the
    0.85 a default rule needs: the false ones are batched data migrations, per-item transactions
    or flushes on purpose, and imports of a few rows."""

    code = "ORM003"
    opt_in = True
    name = "write-in-loop"
    summary = "Rows are written one at a time inside a loop where one bulk statement would do."
    category = Category.ORM
    severity = Severity.INFO
    confidence = Confidence.HIGH
    message = "`{call}` writes once per iteration of the loop over `{loop}`"
    fix = (
        "Write in bulk: `Event.objects.bulk_create([Event(**r) for r in rows], batch_size=1000)` / "
        "`bulk_update(objs, fields)` / `session.add_all(objs)` with one `commit()` after the loop / "
        "`cur.executemany(sql, rows)`"
    )
    seed = 'S4:440 "Query optimization"; S1:49'
    references = (
        "https://docs.djangoproject.com/en/stable/ref/models/querysets/#bulk-create",
        "https://docs.sqlalchemy.org/en/20/orm/queryguide/dml.html#orm-bulk-insert-statements",
    )
    needs = Needs(loops=True)
    index_sections = ("orm_models", "symbols")
    invalid = (
        Example(
            "from events.models import Event\n"
            "def load(rows):\n"
            "    for row in rows:\n"
            "        Event.objects.create(**row)\n",
            path="events/load.py",
            files=DJANGO,
            lines=(4,),
        ),
        Example(
            "def load(session, rows):\n"
            "    for r in rows:\n"
            "        session.add(Event(**r))\n"
            "        session.commit()\n",
            lines=(4,),
            note="a commit per row (medium)",
        ),
        Example(
            "def mark(conn, ids):\n"
            "    cur = conn.cursor()\n"
            "    for i in ids:\n"
            "        cur.execute('UPDATE jobs SET done = true WHERE id = %s', (i,))\n",
            lines=(4,),
        ),
    )
    valid = (
        Example(
            "from events.models import Event\n"
            "def load(rows):\n"
            "    Event.objects.bulk_create([Event(**r) for r in rows], batch_size=1000)\n",
            path="events/load.py",
            files=DJANGO,
        ),
        Example(
            "def load(session, rows):\n"
            "    for r in rows:\n"
            "        session.add(Event(**r))\n"
            "    session.commit()\n",
            note="near-miss: session.add in the loop, one commit after it",
        ),
        Example(
            "def load(session, rows):\n"
            "    for n, r in enumerate(rows):\n"
            "        session.add(Event(**r))\n"
            "        if n % 1000 == 0:\n"
            "            session.commit()\n",
            note="near-miss: a commit every 1000 rows is batching",
        ),
        Example(
            "def load(session, rows):\n"
            "    for r in rows:\n"
            "        try:\n"
            "            session.add(Event(**r))\n"
            "            session.commit()\n"
            "        except IntegrityError:\n"
            "            session.rollback()\n"
            "            log.warning('skipped %s', r)\n",
            note="near-miss: commit paired with rollback in the loop: one transaction per item, on purpose",
        ),
        Example(
            "def load(session, rows):\n"
            "    for r in rows:\n"
            "        try:\n"
            "            session.add(Event(**r))\n"
            "            session.commit()\n"
            "        except IntegrityError as error:\n"
            "            if session.in_transaction():\n"
            "                session.rollback()\n"
            "            log.warning('skipped %s: %s', r, error)\n",
            note="near-miss: the rollback may sit inside a branch of the except",
        ),
        Example(
            "from events.models import Event\n"
            "def load(rows):\n"
            "    for row in rows:\n"
            "        Event.objects.create(**row)\n",
            path="events/load.py",
            files=(
                DJANGO[0],
                ("events/signals.py", "from django.db.models.signals import post_save\nfrom django.dispatch import receiver\n"
                 "from events.models import Event\n@receiver(post_save, sender=Event)\ndef notify(sender, instance, **kw):\n    push(instance)\n"),
            ),
            note="near-miss: `post_save` receivers must run per row, and bulk_create skips them",
        ),
        Example(
            "from events.models import Event\n"
            "def rename(ids):\n"
            "    for event in Event.objects.filter(pk__in=ids):\n"
            "        event.kind = event.kind.lower()\n"
            "        event.save()\n",
            path="events/load.py",
            files=(
                ("events/models.py", "from django.db import models\nfrom simple_history.models import HistoricalRecords\n"
                 "class Event(models.Model):\n    kind = models.CharField(max_length=32)\n    history = HistoricalRecords()\n"),
            ),
            note="near-miss: each change is logged (django-simple-history); `bulk_update` would skip the history rows",
        ),
        Example(
            "from events.models import Event\n"
            "def load(rows):\n"
            "    for row in rows:\n"
            "        event = Event(**row)\n"
            "        event.save()\n",
            path="events/load.py",
            files=(
                ("events/models.py", "from django.db import models\nclass Event(models.Model):\n"
                 "    kind = models.CharField(max_length=32)\n"
                 "    def save(self, *args, **kwargs):\n        self.kind = self.kind.upper()\n        super().save(*args, **kwargs)\n"),
            ),
            note="near-miss: the model overrides `save()`, which `bulk_create` would skip",
        ),
        Example(
            "from core.models import SiteSettings\n"
            "def apply(values):\n"
            "    for key, value in values.items():\n"
            "        settings = SiteSettings.objects.get(pk=1)\n"
            "        setattr(settings, key, value)\n"
            "        settings.save()\n",
            path="core/apply.py",
            files=(
                ("core/models.py", "from django.db import models\nfrom solo.models import SingletonModel\n"
                 "class SiteSettings(SingletonModel):\n    title = models.CharField(max_length=80)\n"),
            ),
            note="near-miss: a single-row settings table: there is nothing to batch",
        ),
        Example(
            "from django.core.management.base import BaseCommand\n"
            "from events.models import Event\n"
            "class Command(BaseCommand):\n"
            "    def handle(self, *args, **options):\n"
            "        for event in Event.objects.all():\n"
            "            event.delete()\n",
            path="events/management/commands/purge_events.py",
            files=DJANGO,
            note="near-miss: a maintenance command whose purpose is the wipe",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.tracker = context.shared(QueryTracker)
        self.loops = context.shared(LoopStack)
        self.active = not context.in_migration and not is_wipe_command_module(context.path)
        self.handled: set[int] = set()
        self.wipes: list[cst.FunctionDef] = []
        # Open `try` blocks: (node, loop depth when entered, whether an `except` rolls back).
        self.tries: list[tuple[cst.Try, int, bool]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if is_wipe_command(node):
            self.wipes.append(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.wipes and self.wipes[-1] is node:
            self.wipes.pop()

    def visit_Try(self, node: cst.Try) -> None:
        self.tries.append((node, len(self.loops.loops), any(_rolls_back(h) for h in node.handlers)))

    def leave_Try(self, node: cst.Try) -> None:
        if self.tries and self.tries[-1][0] is node:
            self.tries.pop()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.tries.append((node, -1, False))  # type: ignore[arg-type]  # handler bodies are not the try body

    def leave_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if self.tries and self.tries[-1][0] is node:
            self.tries.pop()

    def _per_item_transaction(self) -> bool:
        """Inside a `try` (within the innermost loop) whose `except` rolls back: one
        transaction per item, on purpose."""
        for _, depth, rolls_back in reversed(self.tries):
            if depth < len(self.loops.loops):
                return False  # a handler body, or a try outside the innermost loop
            if rolls_back:
                return True
        return False

    def visit_Call(self, node: cst.Call) -> None:
        loop = self.loops.innermost
        if not self.active or loop is None or id(node) in self.handled or self.wipes:
            return
        found = classify_call(node, self.tracker)
        if found is None:
            return
        for call in found.chain:
            self.handled.add(id(call))
        if found.action == "read" or loop.literal or loop.batched:
            return
        if isinstance(found.table, cst.Name) and found.table.value in loop.names:
            return  # one statement per table (`for model in MODELS: delete(model)...`), not per row
        if self._per_item_transaction():
            return
        if found.method and self.tracker.graph.per_instance_write(found.model, found.method):
            return  # the model's own save()/delete() must run per row
        if found.action == "commit":
            if self.loops.conditional():
                return
            self.report(node, call=_short(self.context, node), loop=_loop_text(self.context, loop.node), severity=Severity.MEDIUM)
            return
        self.report(node, call=_short(self.context, node), loop=_loop_text(self.context, loop.node))


def _rolls_back(handler: cst.ExceptHandler) -> bool:
    """The handler calls `<something>.rollback()`, at any depth (`if retry: ... else: session.rollback()`)."""
    return any(
        isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "rollback"
        for node in descendants(handler.body)
    )


def _loop_text(context, loop: cst.CSTNode) -> str:
    if isinstance(loop, cst.For):
        text = context.module.code_for_node(loop.iter)
    else:
        text = context.module.code_for_node(loop.for_in.iter)  # type: ignore[attr-defined]
    text = " ".join(text.split())
    return text if len(text) <= 50 else text[:47] + "..."


def _short(context, node: cst.CSTNode) -> str:
    text = " ".join(context.module.code_for_node(node).split())
    return text if len(text) <= 60 else text[:57] + "..."
