from __future__ import annotations

from typing import Any

import libcst as cst

from reviewer.model import Category, Confidence, FileKind, Location, Severity
from reviewer.rule import Example, PythonRule, SqlRule
from reviewer.sql.sinks import SINK_NEEDS, DRIVER_DIALECTS
from reviewer.sql.sqltext import parse_error


class SqlSyntaxError(PythonRule, SqlRule):
    """SQL that does not parse in the dialect in use: a statement of a `.sql` file (migrations
    included), or a constant SQL string passed to a database call. The statement fails when it
    runs; in a migration, halfway through a deploy. The finding carries the parser's message.

    The dialect is the configured one for `.sql` files and, for SQL in Python, the one the
    file's driver implies (psycopg/asyncpg: postgres, PyMySQL: mysql, sqlite3: sqlite); SQL in a
    Python file that imports no driver is not checked, since code behind SQLAlchemy often
    branches on the dialect at run time. SQL with interpolated holes is not checked here (its
    text is not known). A `.sql` statement reported by this rule is not listed again under the
    report's `errors`; with the rule switched off, the file is listed there as before.

    Opt-in (profile `audit`): on the ecosystem check's tuned projects all 5 findings were valid
    PostgreSQL that the parser does not know (`character varying[]` in a function signature,
    `%(name)s` placeholders in a `.sql` query file), precision 0.0. A statement that does not
    parse says more about the parser than about the code, so by default it is listed once under
    the report's `errors` (the file was not fully checked) instead of being a finding.

    A `.sql` file with template syntax (`{% ... %}`, `{{ ... }}` outside string literals: a
    Jinja or Django template of SQL) is not scanned at all (reviewer.discovery): it is SQL
    only once the application renders it."""

    code = "SQL010"
    opt_in = True
    name = "sql-syntax-error"
    summary = "SQL that does not parse in the dialect in use."
    category = Category.SQL
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    sees_unparsed = True
    file_kinds = frozenset(FileKind)
    message = "SQL does not parse as {dialect}: {error}"
    fix = "Correct the statement (run it against the database once), or set `dialect:` in .reviewer.yml if the database is not {dialect}"
    seed = 'S3:250 "migrations tested both ways"; S1:75 "Use parameterized queries"'
    references = ("https://sqlglot.com/sqlglot/parser.html",)
    needs = SINK_NEEDS
    invalid = (
        Example("CREATE TABLE accounts (id bigint PRIMARY KEY);\nSELECT id FROM WHERE id = 1;\n", lines=(2,)),
        Example(
            "import psycopg2\n"
            "def count(cur):\n"
            '    cur.execute("SELECT COUNT(id FROM orders")\n',
            path="app.py",
            lines=(3,),
        ),
        Example(
            "UPDATE settings SET value = '{\"theme\": {\"dark\": true}}' WHERE key = 'ui';\n"
            "INSERT INTO grids (cells) VALUES ('{{1,2},{3,4}}');\n"
            "INSERT INTO mail_templates (body) VALUES ('Hello {{ user.name }}');\n"
            "SELECT id FROM WHERE id = 1;\n",
            path="db/migrations/0007_settings.sql",
            lines=(4,),
            note="braces in string literals (a JSON value, an array literal, a stored mail template) are SQL: the migration is read",
        ),
    )
    valid = (
        Example("CREATE TABLE accounts (id bigint PRIMARY KEY);\nSELECT id FROM accounts WHERE id = 1;\n"),
        Example(
            "import psycopg2\n"
            "def count(cur, where):\n"
            '    cur.execute("SELECT COUNT(id) FROM orders WHERE " + where)\n'
            '    cur.execute("SELECT id FROM orders WHERE id = %s", (1,))\n',
            path="app.py",
            note="near-miss: a template with a hole, and a bound placeholder",
        ),
        Example(
            "import psycopg2\n"
            "def tagged(cur, owner):\n"
            "    cur.execute(\"SELECT id FROM docs WHERE data ? 'tags' AND owner = %s\", (owner,))\n",
            path="app.py",
            note="near-miss: PostgreSQL's JSONB `?` operator, not a placeholder",
        ),
        Example(
            "{% import 'macros/privilege.macros' as PRIVILEGE %}\n"
            "CREATE TABLE {{ conn|qtIdent(data.schema, data.name) }} (\n"
            "{% for c in data.columns %}    {{ c.name }} {{ c.type }}{% if not loop.last %},{% endif %}\n{% endfor %}\n"
            ");\n",
            path="app/tables/templates/tables/sql/default/create.sql",
            note="near-miss: a Jinja template of SQL (pgAdmin's generator) is not SQL; it is not scanned",
        ),
    )

    def __init__(self, context: Any = None, settings: dict[str, Any] | None = None) -> None:
        if isinstance(context, dict) or context is None:
            SqlRule.__init__(self, context)
        else:
            PythonRule.__init__(self, context, settings)

    # -- .sql files --------------------------------------------------------------------------
    def check(self, statement, source) -> None:
        return  # parsed statements are fine; unparsed ones come through check_unparsed

    def check_unparsed(self, source, error: str) -> None:
        self.report(Location(source.line, source.column, source.line, source.column), dialect=source.dialect, error=error)

    # -- SQL in Python -----------------------------------------------------------------------
    def _driver_dialect(self) -> bool:
        """The file imports a driver, so the dialect is known, not assumed (code that runs
        through SQLAlchemy may branch on the dialect at run time)."""
        return any(target.split(".")[0] in DRIVER_DIALECTS for target in self.context.imports.aliases.values())

    def visit_Call(self, node: cst.Call) -> None:
        site = self.context.sql_site(node)
        if site is None:
            return
        sink, template = site.sink, site.template
        if sink.confidence is not Confidence.HIGH or sink.fragment or not self._driver_dialect():
            return
        if not template.parts or template.holes or "__const" in template.literal_text:
            return
        if not site.is_statement:
            return
        error = parse_error(site.text, site.dialect)
        if error is None:
            return
        self.report(node, dialect=site.dialect, error=error)
