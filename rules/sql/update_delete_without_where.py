from __future__ import annotations

from typing import Any

import libcst as cst
from sqlglot import exp

from reviewer.entrypoints import is_management_command
from reviewer.model import Category, Confidence, FileKind, Severity
from reviewer.names import dotted
from reviewer.rule import Example, Needs, PythonRule, SqlRule
from reviewer.sql.sites import SqlSite
from reviewer.sql.sqltext import display
from reviewer.sql.sinks import SINK_NEEDS

# SQLAlchemy constructors of a bulk statement.
SQLALCHEMY_BULK = frozenset(
    {
        "sqlalchemy.update", "sqlalchemy.delete", "sqlalchemy.sql.update", "sqlalchemy.sql.delete",
        "sqlalchemy.sql.expression.update", "sqlalchemy.sql.expression.delete",
    }
)
# Query-chain methods that narrow the rows a statement touches.
FILTERS = frozenset({"where", "filter", "filter_by", "exclude", "get", "limit", "with_parent"})
# Query-chain methods that keep the same rows.
PASS_THROUGH = frozenset(
    {"values", "returning", "execution_options", "ordered_values", "inline", "all", "order_by", "prefix_with", "options"}
)
# Words in a function or class name that say every row is meant.
WIPE_WORDS = (
    "reset", "purge", "wipe", "truncate", "flush", "teardown", "clear_all", "delete_all", "drop_all",
    "test_data", "testdata", "seed", "fixture", "sample_data", "demo_data",
)
# Tables that hold one row (Alembic's version tables, per plugin too).
SINGLE_ROW_TABLES = ("alembic_version",)
# Table names of scratch data, where emptying the table is the point.
SCRATCH_PREFIXES = ("tmp_", "temp_", "staging_", "scratch_")
FIX = (
    "Add the WHERE clause that names the rows (`... WHERE user_id = %s`), or, if every row is "
    "really meant, say so: `WHERE true` / `TRUNCATE`"
)
FIX_ORM = (
    "Filter the set first: `Order.objects.filter(created_at__lt=cutoff).update(...)` / "
    "`update(Order).where(Order.created_at < cutoff)`; if every row is meant, say so in a "
    "suppression with the reason"
)


