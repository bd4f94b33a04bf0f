"""The migration loader: every migration file, whatever its form, as one list of schema operations.

Alembic revisions and Django migrations are read with the stdlib `ast` (never imported), SQL
migrations with sqlglot; all three become the same plain operation records (`create_index`,
`add_column`, `set_not_null`, ...), each with its table, line, direction (up or down), whether
the tool runs it inside a transaction, and whether its table was created earlier in the same
migration. Statements sqlglot keeps as an opaque `exp.Command` (REINDEX, VACUUM, VALIDATE
CONSTRAINT, ...) or cannot parse are classified from the sqlglot tokenizer's tokens.

`collect` gives the facts of one file (JSON-able, cached with the project index); `merge`
orders them per migration stream (an Alembic script folder, a Django app, a SQL folder),
replays Django model state so an `AlterField` knows the field it replaces, and pairs
golang-migrate up/down files. Rules read the merged section through `units(index)`.
"""

from __future__ import annotations

import ast
import io
import logging
import re
import tokenize
from typing import Any, Iterable

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from reviewer.astfacts import keyword_value
from reviewer.config import MigrationRunner
from reviewer.discovery import (
    FLYWAY,
    GOLANG_MIGRATE,
    HEADER_BYTES,
    dialect_of,
    is_test_path,
    sql_migration_tool,
    sql_name,
)
from reviewer.lines import split_lines
from reviewer.model import FileKind
from reviewer.provider import IndexProvider
from reviewer.sql.sqllex import lex

# sqlglot logs a warning for each statement it keeps as an opaque command; expected here.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

SECTION = "migrations"
UP, DOWN = "up", "down"
SQL, ALEMBIC, DJANGO = "sql", "alembic", "django"
MAX_IDENTIFIER = 63

LEADING_VERSION = re.compile(r"^(\d+)")

# DEFAULT expressions PostgreSQL must evaluate per row (a table rewrite when a column is added).
VOLATILE_FUNCTIONS = frozenset(
    {
        "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "random",
        "clock_timestamp", "timeofday", "nextval", "txid_current", "gen_random_bytes", "uuidv4", "uuidv7",
        "uuid_generate_v7",
    }
)
VOLATILE_NODES = (exp.Uuid, exp.Rand)
SERIAL_TYPES = frozenset({"SERIAL", "BIGSERIAL", "SMALLSERIAL"})
MONEY_WORDS = ("price", "amount", "balance", "total", "cost", "fee")

# Django field classes and what they need.
FK_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ParentalKey"})
NO_COLUMN_FIELDS = frozenset({"ManyToManyField", "ParentalManyToManyField", "GenericRelation", "GenericForeignKey"})
TEXT_FIELD_FAMILY = {"CharField": "text", "TextField": "text", "SlugField": "text", "EmailField": "text", "URLField": "text"}
# The PostgreSQL column type of Django's built-in fields (custom subclasses are unknown: the
# rules abstain on them).
DJANGO_DB_TYPES = {
    **{name: "varchar" for name in ("CharField", "SlugField", "EmailField", "URLField", "FileField", "ImageField",
                                     "FilePathField")},
    "TextField": "text", "GenericIPAddressField": "inet", "IPAddressField": "inet",
    **{name: "int" for name in ("IntegerField", "PositiveIntegerField", "AutoField")},
    **{name: "bigint" for name in ("BigIntegerField", "PositiveBigIntegerField", "BigAutoField")},
    **{name: "smallint" for name in ("SmallIntegerField", "PositiveSmallIntegerField", "SmallAutoField")},
    "BooleanField": "boolean", "NullBooleanField": "boolean", "DateTimeField": "timestamptz", "DateField": "date",
    "TimeField": "time", "DurationField": "interval", "DecimalField": "numeric", "FloatField": "float",
    "UUIDField": "uuid", "JSONField": "jsonb", "BinaryField": "bytea",
    "ForeignKey": "fk", "OneToOneField": "fk",
}


def op(kind: str, line: int, col: int, table: str | None = None, **detail: Any) -> dict[str, Any]:
    record = {"k": kind, "t": table, "l": line, "c": col}
    record.update(detail)
    return record


# ============================================================================================
# SQL


def _section_markers(text: str) -> list[tuple[int, str, str]]:
    """(line, marker, rest) for the tool directives dbmate and goose read: whole-line comments
    `-- migrate:up [transaction:false]`, `-- +goose Up`, `-- +goose NO TRANSACTION`, ...
    These are file-format directives that both tools match line by line, not SQL."""
    found = []
    for number, raw in enumerate(split_lines(text), start=1):
        line = raw.strip()
        if not line.startswith("--"):
            continue
        body = line[2:].strip()
        lower = body.lower()
        if lower.startswith("migrate:up") or lower.startswith("migrate:down"):
            found.append((number, "dbmate:" + lower.split()[0].split(":")[1], lower))
        elif lower.startswith("+goose"):
            words = lower.split()
            word = " ".join(words[1:3]) if len(words) > 2 and words[1] == "no" else (words[1] if len(words) > 1 else "")
            found.append((number, "goose:" + word, lower))
    return found


def sql_unit(path: str, text: str, dialect: str = "postgres", tool: str | None = None, transactional: bool = False) -> dict[str, Any]:
    """Facts of one SQL migration file. `tool` is what discovery found (found again here when
    not given; "loose" when the file follows no known layout); `transactional` is the
    transaction model of a project's own runner (tool "runner")."""
    unit = _file_unit(path, tool or sql_migration_tool(path, text[:HEADER_BYTES]) or "loose")
    tool, name = unit["tool"], unit["name"]
    base = sql_name(name)[0]  # `V2__x.sql.postgres` reads as Flyway's `V2__x.sql`
    lines = split_lines(text)
    sections: list[tuple[str, int, int, bool]] = []  # (direction, first line, last line, transactional)
    if tool == "golang-migrate":
        direction = GOLANG_MIGRATE.match(base).group("direction").lower()  # type: ignore[union-attr]
        unit["direction"] = direction
        unit["pair"] = GOLANG_MIGRATE.match(base).group("version") + "_" + GOLANG_MIGRATE.match(base).group("name")  # type: ignore[union-attr]
        sections.append((direction, 1, len(lines), True))  # transactional if >1 statement (below)
    elif tool == "flyway":
        kind = FLYWAY.match(base).group("kind").upper()  # type: ignore[union-attr]
        unit["direction"] = DOWN if kind == "U" else UP
        unit["flyway"] = kind
        unit["version"] = FLYWAY.match(base).group("version")  # type: ignore[union-attr]
        sections.append((unit["direction"], 1, len(lines), True))
    elif tool in ("dbmate", "goose"):
        unit["direction"] = "both"
        markers = _section_markers(text)
        no_tx = any(marker == "goose:no transaction" for _, marker, _ in markers)
        bounds = [(n, m, rest) for n, m, rest in markers if m in ("dbmate:up", "dbmate:down", "goose:up", "goose:down")]
        unit["down_marker"] = any(m.endswith(":down") for _, m, _ in bounds)
        for i, (number, marker, rest) in enumerate(bounds):
            end = bounds[i + 1][0] - 1 if i + 1 < len(bounds) else len(lines)
            direction = UP if marker.endswith(":up") else DOWN
            transactional = not no_tx and "transaction:false" not in rest.replace(" ", "")
            sections.append((direction, number + 1, end, transactional))
        unit["down_line"] = next((n for n, m, _ in bounds if m.endswith(":down")), None)
    else:
        unit["direction"] = UP
        sections.append((UP, 1, len(lines), tool == "supabase" or (tool == "runner" and transactional)))
    unit["rollback_note"] = False
    unit["statements"] = {UP: 0, DOWN: 0}
    for direction, first, last, transactional in sections:
        body = "\n".join(lines[first - 1 : last])
        ops, count, errors, note = sql_ops(body, dialect, first, 1, direction, transactional)
        unit["errors"] += errors
        unit["rollback_note"] = unit["rollback_note"] or note
        unit["statements"][direction] += count
        if tool == "golang-migrate" and count <= 1:
            for item in ops:
                item["tx"] = item.get("explicit_tx", False)
        unit["ops"].extend(ops)
    if tool == "flyway":
        # Flyway runs a file whose statements all need to be outside a transaction without
        # one, and refuses a file that mixes them with transactional statements.
        concurrent = [o for o in unit["ops"] if o.get("concurrently")]
        others = [o for o in unit["ops"] if not o.get("concurrently") and o["k"] not in ("set", "begin", "commit")]
        for item in concurrent:
            item["tx"] = bool(others) or item.get("explicit_tx", False)
            if others:
                item["mixed"] = True
    _mark_new(unit["ops"])
    return unit


def _file_unit(path: str, tool: str) -> dict[str, Any]:
    """The facts every SQL-form unit starts with: one file, one stream per folder."""
    name = path.rsplit("/", 1)[-1]
    match = LEADING_VERSION.match(name)
    return {
        "path": path, "form": SQL, "tool": tool, "name": name, "stream": path.rsplit("/", 1)[0] if "/" in path else ".",
        "ops": [], "errors": 0, "version": match.group(1) if match else None,
    }


# Calls of a runner's Python delta file that run the SQL they are given (a DB-API cursor's).
RUNNER_EXECUTE = frozenset({"execute", "executemany", "executescript"})


def runner_unit(path: str, tree: ast.Module, dialect: str, transactional: bool) -> dict[str, Any]:
    """Facts of a Python delta file of a project's own migration runner: the operations of the
    constant SQL its `cursor.execute(...)` calls run, at their lines."""
    unit = _file_unit(path, "runner")
    unit.update(direction=UP, rollback_note=False, statements={UP: 0, DOWN: 0})
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in RUNNER_EXECUTE):
            continue
        sql = _const(_arg(node, 0, "sql"))
        if not isinstance(sql, str):
            continue
        found, count, errors, _ = sql_ops(sql, dialect, node.lineno, node.col_offset + 1, UP, transactional, code_line=node.lineno)
        unit["ops"].extend(found)
        unit["statements"][UP] += count
        unit["errors"] += errors
    unit["ops"].sort(key=lambda o: (o["l"], o["c"]))
    _mark_new(unit["ops"])
    return unit


