"""Alembic revisions as operations: `op.*` calls of `upgrade()` / `downgrade()` (and of module
helpers they call), SQL they execute, batch tables, autocommit blocks and dialect branches,
read with the stdlib `ast`."""

from __future__ import annotations

import ast
import io
import tokenize

import sqlglot

from reviewer.astfacts import keyword_value, walk
from reviewer.discovery import alembic_stream
from reviewer.lines import split_lines
from reviewer.migrations.ops import ALEMBIC, DOWN, UP, Column, Operation, TableKey, TypeFacts, Unit, evolve, mark_new, DATA_KINDS, DROP_KINDS
from reviewer.migrations.pysource import arg, body_state, callee, const, is_false, is_none, is_true, lower, receiver, segment
from reviewer.migrations.sql import TRIGGER_TOGGLE, is_volatile, long_names, sql_ops
from reviewer.sql.sqllex import lex

SESSION_CALLS = frozenset({"Session", "sessionmaker", "scoped_session"})
DML_CONSTRUCTS = frozenset({"insert", "update", "delete"})
POSTGRES_NAMES = frozenset({"postgresql", "postgres", "psycopg2", "psycopg", "asyncpg"})
OTHER_DIALECTS = frozenset({"mysql", "mariadb", "sqlite", "mssql", "oracle"})


def alembic_unit(path: str, text: str, tree: ast.Module, dialect: str = "postgres") -> Unit:
    functions: dict[str, ast.FunctionDef] = {}
    graph: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[node.name] = node  # type: ignore[assignment]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if not isinstance(target, ast.Name) or target.id not in ("revision", "down_revision", "branch_labels"):
                    continue
                value = const(node.value)
                if target.id == "revision":
                    graph.update(revision=value if isinstance(value, str) else None, revision_line=node.lineno)
                elif target.id == "down_revision":
                    graph["down_revision"] = tuple(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str))
                elif target.id == "branch_labels":
                    graph["branch_labels"] = _labels(value)
    upgrade, downgrade = functions.get("upgrade"), functions.get("downgrade")
    walker = _AlembicWalker(text, functions, dialect)
    for function, direction in ((upgrade, UP), (downgrade, DOWN)):
        if function is not None:
            walker.autocommit = set()
            walker.walk(function.body, direction, transactional=True, batch=None, depth=0)
    return Unit(
        path=path, form=ALEMBIC, tool="alembic", name=path.rsplit("/", 1)[-1],
        stream=alembic_stream(path),
        ops=tuple(mark_new(walker.ops)), errors=walker.errors, direction="both",
        upgrade_state=body_state(upgrade), down_state=body_state(downgrade),
        down_line=downgrade.lineno if downgrade else (upgrade.lineno if upgrade else 1),
        down_col=(downgrade.col_offset + 1) if downgrade else 1,
        data_only=_data_only(upgrade, walker.ops),
        # Nothing of the upgrade runs on PostgreSQL: its work is all in branches for other databases.
        other_dialect_only=walker.other_dialect[UP] and not any(o.direction == UP for o in walker.ops),
        down_explained=_explained(text, downgrade, (ast.get_docstring(upgrade) or "").strip() if upgrade else ""),
        **graph,  # type: ignore[arg-type]
    )


def _autocommit(node: ast.AST | None) -> bool:
    """Whether an expression is a connection switched to AUTOCOMMIT: its call chain has
    `.execution_options(isolation_level="AUTOCOMMIT")` (`op.get_bind().execution_options(...)`,
    `engine.connect().execution_options(...)`). Statements it executes run outside any
    transaction, as in `autocommit_block()`."""
    while isinstance(node, ast.Call):
        if callee(node) == "execution_options":
            level = keyword_value(node, "isolation_level")
            if isinstance(const(level), str) and const(level).upper() == "AUTOCOMMIT":
                return True
        node = node.func.value if isinstance(node.func, ast.Attribute) else None
    return False


def _labels(value: object) -> tuple[str | None, ...]:
    """`branch_labels` as a tuple: a label, a list of them, or nothing (None and non-strings
    in a list stay as None: the revision is still labelled)."""
    if not value:
        return ()
    if isinstance(value, list):
        return tuple(v if isinstance(v, str) else None for v in value)
    return (value if isinstance(value, str) else None,)


