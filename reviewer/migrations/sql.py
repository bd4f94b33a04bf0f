"""SQL migrations: a migration file of any SQL tool (Flyway, golang-migrate, dbmate, goose,
Supabase, a project's own runner, or a loose `.sql` file), and SQL run from Python migration
code, as operations. Statements are parsed with sqlglot; those it keeps as an opaque
`exp.Command` (REINDEX, VACUUM, VALIDATE CONSTRAINT, ...) or cannot parse are classified from
the sqlglot tokenizer's tokens (`reviewer.sql.sqllex`)."""

from __future__ import annotations

import ast
import logging
import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from reviewer.astfacts import nodes_of
from reviewer.discovery import FLYWAY, GOLANG_MIGRATE, HEADER_BYTES, sql_migration_tool, sql_name
from reviewer.lines import split_lines
from reviewer.migrations.ops import DOWN, SQL, UP, Column, Operation, TableKey, TypeFacts, Unit, evolve, mark_new, MAX_IDENTIFIER
from reviewer.migrations.pysource import arg, const, short
from reviewer.sql.sqllex import lex

# sqlglot logs a warning for each statement it keeps as an opaque command; expected here.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

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
SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial"})
TRIGGER_TOGGLE = "enable or disable trigger"


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


def sql_unit(path: str, text: str, dialect: str = "postgres", tool: str | None = None, transactional: bool = False) -> Unit:
    """The unit of one SQL migration file. `tool` is what discovery found (found again here
    when not given; "loose" when the file follows no known layout); `transactional` is the
    transaction model of a project's own runner (tool "runner")."""
    unit = file_unit(path, tool or sql_migration_tool(path, text[:HEADER_BYTES]) or "loose")
    tool, name = unit.tool, unit.name
    base = sql_name(name)[0]  # `V2__x.sql.postgres` reads as Flyway's `V2__x.sql`
    lines = split_lines(text)
    sections: list[tuple[str, int, int, bool]] = []  # (direction, first line, last line, transactional)
    if tool == "golang-migrate":
        match = GOLANG_MIGRATE.match(base)
        direction = match.group("direction").lower()  # type: ignore[union-attr]
        unit = evolve(unit, direction=direction, pair=match.group("version") + "_" + match.group("name"))  # type: ignore[union-attr]
        sections.append((direction, 1, len(lines), True))  # transactional if >1 statement (below)
    elif tool == "flyway":
        match = FLYWAY.match(base)
        kind = match.group("kind").upper()  # type: ignore[union-attr]
        unit = evolve(unit, direction=DOWN if kind == "U" else UP, flyway=kind, version=match.group("version"))  # type: ignore[union-attr]
        sections.append((unit.direction, 1, len(lines), True))
    elif tool in ("dbmate", "goose"):
        markers = _section_markers(text)
        no_tx = any(marker == "goose:no transaction" for _, marker, _ in markers)
        bounds = [(n, m, rest) for n, m, rest in markers if m in ("dbmate:up", "dbmate:down", "goose:up", "goose:down")]
        for i, (number, marker, rest) in enumerate(bounds):
            end = bounds[i + 1][0] - 1 if i + 1 < len(bounds) else len(lines)
            direction = UP if marker.endswith(":up") else DOWN
            transactional = not no_tx and "transaction:false" not in rest.replace(" ", "")
            sections.append((direction, number + 1, end, transactional))
        unit = evolve(unit, direction="both", down_line=next((n for n, m, _ in bounds if m.endswith(":down")), None))
    else:
        sections.append((UP, 1, len(lines), tool == "supabase" or (tool == "runner" and transactional)))
    ops: list[Operation] = []
    errors, note, statements = 0, False, {UP: 0, DOWN: 0}
    for direction, first, last, transactional in sections:
        body = "\n".join(lines[first - 1 : last])
        found, count, unreadable, has_note = sql_ops(body, dialect, first, 1, direction, transactional)
        errors += unreadable
        note = note or has_note
        statements[direction] += count
        if tool == "golang-migrate" and count <= 1:
            found = [evolve(item, tx=item.explicit_tx) for item in found]
        ops.extend(found)
    if tool == "flyway":
        # Flyway runs a file whose statements all need to be outside a transaction without
        # one, and refuses a file that mixes them with transactional statements.
        others = any(not o.concurrently and o.kind not in ("set", "begin", "commit") for o in ops)
        ops = [evolve(o, tx=others or o.explicit_tx) if o.concurrently else o for o in ops]
    return evolve(unit, ops=tuple(mark_new(ops)), errors=errors, rollback_note=note,
                  up_statements=statements[UP], down_statements=statements[DOWN])