class UpdateDeleteWithoutWhere(PythonRule, SqlRule):
    """An `UPDATE` or `DELETE` with no `WHERE`, or an ORM bulk update/delete on an unfiltered
    set, modifies every row of the table. One forgotten condition (a WHERE built in a branch
    that did not run, a filter dropped in a refactor) rewrites or empties a production table,
    and the only way back is a restore.

    Raw SQL is checked wherever it appears: `.sql` files outside migrations and SQL passed to
    a database call from Python. The ORM forms are Django `Model.objects.update(...)` and
    `.all().update()/.delete()`, SQLAlchemy `session.query(M).update()/.delete()` with no
    filter, `update(M)`/`delete(M)` executed without `.where()`, and Flask-SQLAlchemy
    `M.query.delete()`; not inside a function or class whose name says every row is meant
    (`reset`, `purge`, `wipe`, `truncate`, `delete_all`, `seed`, `test_data` ...) or in a
    seed/fixture file, and not an update whose every
    new value is computed from the row's own columns (`SET total = price * qty`, Django
    `F()` expressions): those refresh every row on purpose. SQLAlchemy's bulk update by primary key (`session.execute(update(M),
    [{"id": 1, ...}])`) and `TRUNCATE` say what they mean and are not reported; tables named
    `tmp_`/`staging_` are reported at info severity. Migrations (Alembic revision files
    wherever they live included) are left to the migration rules; Django management commands
    are operator-run maintenance, and Alembic's `alembic_version` tables hold one row, so
    emptying them is what the code means.

    Opt-in (profile `audit`): on the ecosystem check's tuned projects none of the 16 judged
    findings of the first scan was true (data migrations outside a `versions/` folder, a
    management command that rebuilds a table, a version table); after the fixes above two
    findings remain, both false (a default flag cleared on every row before one row becomes
    the default). Whole-table writes in real code were deliberate every time."""

    code = "SQL002"
    opt_in = True
    name = "update-delete-without-where"
    summary = "An `UPDATE` or `DELETE` without `WHERE` modifies every row of the table."
    category = Category.SQL
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    message = "`{statement}` has no WHERE clause and touches every row of `{table}`"
    fix = FIX
    seed = 'S3:239 "Data guardian: Protects data integrity at all costs"; S1:127 "Add database constraints for data integrity"'
    references = (
        "https://www.postgresql.org/docs/current/sql-update.html",
        "https://docs.sqlalchemy.org/en/20/orm/queryguide/dml.html",
        "https://docs.djangoproject.com/en/5.1/ref/models/querysets/#update",
    )
    needs = SINK_NEEDS | Needs.words("update", "delete", "UPDATE", "DELETE", "Update", "Delete")
    file_kinds = frozenset({FileKind.PYTHON, FileKind.SQL})
    invalid = (
        Example("UPDATE subscriptions SET status = 'cancelled';\n", lines=(1,)),
        Example(
            "def cancel_all(cur):\n"
            "    cur.execute(\"UPDATE subscriptions SET status = 'cancelled'\")\n",
            path="billing.py",
            lines=(2,),
        ),
        Example(
            "from orders.models import Order\n"
            "def archive():\n"
            '    Order.objects.update(status="archived")\n'
            "    Order.objects.all().delete()\n",
            path="jobs.py",
            lines=(3, 4),
        ),
        Example(
            "from sqlalchemy import update\n"
            "def recompute_vip(session):\n"
            "    stmt = update(Customer).values(is_vip=False)\n"
            "    session.execute(stmt)\n",
            path="service.py",
            lines=(4,),
        ),
        Example(
            "def rotate_audit(session):\n"
            "    session.query(AuditLog).delete()\n",
            path="service.py",
            lines=(2,),
        ),
    )
    valid = (
        Example(
            "from django.core.management.base import BaseCommand\n"
            "class Command(BaseCommand):\n"
            "    def handle(self, *args, **options):\n"
            "        CablePath.objects.all().delete()\n",
            path="dcim/management/commands/trace_paths.py",
            note="near-miss: a management command whose purpose is the wipe",
        ),
        Example(
            "def stamp(session, revision):\n"
            '    session.execute("DELETE FROM alembic_version")\n'
            '    session.execute("INSERT INTO alembic_version VALUES (:r)", {"r": revision})\n',
            note="near-miss: a single-row version table",
        ),
        Example(
            "import sqlalchemy as sa\n"
            "from alembic import op\n"
            'revision = "f98ae6d8e2cc"\n'
            'down_revision = "0a1250a5aa25"\n'
            "def upgrade():\n"
            "    connection = op.get_bind()\n"
            '    connection.execute(sa.text("UPDATE work_queue SET work_pool_id = NULL"))\n',
            path="server/_migrations/versions/postgresql/f98ae6d8e2cc_work_queue.py",
            note="near-miss: an Alembic revision outside a `versions/` folder beside env.py",
        ),
        Example("UPDATE subscriptions SET status = 'cancelled' WHERE user_id = 42;\nTRUNCATE audit_log;\n"),
        Example("UPDATE order_lines SET total = price * quantity;\n", note="near-miss: a refresh computed per row"),
        Example(
            "def cancel(cur, user_id):\n"
            "    cur.execute(\"UPDATE subscriptions SET status = 'cancelled' WHERE user_id = %s\", (user_id,))\n",
            path="billing.py",
        ),
        Example(
            "from orders.models import Order\n"
            "def archive(cutoff):\n"
            '    Order.objects.filter(created_at__lt=cutoff).update(status="archived")\n'
            "    order = Order.objects.get(pk=1)\n"
            "    order.delete()\n",
            path="jobs.py",
            note="near-miss: filtered set, one instance",
        ),
        Example(
            "from sqlalchemy import update\n"
            "def reprice(session, rows):\n"
            "    session.execute(update(Product), rows)\n"
            "    session.execute(update(Product).where(Product.id == 1).values(price=2))\n",
            path="service.py",
            note="near-miss: bulk update by primary key, and a filtered statement",
        ),
        Example(
            "def purge(cur, where):\n"
            '    cur.execute(f"DELETE FROM audit_log {where}")\n',
            path="service.py",
            note="near-miss: the WHERE may come from the hole",
        ),
        Example("DELETE FROM accounts;\n", path="migrations/0002_reset.sql", note="migrations are MIG010's"),
        Example(
            "def reset_demo_data(session):\n"
            "    session.query(AuditLog).delete()\n",
            path="service.py",
            note="near-miss: the function's name says every row is meant",
        ),
    )

    def __init__(self, context: Any = None, settings: dict[str, Any] | None = None) -> None:
        if isinstance(context, dict) or context is None:
            SqlRule.__init__(self, context)
        else:
            PythonRule.__init__(self, context, settings)

    # -- raw SQL -----------------------------------------------------------------------------
    def check(self, statement: exp.Expression, source) -> None:
        if source.python_node is not None:
            return  # SQL in Python is checked during the visit, where its function is known
        self._raw(statement, None, Severity.MEDIUM)

    def _raw(self, statement: exp.Expression, call: cst.Call | None, severity: Severity) -> None:
        for node in statement.find_all(exp.Update, exp.Delete):
            if node.args.get("where") is not None or node.args.get("limit") is not None:
                continue
            table = node.this
            if isinstance(node, exp.Delete) and not isinstance(table, exp.Table):
                table = node.args.get("tables", [None])[0] if node.args.get("tables") else table
            name = table.copy() if isinstance(table, exp.Table) else table
            if isinstance(name, exp.Table):
                name.set("alias", None)
            table_text = display(name.sql()) if name is not None else "?"
            if _markers(statement) > _markers(name):
                continue  # a hole after the table may hold the WHERE clause
            if isinstance(node, exp.Update) and _recomputes(node):
                continue
            if table_text.startswith(SINGLE_ROW_TABLES):
                continue  # a version table holds one row per head: emptying it is the point
            verb = "UPDATE" if isinstance(node, exp.Update) else "DELETE FROM"
            self.report(
                call if call is not None else node,
                severity=Severity.INFO if _scratch(table_text) else severity,
                statement=f"{verb} {table_text}",
                table=table_text,
            )

    # -- ORM ---------------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        site = self.context.sql_site(node)
        if site is not None:
            self._embedded(node, site)
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method in ("update", "delete"):
            self._orm_bulk(node, func.value, method)
        elif method == "execute" and node.args and len([a for a in node.args if a.keyword is None]) == 1:
            self._sqlalchemy_statement(node, node.args[0].value)

    def _embedded(self, node: cst.Call, site: SqlSite) -> None:
        """Raw SQL passed to a database call from Python (`.sql` files come through `check`)."""
        if not site.template.literal_text.strip() or self._wipe_by_name() or self.context.in_migration:
            return
        statement = site.statement
        if statement is None:
            return
        self._raw(statement, node, Severity.HIGH)

    def _orm_bulk(self, node: cst.Call, receiver: cst.BaseExpression, method: str) -> None:
        model = None
        if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute):
            attr = receiver.func.attr.value
            if attr == "all" and not receiver.args:
                receiver = receiver.func.value
            elif attr == "query" and len(receiver.args) == 1:  # session.query(M)
                model = dotted(receiver.args[0].value)
                receiver = None
        if receiver is not None:
            if not (isinstance(receiver, cst.Attribute) and receiver.attr.value in ("objects", "query")):
                return
            model = dotted(receiver.value)
            if model is None or not model.rsplit(".", 1)[-1][:1].isupper():
                return
            if receiver.attr.value == "objects" and method == "update" and not node.args:
                return
            if method == "update" and all(self._uses_f(arg.value) for arg in node.args if arg.keyword is not None):
                return  # every column recomputed from the row's own fields: a deliberate refresh
        if model is None or self._wipe_by_name() or self.context.in_migration:
            return
        handler = self.context.scopes.function is not None and self.context.scopes.function.is_handler
        self.report(
            node,
            "`{statement}` runs on an unfiltered set and touches every `{table}` row",
            severity=Severity.HIGH if handler else Severity.MEDIUM,
            fix=FIX_ORM,
            statement=_short(self.context.module.code_for_node(node)),
            table=model,
        )

    def _uses_f(self, value: cst.BaseExpression, follow: bool = True) -> bool:
        """The value contains a Django `F()` expression, directly or through a local name."""
        found = False
        names: list[str] = []

        class Finder(cst.CSTVisitor):
            def visit_Call(inner, call: cst.Call) -> None:  # noqa: N805
                nonlocal found
                if isinstance(call.func, (cst.Name, cst.Attribute)):
                    if (self.context.resolve(call.func) or "").rsplit(".", 1)[-1] == "F":
                        found = True

            def visit_Name(inner, name: cst.Name) -> None:  # noqa: N805
                names.append(name.value)

        value.visit(Finder())
        if found or not follow:
            return found
        for name in names:
            bound = self.context.scopes.lookup(name)
            if bound is not None and any(self._uses_f(a.value, follow=False) for a in bound[1]):
                return True
        return False

    def _wipe_by_name(self) -> bool:
        """The enclosing function or class says every row is meant (`reset`, `purge_all`,
        `truncate_tables`, a `ResetCommand`)."""
        if _says_wipe(self.context.path.rsplit("/", 1)[-1]):
            return True  # seed_data.py, fixtures.py, testdata.py
        if is_management_command(self.context.path):
            return True  # a management command: an operator runs it for what it does
        for scope in self.context.scopes.stack:
            node = scope.node
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)) and _says_wipe(node.name.value):
                return True
        return False

    def _sqlalchemy_statement(self, node: cst.Call, argument: cst.BaseExpression) -> None:
        expr = argument
        if isinstance(expr, cst.Name):
            found = self.context.scopes.lookup(expr.value)
            if found is None or len(found[1]) != 1 or found[1][0].op != "=":
                return
            expr = found[1][0].value
        while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            attr = expr.func.attr.value
            if attr in FILTERS:
                return
            if attr not in PASS_THROUGH:
                return
            expr = expr.func.value
        if not isinstance(expr, cst.Call) or not isinstance(expr.func, (cst.Name, cst.Attribute)):
            return
        if (self.context.resolve(expr.func) or "") not in SQLALCHEMY_BULK or not expr.args:
            return
        if any(arg.keyword is not None and arg.keyword.value in ("whereclause",) for arg in expr.args):
            return
        if self._wipe_by_name():
            return
        model = dotted(expr.args[0].value) or "?"
        verb = (self.context.resolve(expr.func) or "").rsplit(".", 1)[-1]
        handler = self.context.scopes.function is not None and self.context.scopes.function.is_handler
        self.report(
            node,
            "`{statement}` has no `.where()` and touches every `{table}` row",
            severity=Severity.HIGH if handler else Severity.MEDIUM,
            fix=FIX_ORM,
            statement=f"{verb}({model})",
            table=model,
        )


def _recomputes(update: exp.Update) -> bool:
    """Every SET value is computed from the row's own columns (`SET total = price * qty`): a
    deliberate refresh of every row, not a value meant for some of them."""
    assignments = update.expressions
    return bool(assignments) and all(
        isinstance(item, exp.EQ) and item.expression.find(exp.Column) is not None for item in assignments
    )


def _says_wipe(name: str) -> bool:
    return any(word in name.lower() for word in WIPE_WORDS)


def _markers(node: exp.Expression | None) -> int:
    if node is None:
        return 0
    text = node.sql()
    return text.count("__dyn") + text.count("__const")


def _scratch(table: str) -> bool:
    leaf = table.rsplit(".", 1)[-1].strip('"`').lower()
    return leaf.startswith(SCRATCH_PREFIXES)


def _short(code: str) -> str:
    text = " ".join(code.split())
    return text if len(text) <= 60 else text[:57] + "..."