def _dml_construct(node: ast.AST | None) -> str | None:
    """`insert` / `update` / `delete` when `node` is a SQLAlchemy DML construct, through its
    method chain (`insert(T).from_select(...)`, `update(T).where(...).values(...)`)."""
    while isinstance(node, ast.Call):
        name = callee(node)
        if name in DML_CONSTRUCTS and isinstance(node.func, (ast.Name, ast.Attribute)):
            return name
        node = node.func.value if isinstance(node.func, ast.Attribute) else None
    return None


def _formatted_dml_verb(node: ast.AST | None, dialect: str) -> str | None:
    """`update` / `insert` / `delete` when `node` is an f-string whose constant start opens
    that statement (`f"UPDATE t SET d = ... {where}"`), read with the SQL tokenizer."""
    if not isinstance(node, ast.JoinedStr) or not node.values or not isinstance(node.values[0], ast.Constant):
        return None
    lexed = lex(str(node.values[0].value), dialect)
    if lexed is None or not lexed.statements or not lexed.statements[0].tokens:
        return None
    first = lexed.statements[0].tokens[0].text.lower()
    return first if first in DML_CONSTRUCTS else None


def _template_pair(docstring: str, upgrade_docstring: str) -> bool:
    """Whether two one-line docstrings differ only in their first word (a template's verb)."""
    rest = docstring.split(None, 1)[1:] or [""]
    other = upgrade_docstring.split(None, 1)[1:] or [""]
    return rest[0].strip().lower() == other[0].strip().lower()


def _explained(text: str, function: ast.FunctionDef | None, upgrade_docstring: str = "") -> bool:
    """Whether a function body says why it does what it does: a comment in it (other than
    Alembic's `### commands auto generated ... ###` markers) or a docstring of more than one
    line, or of one line beside an upgrade docstring that it is not the template's pair of
    ("Downgrade schema." beside "Upgrade schema.", "Unapply X" beside "Apply X")."""
    if function is None:
        return False
    docstring = (ast.get_docstring(function) or "").strip()
    if len(split_lines(docstring)) > 1 or docstring and upgrade_docstring and not _template_pair(docstring, upgrade_docstring):
        return True
    lines = split_lines(text)[function.lineno - 1 : function.end_lineno or function.lineno]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return False
    return any(t.type == tokenize.COMMENT and not t.string.lstrip("#").strip().startswith("###")
               and t.string.strip("# ").strip() for t in tokens)


def _changes_schema(item: Operation, temporary: set[str]) -> bool:
    """Whether an operation leaves the schema changed: not DML, not work on a temporary table
    (session-local scratch space), not a trigger switched off and on around a data fix."""
    if item.kind in DATA_KINDS or item.what == TRIGGER_TOGGLE:
        return False
    return not (item.temporary or item.table in temporary)


def _data_only(upgrade: ast.FunctionDef | None, ops: list[Operation]) -> bool:
    """Whether a revision's upgrade only moves data: no schema operation, and positive
    evidence of data work (DML through `op.execute` / `op.bulk_insert`, or an ORM session it
    opens). An upgrade whose calls go to unknown helpers is not data-only."""
    if upgrade is None:
        return False
    up = [o for o in ops if o.direction == UP]
    temporary = {o.table for o in up if o.kind == "create_table" and o.temporary and o.table}
    if any(_changes_schema(o, temporary) for o in up):  # type: ignore[arg-type]
        return False
    if any(o.kind == "dml" for o in up):
        return True
    calls = [callee(node) for node in walk(upgrade) if isinstance(node, ast.Call)]
    return any(name in SESSION_CALLS for name in calls)