def file_unit(path: str, tool: str) -> Unit:
    """The unit every SQL-form file starts as: one file, one stream per folder."""
    name = path.rsplit("/", 1)[-1]
    match = LEADING_VERSION.match(name)
    return Unit(path=path, form=SQL, tool=tool, name=name, stream=path.rsplit("/", 1)[0] if "/" in path else ".",
                version=match.group(1) if match else None)


# Calls of a runner's Python delta file that run the SQL they are given (a DB-API cursor's).
RUNNER_EXECUTE = frozenset({"execute", "executemany", "executescript"})


def runner_unit(path: str, tree: ast.Module, dialect: str, transactional: bool) -> Unit:
    """The unit of a Python delta file of a project's own migration runner: the operations of
    the constant SQL its `cursor.execute(...)` calls run, at their lines."""
    ops: list[Operation] = []
    statements = errors = 0
    for node in nodes_of(tree, ast.Call):
        if not (isinstance(node.func, ast.Attribute) and node.func.attr in RUNNER_EXECUTE):
            continue
        sql = const(arg(node, 0, "sql"))
        if not isinstance(sql, str):
            continue
        found, count, unreadable, _ = sql_ops(sql, dialect, node.lineno, node.col_offset + 1, UP, transactional, code_line=node.lineno)
        ops.extend(found)
        statements += count
        errors += unreadable
    ops.sort(key=lambda o: (o.line, o.col))
    return evolve(file_unit(path, "runner"), ops=tuple(mark_new(ops)), errors=errors, up_statements=statements)


def sql_ops(
    text: str, dialect: str, line: int, col: int, direction: str, transactional: bool, code_line: int | None = None
) -> tuple[list[Operation], int, int, bool]:
    """(operations, statement count, unparsable statements, has a `rollback:` note) of SQL text.
    `code_line` pins every operation to one line (SQL inside a Python call)."""
    lexed = lex(text, dialect)
    if lexed is None:
        return [Operation("opaque", line=code_line or line, col=col, direction=direction, tx=transactional, code=short(text))], 1, 1, False
    note = any("rollback:" in comment.text.lower() for comment in lexed.comments)
    statements = lexed.statements
    ops: list[Operation] = []
    errors = 0
    explicit = False
    for statement in statements:
        body, offset_line, offset_col = statement.text, statement.line, statement.column
        at = code_line or (line + offset_line - 1)
        at_col = col if code_line else (offset_col if offset_line > 1 else col + offset_col - 1)
        found = statement_ops(body, list(statement.tokens), dialect)
        if found is None:
            errors += 1
            found = [Operation("opaque")]
        code = short(body)
        for item in found:
            # Columns and keys carry their line within the statement until here.
            columns = tuple(evolve(c, line=at if code_line else at + c.line - 1) for c in item.columns)
            keys = tuple(evolve(k, line=at if code_line else at + k.line - 1) for k in item.keys)
            if item.kind == "begin":
                tx, explicit_tx = transactional or explicit, False
                explicit = True
            else:
                if item.kind in ("commit", "rollback"):
                    explicit = False
                tx, explicit_tx = transactional or explicit, explicit
            ops.append(evolve(item, line=at, col=at_col, columns=columns, keys=keys, direction=direction, code=code,
                              tx=tx, explicit_tx=explicit_tx))
    return ops, len(statements), errors, note


def statement_ops(body: str, tokens: list, dialect: str) -> list[Operation] | None:
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


