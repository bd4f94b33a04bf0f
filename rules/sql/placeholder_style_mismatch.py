from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, PythonRule
from reviewer.sql.sinks import SINK_NEEDS
from reviewer.sql.sql_fixes import file_driver
from reviewer.sql.sqllex import NUMERIC, placeholder_styles
from reviewer.sql.sqltext import DRIVER_STYLES, STYLE_EXAMPLE, STYLE_PREFERENCE

# Keywords under which DB-API and asyncpg calls take the bound values.
PARAMETER_KEYWORDS = frozenset({"parameters", "params", "args", "vars", "seq_of_parameters", "parameters_list"})
# Sinks whose SQL goes to the driver as written (SQLAlchemy's text() has its own `:name`).
DRIVER_SINKS = frozenset({"execute", "executemany", "fetch", "fetchrow", "fetchval", "exec_driver_sql", "read_sql", "read_sql_query"})
DJANGO_SINKS = frozenset({"raw", "RawSQL"})


class PlaceholderStyleMismatch(PythonRule):
    """SQL run with bound values whose placeholders are not the style the driver takes. `?`
    with psycopg2/psycopg/PyMySQL or Django's cursor (which all take `%s`), `%s` with sqlite3
    (which takes `?` or `:name`), `%s` or `?` with asyncpg (which takes `$1`). The call fails
    at run time (`not all arguments converted`, `near "%": syntax error`) the first time the
    code path runs, typically in production on the branch the tests did not cover.

    The driver is read from the file's imports; a file that imports drivers of different
    styles, or SQL with no bound values, is not reported; nor is a call to the class's own
    method (`self.execute(...)` in a driver adapter), and psycopg 3's `RawCursor` /
    `AsyncRawCursor`, which take `$1`, make `$1` the expected style."""

    code = "SQL009"
    # Opt-in until the field has judged 5 of its findings (reviewer.precision.MIN_EVIDENCE); no finding on the ecosystem check's projects yet.
    opt_in = True
    name = "placeholder-style-mismatch"
    summary = "Bound values with placeholders in a style the driver does not take."
    category = Category.SQL
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "`{placeholder}` placeholder in SQL run through `{driver}`, which expects `{expected}`"
    fix = "Write the driver's placeholders: `{expected}` (e.g. `cur.execute(\"... WHERE id = {expected}\", (id,))`)"
    seed = 'S1:75 "Use parameterized queries to prevent SQL injection"'
    references = ("https://peps.python.org/pep-0249/#paramstyle",)
    needs = SINK_NEEDS
    invalid = (
        Example(
            "import sqlite3\n"
            "def find(conn, email):\n"
            '    return conn.execute("SELECT id FROM users WHERE email = %s", (email,)).fetchone()\n',
            lines=(3,),
        ),
        Example(
            "import psycopg2\n"
            "def find(cur, email):\n"
            '    cur.execute("SELECT id FROM users WHERE email = ?", (email,))\n',
            lines=(3,),
        ),
        Example(
            "import asyncpg\n"
            "async def find(pool, email):\n"
            '    return await pool.fetchrow("SELECT id FROM users WHERE email = %s", email)\n',
            lines=(3,),
        ),
        Example(
            "import psycopg2\n"
            "def find(cur, email):\n"
            '    cur.execute("SELECT id FROM users -- the user\'s own row\\nWHERE email = ?", (email,))\n',
            lines=(3,),
        ),
    )
    valid = (
        Example(
            "import psycopg\n"
            "from psycopg import AsyncRawCursor\n"
            "async def notify(connection, channel, payload):\n"
            "    cursor = AsyncRawCursor(connection)\n"
            '    await cursor.execute("SELECT pg_notify($1, $2)", (channel, payload))\n',
            note="near-miss: psycopg 3's raw cursor takes `$1`",
        ),
        Example(
            "import psycopg\n"
            "class Driver:\n"
            "    async def notify(self, channel, payload):\n"
            '        await self.execute("SELECT pg_notify($1, $2)", channel, payload)\n',
            note="near-miss: the adapter's own method, not the driver",
        ),
        Example(
            "import sqlite3\n"
            "def find(conn, email):\n"
            '    return conn.execute("SELECT id FROM users WHERE email = ? OR alias = :email", (email,)).fetchone()\n'
        ),
        Example(
            "import psycopg2\n"
            "def tagged(cur, key):\n"
            "    cur.execute(\"SELECT id FROM docs WHERE data ? 'tags' AND owner = %s\", (key,))\n",
            note="near-miss: PostgreSQL's JSONB `?` operator",
        ),
        Example(
            "import psycopg2\nimport sqlite3\n"
            "def find(cur, email):\n"
            '    cur.execute("SELECT id FROM users WHERE email = ?", (email,))\n',
            note="near-miss: two drivers of different styles in one file",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        site = self.context.sql_site(node)
        if site is None:
            return
        sink = site.sink
        leaf = sink.label.rsplit(".", 1)[-1].rstrip("()")
        django = leaf in DJANGO_SINKS
        if not django and leaf not in DRIVER_SINKS:
            return
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
            return  # the class's own method (a driver adapter), not the driver
        if not _has_parameters(node, sink.argument):
            return
        driver = "django.db" if django else file_driver(self.context.imports.aliases.values())
        if driver is None:
            return
        expected = DRIVER_STYLES[driver]
        if driver.startswith("psycopg") and any(
            target.startswith("psycopg.") and target.endswith("RawCursor") for target in self.context.imports.aliases.values()
        ):
            expected = expected | {NUMERIC}  # psycopg 3's raw cursors take PostgreSQL's own `$1`
        if not site.template.literal_text.strip():
            return
        used = placeholder_styles(site.rendered, site.dialect)
        if not used or not set(used).isdisjoint(expected):
            return
        style = next(style for style in STYLE_PREFERENCE if style in used)
        wanted = STYLE_EXAMPLE[next(style for style in STYLE_PREFERENCE if style in expected)]
        self.report(
            node,
            placeholder=used[style],
            driver=driver.split(".")[0] if driver != "django.db" else "Django",
            expected=wanted,
        )


def _has_parameters(call: cst.Call, sql: cst.BaseExpression) -> bool:
    for arg in call.args:
        if arg.value is sql:
            continue
        if arg.keyword is None or arg.keyword.value in PARAMETER_KEYWORDS:
            return True
    return False