class _AlembicWalker:
    def __init__(self, text: str, functions: dict[str, ast.FunctionDef], dialect: str) -> None:
        self.text = text
        self.functions = functions
        self.dialect = dialect
        self.ops: list[Operation] = []
        self.errors = 0
        self.tables: dict[str, str] = {}  # module names bound to sa.table("name", ...)
        self.batch_names: dict[str, str] = {}
        self.anchor: ast.Call | None = None
        # Whether a direction has code for other databases only (skipped on PostgreSQL).
        self.other_dialect: dict[str, bool] = {UP: False, DOWN: False}
        self.guarded = False  # inside a `try` with handlers or under an existence check
        self.conditional = False  # under an `if` (not a dialect branch), in a `try` or `with suppress(...)`
        # Names bound to a connection switched to AUTOCOMMIT (`conn = op.get_bind().execution_options(
        # isolation_level="AUTOCOMMIT")`): what they execute runs outside the revision's transaction.
        self.autocommit: set[str] = set()

    def walk(self, body: list[ast.stmt], direction: str, transactional: bool, batch: str | None, depth: int) -> None:
        for statement in body:
            if isinstance(statement, (ast.With, ast.AsyncWith)):
                inner_tx = transactional
                names = dict(self.batch_names)
                outer_conditional = self.conditional
                for item in statement.items:
                    call = item.context_expr
                    if isinstance(call, ast.Call):
                        if callee(call) == "autocommit_block":
                            inner_tx = False
                        elif _autocommit(call):
                            if isinstance(item.optional_vars, ast.Name):
                                self.autocommit.add(item.optional_vars.id)
                        elif callee(call) == "batch_alter_table":
                            table = const(arg(call, 0, "table_name"))
                            if isinstance(item.optional_vars, ast.Name) and isinstance(table, str):
                                self.batch_names[item.optional_vars.id] = table.lower()
                        elif callee(call) == "suppress":
                            self.conditional = True  # `with suppress(DatabaseError):` a try that ignores failure
                        else:
                            self._expression(call, direction, transactional, depth)
                self.walk(statement.body, direction, inner_tx, batch, depth)
                self.batch_names = names
                self.conditional = outer_conditional
                continue
            branch = _dialect_branch(statement.test) if isinstance(statement, ast.If) else None
            if branch is not None:
                # `if dialect == "mysql": ...`: only the PostgreSQL side runs on PostgreSQL.
                self.walk(statement.body if branch else statement.orelse, direction, transactional, batch, depth)
                self.other_dialect[direction] = True
                continue
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(statement, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], (ast.stmt, ast.excepthandler)):
                    if field == "handlers":
                        for handler in inner:
                            self.walk(handler.body, direction, transactional, batch, depth)
                    elif not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        outer, outer_conditional = self.guarded, self.conditional
                        self.guarded = outer or field == "body" and (
                            isinstance(statement, ast.Try) and bool(statement.handlers)
                            or isinstance(statement, ast.If) and _existence_check(statement.test))
                        self.conditional = outer_conditional or isinstance(statement, ast.If) or (
                            field == "body" and isinstance(statement, ast.Try) and bool(statement.handlers))
                        self.walk(inner, direction, transactional, batch, depth)
                        self.guarded, self.conditional = outer, outer_conditional
            if isinstance(statement, (ast.If, ast.For, ast.While, ast.Try)):
                header = getattr(statement, "test", None) or getattr(statement, "iter", None)
                if header is not None:
                    self._expression(header, direction, transactional, depth)
                continue
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(statement, ast.Assign):
                self._bind_autocommit(statement)
            if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call) and callee(statement.value) == "table":
                name = const(arg(statement.value, 0, "name"))
                for target in statement.targets:
                    if isinstance(target, ast.Name) and isinstance(name, str):
                        self.tables[target.id] = name.lower()
            self._expression(statement, direction, transactional, depth)

    def _bind_autocommit(self, statement: ast.Assign) -> None:
        """Track names bound to an AUTOCOMMIT connection; a name rebound to anything else
        loses it."""
        names = [t.id for t in statement.targets if isinstance(t, ast.Name)]
        if _autocommit(statement.value):
            self.autocommit.update(names)
        else:
            self.autocommit.difference_update(names)

    def _expression(self, node: ast.AST, direction: str, transactional: bool, depth: int) -> None:
        for call in [n for n in walk(node) if isinstance(n, ast.Call)]:
            self._call(call, direction, transactional, depth)

    def _call(self, call: ast.Call, direction: str, transactional: bool, depth: int) -> None:
        name = callee(call)
        target = receiver(call)
        if isinstance(call.func, ast.Name) and call.func.id in self.functions and depth < 2:
            # A module helper: its operations are reported at the call in upgrade/downgrade.
            outer = self.anchor
            self.anchor = outer or call
            self.walk(self.functions[call.func.id].body, direction, transactional, None, depth + 1)
            self.anchor = outer
            return
        batch_table = self.batch_names.get(target or "")
        if isinstance(call.func, ast.Name) and name == "create_table" and isinstance(const(arg(call, 0, "table_name")), str):
            # A project helper named after the operation it wraps (superset's `create_table`
            # from its shared migration utils checks for the table, then calls
            # `op.create_table`): the table it creates is new, whatever else it does.
            target = "op"
        if target != "op" and batch_table is None:
            if name in ("execute", "exec_driver_sql") and call.args:
                sql = const(call.args[0])
                if isinstance(sql, str):
                    outside = target in self.autocommit or isinstance(call.func, ast.Attribute) and _autocommit(call.func.value)
                    self._sql(sql, call, direction, transactional and not outside)
                elif (verb := _dml_construct(call.args[0])) is not None:
                    # `conn.execute(sa.update(t).where(...))` on the revision's connection: data work.
                    at = self.anchor or call
                    self.ops.append(Operation("dml", verb=verb, where=True, line=at.lineno, col=at.col_offset + 1,
                                              direction=direction, tx=transactional, code=segment(self.text, call)))
            return
        found = self._op(name or "", call, batch_table, direction, transactional)
        at = self.anchor or call
        code = segment(self.text, call) if found else ""
        if_exists = self.conditional or is_true(keyword_value(call, "if_exists"))
        self.ops.extend(evolve(item, line=at.lineno, col=at.col_offset + 1, direction=direction, tx=transactional, code=code,
                               guarded=self.guarded, tentative=item.tentative or if_exists and item.kind in DROP_KINDS)
                        for item in found)

    def _sql(self, sql: str, call: ast.Call, direction: str, transactional: bool) -> None:
        at = self.anchor or call
        found, _, errors, _ = sql_ops(sql, self.dialect, at.lineno, at.col_offset + 1, direction, transactional,
                                      code_line=at.lineno)
        self.errors += errors
        self.ops.extend(evolve(item, via="execute", tentative=item.tentative or self.conditional and item.kind in DROP_KINDS)
                        for item in found)

    def _op(self, name: str, call: ast.Call, batch: str | None, direction: str, tx: bool) -> list[Operation]:
        shift = 0 if batch else 1  # batch ops take no table argument

        def table_at(position: int, keyword: str) -> str | None:
            return batch or lower(const(arg(call, position, keyword)))

        if name == "execute":
            statement = arg(call, 0, "sqltext")
            sql = const(statement)
            if isinstance(sql, str):
                self._sql(sql, call, direction, tx)
                return []
            verb = _dml_construct(statement) or _formatted_dml_verb(statement, self.dialect)
            if verb is not None:
                # `op.execute(insert(T).from_select(...))`: SQLAlchemy DML built in Python, or an
                # f-string whose constant start is an UPDATE / INSERT / DELETE: data work either way.
                return [Operation("dml", verb=verb, where=True)]
            return [Operation("opaque")]
        if name == "create_table":
            table = table_at(0, "table_name") if not batch else None
            columns = tuple(alembic_column(a) for a in call.args[1:] if isinstance(a, ast.Call) and callee(a) == "Column")
            keys = tuple(key for key in (alembic_key(a) for a in call.args[1:]) if key is not None)
            mysql = any((k.arg or "").startswith(("mysql_", "mariadb_")) for k in call.keywords)
            return [Operation("create_table", table, columns=columns, names=long_names(table, *(c.name for c in columns)), keys=keys,
                              mysql=mysql)]
        if name == "drop_table":
            return [Operation("drop_table", table_at(0, "table_name"))]
        if name == "rename_table":
            return [Operation("rename_table", table_at(0, "old_table_name"), to=lower(const(arg(call, 1, "new_table_name"))))]
        if name == "add_column":
            table = table_at(0, "table_name")
            column_node = arg(call, shift, "column")
            if not (isinstance(column_node, ast.Call) and callee(column_node) == "Column"):
                return [Operation("ddl", table, what="add column")]
            facts = alembic_column(column_node)
            return [Operation("add_column", table, column=facts.name, nullable=not facts.not_null, default=facts.default,
                              volatile=facts.volatile, generated=facts.generated, fk=facts.fk, unique=facts.unique,
                              index=facts.index, columns=(facts,), names=long_names(facts.name))]
        if name == "drop_column":
            return [Operation("drop_column", table_at(0, "table_name"), column=lower(const(arg(call, shift, "column_name"))))]
        if name == "alter_column":
            return self._alter_column(call, table_at(0, "table_name"), lower(const(arg(call, shift, "column_name"))))
        if name == "create_index":
            index = const(arg(call, 0, "index_name"))
            return [Operation("create_index", lower(batch or const(arg(call, 1, "table_name"))), name=lower(index),
                              concurrently=is_true(keyword_value(call, "postgresql_concurrently")),
                              unique=is_true(keyword_value(call, "unique")),
                              names=long_names(index),
                              on=_column_names(arg(call, 2 - (1 - shift), "columns")))]
        if name == "drop_index":
            return [Operation("drop_index", lower(batch or const(arg(call, 1, "table_name"))),
                              name=lower(const(arg(call, 0, "index_name"))),
                              concurrently=is_true(keyword_value(call, "postgresql_concurrently")))]
        if name in CONSTRAINT_CALLS:
            ctype, position, keyword = CONSTRAINT_CALLS[name]
            on_position, on_keyword = CONSTRAINED_COLUMNS.get(name, (None, ""))
            on = _column_names(arg(call, on_position - (1 - shift), on_keyword)) if on_position is not None else ()
            constraint = const(arg(call, 0, "constraint_name"))
            return [Operation("add_constraint", lower(batch or const(arg(call, position, keyword))), ctype=ctype,  # type: ignore[arg-type]
                              name=lower(constraint), not_valid=is_true(keyword_value(call, "postgresql_not_valid")), on=on,
                              names=long_names(constraint))]
        if name == "drop_constraint":
            return [Operation("drop_constraint", table_at(1, "table_name") if not batch else batch,
                              name=lower(const(arg(call, 0, "constraint_name"))))]
        if name == "bulk_insert":
            target = arg(call, 0, "table")
            table = self.tables.get(target.id) if isinstance(target, ast.Name) else None
            if isinstance(target, ast.Call) and callee(target) == "table":
                table = lower(const(arg(target, 0, "name")))
            return [Operation("dml", table, verb="insert", constant=True)]
        return []

    def _alter_column(self, call: ast.Call, table: str | None, column: str | None) -> list[Operation]:
        out = []
        nullable = keyword_value(call, "nullable")
        existing = keyword_value(call, "existing_nullable")
        if is_false(nullable) and not is_false(existing):
            out.append(Operation("set_not_null", table, column=column))
        elif is_true(nullable) and not is_true(existing):
            out.append(Operation("drop_not_null", table, column=column, known=is_false(existing)))
        new_type = keyword_value(call, "type_")
        renamed = const(keyword_value(call, "new_column_name"))
        existing_type = keyword_value(call, "existing_type")
        # `type_=` beside a rename and no `existing_type`: the MySQL idiom (CHANGE COLUMN
        # needs the type), not a type change.
        if new_type is not None and not (isinstance(renamed, str) and existing_type is None):
            old = alembic_type(existing_type)
            new = alembic_type(new_type)
            out.append(Operation("alter_type", table, column=column, type=segment(self.text, new_type),
                                 widening=_widening(old, new), new_type=new, old_known=old.type is not None and old.size != -1))
        if isinstance(renamed, str):
            out.append(Operation("rename_column", table, column=column, to=renamed.lower()))
        return out or [Operation("alter_column", table, column=column)]