def tree_ops(tree: exp.Expression) -> list[Operation]:
    """Operations of one parsed statement (at line 0: `sql_ops` places them)."""
    if isinstance(tree, exp.Create):
        kind = (tree.args.get("kind") or "").upper()
        if kind == "INDEX":
            index = tree.this
            table = _name(index.args.get("table")) if isinstance(index, exp.Index) else None
            name = _name(index.this) if isinstance(index, exp.Index) else None
            return [Operation("create_index", table, name=name, concurrently=bool(tree.args.get("concurrently")),
                              unique=bool(tree.args.get("unique")), names=_long_names(tree), on=_index_columns(index))]
        if kind == "TABLE":
            table = _name(tree.this)
            columns: list[Column] = []
            keys: list[TableKey] = []
            constrained: list[str | None] = []
            if isinstance(tree.this, exp.Schema):
                for item in tree.this.expressions:
                    if isinstance(item, exp.ColumnDef):
                        columns.append(column_facts(item))
                        continue
                    key = table_key(item)
                    if key is not None:
                        keys.append(key)
                        if key.ctype == "fk":
                            constrained.extend(key.on)
            columns = [evolve(c, fk=True) if c.name in constrained else c for c in columns]
            return [Operation("create_table", table, columns=tuple(columns), names=_long_names(tree),
                              temporary=tree.find(exp.TemporaryProperty) is not None, keys=tuple(keys))]
        return [Operation("ddl", _name(tree.this) if isinstance(tree.this, (exp.Table, exp.Schema)) else None, what=kind.lower())]
    if isinstance(tree, exp.Drop):
        kind = (tree.args.get("kind") or "").upper()
        tables = [t for t in tree.args.get("tables") or [] if isinstance(t, exp.Table)] or [tree.this]
        names = [_name(t) for t in tables]
        exists = bool(tree.args.get("exists"))
        if kind == "INDEX":
            return [Operation("drop_index", None, name=n, concurrently=bool(tree.args.get("concurrently")), tentative=exists)
                    for n in names]
        if kind == "TABLE":
            return [Operation("drop_table", n, cascade=bool(tree.args.get("cascade")), tentative=exists) for n in names]
        if kind in ("SCHEMA", "DATABASE"):
            return [Operation("drop_" + kind.lower(), n) for n in names]  # type: ignore[arg-type]
        return [Operation("ddl", None, what="drop " + kind.lower())]
    if isinstance(tree, exp.Alter):
        return alter_ops(tree)
    if isinstance(tree, exp.TruncateTable):
        return [Operation("truncate", _name(t), cascade=(tree.args.get("option") or "").upper() == "CASCADE")
                for t in tree.expressions]
    if isinstance(tree, (exp.Update, exp.Delete)):
        return [Operation("dml", _name(tree.this), verb="update" if isinstance(tree, exp.Update) else "delete",
                          where=tree.args.get("where") is not None)]
    if isinstance(tree, exp.Insert):
        target = tree.this
        table = _name(target.this if isinstance(target, exp.Schema) else target)
        return [Operation("dml", table, verb="insert", constant=isinstance(tree.args.get("expression"), exp.Values))]
    if isinstance(tree, exp.Transaction):
        return [Operation("begin")]
    if isinstance(tree, exp.Commit):
        return [Operation("commit")]
    if isinstance(tree, exp.Rollback):
        return [Operation("rollback")]
    if isinstance(tree, exp.Set):
        names = []
        for item in tree.expressions:
            target = item.this.this if isinstance(item, exp.SetItem) and isinstance(item.this, exp.EQ) else None
            if isinstance(target, (exp.Column, exp.Identifier)):
                names.append(target.name.lower())
        return [Operation("set", vars=tuple(names))]
    if isinstance(tree, exp.Select):
        return [Operation("select")]
    return [Operation("other")]


def alter_ops(tree: exp.Alter) -> list[Operation]:
    kind = (tree.args.get("kind") or "").upper()
    table = _name(tree.this)
    if kind != "TABLE":
        return [Operation("ddl", table, what="alter " + kind.lower())]
    out: list[Operation] = []
    not_valid = bool(tree.args.get("not_valid"))
    for action in tree.args.get("actions") or []:
        if isinstance(action, exp.ColumnDef):
            facts = column_facts(action)
            out.append(Operation("add_column", table, column=facts.name, nullable=not facts.not_null, default=facts.default,
                                 volatile=facts.volatile, generated=facts.generated, serial=facts.type in SERIAL_TYPES,
                                 fk=facts.fk, unique=facts.unique or facts.pk, columns=(facts,), names=_long_names(action)))
        elif isinstance(action, exp.AlterColumn):
            column = _name(action.this)
            if action.args.get("dtype") is not None:
                out.append(Operation("alter_type", table, column=column, type=action.args["dtype"].sql("postgres"),
                                     new_type=type_facts(action.args["dtype"])))
            elif action.args.get("allow_null") is False:
                out.append(Operation("set_not_null", table, column=column))
            elif action.args.get("drop") and action.args.get("allow_null"):
                out.append(Operation("drop_not_null", table, column=column))
            else:
                out.append(Operation("alter_column", table, column=column))
        elif isinstance(action, exp.AddConstraint):
            for constraint in action.expressions:
                out.append(evolve(constraint_op(table, constraint, not_valid), names=_long_names(constraint)))
        elif isinstance(action, exp.Drop):
            what = (action.args.get("kind") or "").upper()
            names = [_name(t) for t in action.args.get("tables") or []] or [_name(action.this)]
            exists = bool(action.args.get("exists"))
            for name in names:
                if what == "COLUMN":
                    out.append(Operation("drop_column", table, column=name, tentative=exists))
                elif what == "CONSTRAINT":
                    out.append(Operation("drop_constraint", table, name=name, tentative=exists))
                else:
                    out.append(Operation("ddl", table, what="drop " + what.lower()))
        elif isinstance(action, exp.RenameColumn):
            out.append(Operation("rename_column", table, column=_name(action.this), to=_name(action.args.get("to"))))
        elif isinstance(action, exp.AlterRename):
            to = _name(action.this)
            if _is_sequence_name(table) and _is_sequence_name(to):
                # `ALTER TABLE orders_id_seq RENAME TO ...`: PostgreSQL accepts ALTER TABLE on a
                # sequence, and `<table>_<column>_seq` is its own name for a serial's sequence.
                out.append(Operation("rename_sequence", table, to=to))
            else:
                out.append(Operation("rename_table", table, to=to))
        else:
            out.append(Operation("ddl", table, what="alter table"))
    return out or [Operation("ddl", table, what="alter table")]