def sql_ops(
    text: str, dialect: str, line: int, col: int, direction: str, transactional: bool, code_line: int | None = None
) -> tuple[list[dict[str, Any]], int, int, bool]:
    """(operations, statement count, unparsable statements, has a `rollback:` note) of SQL text.
    `code_line` pins every operation to one line (SQL inside a Python call)."""
    lexed = lex(text, dialect)
    if lexed is None:
        return [op("opaque", code_line or line, col, dir=direction, tx=transactional, code=_short(text))], 1, 1, False
    note = any("rollback:" in comment.text.lower() for comment in lexed.comments)
    statements = lexed.statements
    ops: list[dict[str, Any]] = []
    errors = 0
    explicit = False
    for statement in statements:
        body, offset_line, offset_col, pieces = statement.text, statement.line, statement.column, list(statement.tokens)
        at = code_line or (line + offset_line - 1)
        at_col = col if code_line else (offset_col if offset_line > 1 else col + offset_col - 1)
        found = statement_ops(body, pieces, dialect)
        if found is None:
            errors += 1
            found = [op("opaque", 0, 0)]
        for item in found:
            item["l"], item["c"] = at, at_col
            for column in item.get("columns") or []:
                if isinstance(column, dict):
                        column["line"] = at if code_line else at + column.pop("rl", 1) - 1
            for key in item.get("keys") or []:
                key["line"] = at if code_line else at + key.pop("rl", 1) - 1
            item["dir"] = direction
            item.setdefault("code", _short(body))
            if item["k"] == "begin":
                item["tx"] = transactional or explicit
                explicit = True
                continue
            if item["k"] in ("commit", "rollback"):
                explicit = False
            item["tx"] = transactional or explicit
            item["explicit_tx"] = explicit
        ops.extend(found)
    return ops, len(statements), errors, note


def statement_ops(body: str, tokens: list, dialect: str) -> list[dict[str, Any]] | None:
    """Operations of one statement; None when it is neither parsable nor classifiable."""
    try:
        parsed = [tree for tree in sqlglot.parse(body, read=dialect) if tree is not None]
    except (ParseError, TokenError):
        parsed = []
    except Exception:  # noqa: BLE001 - sqlglot raises assorted errors on odd input
        parsed = []
    if len(parsed) == 1 and not isinstance(parsed[0], exp.Command):
        return tree_ops(parsed[0])
    return command_ops(tokens)


def _name(node: exp.Expression | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, exp.Table):
        return node.name.lower() or None
    if isinstance(node, exp.Schema):
        return _name(node.this)
    if isinstance(node, (exp.Identifier, exp.Column)):
        return node.name.lower()
    return None


def tree_ops(tree: exp.Expression) -> list[dict[str, Any]]:
    """Operations of one parsed statement."""
    if isinstance(tree, exp.Create):
        kind = (tree.args.get("kind") or "").upper()
        if kind == "INDEX":
            index = tree.this
            table = _name(index.args.get("table")) if isinstance(index, exp.Index) else None
            name = _name(index.this) if isinstance(index, exp.Index) else None
            return [op("create_index", 0, 0, table, name=name, concurrently=bool(tree.args.get("concurrently")),
                       unique=bool(tree.args.get("unique")), names=_long_names(tree), on=_index_columns(index))]
        if kind == "TABLE":
            table = _name(tree.this)
            columns, constraints, keys = [], [], []
            if isinstance(tree.this, exp.Schema):
                for item in tree.this.expressions:
                    if isinstance(item, exp.ColumnDef):
                        columns.append(column_facts(item))
                        continue
                    key = table_key(item)
                    if key is not None:
                        keys.append(key)
                        if key["ctype"] == "fk":
                            constraints.extend(key["on"])
            for column in columns:
                if column["name"] in constraints:
                    column["fk"] = True
            return [op("create_table", 0, 0, table, columns=columns, names=_long_names(tree),
                       temporary=tree.find(exp.TemporaryProperty) is not None, keys=keys)]
        return [op("ddl", 0, 0, _name(tree.this) if isinstance(tree.this, (exp.Table, exp.Schema)) else None, what=kind.lower())]
    if isinstance(tree, exp.Drop):
        kind = (tree.args.get("kind") or "").upper()
        tables = [t for t in tree.args.get("tables") or [] if isinstance(t, exp.Table)] or [tree.this]
        names = [_name(t) for t in tables]
        if kind == "INDEX":
            return [op("drop_index", 0, 0, None, name=n, concurrently=bool(tree.args.get("concurrently"))) for n in names]
        if kind == "TABLE":
            return [op("drop_table", 0, 0, n, cascade=bool(tree.args.get("cascade"))) for n in names]
        if kind in ("SCHEMA", "DATABASE"):
            return [op("drop_" + kind.lower(), 0, 0, n) for n in names]
        return [op("ddl", 0, 0, None, what="drop " + kind.lower())]
    if isinstance(tree, exp.Alter):
        return alter_ops(tree)
    if isinstance(tree, exp.TruncateTable):
        return [op("truncate", 0, 0, _name(t), cascade=(tree.args.get("option") or "").upper() == "CASCADE")
                for t in tree.expressions]
    if isinstance(tree, (exp.Update, exp.Delete)):
        table = _name(tree.this)
        return [op("dml", 0, 0, table, verb="update" if isinstance(tree, exp.Update) else "delete",
                   where=tree.args.get("where") is not None)]
    if isinstance(tree, exp.Insert):
        target = tree.this
        table = _name(target.this if isinstance(target, exp.Schema) else target)
        source = tree.args.get("expression")
        return [op("dml", 0, 0, table, verb="insert", constant=isinstance(source, exp.Values))]
    if isinstance(tree, exp.Transaction):
        return [op("begin", 0, 0)]
    if isinstance(tree, exp.Commit):
        return [op("commit", 0, 0)]
    if isinstance(tree, exp.Rollback):
        return [op("rollback", 0, 0)]
    if isinstance(tree, exp.Set):
        names = []
        for item in tree.expressions:
            target = item.this.this if isinstance(item, exp.SetItem) and isinstance(item.this, exp.EQ) else None
            if isinstance(target, (exp.Column, exp.Identifier)):
                names.append(target.name.lower())
        return [op("set", 0, 0, None, vars=names)]
    if isinstance(tree, exp.Select):
        return [op("select", 0, 0)]
    return [op("other", 0, 0)]


def alter_ops(tree: exp.Alter) -> list[dict[str, Any]]:
    kind = (tree.args.get("kind") or "").upper()
    table = _name(tree.this)
    if kind != "TABLE":
        return [op("ddl", 0, 0, table, what="alter " + kind.lower())]
    out = []
    not_valid = bool(tree.args.get("not_valid"))
    for action in tree.args.get("actions") or []:
        if isinstance(action, exp.ColumnDef):
            facts = column_facts(action)
            out.append(op("add_column", 0, 0, table, column=facts["name"], nullable=not facts["not_null"],
                          default=facts["default"], volatile=facts["volatile"], generated=facts["generated"],
                          serial=facts["type"] in ("serial", "bigserial", "smallserial"), fk=facts["fk"],
                          unique=facts["unique"] or facts["pk"], columns=[facts], names=_long_names(action)))
        elif isinstance(action, exp.AlterColumn):
            column = _name(action.this)
            if action.args.get("dtype") is not None:
                out.append(op("alter_type", 0, 0, table, column=column, type=action.args["dtype"].sql("postgres"),
                              rewrite=True, using=action.args.get("using") is not None,
                              widening=False, new_type=_type_facts(action.args["dtype"])))
            elif action.args.get("allow_null") is False:
                out.append(op("set_not_null", 0, 0, table, column=column))
            elif action.args.get("drop") and action.args.get("allow_null"):
                out.append(op("drop_not_null", 0, 0, table, column=column))
            else:
                out.append(op("alter_column", 0, 0, table, column=column))
        elif isinstance(action, exp.AddConstraint):
            for constraint in action.expressions:
                out.append(constraint_op(table, constraint, not_valid))
                out[-1]["names"] = _long_names(constraint)
        elif isinstance(action, exp.Drop):
            what = (action.args.get("kind") or "").upper()
            names = [_name(t) for t in action.args.get("tables") or []] or [_name(action.this)]
            for name in names:
                if what == "COLUMN":
                    out.append(op("drop_column", 0, 0, table, column=name))
                elif what == "CONSTRAINT":
                    out.append(op("drop_constraint", 0, 0, table, name=name))
                else:
                    out.append(op("ddl", 0, 0, table, what="drop " + what.lower()))
        elif isinstance(action, exp.RenameColumn):
            out.append(op("rename_column", 0, 0, table, column=_name(action.this), to=_name(action.args.get("to"))))
        elif isinstance(action, exp.AlterRename):
            to = _name(action.this)
            if _is_sequence_name(table) and _is_sequence_name(to):
                # `ALTER TABLE orders_id_seq RENAME TO ...`: PostgreSQL accepts ALTER TABLE on a
                # sequence, and `<table>_<column>_seq` is its own name for a serial's sequence.
                out.append(op("rename_sequence", 0, 0, table, to=to))
            else:
                out.append(op("rename_table", 0, 0, table, to=to))
        else:
            out.append(op("ddl", 0, 0, table, what="alter table"))
    return out or [op("ddl", 0, 0, table, what="alter table")]


def _index_columns(index: exp.Expression | None) -> list[str | None]:
    """The indexed columns of a `CREATE INDEX`, in order; None for an expression."""
    params = index.args.get("params") if isinstance(index, exp.Index) else None
    found: list[str | None] = []
    if params is None:
        return found
    for item in params.args.get("columns") or []:
        target = item.this if isinstance(item, exp.Ordered) else item
        found.append(_name(target) if isinstance(target, (exp.Column, exp.Identifier)) else None)
    return found


def table_key(item: exp.Expression) -> dict[str, Any] | None:
    """A table-level key of `CREATE TABLE` / `ADD CONSTRAINT`: {"ctype": fk | pk | unique,
    "on": its columns in order, "rl": its line in the statement}; None for anything else."""
    inner = item.expressions[0] if isinstance(item, exp.Constraint) and len(item.expressions) == 1 else item
    if isinstance(inner, exp.ForeignKey):
        ctype, names = "fk", inner.expressions
    elif isinstance(inner, exp.PrimaryKey):
        ctype, names = "pk", inner.expressions
    elif isinstance(inner, exp.UniqueColumnConstraint) and isinstance(inner.this, exp.Schema):
        ctype, names = "unique", inner.this.expressions
    else:
        return None
    first = names[0] if names else None
    line = (first.meta or {}).get("line", 1) if isinstance(first, exp.Identifier) else 1
    return {"ctype": ctype, "on": [_name(n) for n in names], "rl": line,
            "name": _name(item.this) if isinstance(item, exp.Constraint) else None}