# Alembic's constraint calls: (constraint type, position of the table without batch, its keyword).
CONSTRAINT_CALLS = {
    "create_foreign_key": ("fk", 1, "source_table"),
    "create_check_constraint": ("check", 1, "table_name"),
    "create_unique_constraint": ("unique", 1, "table_name"),
    "create_primary_key": ("pk", 1, "table_name"),
    "create_exclude_constraint": ("exclude", 1, "table_name"),
}
# Where the constrained columns are: (position without batch, keyword).
CONSTRAINED_COLUMNS = {"create_foreign_key": (3, "local_cols"), "create_unique_constraint": (2, "columns"),
                       "create_primary_key": (2, "columns")}


def _existence_check(test: ast.AST) -> bool:
    """Whether an `if` test runs its body only when something is missing: a negated call that
    asks the database (`not inspector.has_table("t")`, `not table_exists(conn, "t")`) or a
    name's absence from a collection (`"status" not in columns`)."""
    if isinstance(test, ast.BoolOp):
        return isinstance(test.op, ast.And) and any(_existence_check(value) for value in test.values)
    if isinstance(test, ast.Compare):
        return any(isinstance(op, ast.NotIn) for op in test.ops)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Call):
        name = (callee(test.operand) or "").lower()
        return name.startswith("has_") or "exist" in name
    return False


