from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.needs import qualified
from reviewer.rule import Example, Needs, PythonRule

BLOCKING = {
    **{f"requests.{verb}": "HTTP call" for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request")},
    "urllib.request.urlopen": "HTTP call",
    "time.sleep": "sleep",
    "subprocess.run": "subprocess",
    "subprocess.call": "subprocess",
    "subprocess.check_call": "subprocess",
    "subprocess.check_output": "subprocess",
    "os.system": "subprocess",
    "psycopg2.connect": "database connection",
    "pymysql.connect": "database connection",
    "MySQLdb.connect": "database connection",
    "sqlite3.connect": "database connection",
    "smtplib.SMTP": "SMTP connection",
}
SYNC_SESSIONS = frozenset({"sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session", "sqlmodel.Session"})
SESSION_METHODS = frozenset(
    {"execute", "scalars", "scalar", "get", "query", "commit", "flush", "refresh", "add", "add_all", "delete", "merge", "rollback"}
)
DJANGO_SYNC = frozenset(
    {"get", "create", "get_or_create", "update_or_create", "count", "exists", "first", "last", "update", "delete",
     "bulk_create", "bulk_update", "aggregate", "in_bulk", "latest", "earliest"}
)


class BlockingIoInAsync(PythonRule):
    """Blocking I/O (a sync HTTP call, `time.sleep`, a subprocess, a sync database driver or
    SQLAlchemy `Session`, the sync Django ORM) runs inside an `async def`.

    An `async def` shares one event loop with every other request of the process: while a
    blocking call waits, nothing else runs, so one slow dependency stalls all requests. The
    sync Django ORM raises `SynchronousOnlyOperation` in async code. Use the async client
    (`httpx.AsyncClient`, `asyncio.sleep`, `AsyncSession`, `aget`/`asave`), move the work to
    a thread (`asyncio.to_thread`, `run_in_threadpool`, `sync_to_async`), or make a FastAPI
    endpoint a plain `def`, which FastAPI runs in its threadpool."""

    code = "OPS003"
    # Opt-in until the field has judged 5 of its findings (reviewer.precision.MIN_EVIDENCE); first findings on held-out cohorts: 2 true of 2 (c6, c7).
    opt_in = True
    name = "blocking-io-in-async"
    summary = "Blocking I/O runs inside an `async def`."
    category = Category.OPS
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "Blocking {what} `{call}` inside `async def {function}`"
    fix = "Use the async API (`await asyncio.sleep(...)`, `httpx.AsyncClient`), or `await asyncio.to_thread(func, ...)`"
    seed = 'S1:68 "Performance: Connection pooling, async processing"; S5:540 "Use asynchronous processing for heavy operations"'
    references = (
        "https://fastapi.tiangolo.com/async/#path-operation-functions",
        "https://docs.djangoproject.com/en/stable/topics/async/#async-safety",
    )
    # A call directly in an `async def` of something BLOCKING, or of a sync session's or the sync
    # Django ORM's method.
    needs = Needs(syntax=("AsyncFunctionDef",)) & (
        qualified(*BLOCKING)
        | Needs(calls=tuple(sorted(SESSION_METHODS))) & qualified(*SYNC_SESSIONS)
        | Needs(calls=tuple(sorted(DJANGO_SYNC))) & Needs(names=("objects",))
    )
    invalid = (
        Example(
            "import time\nimport requests\n"
            "async def push(url, payload):\n"
            "    resp = requests.post(url, json=payload, timeout=10)\n"
            "    time.sleep(2)\n"
            "    return resp\n",
            path="app/services/notify.py",
            lines=(4, 5),
        ),
        Example(
            "from fastapi import APIRouter, Depends\n"
            "from sqlalchemy.orm import Session\n"
            "router = APIRouter()\n"
            '@router.post("/{oid}/ship")\n'
            "async def ship(oid: int, db: Session = Depends(get_db)):\n"
            "    order = db.get(Order, oid)\n"
            "    db.commit()\n",
            path="app/routers/orders.py",
            lines=(6, 7),
            note="sync Session in an async endpoint",
        ),
        Example(
            "async def detail(request, pk):\n"
            "    product = Product.objects.get(pk=pk)\n"
            "    return product\n",
            path="shop/views.py",
            lines=(2,),
            note="Django raises SynchronousOnlyOperation",
        ),
    )
    valid = (
        Example(
            "import sqlalchemy as sa\n"
            "async def history(session: sa.orm.Session, query):\n"
            "    result = await session.execute(query)\n"
            "    return result.all()\n",
            path="app/history.py",
            note="near-miss: an awaited call is an async session's, whatever the annotation says",
        ),
        Example(
            "import asyncio\nimport requests\n"
            "async def push(url, payload):\n"
            "    await asyncio.sleep(2)\n"
            "    return await asyncio.to_thread(requests.post, url, json=payload, timeout=10)\n",
            path="app/services/notify.py",
        ),
        Example(
            "from fastapi import APIRouter, Depends\n"
            "from sqlalchemy.orm import Session\n"
            "router = APIRouter()\n"
            '@router.post("/{oid}/ship")\n'
            "def ship(oid: int, db: Session = Depends(get_db)):\n"
            "    return db.get(Order, oid)\n",
            path="app/routers/orders.py",
            note="near-miss: a sync endpoint runs in the threadpool",
        ),
        Example(
            "import time\n"
            "async def main():\n"
            "    def work():\n"
            "        time.sleep(1)\n"
            "    await loop.run_in_executor(None, work)\n",
            path="app/worker.py",
            note="near-miss: the blocking call is in a nested sync function",
        ),
        Example(
            "async def detail(request, pk):\n"
            "    return await Product.objects.aget(pk=pk)\n",
            path="shop/views.py",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.awaited: set[int] = set()  # calls whose result is awaited

    def visit_Await(self, node: cst.Await) -> None:
        self.awaited.add(id(node.expression))

    def visit_Call(self, node: cst.Call) -> None:
        if id(node) in self.awaited:
            return  # an awaited call yields to the event loop, whatever its receiver's annotation says
        scopes = self.context.scopes
        function = scopes.function
        if function is None or scopes.current is not function:
            return  # not directly in a function body (lambdas are handed to threads)
        definition = function.node
        if not isinstance(definition, cst.FunctionDef) or definition.asynchronous is None:
            return
        func = node.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return
        qualified = self.context.resolve(func) or ""
        name = definition.name.value
        if qualified in BLOCKING:
            self.report(node, what=BLOCKING[qualified], call=qualified, function=name)
            return
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        receiver = func.value
        if method in SESSION_METHODS and isinstance(receiver, cst.Name) and self._sync_session(receiver.value):
            self.report(
                node,
                what="database call on a sync SQLAlchemy `Session`",
                call=f"{receiver.value}.{method}",
                function=name,
                fix="Make the endpoint a plain `def` (FastAPI runs it in the threadpool) or use `AsyncSession` with `await`",
            )
        elif method in DJANGO_SYNC and isinstance(receiver, cst.Attribute) and receiver.attr.value == "objects":
            self.report(
                node,
                what="sync Django ORM call",
                call=f"objects.{method}",
                function=name,
                severity=Severity.HIGH,
                fix=f"Use the async ORM: `await Model.objects.a{method}(...)`, or wrap it in `sync_to_async`",
            )

    def _sync_session(self, name: str) -> bool:
        parameter = self.context.scopes.parameter(name)
        if parameter is None or parameter.annotation is None:
            return False
        annotation = parameter.annotation
        if isinstance(annotation, (cst.Name, cst.Attribute)):
            return self.context.resolve(annotation) in SYNC_SESSIONS
        return False
