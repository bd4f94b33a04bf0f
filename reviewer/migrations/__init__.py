"""The migration loader: every migration file, whatever its form, as one list of typed operations.

Alembic revisions and Django migrations are read with the stdlib `ast` (never imported), SQL
migrations with sqlglot; all become `Unit`s of `Operation`s (`reviewer.migrations.ops`:
`create_index`, `add_column`, `set_not_null`, ...), each with its table, line, direction (up
or down), whether the tool runs it inside a transaction, and whether its table was created
earlier in the same migration. The readers are `sql` (SQL files, a project runner's Python
delta files), `alembic` and `django`; `loader` sends each file to its reader; `replay` merges
the units per migration stream, replays Django model state so an `AlterField` knows the field
it replaces. Rules read the merged section through `units(index)` and the helpers below.
"""

from __future__ import annotations

import ast
from typing import Any, Iterable, Mapping

from reviewer.migrations.ops import (
    ALEMBIC, DATA_KINDS, DJANGO, DOWN, DROP_KINDS, MAX_IDENTIFIER, SQL, UNKNOWN_DEPENDENCY, UP, Column, Irreversible, MigrationSection, Operation,
    Unit,
)
from reviewer.migrations.replay import merge
from reviewer.model import FileKind, Location
from reviewer.provider import IndexProvider

__all__ = [
    "ALEMBIC", "Column", "DATA_KINDS", "DJANGO", "DOWN", "DROP_KINDS", "MAX_IDENTIFIER", "SECTION", "SQL", "UNKNOWN_DEPENDENCY", "UP", "MigrationProvider", "Operation",
    "Unit", "ancestors", "chain", "chain_databases", "earlier_revisions", "not_null_columns", "policy", "postgres_units", "session_timeouts", "table_label", "units", "up_ops",
    "where",
]

SECTION = "migrations"
POSTGRES_DIALECTS = ("postgres", "redshift")


def _section(index: Any) -> MigrationSection | None:
    return MigrationProvider.of(index)


def units(index: Any, include_loose: bool | None = None) -> list[Unit]:
    """Migration units of the project index; `.sql` files outside known layouts are included
    unless the config turns that off (`migrations: {loose-sql: false}`)."""
    section = _section(index)
    if not section:
        return []
    if include_loose is None:
        config = getattr(index, "config", None)
        include_loose = getattr(config, "migrations_loose_sql", True)
    return [u for u in section.units if include_loose or u.tool != "loose"]


def session_timeouts(index: Any) -> tuple[str, ...]:
    """The timeouts the project's session settings set (see `loader.session_timeouts`)."""
    section = _section(index)
    return section.session_timeouts if section else ()


def policy(index: Any) -> str:
    config = getattr(index, "config", None)
    return getattr(config, "migrations_policy", "reversible")


def postgres_units(index: Any) -> list[Unit]:
    """The units that run on PostgreSQL: the configured dialect, unless the file names its own
    (`x.sql.sqlite`, Alembic's `versions/sqlite/`), or its migration chain's code names MySQL and
    SQLite and never PostgreSQL (a MySQL / SQLite project: PostgreSQL's lock advice does not
    apply). A chain that names only one other database may branch for it and run on PostgreSQL."""
    found = units(index)
    named = chain_databases(found)
    other = {key for key, databases in named.items() if {"mysql", "sqlite"} <= databases and "postgres" not in databases}
    return [unit for unit in found if unit.dialect in POSTGRES_DIALECTS and chain(unit) not in other]


def chain_databases(found: list[Unit]) -> dict[tuple[str, str, str], set[str]]:
    """The database families each migration chain's code names (see `loader.DATABASE_WORDS`)."""
    named: dict[tuple[str, str, str], set[str]] = {}
    for unit in found:
        named.setdefault(chain(unit), set()).update(unit.databases)
    return named


def chain(unit: Unit) -> tuple[str, str, str]:
    """The migration chain a unit belongs to: (form, tool, stream)."""
    return (unit.form, unit.tool, unit.stream)