def _index_columns(index: exp.Expression | None) -> tuple[str | None, ...]:
    """The indexed columns of a `CREATE INDEX`, in order; None for an expression."""
    params = index.args.get("params") if isinstance(index, exp.Index) else None
    found: list[str | None] = []
    if params is None:
        return ()
    for item in params.args.get("columns") or []:
        target = item.this if isinstance(item, exp.Ordered) else item
        found.append(_name(target) if isinstance(target, (exp.Column, exp.Identifier)) else None)
    return tuple(found)


def table_key(item: exp.Expression) -> TableKey | None:
    """A table-level key of `CREATE TABLE` / `ADD CONSTRAINT`, at its line within the
    statement; None for anything else."""
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
    return TableKey(ctype, tuple(_name(n) for n in names), line,  # type: ignore[arg-type]
                    _name(item.this) if isinstance(item, exp.Constraint) else None)


def _is_sequence_name(name: str | None) -> bool:
    return bool(name) and name.endswith("_seq")  # type: ignore[union-attr]


def constraint_op(table: str | None, constraint: exp.Expression, not_valid: bool) -> Operation:
    name = _name(constraint.this) if isinstance(constraint, exp.Constraint) else None
    kinds = constraint.expressions if isinstance(constraint, exp.Constraint) else [constraint]
    ctype = "other"
    for item in kinds:
        if isinstance(item, exp.ForeignKey):
            ctype = "fk"
        elif isinstance(item, exp.CheckColumnConstraint):
            ctype = "check"
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
    return Operation("add_constraint", table, ctype=ctype, name=name, not_valid=not_valid,  # type: ignore[arg-type]
                     not_null_check=not_null_check, on=key.on if key else ())


def type_facts(dtype: exp.DataType | None) -> TypeFacts:
    if not isinstance(dtype, exp.DataType):
        return TypeFacts()
    name = dtype.this.name.lower() if hasattr(dtype.this, "name") else str(dtype.this).lower()
    params = [p for p in dtype.expressions if isinstance(p, exp.DataTypeParam)]
    size = None
    if params and isinstance(params[0].this, exp.Literal) and not params[0].this.is_string:
        try:
            size = int(params[0].this.this)
        except ValueError:
            size = None
    return TypeFacts(name, size)


def column_facts(column: exp.ColumnDef) -> Column:
    """A column definition, at its line within the statement."""
    dtype = type_facts(column.args.get("kind"))
    not_null = default = volatile = generated = fk = unique = pk = False
    for constraint in column.args.get("constraints") or []:
        kind = constraint.args.get("kind")
        if isinstance(kind, exp.NotNullColumnConstraint) and not kind.args.get("allow_null"):
            not_null = True
        elif isinstance(kind, exp.DefaultColumnConstraint):
            default = True
            volatile = is_volatile(kind.this)
        elif isinstance(kind, (exp.ComputedColumnConstraint, exp.GeneratedAsRowColumnConstraint)):
            generated = True
        elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
            default = True  # identity: a sequence default, filled for existing rows
            volatile = True
        elif isinstance(kind, exp.Reference):
            fk = True
        elif isinstance(kind, exp.UniqueColumnConstraint):
            unique = True
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            pk = True
            not_null = True
    if dtype.type in SERIAL_TYPES:
        default = True
    return Column(_name(column.this), (column.this.meta or {}).get("line", 1) if column.this else 1, dtype.type, dtype.size,
                  not_null=not_null, default=default, volatile=volatile, generated=generated, fk=fk,
                  unique=unique, pk=pk)


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


