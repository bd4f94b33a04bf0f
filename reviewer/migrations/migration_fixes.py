"""Fixes of the migration rules: build an index concurrently, outside the migration's
transaction, in the way each tool allows it.

- Django: `AddIndex` / `RemoveIndex` become `AddIndexConcurrently` / `RemoveIndexConcurrently`
  (django.contrib.postgres.operations), and the Migration class gets `atomic = False`.
- Alembic: the `op.create_index` / `op.drop_index` statement gets
  `postgresql_concurrently=True` and moves into `with op.get_context().autocommit_block():`.
- SQL files: `CREATE [UNIQUE] INDEX` becomes `CREATE [UNIQUE] INDEX CONCURRENTLY`, only where
  the tool is known to run the statement outside a transaction: golang-migrate with the index
  the file's only statement, dbmate with `transaction:false`, goose with `NO TRANSACTION`. An
  unknown runner ("generic" or loose SQL files) may well send a multi-statement file as one
  implicit transaction, where CONCURRENTLY fails: no fix there.

The Python fixes are unsafe: they change the migration's transaction (what ran before the
index is committed first; a failed concurrent build leaves an invalid index behind). The SQL
one is safe where offered: the statement already runs on its own, outside a transaction.
Operations are found by the position the migration facts recorded (`ast`, reviewer.migrations).
"""

from __future__ import annotations

from functools import cached_property, lru_cache

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider
from sqlglot.tokens import TokenType

from reviewer.migrations.ops import Operation, Unit
from reviewer.fixnodes import import_change, is_docstring, keyword_argument, with_argument
from reviewer.model import Edit
from reviewer.rule import Autofix, Change
from reviewer.sql.sqllex import lex

POSTGRES_OPERATIONS = "django.contrib.postgres.operations"
CONCURRENT_OPERATIONS = {"AddIndex": "AddIndexConcurrently", "RemoveIndex": "RemoveIndexConcurrently"}
ALEMBIC_INDEX_CALLS = frozenset({"create_index", "drop_index"})
# Tools whose migration files run in a transaction unless the file says otherwise; with the
# marker (`transaction:false`, `NO TRANSACTION`) the fact `tx` is false.
EXPLICITLY_NON_TRANSACTIONAL = frozenset({"dbmate", "goose"})


class _Tree:
    """A migration file parsed once, with what the fixes ask of it."""

    def __init__(self, text: str) -> None:
        self.module = cst.parse_module(text)
        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        self.positions = wrapper.resolve(PositionProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)

    @cached_property
    def _calls(self) -> dict[tuple[int, int], cst.Call]:
        calls: dict[tuple[int, int], cst.Call] = {}
        for node, span in self.positions.items():
            if isinstance(node, cst.Call):
                calls.setdefault((span.start.line, span.start.column + 1), node)
        return calls

    def call_at(self, line: int, column: int) -> cst.Call | None:
        """The call that starts at the 1-based `line`:`column` the migration facts recorded."""
        return self._calls.get((line, column))

    def ancestors(self, node: cst.CSTNode):
        while node in self.parents:
            node = self.parents[node]
            yield node


def _tree(text: str | None) -> _Tree | None:
    if text is None:
        return None
    return _parsed(text)


# A migration with many index operations asks for a fix per operation: parse it (and resolve
# positions and parents) once, not once per finding (82 findings of one Alembic revision took
# 670 s of CPU). The tree is never mutated: a fix renders a new module from it.
@lru_cache(maxsize=2)
def _parsed(text: str) -> _Tree | None:
    try:
        return _Tree(text)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return None


def _name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return ""


# --------------------------------------------------------------------------------------------
# Django


def django_concurrent_index(text: str | None, item: Operation) -> Autofix | None:
    """MIG003 on a Django `AddIndex` / `RemoveIndex`: its concurrent twin, imported, and a
    non-atomic migration."""
    tree = _tree(text)
    call = tree.call_at(item.line, item.col) if tree else None
    if tree is None or call is None or _name(call.func) not in CONCURRENT_OPERATIONS:
        return None
    concurrent = CONCURRENT_OPERATIONS[_name(call.func)]
    changes = [Change(call.func, cst.Name(concurrent))]
    changes.extend(_import(tree.module, concurrent))
    changes.extend(_non_atomic(tree, call))
    return Autofix(f"Use `{concurrent}` in a non-atomic migration (`atomic = False`)", tuple(changes), module=tree.module)


def django_non_atomic(text: str | None, item: Operation) -> Autofix | None:
    """MIG004 in an atomic Django migration: `atomic = False` on its Migration class."""
    tree = _tree(text)
    call = tree.call_at(item.line, item.col) if tree else None
    if tree is None or call is None:
        return None
    changes = _non_atomic(tree, call)
    if not changes:
        return None
    return Autofix("Make the migration non-atomic (`atomic = False`)", tuple(changes), module=tree.module)