def _is_sequence_name(name: str | None) -> bool:
    return bool(name) and name.endswith("_seq")  # type: ignore[union-attr]


def constraint_op(table: str | None, constraint: exp.Expression, not_valid: bool) -> dict[str, Any]:
    name = _name(constraint.this) if isinstance(constraint, exp.Constraint) else None
    kinds = constraint.expressions if isinstance(constraint, exp.Constraint) else [constraint]
    ctype = "other"
    columns: list[str | None] = []
    for item in kinds:
        if isinstance(item, exp.ForeignKey):
            ctype = "fk"
        elif isinstance(item, exp.CheckColumnConstraint):
            ctype = "check"
            columns = [_name(c) for c in item.find_all(exp.Column)]
        elif isinstance(item, exp.UniqueColumnConstraint):
            ctype = "unique"
        elif isinstance(item, (exp.PrimaryKey, exp.PrimaryKeyColumnConstraint)):
            ctype = "pk"
        elif isinstance(item, exp.ExcludeColumnConstraint):
            ctype = "exclude"
    not_null_check = ctype == "check" and any(
        isinstance(node, exp.Not) and isinstance(node.this, exp.Null) or isinstance(node, exp.Is) and isinstance(node.parent, exp.Not)
        for node in constraint.walk()
    )
    key = table_key(constraint)
    return op("add_constraint", 0, 0, table, ctype=ctype, name=name, not_valid=not_valid, using_index=False,
              columns=columns, not_null_check=not_null_check, on=key["on"] if key else [])


def _type_facts(dtype: exp.DataType | None) -> dict[str, Any]:
    if not isinstance(dtype, exp.DataType):
        return {"type": None, "size": None}
    name = dtype.this.name.lower() if hasattr(dtype.this, "name") else str(dtype.this).lower()
    params = [p for p in dtype.expressions if isinstance(p, exp.DataTypeParam)]
    size = None
    if params and isinstance(params[0].this, exp.Literal) and not params[0].this.is_string:
        try:
            size = int(params[0].this.this)
        except ValueError:
            size = None
    return {"type": name, "size": size, "sizes": len(params)}


def column_facts(column: exp.ColumnDef) -> dict[str, Any]:
    facts = _type_facts(column.args.get("kind"))
    facts.update(name=_name(column.this), not_null=False, default=False, volatile=False, generated=False,
                 fk=False, unique=False, pk=False, rl=(column.this.meta or {}).get("line", 1) if column.this else 1)
    for constraint in column.args.get("constraints") or []:
        kind = constraint.args.get("kind")
        if isinstance(kind, exp.NotNullColumnConstraint) and not kind.args.get("allow_null"):
            facts["not_null"] = True
        elif isinstance(kind, exp.DefaultColumnConstraint):
            facts["default"] = True
            facts["volatile"] = is_volatile(kind.this)
        elif isinstance(kind, (exp.ComputedColumnConstraint, exp.GeneratedAsRowColumnConstraint)):
            facts["generated"] = True
        elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
            facts["default"] = True  # identity: a sequence default, filled for existing rows
            facts["volatile"] = True
        elif isinstance(kind, exp.Reference):
            facts["fk"] = True
        elif isinstance(kind, exp.UniqueColumnConstraint):
            facts["unique"] = True
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            facts["pk"] = True
            facts["not_null"] = True
    if facts["type"] in ("serial", "bigserial", "smallserial"):
        facts["default"] = True
    return facts


def is_volatile(expression: exp.Expression | None) -> bool:
    if expression is None:
        return False
    for node in expression.walk():
        if isinstance(node, VOLATILE_NODES):
            return True
        if isinstance(node, (exp.Anonymous, exp.Func)):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if name in VOLATILE_FUNCTIONS:
                return True
    return False


def _long_names(tree: exp.Expression) -> list[str]:
    return sorted({i.name for i in tree.find_all(exp.Identifier) if len(i.name.encode()) > MAX_IDENTIFIER})


# --------------------------------------------------------------------------------------------
# Statements sqlglot keeps as an opaque command: classified from the tokenizer's tokens.


def _words(tokens: list) -> list[str]:
    return [token.text.upper() for token in tokens]


def command_ops(tokens: list) -> list[dict[str, Any]] | None:
    """Operations of a statement sqlglot parses only as `exp.Command` (or not at all), read
    from its tokens: REINDEX, VACUUM FULL, CLUSTER, REFRESH MATERIALIZED VIEW, ALTER TABLE ...
    VALIDATE CONSTRAINT / DETACH PARTITION / ADD CONSTRAINT ... USING INDEX, CREATE/ALTER DOMAIN,
    ALTER TYPE ... ADD VALUE, BEGIN/COMMIT."""
    if len(tokens) == 2 and tokens[0].token_type == TokenType.COMMAND and tokens[1].token_type == TokenType.STRING:
        # The tokenizer keeps the rest of a command (REINDEX, VACUUM, ...) as one string:
        # tokenize that text too.
        try:
            tokens = [tokens[0], *sqlglot.Dialect.get_or_raise("postgres").tokenize(tokens[1].text)]
        except (TokenError, ValueError, Exception):  # noqa: BLE001 - tokenizer errors vary
            pass
    words = _words(tokens)
    if not words:
        return []
    head = words[0]
    rest = words[1:]
    if head in ("BEGIN", "START") and (not rest or rest[0] in ("TRANSACTION", "WORK", "ISOLATION")):
        return [op("begin", 0, 0)]
    if head in ("COMMIT", "END"):
        return [op("commit", 0, 0)]
    if head == "ROLLBACK":
        return [op("rollback", 0, 0)]
    if head == "REINDEX":
        return [op("reindex", 0, 0, _last_name(tokens), concurrently="CONCURRENTLY" in rest)]
    if head == "VACUUM":
        options = _paren_words(tokens[1:]) if rest and rest[0] == "(" else rest[:3]
        return [op("vacuum_full", 0, 0, _last_name(tokens))] if "FULL" in options else [op("other", 0, 0)]
    if head == "CLUSTER":
        table = tokens[1].text.lower() if len(tokens) > 1 and tokens[1].token_type != TokenType.L_PAREN else None
        return [op("cluster", 0, 0, table)]
    if head == "REFRESH" and rest[:2] == ["MATERIALIZED", "VIEW"]:
        return [op("refresh_matview", 0, 0, _last_name(tokens), concurrently="CONCURRENTLY" in rest)]
    if head == "CREATE" and rest[:1] == ["DOMAIN"]:
        return [op("domain_constraint", 0, 0, None, create=True)] if "CHECK" in rest else [op("ddl", 0, 0, None, what="create domain")]
    if head == "ALTER" and rest[:1] == ["DOMAIN"]:
        if rest[2:4] == ["ADD", "CONSTRAINT"] or "ADD" in rest and "CHECK" in rest:
            return [op("domain_constraint", 0, 0, None, create=False)]
        return [op("ddl", 0, 0, None, what="alter domain")]
    if head == "ALTER" and rest[:1] == ["TYPE"]:
        if "ADD" in rest and "VALUE" in rest:
            return [op("enum_add_value", 0, 0, None, ordered="BEFORE" in rest or "AFTER" in rest)]
        return [op("ddl", 0, 0, None, what="alter type")]
    if head == "ALTER" and rest[:1] == ["TABLE"]:
        position = 2
        while position < len(words) and words[position] in ("IF", "EXISTS", "ONLY"):
            position += 1
        table = tokens[position].text.lower() if position < len(tokens) else None
        if position + 2 < len(tokens) and tokens[position + 1].token_type == TokenType.DOT:
            table = tokens[position + 2].text.lower()
        if "VALIDATE" in rest and "CONSTRAINT" in rest:
            name = words[words.index("VALIDATE") + 2] if words.index("VALIDATE") + 2 < len(words) else None
            return [op("validate_constraint", 0, 0, table, name=name.lower() if name else None)]
        if "DETACH" in rest and "PARTITION" in rest:
            return [op("detach_partition", 0, 0, table, concurrently="CONCURRENTLY" in rest or "FINALIZE" in rest)]
        if "ADD" in rest and "USING" in rest and "INDEX" in rest and ("UNIQUE" in rest or "PRIMARY" in rest):
            return [op("add_constraint", 0, 0, table, ctype="unique" if "UNIQUE" in rest else "pk", name=None,
                       not_valid=False, using_index=True, columns=[], not_null_check=False)]
        if ("ENABLE" in rest or "DISABLE" in rest) and "TRIGGER" in rest:
            return [op("ddl", 0, 0, table, what=TRIGGER_TOGGLE)]
        if "ENABLE" in rest or "DISABLE" in rest or "OWNER" in rest or "SET" in rest:
            return [op("ddl", 0, 0, table, what="alter table")]
        return [op("ddl", 0, 0, table, what="alter table")]
    if head in ("CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE", "DO", "SELECT", "SET", "RESET", "ANALYZE",
                "NOTIFY", "LOCK", "COPY", "INSERT", "UPDATE", "DELETE", "WITH", "CALL", "SECURITY"):
        return [op("ddl" if head in ("CREATE", "ALTER", "DROP") else "other", 0, 0, None, what=head.lower())]
    return None


def _paren_words(tokens: list) -> list[str]:
    out = []
    for token in tokens[1:]:
        if token.token_type == TokenType.R_PAREN:
            break
        out.append(token.text.upper())
    return out


def _last_name(tokens: list) -> str | None:
    for token in reversed(tokens):
        if token.token_type in (TokenType.VAR, TokenType.IDENTIFIER):
            return token.text.lower()
    return None


# ============================================================================================
# Python migrations (ast)


def _const(node: ast.AST | None) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [_const(item) for item in node.elts]
    if isinstance(node, ast.JoinedStr):
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _const(node.left), _const(node.right)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
    if isinstance(node, ast.Call) and _callee(node) in ("text", "dedent") and node.args:
        return _const(node.args[0])
    return None