def _dialect_branch(test: ast.AST) -> bool | None:
    """For `if <dialect name> == "mysql"`-style tests: True when the body is what runs on
    PostgreSQL, False when the else branch is, None when the test is not about the dialect."""
    if isinstance(test, ast.BoolOp):
        return None
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    inner = test.operand if negated else test  # type: ignore[attr-defined]
    if isinstance(inner, ast.Call) and callee(inner) == "isinstance" and len(inner.args) == 2:
        # `isinstance(bind.dialect, MySQLDialect)` / `isinstance(conn.dialect, postgresql.dialect)`
        spelled = ast.unparse(inner.args[1]).lower()
        if "postgres" in spelled:
            return not negated
        if any(name in spelled for name in OTHER_DIALECTS):
            return negated
        return None
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return None
    names: list[str] = []
    for side in (test.left, *test.comparators):
        value = const(side)
        if isinstance(value, str):
            names.append(value.lower())
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            names.extend(v.lower() for v in value)
    if not names or not all(n in POSTGRES_NAMES | OTHER_DIALECTS for n in names):
        return None
    mentions_postgres = any(n in POSTGRES_NAMES for n in names)
    positive = isinstance(test.ops[0], (ast.Eq, ast.In, ast.Is))
    return mentions_postgres == positive


