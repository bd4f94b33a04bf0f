from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.needs import qualified
from reviewer.rule import Example, PythonRule

CONNECTS = frozenset(
    {"psycopg2.connect", "psycopg.connect", "psycopg.AsyncConnection.connect", "pymysql.connect", "MySQLdb.connect",
     "asyncpg.connect", "asyncpg.create_pool", "sqlalchemy.create_engine", "sqlalchemy.ext.asyncio.create_async_engine",
     "mysql.connector.connect"}
)
LOCAL_FILES = frozenset({"sqlite3.connect", "aiosqlite.connect"})
REQUEST_GLOBALS = frozenset({"flask.g", "quart.g"})


class DbConnectionPerRequest(PythonRule):
    """A request handler (or Flask's per-request `g`) opens a new database connection or
    creates an engine on every request instead of borrowing one from a shared pool.

    A PostgreSQL connection costs a process fork and an authentication round trip (several
    milliseconds); opening one per request adds that to every response and, under load,
    runs into `max_connections` and fails requests. An engine or pool created per request
    also throws its pool away. Create the pool once (module level or app lifespan) and borrow
    from it; an external pooler (PgBouncer) does not make a per-request TCP connect free.
    SQLite files are reported at info severity, CLI scripts and jobs are not reported."""

    code = "OPS004"
    # Opt-in until the field has judged 5 of its findings (reviewer.precision.MIN_EVIDENCE); no finding on the ecosystem check's projects yet.
    opt_in = True
    name = "db-connection-per-request"
    summary = "A request handler opens a new database connection or engine on every request."
    category = Category.OPS
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "`{call}` opens a new database connection on every request"
    fix = "Create a pool once and borrow from it: `pool = ConnectionPool(DSN)` ... `with pool.connection() as conn:`"
    seed = 'S1:129 "Implement database connection pooling"; S4:425; S5:539'
    references = (
        "https://www.psycopg.org/psycopg3/docs/advanced/pool.html",
        "https://docs.sqlalchemy.org/en/20/core/pooling.html",
    )
    # A call of one of them, through any import or alias.
    needs = qualified(*sorted(CONNECTS | LOCAL_FILES))
    invalid = (
        Example(
            "import psycopg\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            '@app.get("/items")\n'
            "def items():\n"
            "    with psycopg.connect(DSN) as conn:\n"
            '        return conn.execute("SELECT id FROM items ORDER BY id LIMIT 50").fetchall()\n',
            path="app/main.py",
            lines=(6,),
        ),
        Example(
            "import psycopg2\nfrom flask import current_app, g\n"
            "def get_conn():\n"
            '    if "db" not in g:\n'
            '        g.db = psycopg2.connect(current_app.config["DATABASE_URL"])\n'
            "    return g.db\n",
            path="app/db.py",
            lines=(5,),
            note="Flask's `g` lives for one request",
        ),
    )
    valid = (
        Example(
            "from psycopg_pool import ConnectionPool\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "pool = ConnectionPool(DSN, min_size=1, max_size=10)\n"
            '@app.get("/items")\n'
            "def items():\n"
            "    with pool.connection() as conn:\n"
            '        return conn.execute("SELECT id FROM items ORDER BY id LIMIT 50").fetchall()\n',
            path="app/main.py",
        ),
        Example(
            "import psycopg2\n"
            "def main():\n"
            "    conn = psycopg2.connect(DSN)\n"
            "    run_report(conn)\n",
            path="scripts/report.py",
            note="near-miss: a script connects once",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return
        qualified = self.context.resolve(func) or ""
        if qualified not in CONNECTS and qualified not in LOCAL_FILES:
            return
        function = self.context.scopes.function
        if function is None or not function.is_handler:
            return
        self._flag(node, qualified)

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        if not isinstance(value, cst.Call) or not isinstance(value.func, (cst.Name, cst.Attribute)):
            return
        qualified = self.context.resolve(value.func) or ""
        if qualified not in CONNECTS and qualified not in LOCAL_FILES:
            return
        function = self.context.scopes.function
        if function is not None and function.is_handler:
            return  # visit_Call reports it
        for target in node.targets:
            holder = target.target
            if isinstance(holder, cst.Attribute) and isinstance(holder.value, (cst.Name, cst.Attribute)):
                if self.context.resolve(holder.value) in REQUEST_GLOBALS:
                    self._flag(value, qualified)
                    return

    def _flag(self, node: cst.Call, qualified: str) -> None:
        if qualified in LOCAL_FILES:
            self.report(node, call=qualified, severity=Severity.INFO, confidence=Confidence.MEDIUM)
        else:
            self.report(node, call=qualified)