def _callee(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _receiver(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id
    return None


def _arg(call: ast.Call, position: int, name: str) -> ast.AST | None:
    found = keyword_value(call, name)
    if found is not None:
        return found
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    return positional[position] if position < len(positional) else None


def _true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _false(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _none(node: ast.AST | None) -> bool:
    return node is None or isinstance(node, ast.Constant) and node.value is None


_LINES_OF: list = [None, []]  # [text, its lines] of the file last segmented


def _segment(text: str, node: ast.AST) -> str:
    """The start of a node's source text (`ast.get_source_segment` re-splits the whole file on
    every call, which is quadratic on large migrations)."""
    # One file's lines are kept at a time. Keyed by the text object itself, not id(text):
    # CPython reuses a freed object's id, which handed a new file another file's lines.
    if _LINES_OF[0] is text:
        lines = _LINES_OF[1]
    else:
        lines = split_lines(text)
        _LINES_OF[:] = [text, lines]
    first = getattr(node, "lineno", 0) - 1
    if not 0 <= first < len(lines):
        return ""
    last = getattr(node, "end_lineno", None) or first + 1
    column = getattr(node, "col_offset", 0)
    if last == first + 1:
        return _short(lines[first][column : getattr(node, "end_col_offset", None)])
    return _short(" ".join([lines[first][column:], *lines[first + 1 : min(last, first + 4)]]))


def _short(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _body_state(function: ast.FunctionDef | None) -> str:
    """missing, empty (pass / ... / docstring only), raise (only raises) or ok."""
    if function is None:
        return "missing"
    body = [s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    body = [s for s in body if not isinstance(s, ast.Pass)]
    if not body:
        return "empty"
    if all(isinstance(s, ast.Raise) for s in body):
        return "raise"
    return "ok"


# --------------------------------------------------------------------------------------------
# Alembic


def alembic_unit(path: str, text: str, tree: ast.Module, dialect: str = "postgres") -> dict[str, Any]:
    unit: dict[str, Any] = {"path": path, "form": ALEMBIC, "tool": "alembic", "name": path.rsplit("/", 1)[-1],
                            "stream": path.rsplit("/", 1)[0] if dialect_of(path) else path.rsplit("/versions/", 1)[0],
                            "ops": [], "errors": 0, "direction": "both"}
    functions: dict[str, ast.FunctionDef] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[node.name] = node  # type: ignore[assignment]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id in ("revision", "down_revision", "branch_labels", "depends_on"):
                    value = _const(node.value)
                    if target.id == "revision":
                        unit["revision"] = value if isinstance(value, str) else None
                        unit["revision_line"] = node.lineno
                    elif target.id == "down_revision":
                        unit["down_revision"] = [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
                    else:
                        unit[target.id] = value
    upgrade, downgrade = functions.get("upgrade"), functions.get("downgrade")
    unit["upgrade_state"] = _body_state(upgrade)
    unit["down_state"] = _body_state(downgrade)
    unit["down_line"] = downgrade.lineno if downgrade else (upgrade.lineno if upgrade else 1)
    unit["down_col"] = (downgrade.col_offset + 1) if downgrade else 1
    walker = _AlembicWalker(text, functions, dialect)
    for function, direction in ((upgrade, UP), (downgrade, DOWN)):
        if function is not None:
            walker.walk(function.body, direction, transactional=True, batch=None, depth=0)
    unit["ops"] = walker.ops
    unit["errors"] = walker.errors
    unit["data_only"] = _data_only(upgrade, walker.ops)
    # Nothing of the upgrade runs on PostgreSQL: its work is all in branches for other databases.
    unit["other_dialect_only"] = walker.other_dialect[UP] and not any(o.get("dir") == UP for o in walker.ops)
    unit["down_explained"] = _explained(text, downgrade, (ast.get_docstring(upgrade) or "").strip() if upgrade else "")
    _mark_new(unit["ops"])
    return unit


def _dml_construct(node: ast.AST | None) -> str | None:
    """`insert` / `update` / `delete` when `node` is a SQLAlchemy DML construct, through its
    method chain (`insert(T).from_select(...)`, `update(T).where(...).values(...)`)."""
    while isinstance(node, ast.Call):
        name = _callee(node)
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

# Operations that change no schema: what a data migration is made of.
DATA_KINDS = frozenset({"dml", "select", "set", "begin", "commit", "rollback", "other"})
SESSION_CALLS = frozenset({"Session", "sessionmaker", "scoped_session"})
DML_CONSTRUCTS = frozenset({"insert", "update", "delete"})


TRIGGER_TOGGLE = "enable or disable trigger"


def _changes_schema(item: dict[str, Any], temporary: set[str]) -> bool:
    """Whether an operation leaves the schema changed: not DML, not work on a temporary table
    (session-local scratch space), not a trigger switched off and on around a data fix."""
    if item["k"] in DATA_KINDS or item.get("what") == TRIGGER_TOGGLE:
        return False
    return not (item.get("temporary") or item.get("t") in temporary)


def _data_only(upgrade: ast.FunctionDef | None, ops: list[dict[str, Any]]) -> bool:
    """Whether a revision's upgrade only moves data: no schema operation, and positive
    evidence of data work (DML through `op.execute` / `op.bulk_insert`, or an ORM session it
    opens). An upgrade whose calls go to unknown helpers is not data-only."""
    if upgrade is None:
        return False
    up = [o for o in ops if o.get("dir") == UP]
    temporary = {o["t"] for o in up if o["k"] == "create_table" and o.get("temporary") and o.get("t")}
    if any(_changes_schema(o, temporary) for o in up):
        return False
    if any(o["k"] == "dml" for o in up):
        return True
    calls = [_callee(node) for node in ast.walk(upgrade) if isinstance(node, ast.Call)]
    return any(name in SESSION_CALLS for name in calls)


class _AlembicWalker:
    def __init__(self, text: str, functions: dict[str, ast.FunctionDef], dialect: str) -> None:
        self.text = text
        self.functions = functions
        self.dialect = dialect
        self.ops: list[dict[str, Any]] = []
        self.errors = 0
        self.tables: dict[str, str] = {}  # module names bound to sa.table("name", ...)
        self.batch_names: dict[str, str] = {}
        self.anchor: ast.Call | None = None
        # Whether a direction has code for other databases only (skipped on PostgreSQL).
        self.other_dialect: dict[str, bool] = {UP: False, DOWN: False}

    def walk(self, body: list[ast.stmt], direction: str, transactional: bool, batch: str | None, depth: int) -> None:
        for statement in body:
            if isinstance(statement, (ast.With, ast.AsyncWith)):
                inner_tx = transactional
                names = dict(self.batch_names)
                for item in statement.items:
                    call = item.context_expr
                    if isinstance(call, ast.Call):
                        if _callee(call) == "autocommit_block":
                            inner_tx = False
                        elif _callee(call) == "batch_alter_table":
                            table = _const(_arg(call, 0, "table_name"))
                            if isinstance(item.optional_vars, ast.Name) and isinstance(table, str):
                                self.batch_names[item.optional_vars.id] = table.lower()
                        else:
                            self._expression(call, direction, transactional, depth)
                self.walk(statement.body, direction, inner_tx, batch, depth)
                self.batch_names = names
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
                        self.walk(inner, direction, transactional, batch, depth)
            if isinstance(statement, (ast.If, ast.For, ast.While, ast.Try)):
                header = getattr(statement, "test", None) or getattr(statement, "iter", None)
                if header is not None:
                    self._expression(header, direction, transactional, depth)
                continue
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call) and _callee(statement.value) == "table":
                name = _const(_arg(statement.value, 0, "name"))
                for target in statement.targets:
                    if isinstance(target, ast.Name) and isinstance(name, str):
                        self.tables[target.id] = name.lower()
            self._expression(statement, direction, transactional, depth)

    def _expression(self, node: ast.AST, direction: str, transactional: bool, depth: int) -> None:
        for call in [n for n in ast.walk(node) if isinstance(n, ast.Call)]:
            self._call(call, direction, transactional, depth)

    def _call(self, call: ast.Call, direction: str, transactional: bool, depth: int) -> None:
        name = _callee(call)
        receiver = _receiver(call)
        if isinstance(call.func, ast.Name) and call.func.id in self.functions and depth < 2:
            # A module helper: its operations are reported at the call in upgrade/downgrade.
            outer = self.anchor
            self.anchor = outer or call
            self.walk(self.functions[call.func.id].body, direction, transactional, None, depth + 1)
            self.anchor = outer
            return
        batch_table = self.batch_names.get(receiver or "")
        if isinstance(call.func, ast.Name) and name == "create_table" and isinstance(_const(_arg(call, 0, "table_name")), str):
            # A project helper named after the operation it wraps (superset's `create_table`
            # from its shared migration utils checks for the table, then calls
            # `op.create_table`): the table it creates is new, whatever else it does.
            receiver = "op"
        if receiver != "op" and batch_table is None:
            if name in ("execute", "exec_driver_sql") and call.args:
                sql = _const(call.args[0])
                if isinstance(sql, str):
                    self._sql(sql, call, direction, transactional)
            return
        found = self._op(name or "", call, batch_table, direction, transactional)
        at = self.anchor or call
        for item in found:
            item["l"], item["c"] = at.lineno, at.col_offset + 1
            item["dir"] = direction
            item.setdefault("tx", transactional)
            item.setdefault("code", _segment(self.text, call))
            self.ops.append(item)

    def _sql(self, sql: str, call: ast.Call, direction: str, transactional: bool) -> None:
        at = self.anchor or call
        found, _, errors, _ = sql_ops(sql, self.dialect, at.lineno, at.col_offset + 1, direction, transactional,
                                      code_line=at.lineno)
        self.errors += errors
        for item in found:
            item["c"] = at.col_offset + 1
            item["via"] = "execute"
        self.ops.extend(found)

    def _op(self, name: str, call: ast.Call, batch: str | None, direction: str, tx: bool) -> list[dict[str, Any]]:
        shift = 0 if batch else 1  # batch ops take no table argument

        def table_at(position: int, keyword: str) -> str | None:
            if batch:
                return batch
            value = _const(_arg(call, position, keyword))
            return value.lower() if isinstance(value, str) else None

        if name == "execute":
            statement = _arg(call, 0, "sqltext")
            sql = _const(statement)
            if isinstance(sql, str):
                self._sql(sql, call, direction, tx)
                return []
            verb = _dml_construct(statement) or _formatted_dml_verb(statement, self.dialect)
            if verb is not None:
                # `op.execute(insert(T).from_select(...))`: SQLAlchemy DML built in Python, or an
                # f-string whose constant start is an UPDATE / INSERT / DELETE: data work either way.
                return [op("dml", 0, 0, None, verb=verb, where=True, constant=False)]
            return [op("opaque", 0, 0)]
        if name == "create_table":
            table = table_at(0, "table_name") if not batch else None
            columns = [alembic_column(a) for a in call.args[1:] if isinstance(a, ast.Call) and _callee(a) == "Column"]
            names = [n for n in [table] + [c["name"] for c in columns] if n and len(n.encode()) > MAX_IDENTIFIER]
            keys = [key for key in (alembic_key(a) for a in call.args[1:]) if key is not None]
            return [op("create_table", 0, 0, table, columns=columns, names=names, keys=keys)]
        if name == "drop_table":
            return [op("drop_table", 0, 0, table_at(0, "table_name"))]
        if name == "rename_table":
            new = _const(_arg(call, 1, "new_table_name"))
            return [op("rename_table", 0, 0, table_at(0, "old_table_name"), to=new.lower() if isinstance(new, str) else None)]
        if name == "add_column":
            table = table_at(0, "table_name")
            column_node = _arg(call, shift, "column")
            if not (isinstance(column_node, ast.Call) and _callee(column_node) == "Column"):
                return [op("ddl", 0, 0, table, what="add column")]
            facts = alembic_column(column_node)
            return [op("add_column", 0, 0, table, column=facts["name"], nullable=not facts["not_null"],
                       default=facts["default"], volatile=facts["volatile"], generated=facts["generated"],
                       serial=False, fk=facts["fk"], unique=facts["unique"], index=facts["index"], columns=[facts],
                       names=[n for n in [facts["name"]] if n and len(n.encode()) > MAX_IDENTIFIER])]
        if name == "drop_column":
            column = _const(_arg(call, shift, "column_name"))
            return [op("drop_column", 0, 0, table_at(0, "table_name"), column=column.lower() if isinstance(column, str) else None)]
        if name == "alter_column":
            table = table_at(0, "table_name")
            column = _const(_arg(call, shift, "column_name"))
            column = column.lower() if isinstance(column, str) else None
            out = []
            nullable = keyword_value(call, "nullable")
            existing = keyword_value(call, "existing_nullable")
            if _false(nullable) and not _false(existing):
                out.append(op("set_not_null", 0, 0, table, column=column))
            elif _true(nullable) and not _true(existing):
                out.append(op("drop_not_null", 0, 0, table, column=column, known=_false(existing)))
            new_type = keyword_value(call, "type_")
            renamed = _const(keyword_value(call, "new_column_name"))
            existing_type = keyword_value(call, "existing_type")
            # `type_=` beside a rename and no `existing_type`: the MySQL idiom (CHANGE COLUMN
            # needs the type), not a type change.
            if new_type is not None and not (isinstance(renamed, str) and existing_type is None):
                old = alembic_type(existing_type)
                new = alembic_type(new_type)
                out.append(op("alter_type", 0, 0, table, column=column, type=_segment(self.text, new_type),
                              rewrite=True, using=keyword_value(call, "postgresql_using") is not None,
                              widening=_widening(old, new), new_type=new,
                              old_known=old.get("type") is not None and old.get("size") != -1))
            if isinstance(renamed, str):
                out.append(op("rename_column", 0, 0, table, column=column, to=renamed.lower()))
            return out or [op("alter_column", 0, 0, table, column=column)]
        if name == "create_index":
            index = _const(_arg(call, 0, "index_name"))
            table = batch or _const(_arg(call, 1, "table_name"))
            return [op("create_index", 0, 0, table.lower() if isinstance(table, str) else None,
                       name=index.lower() if isinstance(index, str) else None,
                       concurrently=_true(keyword_value(call, "postgresql_concurrently")), unique=_true(keyword_value(call, "unique")),
                       names=[index] if isinstance(index, str) and len(index.encode()) > MAX_IDENTIFIER else [],
                       on=_column_names(_arg(call, 2 - (1 - shift), "columns")))]
        if name == "drop_index":
            index = _const(_arg(call, 0, "index_name"))
            table = batch or _const(_arg(call, 1, "table_name"))
            return [op("drop_index", 0, 0, table.lower() if isinstance(table, str) else None,
                       name=index.lower() if isinstance(index, str) else None,
                       concurrently=_true(keyword_value(call, "postgresql_concurrently")))]
        constraints = {
            "create_foreign_key": ("fk", 1, "source_table"),
            "create_check_constraint": ("check", 1, "table_name"),
            "create_unique_constraint": ("unique", 1, "table_name"),
            "create_primary_key": ("pk", 1, "table_name"),
            "create_exclude_constraint": ("exclude", 1, "table_name"),
        }
        # Where the constrained columns are: (position without batch, keyword).
        constrained = {"create_foreign_key": (3, "local_cols"), "create_unique_constraint": (2, "columns"),
                       "create_primary_key": (2, "columns")}
        if name in constraints:
            ctype, position, keyword = constraints[name]
            on_position, on_keyword = constrained.get(name, (None, ""))
            on = _column_names(_arg(call, on_position - (1 - shift), on_keyword)) if on_position is not None else []
            constraint = _const(_arg(call, 0, "constraint_name"))
            table = batch or _const(_arg(call, position, keyword))
            return [op("add_constraint", 0, 0, table.lower() if isinstance(table, str) else None, ctype=ctype,
                       name=constraint.lower() if isinstance(constraint, str) else None,
                       not_valid=_true(keyword_value(call, "postgresql_not_valid")), using_index=False, columns=[],
                       not_null_check=False, on=on,
                       names=[constraint] if isinstance(constraint, str) and len(constraint.encode()) > MAX_IDENTIFIER else [])]
        if name == "drop_constraint":
            constraint = _const(_arg(call, 0, "constraint_name"))
            return [op("drop_constraint", 0, 0, table_at(1, "table_name") if not batch else batch,
                       name=constraint.lower() if isinstance(constraint, str) else None)]
        if name == "bulk_insert":
            target = _arg(call, 0, "table")
            table = self.tables.get(target.id) if isinstance(target, ast.Name) else None
            if isinstance(target, ast.Call) and _callee(target) == "table":
                value = _const(_arg(target, 0, "name"))
                table = value.lower() if isinstance(value, str) else None
            return [op("dml", 0, 0, table, verb="insert", constant=True)]
        return []


POSTGRES_NAMES = frozenset({"postgresql", "postgres", "psycopg2", "psycopg", "asyncpg"})
OTHER_DIALECTS = frozenset({"mysql", "mariadb", "sqlite", "mssql", "oracle"})


def _dialect_branch(test: ast.AST) -> bool | None:
    """For `if <dialect name> == "mysql"`-style tests: True when the body is what runs on
    PostgreSQL, False when the else branch is, None when the test is not about the dialect."""
    if isinstance(test, ast.BoolOp):
        return None
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    inner = test.operand if negated else test
    if isinstance(inner, ast.Call) and _callee(inner) == "isinstance" and len(inner.args) == 2:
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
        value = _const(side)
        if isinstance(value, str):
            names.append(value.lower())
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            names.extend(v.lower() for v in value)
    if not names or not all(n in POSTGRES_NAMES | OTHER_DIALECTS for n in names):
        return None
    mentions_postgres = any(n in POSTGRES_NAMES for n in names)
    positive = isinstance(test.ops[0], (ast.Eq, ast.In, ast.Is))
    return mentions_postgres == positive


def alembic_type(node: ast.AST | None) -> dict[str, Any]:
    """{"type": normalised name, "size": length} of a SQLAlchemy type expression."""
    if node is None:
        return {"type": None, "size": None}
    call = node if isinstance(node, ast.Call) else None
    head = call.func if call else node
    name = head.attr if isinstance(head, ast.Attribute) else head.id if isinstance(head, ast.Name) else None
    size = None
    timezone = False
    if call is not None:
        length = _arg(call, 0, "length")
        if isinstance(_const(length), int):
            size = _const(length)
        elif length is not None and name in ("String", "VARCHAR", "Unicode", "NVARCHAR"):
            size = -1  # a length the migration computes
        timezone = _true(keyword_value(call, "timezone"))
        if name in ("Numeric", "NUMERIC", "DECIMAL"):
            precision = _const(_arg(call, 0, "precision"))
            size = precision if isinstance(precision, int) else None
    mapping = {
        "String": "varchar", "VARCHAR": "varchar", "Unicode": "varchar", "NVARCHAR": "varchar",
        "Text": "text", "TEXT": "text", "UnicodeText": "text", "MediumText": "text", "MEDIUMTEXT": "text",
        "LONGTEXT": "text", "LongText": "text",
        "DateTime": "timestamp", "TIMESTAMP": "timestamp", "Integer": "int", "INTEGER": "int", "INT": "int",
        "SmallInteger": "smallint", "SMALLINT": "smallint", "BigInteger": "bigint", "BIGINT": "bigint",
        "JSON": "json", "JSONB": "jsonb", "CHAR": "char", "Float": "float", "FLOAT": "float", "REAL": "float",
        "DOUBLE_PRECISION": "float", "Double": "float", "Numeric": "numeric", "NUMERIC": "numeric", "DECIMAL": "numeric",
        "Boolean": "boolean", "Enum": "enum", "Date": "date", "UUID": "uuid", "Uuid": "uuid", "LargeBinary": "bytea",
    }
    normal = mapping.get(name or "", (name or "").lower() or None)
    if normal == "timestamp" and timezone:
        normal = "timestamptz"
    if normal == "varchar" and size is None:
        normal = "text"  # String() without a length is unbounded
    return {"type": normal, "size": size}


def _widening(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when PostgreSQL changes the type without a rewrite (binary-coercible widening)."""
    before, after = old.get("type"), new.get("type")
    if before is None:
        return False
    if old.get("size") == -1 or new.get("size") == -1:
        return False
    if before == "varchar" and after == "text":
        return True
    if before == after and before in ("varchar", "numeric") and old.get("size") and new.get("size"):
        return new["size"] >= old["size"]
    if before == after and old.get("size") == new.get("size") and before not in ("timestamp",):
        return True  # same type restated
    if before == after and before in ("varchar",) and new.get("size") is None:
        return True
    return False


def _column_names(node: ast.AST | None) -> list[str | None]:
    """Column names of a list argument (`["a", "b"]`, `("a",)`); None for an expression."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return []
    return [value.lower() if isinstance(value, str) else None for value in (_const(e) for e in node.elts)]


# SQLAlchemy table-level constraints and the key kind each stands for.
ALEMBIC_KEYS = {"ForeignKeyConstraint": "fk", "PrimaryKeyConstraint": "pk", "UniqueConstraint": "unique"}


def alembic_key(node: ast.AST) -> dict[str, Any] | None:
    """A table-level key among `create_table` arguments: `sa.ForeignKeyConstraint(["a"], [...])`,
    `sa.PrimaryKeyConstraint("a", "b")`, `sa.UniqueConstraint("a")`."""
    if not isinstance(node, ast.Call) or _callee(node) not in ALEMBIC_KEYS:
        return None
    ctype = ALEMBIC_KEYS[_callee(node)]
    if ctype == "fk":
        on = _column_names(_arg(node, 0, "columns"))
    else:
        on = [value.lower() if isinstance(value, str) else None for value in (_const(a) for a in node.args)]
    name = _const(keyword_value(node, "name"))
    return {"ctype": ctype, "on": on, "line": node.lineno, "name": name.lower() if isinstance(name, str) else None}


def alembic_column(call: ast.Call) -> dict[str, Any]:
    name = _const(call.args[0]) if call.args else _const(keyword_value(call, "name"))
    type_node = call.args[1] if len(call.args) > 1 and not (isinstance(call.args[1], ast.Call) and _callee(call.args[1]) == "ForeignKey") else keyword_value(call, "type_")
    facts = alembic_type(type_node)
    primary = _true(keyword_value(call, "primary_key"))
    nullable = keyword_value(call, "nullable")
    server_default = keyword_value(call, "server_default")
    default_sql = _const(server_default)
    volatile = False
    if isinstance(default_sql, str):
        tree = None
        try:
            tree = sqlglot.parse_one(default_sql, read="postgres")
        except Exception:  # noqa: BLE001
            tree = None
        volatile = is_volatile(tree)
    if isinstance(server_default, ast.Call) and _callee(server_default) in ("Identity", "Sequence"):
        volatile = True
    if isinstance(server_default, ast.Attribute) and server_default.attr in ("gen_random_uuid", "uuid_generate_v4"):
        volatile = True
    fk = any(isinstance(a, ast.Call) and _callee(a) == "ForeignKey" for a in call.args)
    fk_name = next((_const(keyword_value(a, "name")) for a in call.args if isinstance(a, ast.Call) and _callee(a) == "ForeignKey"), None)
    identity = any(isinstance(a, ast.Call) and _callee(a) in ("Identity", "Sequence") for a in call.args)
    facts.update(
        line=call.lineno,
        name=name.lower() if isinstance(name, str) else None,
        not_null=_false(nullable) or (primary and not _true(nullable)),
        default=not _none(server_default) or identity,
        volatile=volatile or identity,
        generated=any(isinstance(a, ast.Call) and _callee(a) == "Computed" and not _false(keyword_value(a, "persisted")) for a in call.args),
        fk=fk, unique=_true(keyword_value(call, "unique")) or primary, pk=primary, index=_true(keyword_value(call, "index")),
        fk_name=fk_name.lower() if isinstance(fk_name, str) else None,
    )
    return facts


# --------------------------------------------------------------------------------------------
# Django


def django_unit(path: str, text: str, tree: ast.Module, dialect: str = "postgres") -> dict[str, Any] | None:
    parts = path.split("/")
    app = parts[-3] if len(parts) >= 3 else "."
    name = parts[-1][:-3]
    migration = next(
        (node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Migration"), None
    )
    if migration is None:
        return None
    unit: dict[str, Any] = {"path": path, "form": DJANGO, "tool": "django", "name": name, "app": app,
                            "stream": "/".join(parts[:-1]), "ops": [], "errors": 0, "direction": "both",
                            "dependencies": [], "replaces": [], "atomic": True, "initial": False,
                            "irreversible": [], "line": migration.lineno}
    functions = {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    operations: ast.AST | None = None
    for statement in migration.body:
        if not isinstance(statement, ast.Assign):
            continue
        for target in statement.targets:
            if not isinstance(target, ast.Name):
                continue
            if target.id == "dependencies":
                unit["dependencies"] = _django_dependencies(statement.value)
            elif target.id == "replaces":
                unit["replaces"] = [d for d in _django_dependencies(statement.value)]
            elif target.id == "atomic":
                unit["atomic"] = not _false(statement.value)
            elif target.id == "initial":
                unit["initial"] = _true(statement.value)
            elif target.id == "operations":
                operations = statement.value
    walker = _DjangoWalker(text, app, functions, dialect, unit["atomic"])
    if isinstance(operations, (ast.List, ast.Tuple)):
        for element in operations.elts:
            walker.operation(element, database=True)
    unit["ops"] = walker.ops
    unit["errors"] = walker.errors
    unit["irreversible"] = walker.irreversible
    _mark_new(unit["ops"])
    if unit["initial"]:
        # `initial = True`: part of the app's initial schema (makemigrations splits it into
        # 0001/0002 around circular foreign keys); its tables are empty when it runs.
        for item in unit["ops"]:
            item["new"] = True
    return unit


def _django_dependencies(node: ast.AST) -> list[list[str]]:
    out = []
    if isinstance(node, (ast.List, ast.Tuple)):
        for item in node.elts:
            value = _const(item)
            if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
                out.append(value)
            elif isinstance(item, ast.Call):
                out.append(["__swappable__", "__first__"])
    return out


class _DjangoWalker:
    def __init__(self, text: str, app: str, functions: dict[str, Any], dialect: str, atomic: bool) -> None:
        self.text = text
        self.app = app
        self.functions = functions
        self.dialect = dialect
        self.atomic = atomic
        self.ops: list[dict[str, Any]] = []
        self.irreversible: list[dict[str, Any]] = []
        self.errors = 0
        self.tables: dict[str, str] = {}

    def table(self, model: Any) -> str | None:
        return model.lower() if isinstance(model, str) else None

    def add(self, item: dict[str, Any], call: ast.Call, **extra: Any) -> None:
        item["l"], item["c"] = call.lineno, call.col_offset + 1
        item["dir"] = UP
        item["tx"] = self.atomic
        item.setdefault("code", _segment(self.text, call))
        item.update(extra)
        self.ops.append(item)

    def operation(self, node: ast.AST, database: bool) -> None:
        if not isinstance(node, ast.Call):
            return
        name = _callee(node) or ""
        if name == "SeparateDatabaseAndState":
            for element in _list(_arg(node, 0, "database_operations")):
                self.operation(element, database=True)
            for element in _list(_arg(node, 1, "state_operations")):
                self.operation(element, database=False)
            return
        handler = getattr(self, "op_" + name, None)
        if handler is not None:
            handler(node, database)

    # Models and fields
    def op_CreateModel(self, call: ast.Call, database: bool) -> None:
        model = _const(_arg(call, 0, "name"))
        options = _arg(call, 3, "options")
        db_table = None
        if isinstance(options, ast.Dict):
            for key, value in zip(options.keys, options.values):
                if _const(key) == "db_table" and isinstance(_const(value), str):
                    db_table = _const(value)
        fields = []
        for element in _list(_arg(call, 1, "fields")):
            if isinstance(element, ast.Tuple) and len(element.elts) == 2:
                fname = _const(element.elts[0])
                if isinstance(fname, str) and isinstance(element.elts[1], ast.Call):
                    fields.append(django_field(fname, element.elts[1]))
        table = self.table(model)
        aliases = [(db_table or f"{self.app}_{table}").lower()] if table else []
        unmanaged = False
        if isinstance(options, ast.Dict):
            for key, value in zip(options.keys, options.values):
                if _const(key) in ("managed", "proxy") and _const(value) is (_const(key) == "proxy"):
                    unmanaged = True  # managed=False or proxy=True: Django never touches a table
        self.add(op("create_table", 0, 0, table, columns=[f for f in fields if f["column"]],
                    db_table=db_table, fields=fields, aliases=aliases, unmanaged=unmanaged,
                    db=database and not unmanaged), call)

    def op_DeleteModel(self, call: ast.Call, database: bool) -> None:
        self.add(op("drop_table", 0, 0, self.table(_const(_arg(call, 0, "name"))), db=database), call)

    def op_RenameModel(self, call: ast.Call, database: bool) -> None:
        new = _const(_arg(call, 1, "new_name"))
        self.add(op("rename_table", 0, 0, self.table(_const(_arg(call, 0, "old_name"))), to=self.table(new), db=database), call)

    def op_AlterModelTable(self, call: ast.Call, database: bool) -> None:
        self.add(op("rename_table", 0, 0, self.table(_const(_arg(call, 0, "name"))), to=None,
                    db_table=_const(_arg(call, 1, "table")), db=database), call)

    def op_AddField(self, call: ast.Call, database: bool) -> None:
        model = self.table(_const(_arg(call, 0, "model_name")))
        fname = _const(_arg(call, 1, "name"))
        field_call = _arg(call, 2, "field")
        if not isinstance(field_call, ast.Call) or not isinstance(fname, str):
            return
        facts = django_field(fname, field_call)
        if not facts["column"]:
            return
        default = facts["default"] or facts["db_default"] or facts["auto_default"] or facts["blank_text"]
        if facts["class"] not in DJANGO_DB_TYPES and not facts["null"]:
            # A custom field class may fill or null its column itself (e.g. a NullCharField).
            default = default or "unknown"
        self.add(op("add_column", 0, 0, model, column=fname.lower(), nullable=facts["null"], default=default,
                    volatile=facts["db_default_volatile"], generated=facts["generated"], serial=False,
                    fk=facts["fk"], unique=facts["unique"], index=facts["index"], columns=[facts],
                    callable_default=facts["callable_default"], field=facts, db=database), call)

    def op_RemoveField(self, call: ast.Call, database: bool) -> None:
        fname = _const(_arg(call, 1, "name"))
        self.add(op("drop_column", 0, 0, self.table(_const(_arg(call, 0, "model_name"))),
                    column=fname.lower() if isinstance(fname, str) else None, db=database), call)

    def op_RenameField(self, call: ast.Call, database: bool) -> None:
        old, new = _const(_arg(call, 1, "old_name")), _const(_arg(call, 2, "new_name"))
        self.add(op("rename_column", 0, 0, self.table(_const(_arg(call, 0, "model_name"))),
                    column=old.lower() if isinstance(old, str) else None, to=new.lower() if isinstance(new, str) else None,
                    db=database), call)

    def op_AlterField(self, call: ast.Call, database: bool) -> None:
        fname = _const(_arg(call, 1, "name"))
        field_call = _arg(call, 2, "field")
        if not isinstance(field_call, ast.Call) or not isinstance(fname, str):
            return
        self.add(op("alter_field", 0, 0, self.table(_const(_arg(call, 0, "model_name"))), column=fname.lower(),
                    field=django_field(fname, field_call), db=database), call)

    # Indexes and constraints
    def _index(self, call: ast.Call, database: bool, concurrently: bool) -> None:
        index = _arg(call, 1, "index")
        name = _const(keyword_value(index, "name")) if isinstance(index, ast.Call) else None
        self.add(op("create_index", 0, 0, self.table(_const(_arg(call, 0, "model_name"))),
                    name=name.lower() if isinstance(name, str) else None, concurrently=concurrently, unique=False,
                    names=[name] if isinstance(name, str) and len(name.encode()) > MAX_IDENTIFIER else [], db=database), call)

    def op_AddIndex(self, call: ast.Call, database: bool) -> None:
        self._index(call, database, False)

    def op_AddIndexConcurrently(self, call: ast.Call, database: bool) -> None:
        self._index(call, database, True)

    def _remove_index(self, call: ast.Call, database: bool, concurrently: bool) -> None:
        name = _const(_arg(call, 1, "name"))
        self.add(op("drop_index", 0, 0, self.table(_const(_arg(call, 0, "model_name"))),
                    name=name.lower() if isinstance(name, str) else None, concurrently=concurrently, db=database), call)

    def op_RemoveIndex(self, call: ast.Call, database: bool) -> None:
        self._remove_index(call, database, False)

    def op_RemoveIndexConcurrently(self, call: ast.Call, database: bool) -> None:
        self._remove_index(call, database, True)

    def op_AlterIndexTogether(self, call: ast.Call, database: bool) -> None:
        if _list(_arg(call, 1, "index_together")):
            self.add(op("create_index", 0, 0, self.table(_const(_arg(call, 0, "name"))), name=None, concurrently=False,
                        unique=False, db=database), call)

    def op_AlterUniqueTogether(self, call: ast.Call, database: bool) -> None:
        if _list(_arg(call, 1, "unique_together")):
            self.add(op("add_constraint", 0, 0, self.table(_const(_arg(call, 0, "name"))), ctype="unique", name=None,
                        not_valid=False, using_index=False, columns=[], not_null_check=False, db=database), call)

    def _constraint(self, call: ast.Call, database: bool, not_valid: bool) -> None:
        constraint = _arg(call, 1, "constraint")
        kind = _callee(constraint) if isinstance(constraint, ast.Call) else None
        ctype = {"CheckConstraint": "check", "UniqueConstraint": "unique", "ExclusionConstraint": "exclude"}.get(kind or "", "other")
        name = _const(keyword_value(constraint, "name")) if isinstance(constraint, ast.Call) else None
        self.add(op("add_constraint", 0, 0, self.table(_const(_arg(call, 0, "model_name"))), ctype=ctype,
                    name=name.lower() if isinstance(name, str) else None, not_valid=not_valid, using_index=False,
                    columns=[], not_null_check=False,
                    names=[name] if isinstance(name, str) and len(name.encode()) > MAX_IDENTIFIER else [], db=database), call)

    def op_AddConstraint(self, call: ast.Call, database: bool) -> None:
        self._constraint(call, database, False)

    def op_AddConstraintNotValid(self, call: ast.Call, database: bool) -> None:
        self._constraint(call, database, True)

    def op_ValidateConstraint(self, call: ast.Call, database: bool) -> None:
        name = _const(_arg(call, 1, "name"))
        self.add(op("validate_constraint", 0, 0, self.table(_const(_arg(call, 0, "model_name"))),
                    name=name.lower() if isinstance(name, str) else None, db=database), call)

    # Code
    def op_RunPython(self, call: ast.Call, database: bool) -> None:
        reverse = _arg(call, 1, "reverse_code")
        code = _arg(call, 0, "code")
        models = self._models_touched(code)
        unpacked = any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords)
        if _none(reverse) and not unpacked:  # `RunPython(*make_migration(fwd, back))` may carry it
            self.irreversible.append({"l": call.lineno, "c": call.col_offset + 1, "code": _segment(self.text, call),
                                      "what": "RunPython", "missing": "reverse_code"})
        noop = isinstance(code, ast.Attribute) and code.attr == "noop"
        if not noop:
            self.add(op("run_python", 0, 0, None, models=models, reverse=not _none(reverse), db=database), call)

    def op_RunSQL(self, call: ast.Call, database: bool) -> None:
        reverse = _arg(call, 1, "reverse_sql")
        if _none(reverse):
            self.irreversible.append({"l": call.lineno, "c": call.col_offset + 1, "code": _segment(self.text, call),
                                      "what": "RunSQL", "missing": "reverse_sql"})
        for direction, node in ((UP, _arg(call, 0, "sql")), (DOWN, reverse)):
            for sql in _sql_strings(node):
                if sql == "":
                    continue
                found, _, errors, _ = sql_ops(sql, self.dialect, call.lineno, call.col_offset + 1, direction, self.atomic,
                                              code_line=call.lineno)
                self.errors += errors
                for item in found:
                    item["c"] = call.col_offset + 1
                    item["via"] = "RunSQL"
                    item["db"] = database
                self.ops.extend(found)
            if direction == UP and not _sql_strings(node) and node is not None and not (isinstance(node, ast.Attribute) and node.attr == "noop"):
                self.add(op("opaque", 0, 0, None, db=database), call)

    def _models_touched(self, code: ast.AST | None) -> list[str]:
        function = self.functions.get(code.id) if isinstance(code, ast.Name) else None
        if function is None:
            return []
        found = []
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and _callee(node) == "get_model":
                values = [_const(a) for a in node.args]
                if len(values) == 2 and isinstance(values[1], str):
                    found.append(values[1].lower())
                elif len(values) == 1 and isinstance(values[0], str) and "." in values[0]:
                    found.append(values[0].split(".")[-1].lower())
        return sorted(set(found))


def _list(node: ast.AST | None) -> list[ast.AST]:
    return list(node.elts) if isinstance(node, (ast.List, ast.Tuple, ast.Set)) else []


def _sql_strings(node: ast.AST | None) -> list[str]:
    value = _const(node)
    if isinstance(value, str):
        return [value]
    out = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, list) and item and isinstance(item[0], str):
                out.append(item[0])
    return out


def django_field(name: str, call: ast.Call) -> dict[str, Any]:
    """What a Django field definition means for its column."""
    kind = _callee(call) or ""
    default = keyword_value(call, "default")
    db_default = keyword_value(call, "db_default")
    null = _true(keyword_value(call, "null"))
    primary = _true(keyword_value(call, "primary_key"))
    fk = kind in FK_FIELDS
    unique = _true(keyword_value(call, "unique")) or kind == "OneToOneField" or primary
    index = _true(keyword_value(call, "db_index")) or (fk and not _false(keyword_value(call, "db_index")))
    text_like = kind in TEXT_FIELD_FAMILY or kind in ("FilePathField", "FileField", "ImageField", "GenericIPAddressField")
    max_length = _const(keyword_value(call, "max_length"))
    return {
        "line": call.lineno, "name": name.lower(), "class": kind, "column": kind not in NO_COLUMN_FIELDS and not kind.startswith("Generic"),
        "null": null, "default": default is not None, "db_default": db_default is not None,
        "db_default_volatile": isinstance(db_default, ast.Call) and _callee(db_default) in ("RandomUUID", "Random", "Now")
        and _callee(db_default) != "Now",
        "callable_default": default is not None and not isinstance(default, (ast.Constant, ast.List, ast.Dict, ast.Tuple))
        and not (isinstance(default, ast.Call)),
        "auto_default": _true(keyword_value(call, "auto_now")) or _true(keyword_value(call, "auto_now_add")) or kind.endswith("AutoField"),
        "blank_text": _true(keyword_value(call, "blank")) and text_like,
        "generated": kind == "GeneratedField" and not _false(keyword_value(call, "db_persist")),
        "fk": fk and not _false(keyword_value(call, "db_constraint")), "unique": unique, "index": index or unique,
        "db_index": _true(keyword_value(call, "db_index")), "max_length": max_length if isinstance(max_length, int) else None,
        "type": {"FloatField": "float"}.get(kind, kind), "pk": primary,
    }


# ============================================================================================
# Shared finishing


def _mark_new(ops: list[dict[str, Any]]) -> None:
    """Mark operations on tables created earlier in the same migration (and direction)."""
    created: dict[str, set[str]] = {UP: set(), DOWN: set()}
    for item in ops:
        direction = item.get("dir", UP)
        table = item.get("t")
        if item["k"] == "create_table" and table:
            item["new"] = True
            created[direction].add(table)
            created[direction].update(item.get("aliases") or ())  # Django: the model's db table
            continue
        item["new"] = bool(table) and table in created[direction]
        if table and (item["k"] == "truncate" or item["k"] == "dml" and item.get("verb") == "delete" and not item.get("where")):
            created[direction].add(table)  # emptied: later statements lock an empty table
        if item["k"] == "rename_table" and item["new"] and item.get("to"):
            created[direction].add(item["to"])


# ============================================================================================
# Collect / merge (the IndexProvider calls these)


def collect(
    path: str, kind: FileKind, text: str, tree: ast.Module | None, dialect: str = "postgres", tool: str | None = None,
    runner: MigrationRunner = MigrationRunner(),
) -> dict[str, Any] | None:
    """Facts of one file: `tool` is the migration tool discovery found, `dialect` the configured
    one unless the file names its own (`x.sql.sqlite`, `versions/sqlite/x.py`)."""
    if is_test_path(path):
        return None
    unit = _unit(path, kind, text, tree, dialect_of(path) or dialect, tool, runner)
    if unit is not None and unit.get("form") != "settings":
        unit["dialect"] = dialect_of(path) or dialect
        unit["databases"] = _databases_named(tree) if tree is not None else []
    return unit


# Names in a migration's code that tie it to a family of databases: imports (`pymysql`,
# `sqlalchemy.dialects.postgresql`), dialect-name strings (`if bind.dialect.name == "mysql"`),
# attributes (`connection.vendor`'s values are strings) and `postgresql_*` / `mysql_*` options.
DATABASE_WORDS = {
    "postgresql": "postgres", "postgres": "postgres", "psycopg": "postgres", "psycopg2": "postgres",
    "asyncpg": "postgres", "mysql": "mysql", "pymysql": "mysql", "mysqldb": "mysql", "mariadb": "mysql",
    "sqlite": "sqlite", "sqlite3": "sqlite",
}  # fmt: skip


def _databases_named(tree: ast.Module) -> list[str]:
    """The database families a migration file's code names (see DATABASE_WORDS)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [alias.name for alias in node.names]
            if isinstance(node, ast.ImportFrom) and node.module:
                modules.append(node.module)
            words = [part for module in modules for part in module.split(".")]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) <= 12:
            words = [node.value]
        elif isinstance(node, ast.Attribute):
            words = [node.attr]
        elif isinstance(node, ast.keyword) and node.arg:
            words = [node.arg.split("_", 1)[0]]
        else:
            continue
        found.update(DATABASE_WORDS[w] for w in (word.lower() for word in words) if w in DATABASE_WORDS)
    return sorted(found)


def _unit(
    path: str, kind: FileKind, text: str, tree: ast.Module | None, dialect: str, tool: str | None, runner: MigrationRunner
) -> dict[str, Any] | None:
    if kind is FileKind.PYTHON_MIGRATION and tree is not None:
        if tool == "django":
            return django_unit(path, text, tree, dialect)
        if tool == "alembic":
            return alembic_unit(path, text, tree, dialect)
        if tool == "runner":
            return runner_unit(path, tree, dialect, runner.transactional)
        return None
    if kind in (FileKind.SQL_MIGRATION, FileKind.SQL):
        return sql_unit(path, text, dialect, tool, runner.transactional)
    if kind is FileKind.PYTHON and tree is not None:
        found = session_timeouts(tree, dialect)
        return {"path": path, "form": "settings", "timeouts": found} if found else None
    return None


TIMEOUTS = ("lock_timeout", "statement_timeout")


def session_timeouts(tree: ast.Module, dialect: str = "postgres") -> list[str]:
    """Timeouts a Python module sets for its database sessions (an Alembic env.py or Django
    settings): `-c lock_timeout=5s` in libpq connection options, or `SET lock_timeout ...`."""
    found = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        value = node.value
        if not any(name in value for name in TIMEOUTS):
            continue
        words = value.split()  # libpq `options`: whitespace-separated `-c name=value` pairs
        for before, word in zip(["", *words], words):
            name = word.split("=", 1)[0].lower()
            if before == "-c" and name in TIMEOUTS:
                found.add(name)
            elif word.startswith("-c") and word[2:].split("=", 1)[0].lower() in TIMEOUTS:
                found.add(word[2:].split("=", 1)[0].lower())
        for item in sql_ops(value, dialect, 1, 1, UP, False)[0]:
            found.update(v for v in item.get("vars") or () if v in TIMEOUTS)
    return sorted(found)


def merge(facts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Units ordered per stream, Django AlterField resolved against the replayed model state."""
    timeouts = sorted({name for path in facts for name in facts[path].get("timeouts") or ()})
    units = [facts[path] for path in sorted(facts) if facts[path].get("form") != "settings"]
    for unit in units:
        unit.setdefault("key", unit["path"])
    streams: dict[str, list[dict[str, Any]]] = {}
    for unit in units:
        streams.setdefault(unit["form"] + ":" + unit["stream"], []).append(unit)
    for key, members in streams.items():
        if key.startswith(DJANGO + ":"):
            _replay_django(sorted(members, key=lambda u: u["name"]))
    return {"units": units, "session_timeouts": timeouts}


def _replay_django(members: list[dict[str, Any]]) -> None:
    state: dict[str, dict[str, dict[str, Any]]] = {}
    unmanaged: set[str] = set()
    for unit in members:
        derived: list[dict[str, Any]] = []
        for item in unit["ops"]:
            table = item.get("t")
            if item["k"] == "create_table" and table and item.get("unmanaged"):
                unmanaged.add(table)
            if table in unmanaged:
                item["db"] = False  # Django issues no SQL for unmanaged and proxy models
                continue
            if item["k"] == "create_table" and table:
                state[table] = {f["name"]: f for f in item.get("fields", [])}
            elif item["k"] == "add_column" and table:
                state.setdefault(table, {})[item["column"]] = item.get("field", {})
            elif item["k"] == "drop_column" and table:
                state.get(table, {}).pop(item.get("column"), None)
            elif item["k"] == "rename_column" and table and item.get("to"):
                fields = state.get(table, {})
                if item.get("column") in fields:
                    fields[item["to"]] = fields.pop(item["column"])
            elif item["k"] == "rename_table" and table and item.get("to"):
                state[item["to"]] = state.pop(table, {})
            elif item["k"] == "drop_table" and table:
                state.pop(table, None)
            elif item["k"] == "alter_field" and table:
                new = item["field"]
                old = state.get(table, {}).get(item["column"])
                state.setdefault(table, {})[item["column"]] = new
                if old is None or not item.get("db", True) or not new.get("column") or not old.get("column"):
                    continue  # unknown previous state, state-only, or a many-to-many (no column)
                base = {k: item[k] for k in ("l", "c", "dir", "tx", "code", "new", "db")}
                if old.get("null") and not new.get("null"):
                    derived.append({**base, "k": "set_not_null", "t": table, "column": item["column"], "of": item})
                if not old.get("null") and new.get("null"):
                    derived.append({**base, "k": "drop_not_null", "t": table, "column": item["column"], "of": item})
                if new.get("index") and not old.get("index") and not new.get("unique"):
                    derived.append({**base, "k": "create_index", "t": table, "name": None, "concurrently": False,
                                    "unique": False})
                if new.get("unique") and not old.get("unique"):
                    derived.append({**base, "k": "add_constraint", "t": table, "ctype": "unique", "name": None,
                                    "not_valid": False, "using_index": False, "columns": [], "not_null_check": False})
                if new.get("fk") and not old.get("fk"):
                    derived.append({**base, "k": "add_constraint", "t": table, "ctype": "fk", "name": None,
                                    "not_valid": False, "using_index": False, "columns": [], "not_null_check": False})
                old_class, new_class = old.get("class"), new.get("class")
                old_db, new_db = DJANGO_DB_TYPES.get(old_class or ""), DJANGO_DB_TYPES.get(new_class or "")
                changed_class = (
                    old_db is not None and new_db is not None and old_db != new_db
                    and not (old_db == "varchar" and new_db == "text")
                )
                shrunk = (
                    old_class == new_class and old.get("max_length") and new.get("max_length")
                    and new["max_length"] < old["max_length"]
                )
                if changed_class or shrunk:
                    derived.append({**base, "k": "alter_type", "t": table, "column": item["column"],
                                    "type": f"{old_class}->{new_class}" if changed_class else
                                    f"max_length {old.get('max_length')}->{new.get('max_length')}",
                                    "rewrite": True, "using": False, "widening": False, "new_type": {}})
        unit["ops"].extend(derived)
        unit["ops"].sort(key=lambda o: (o.get("l", 0), o.get("c", 0)))


# ============================================================================================
# Reading the section (rules)


def units(index: Any, include_loose: bool | None = None) -> list[dict[str, Any]]:
    """Migration units of the project index; `.sql` files outside known layouts are included
    unless the config turns that off (`migrations: {loose-sql: false}`)."""
    section = index.section(SECTION) if index is not None else None
    if not section:
        return []
    if include_loose is None:
        config = getattr(index, "config", None)
        include_loose = getattr(config, "migrations_loose_sql", True)
    return [u for u in section["units"] if include_loose or u.get("tool") != "loose"]


def policy(index: Any) -> str:
    config = getattr(index, "config", None)
    return getattr(config, "migrations_policy", "reversible")


POSTGRES_DIALECTS = ("postgres", "redshift")


def postgres_units(index: Any) -> list[dict[str, Any]]:
    """The units that run on PostgreSQL: the configured dialect, unless the file names its own
    (`x.sql.sqlite`, Alembic's `versions/sqlite/`), or its migration chain's code names MySQL and
    SQLite and never PostgreSQL (a MySQL / SQLite project: PostgreSQL's lock advice does not
    apply). A chain that names only one other database may branch for it and run on PostgreSQL."""
    found = units(index)
    named = chain_databases(found)
    other = {key for key, databases in named.items() if {"mysql", "sqlite"} <= databases and "postgres" not in databases}
    return [unit for unit in found if unit.get("dialect") in POSTGRES_DIALECTS and chain(unit) not in other]


def chain_databases(found: list[dict[str, Any]]) -> dict[tuple[str, str, str], set[str]]:
    """The database families each migration chain's code names (see DATABASE_WORDS)."""
    named: dict[tuple[str, str, str], set[str]] = {}
    for unit in found:
        named.setdefault(chain(unit), set()).update(unit.get("databases") or ())
    return named


def chain(unit: dict[str, Any]) -> tuple[str, str, str]:
    """The migration chain a unit belongs to: (form, tool, stream)."""
    return (unit["form"], unit.get("tool") or "", unit.get("stream") or "")


def up_ops(unit: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """Operations the migration runs going forward, on the database (not state-only)."""
    return (o for o in unit["ops"] if o.get("dir", UP) == UP and o.get("db", True) and unit.get("direction") != DOWN)


def where(item: dict[str, Any]) -> Any:
    from reviewer.model import Location

    return Location(item["l"], item["c"], item["l"], item["c"])


def table_label(unit: dict[str, Any], table: str | None) -> str:
    if table is None:
        return "?"
    if unit["form"] == DJANGO:
        return f"{unit.get('app')}.{table}"
    return table


# ============================================================================================
# The index provider


class MigrationProvider(IndexProvider):
    """Feeds the `migrations` section: one unit per migration file, in every form."""

    name = SECTION
    triggers = ()
    file_kinds = frozenset({FileKind.PYTHON_MIGRATION, FileKind.SQL_MIGRATION, FileKind.SQL, FileKind.PYTHON})

    def wants(self, kind: FileKind, text: str) -> bool:
        if kind is FileKind.PYTHON:
            # Only modules that configure session timeouts (env.py, settings) matter here.
            return "lock_timeout" in text or "statement_timeout" in text
        return kind in self.file_kinds

    def collect_file(self, source: Any, text: str, tree: ast.Module | None, config: Any) -> Any:
        try:
            return collect(source.path, source.kind, text, tree, config.dialect, source.migration_tool, config.migrations_runner)
        except RecursionError:
            return None

    def merge(self, facts: Any) -> Any:
        return merge(dict(facts))