# SQLAlchemy type names and the PostgreSQL type each stands for.
SQLALCHEMY_TYPES = {
    "String": "varchar", "VARCHAR": "varchar", "Unicode": "varchar", "NVARCHAR": "varchar",
    "Text": "text", "TEXT": "text", "UnicodeText": "text", "MediumText": "text", "MEDIUMTEXT": "text",
    "LONGTEXT": "text", "LongText": "text",
    "DateTime": "timestamp", "TIMESTAMP": "timestamp", "Integer": "int", "INTEGER": "int", "INT": "int",
    "SmallInteger": "smallint", "SMALLINT": "smallint", "BigInteger": "bigint", "BIGINT": "bigint",
    "JSON": "json", "JSONB": "jsonb", "CHAR": "char", "Float": "float", "FLOAT": "float", "REAL": "float",
    "DOUBLE_PRECISION": "float", "Double": "float", "Numeric": "numeric", "NUMERIC": "numeric", "DECIMAL": "numeric",
    "Boolean": "boolean", "Enum": "enum", "Date": "date", "UUID": "uuid", "Uuid": "uuid", "LargeBinary": "bytea",
}  # fmt: skip


def alembic_type(node: ast.AST | None) -> TypeFacts:
    """A SQLAlchemy type expression, normalised."""
    if node is None:
        return TypeFacts()
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "with_variant":
        node = node.func.value  # `sa.Text().with_variant(MEDIUMTEXT, "mysql")`: the type PostgreSQL gets
    call = node if isinstance(node, ast.Call) else None
    head = call.func if call else node
    name = head.attr if isinstance(head, ast.Attribute) else head.id if isinstance(head, ast.Name) else None
    size = None
    timezone = False
    if call is not None:
        length = arg(call, 0, "length")
        if isinstance(const(length), int):
            size = const(length)
        elif length is not None and name in ("String", "VARCHAR", "Unicode", "NVARCHAR"):
            size = -1  # a length the migration computes
        timezone = is_true(keyword_value(call, "timezone"))
        if name in ("Numeric", "NUMERIC", "DECIMAL"):
            precision = const(arg(call, 0, "precision"))
            size = precision if isinstance(precision, int) else None
    normal = SQLALCHEMY_TYPES.get(name or "", (name or "").lower() or None)
    if normal == "timestamp" and timezone:
        normal = "timestamptz"
    if normal == "varchar" and size is None:
        normal = "text"  # String() without a length is unbounded
    return TypeFacts(normal, size)