def ancestors(start: str, parents: Mapping[str, Iterable[str]]) -> set[str]:
    """`start` and every name it descends from, through `parents` (name -> its parents)."""
    seen = {start}
    stack = [start]
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def earlier_revisions(unit: Unit, found: list[Unit]) -> list[Unit]:
    """The Alembic revisions of `unit`'s chain that it descends from (through `down_revision`),
    not itself; none when it is not an Alembic revision with a readable identifier."""
    if unit.form != ALEMBIC or not unit.revision:
        return []
    members = {u.revision: u for u in found if u.form == ALEMBIC and u.revision and chain(u) == chain(unit)}
    parents = {revision: member.down_revision for revision, member in members.items()}
    return [members[name] for name in ancestors(unit.revision, parents) - {unit.revision} if name in members]


def up_ops(unit: Unit) -> Iterable[Operation]:
    """Operations the migration runs going forward, on the database (not state-only)."""
    return (o for o in unit.ops if o.direction == UP and o.db and unit.direction != DOWN)


def not_null_columns(index: Any) -> dict[str, frozenset[str]]:
    """The columns the migrations make NOT NULL, by table (lower case): declared `NOT NULL` or
    primary key at `CREATE TABLE` / `ADD COLUMN` (SQL, Alembic, a Django field without
    `null=True`, whose foreign key column is `<name>_id`, under the model's table), or set NOT
    NULL later, in file order. A column that any migration drops NOT NULL on, renames or drops
    is left out: what is known is only what no migration contradicts."""
    state: dict[tuple[str, str], bool] = {}
    unsure: set[tuple[str, str]] = set()

    def declare(tables: Iterable[str], column: Column, django: bool) -> None:
        if column.name is None:
            return
        names = [column.name] + ([f"{column.name}_id"] if django and column.fk else [])
        for table in tables:
            for name in names:
                state[(table, name.lower())] = column.not_null or column.pk

    django_tables: dict[tuple[str, str], tuple[str, ...]] = {}  # (app folder, model) -> its table
    for unit in units(index):
        django = unit.form == DJANGO
        for item in up_ops(unit):
            if not item.table:
                continue
            if django:  # a model name: its database table is what SQL names
                if item.kind == "create_table":
                    django_tables[(unit.stream, item.table)] = item.aliases
                tables = list(django_tables.get((unit.stream, item.table), ()))
            else:
                tables = [item.table.lower()]
            if item.kind == "create_table":
                for column in item.columns:
                    declare(tables, column, django)
            elif item.kind == "add_column" and item.column:
                declare(tables, item.field.as_column() if item.field is not None else Column(item.column, not_null=not item.nullable), django)
            elif item.kind == "alter_field" and item.field is not None:
                declare(tables, item.field.as_column(), django)
            elif item.kind == "set_not_null" and item.column:
                state.update({(table, item.column.lower()): True for table in tables})
            elif item.kind in ("drop_not_null", "rename_column", "drop_column") and item.column:
                unsure.update((table, item.column.lower()) for table in tables)
    found: dict[str, set[str]] = {}
    for (table, column), not_null in state.items():
        if not_null and (table, column) not in unsure:
            found.setdefault(table, set()).add(column)
    return {table: frozenset(columns) for table, columns in found.items()}


def where(item: Operation | Irreversible) -> Location:
    return Location(item.line, item.col, item.line, item.col)


def table_label(unit: Unit, table: str | None) -> str:
    if table is None:
        return "?"
    if unit.form == DJANGO:
        return f"{unit.app}.{table}"
    return table


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
        # The readers parse (sqlglot): loaded when a migration file is read, not by a warm scan.
        from reviewer.migrations.loader import collect, to_facts

        try:
            found = collect(source.path, source.kind, text, tree, config.dialect, source.migration_tool, config.migrations_runner)
        except RecursionError:
            return None
        return to_facts(found) if found is not None else None

    def merge(self, facts: Any) -> MigrationSection:
        return merge(dict(facts))
