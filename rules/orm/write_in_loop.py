from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.querysets import LoopStack, QueryTracker, classify_call
from reviewer.rule import Example, PythonRule

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
    Retrying(...)`) are not per-row and are not reported."""

    code = "ORM003"
    name = "write-in-loop"
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
    triggers = ("for ",)
    index_sections = ("orm_models",)
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
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.tracker = context.shared(QueryTracker)
        self.loops = context.shared(LoopStack)
        self.active = not context.in_migration
        self.handled: set[int] = set()

    def visit_Call(self, node: cst.Call) -> None:
        loop = self.loops.innermost
        if not self.active or loop is None or id(node) in self.handled:
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
        if found.action == "commit":
            if self.loops.conditional():
                return
            self.report(node, call=_short(self.context, node), loop=_loop_text(self.context, loop.node), severity=Severity.MEDIUM)
            return
        self.report(node, call=_short(self.context, node), loop=_loop_text(self.context, loop.node))


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