def _widening(old: TypeFacts, new: TypeFacts) -> bool:
    """True when PostgreSQL changes the type without a rewrite (binary-coercible widening)."""
    before, after = old.type, new.type
    if before is None:
        return False
    if old.size == -1 or new.size == -1:
        return False
    if before == "varchar" and after == "text":
        return True
    if before == after and before in ("varchar", "numeric") and old.size and new.size:
        return new.size >= old.size
    if before == after and old.size == new.size and before not in ("timestamp",):
        return True  # same type restated
    if before == after and before in ("varchar",) and new.size is None:
        return True
    return False


def _column_names(node: ast.AST | None) -> tuple[str | None, ...]:
    """Column names of a list argument (`["a", "b"]`, `("a",)`); None for an expression."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return ()
    return tuple(lower(const(e)) for e in node.elts)


# SQLAlchemy table-level constraints and the key kind each stands for.
ALEMBIC_KEYS = {"ForeignKeyConstraint": "fk", "PrimaryKeyConstraint": "pk", "UniqueConstraint": "unique"}


def alembic_key(node: ast.AST) -> TableKey | None:
    """A table-level key among `create_table` arguments: `sa.ForeignKeyConstraint(["a"], [...])`,
    `sa.PrimaryKeyConstraint("a", "b")`, `sa.UniqueConstraint("a")`."""
    if not isinstance(node, ast.Call) or callee(node) not in ALEMBIC_KEYS:
        return None
    ctype = ALEMBIC_KEYS[callee(node)]  # type: ignore[index]
    if ctype == "fk":
        on = _column_names(arg(node, 0, "columns"))
    else:
        on = tuple(lower(const(a)) for a in node.args)
    return TableKey(ctype, on, node.lineno, lower(const(keyword_value(node, "name"))))  # type: ignore[arg-type]


def alembic_column(call: ast.Call) -> Column:
    """A `sa.Column(...)` definition."""
    name = const(call.args[0]) if call.args else const(keyword_value(call, "name"))
    second = call.args[1] if len(call.args) > 1 else None
    type_node = second if second is not None and not (isinstance(second, ast.Call) and callee(second) == "ForeignKey") else keyword_value(call, "type_")
    facts = alembic_type(type_node)
    primary = is_true(keyword_value(call, "primary_key"))
    nullable = keyword_value(call, "nullable")
    server_default = keyword_value(call, "server_default")
    default_sql = const(server_default)
    volatile = False
    if isinstance(default_sql, str):
        try:
            tree = sqlglot.parse_one(default_sql, read="postgres")
        except Exception:  # noqa: BLE001
            tree = None
        volatile = is_volatile(tree)
    if isinstance(server_default, ast.Call) and callee(server_default) in ("Identity", "Sequence"):
        volatile = True
    if isinstance(server_default, ast.Attribute) and server_default.attr in ("gen_random_uuid", "uuid_generate_v4"):
        volatile = True
    foreign = [a for a in call.args if isinstance(a, ast.Call) and callee(a) == "ForeignKey"]
    identity = any(isinstance(a, ast.Call) and callee(a) in ("Identity", "Sequence") for a in call.args)
    return Column(
        lower(name), call.lineno, facts.type, facts.size,
        not_null=is_false(nullable) or (primary and not is_true(nullable)),
        default=not is_none(server_default) or identity,
        volatile=volatile or identity,
        generated=any(isinstance(a, ast.Call) and callee(a) == "Computed" and not is_false(keyword_value(a, "persisted")) for a in call.args),
        fk=bool(foreign), unique=is_true(keyword_value(call, "unique")) or primary, pk=primary,
        index=is_true(keyword_value(call, "index")),
        fk_name=lower(const(keyword_value(foreign[0], "name"))) if foreign else None,
    )