def _import(module: cst.Module, name: str) -> list[Change]:
    """`from django.contrib.postgres.operations import NAME` after the last top-level import,
    unless the module imports it already."""
    change = import_change(module, f"from {POSTGRES_OPERATIONS} import {name}\n", name, after_imports_only=True)
    return [change] if change is not None else []

def _non_atomic(tree: _Tree, call: cst.Call) -> list[Change]:
    """`atomic = False` in the class around `call`: set where `atomic = True`, else added
    before the class's first statement that is not its docstring."""
    owner = next((node for node in tree.ancestors(call) if isinstance(node, cst.ClassDef)), None)
    if owner is None or not isinstance(owner.body, cst.IndentedBlock):
        return []
    statements = list(owner.body.body)
    for statement in statements:
        if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign):
            assign = statement.body[0]
            if any(isinstance(t.target, cst.Name) and t.target.value == "atomic" for t in assign.targets):
                if isinstance(assign.value, cst.Name) and assign.value.value == "False":
                    return []
                return [Change(assign.value, cst.Name("False"))]
    first = next((s for s in statements if not is_docstring(s)), None)
    if first is None:
        return []
    line = cst.parse_statement("atomic = False\n")
    return [Change(first, cst.FlattenSentinel([line, first]))]


# --------------------------------------------------------------------------------------------
# Alembic


def alembic_concurrent(text: str | None, item: Operation, concurrently: bool) -> Autofix | None:
    """The Alembic operation in `with op.get_context().autocommit_block():`, with
    `postgresql_concurrently=True` added when `concurrently` (MIG003). Only a statement that
    is the operation alone (`op.create_index(...)` on its own line) is rewritten."""
    tree = _tree(text)
    call = tree.call_at(item.line, item.col) if tree else None
    if tree is None or call is None or not isinstance(call.func, cst.Attribute):
        return None
    if concurrently and (call.func.attr.value not in ALEMBIC_INDEX_CALLS or any(a.star for a in call.args)):
        return None
    parents = list(tree.ancestors(call))
    if len(parents) < 2 or not isinstance(parents[0], cst.Expr) or not isinstance(parents[1], cst.SimpleStatementLine):
        return None
    statement = parents[1]
    if len(statement.body) != 1:
        return None
    fixed = with_argument(call, keyword_argument("postgresql_concurrently", cst.Name("True"))) if concurrently else call
    inside = any(
        isinstance(node, cst.With) and any(_name(w.item.func) == "autocommit_block" for w in node.items if isinstance(w.item, cst.Call))
        for node in parents
    )
    if inside:
        return Autofix("Pass `postgresql_concurrently=True`", (Change(call, fixed),), module=tree.module) if concurrently else None
    receiver = tree.module.code_for_node(call.func.value)
    block = cst.With(
        items=[cst.WithItem(cst.parse_expression(f"{receiver}.get_context().autocommit_block()"))],
        body=cst.IndentedBlock([statement.with_changes(body=[cst.Expr(fixed)], leading_lines=[])]),
        leading_lines=statement.leading_lines,
    )
    what = "with `postgresql_concurrently=True` " if concurrently else ""
    return Autofix(f"Run it {what}in `{receiver}.get_context().autocommit_block()`", (Change(statement, block),), module=tree.module)


# --------------------------------------------------------------------------------------------
# SQL files


def sql_concurrent_index(text: str | None, unit: Unit, item: Operation) -> Autofix | None:
    """`CREATE [UNIQUE] INDEX` -> `... INDEX CONCURRENTLY` in a `.sql` migration whose tool is
    known to run the statement outside a transaction (safe: only the lock changes)."""
    if text is None or item.tx or item.explicit_tx or item.kind != "create_index":
        return None
    tool = unit.tool
    alone = tool == "golang-migrate" and unit.up_statements == 1
    if not (alone or tool in EXPLICITLY_NON_TRANSACTIONAL):
        return None
    dialect = unit.dialect
    lexed = lex(text, dialect)
    if lexed is None:
        return None
    statement = next((s for s in lexed.statements if (s.line, s.column) == (item.line, item.col)), None)
    if statement is None:
        return None
    kinds = [token.token_type for token in statement.tokens[:3]]
    at = 2 if kinds[:3] == [TokenType.CREATE, TokenType.UNIQUE, TokenType.INDEX] else 1 if kinds[:2] == [TokenType.CREATE, TokenType.INDEX] else None
    if at is None:
        return None
    after = lexed.position(statement.tokens[at].end + 1)
    return Autofix("Build the index `CONCURRENTLY`", (Change(Edit("", *after, *after, " CONCURRENTLY")),), safe=True)


# --------------------------------------------------------------------------------------------
# MIG007: add a foreign key or CHECK `NOT VALID`, then validate it outside the transaction

ALEMBIC_NOT_VALID_CALLS = {"create_foreign_key": "source_table", "create_check_constraint": "table_name"}
PLAIN_IDENTIFIER = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_$")


def quote_identifier(name: str) -> str:
    """A PostgreSQL identifier as written in SQL: bare when it is lower-case and plain, else quoted."""
    if name and set(name) <= PLAIN_IDENTIFIER and not name[0].isdigit() and "$" not in name[:1]:
        return name
    return '"' + name.replace('"', '""') + '"'