def _long_names(tree: exp.Expression) -> tuple[str, ...]:
    return long_names(*sorted({identifier.name for identifier in tree.find_all(exp.Identifier)}))


def _words(tokens: list) -> list[str]:
    return [token.text.upper() for token in tokens]


def command_ops(tokens: list) -> list[Operation] | None:
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
        return [Operation("begin")]
    if head in ("COMMIT", "END"):
        return [Operation("commit")]
    if head == "ROLLBACK":
        return [Operation("rollback")]
    if head == "REINDEX":
        return [Operation("reindex", _last_name(tokens), concurrently="CONCURRENTLY" in rest)]
    if head == "VACUUM":
        options = _paren_words(tokens[1:]) if rest and rest[0] == "(" else rest[:3]
        return [Operation("vacuum_full", _last_name(tokens))] if "FULL" in options else [Operation("other")]
    if head == "CLUSTER":
        table = tokens[1].text.lower() if len(tokens) > 1 and tokens[1].token_type != TokenType.L_PAREN else None
        return [Operation("cluster", table)]
    if head == "REFRESH" and rest[:2] == ["MATERIALIZED", "VIEW"]:
        return [Operation("refresh_matview", _last_name(tokens), concurrently="CONCURRENTLY" in rest)]
    if head == "CREATE" and rest[:1] == ["DOMAIN"]:
        return [Operation("domain_constraint", None, create=True)] if "CHECK" in rest else [Operation("ddl", None, what="create domain")]
    if head == "ALTER" and rest[:1] == ["DOMAIN"]:
        if rest[2:4] == ["ADD", "CONSTRAINT"] or "ADD" in rest and "CHECK" in rest:
            return [Operation("domain_constraint", None, create=False)]
        return [Operation("ddl", None, what="alter domain")]
    if head == "ALTER" and rest[:1] == ["TYPE"]:
        if "ADD" in rest and "VALUE" in rest:
            return [Operation("enum_add_value")]
        return [Operation("ddl", None, what="alter type")]
    if head == "ALTER" and rest[:1] == ["TABLE"]:
        position = 2
        while position < len(words) and words[position] in ("IF", "EXISTS", "ONLY"):
            position += 1
        table = tokens[position].text.lower() if position < len(tokens) else None
        if position + 2 < len(tokens) and tokens[position + 1].token_type == TokenType.DOT:
            table = tokens[position + 2].text.lower()
        if "VALIDATE" in rest and "CONSTRAINT" in rest:
            name = words[words.index("VALIDATE") + 2] if words.index("VALIDATE") + 2 < len(words) else None
            return [Operation("validate_constraint", table, name=name.lower() if name else None)]
        if "DETACH" in rest and "PARTITION" in rest:
            return [Operation("detach_partition", table, concurrently="CONCURRENTLY" in rest or "FINALIZE" in rest)]
        if "ADD" in rest and "USING" in rest and "INDEX" in rest and ("UNIQUE" in rest or "PRIMARY" in rest):
            return [Operation("add_constraint", table, ctype="unique" if "UNIQUE" in rest else "pk", using_index=True)]
        if ("ENABLE" in rest or "DISABLE" in rest) and "TRIGGER" in rest:
            return [Operation("ddl", table, what=TRIGGER_TOGGLE)]
        return [Operation("ddl", table, what="alter table")]
    if head in ("CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE", "DO", "SELECT", "SET", "RESET", "ANALYZE",
                "NOTIFY", "LOCK", "COPY", "INSERT", "UPDATE", "DELETE", "WITH", "CALL", "SECURITY"):
        return [Operation("ddl" if head in ("CREATE", "ALTER", "DROP") else "other", None, what=head.lower())]
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


def long_names(*names: object) -> tuple[str, ...]:
    """The names (as written; constants that are not strings are skipped) longer than
    PostgreSQL keeps."""
    return tuple(n for n in names if isinstance(n, str) and len(n.encode()) > MAX_IDENTIFIER)