def _literal(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _argument(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return positional[position].value if len(positional) > position else None


def alembic_not_valid_split(text: str | None, item: Operation, other_databases: bool = False) -> Autofix | None:
    """MIG007 on `op.create_foreign_key` / `op.create_check_constraint`: the constraint added
    with `postgresql_not_valid=True` (SQLAlchemy's PostgreSQL dialect option), then validated
    by `ALTER TABLE ... VALIDATE CONSTRAINT` in `op.get_context().autocommit_block()`, which
    commits the add first: the scan runs under a lock that lets writes through. Unsafe: the
    revision is no longer one transaction, and rows that break the constraint now fail the
    validation after the constraint exists. Only an operation that is its statement's only
    call, names its constraint and table with literals and has no schema is rewritten."""
    tree = _tree(text)
    call = tree.call_at(item.line, item.col) if tree else None
    if tree is None or call is None or not isinstance(call.func, cst.Attribute) or not isinstance(call.func.value, cst.Name):
        return None
    table_keyword = ALEMBIC_NOT_VALID_CALLS.get(call.func.attr.value)
    if table_keyword is None or any(a.star for a in call.args):
        return None
    if any(a.keyword is not None and a.keyword.value in ("schema", "source_schema", "postgresql_not_valid") for a in call.args):
        return None
    name, table = _literal(_argument(call, 0, "constraint_name")), _literal(_argument(call, 1, table_keyword))
    parents = list(tree.ancestors(call))
    if not name or not table or len(parents) < 2 or not isinstance(parents[0], cst.Expr):
        return None
    statement = parents[1]
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    if any(isinstance(node, cst.With) for node in parents):  # inside a batch or an autocommit block already
        return None
    receiver = call.func.value.value
    added = statement.with_changes(body=[cst.Expr(with_argument(call, keyword_argument("postgresql_not_valid", cst.Name("True"))))])
    validate = f"ALTER TABLE {quote_identifier(table)} VALIDATE CONSTRAINT {quote_identifier(name)}"
    block: cst.BaseStatement = cst.With(
        items=[cst.WithItem(cst.parse_expression(f"{receiver}.get_context().autocommit_block()"))],
        body=cst.IndentedBlock([cst.parse_statement(f"{receiver}.execute({validate!r})\n")]),
    )
    if other_databases:
        block = cst.If(test=cst.parse_expression(f'{receiver}.get_context().dialect.name == "postgresql"'),
                       body=cst.IndentedBlock([block]))
    return Autofix(
        f"Add it `NOT VALID`, then `VALIDATE CONSTRAINT` in `{receiver}.get_context().autocommit_block()`",
        (Change(statement, cst.FlattenSentinel([added, block])),), module=tree.module,
    )


def sql_not_valid_split(text: str | None, unit: Unit, item: Operation) -> Autofix | None:
    """MIG007 on `ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY ... | CHECK (...)` in a `.sql`
    migration whose tool runs each statement on its own (dbmate `transaction:false`, goose
    `NO TRANSACTION`): `NOT VALID` appended and `ALTER TABLE t VALIDATE CONSTRAINT c;` added
    after it. In a file run as one transaction the validation would still hold the add's lock
    until the end, so there the split needs a second migration: no fix. Unsafe: rows that break
    the constraint now fail the validation after the constraint exists."""
    if text is None or item.tx or item.explicit_tx or unit.tool not in EXPLICITLY_NON_TRANSACTIONAL:
        return None
    if item.ctype not in ("fk", "check") or item.not_valid:
        return None
    lexed = lex(text, unit.dialect)
    statement = next((s for s in lexed.statements if (s.line, s.column) == (item.line, item.col)), None) if lexed else None
    if statement is None:
        return None
    tokens = statement.tokens
    words = [token.text.upper() if token.token_type != TokenType.IDENTIFIER else "" for token in tokens]
    depth = 0
    for token in tokens:  # one action only: `ADD CONSTRAINT ..., ADD COLUMN ...` is left alone
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(token.token_type, 0)
        if depth == 0 and token.token_type == TokenType.COMMA:
            return None
    first = 2
    while first < len(words) and words[first] in ("ONLY", "IF", "EXISTS"):
        first += 1
    add = words.index("ADD") if "ADD" in words else -1
    if words[:2] != ["ALTER", "TABLE"] or add <= first or words[add + 1: add + 2] != ["CONSTRAINT"] or add + 2 >= len(tokens):
        return None
    table = text[tokens[first].start: tokens[add - 1].end + 1]
    name = text[tokens[add + 2].start: tokens[add + 2].end + 1]
    end = lexed.position(tokens[-1].end + 1)
    addition = f" NOT VALID;\nALTER TABLE {table} VALIDATE CONSTRAINT {name}"
    return Autofix("Add it `NOT VALID`, then `VALIDATE CONSTRAINT` in its own statement", (Change(Edit("", *end, *end, addition)),))
