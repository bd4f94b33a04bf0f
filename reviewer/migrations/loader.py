"""Which reader a file goes to, and the facts every unit carries whatever its form: the
dialect it runs on and the database families its code names. Python modules that are not
migrations matter only when they set session timeouts (an Alembic env.py, Django settings)."""

from __future__ import annotations

import ast
from typing import Any

from reviewer.astfacts import nodes_of
from reviewer.config import MigrationRunner
from reviewer.discovery import dialect_of, is_test_path
from reviewer.migrations.alembic import alembic_unit
from reviewer.migrations.django import django_unit
from reviewer.migrations.ops import UP, SessionSettings, Unit, evolve, to_json
from reviewer.migrations.sql import runner_unit, sql_ops, sql_unit
from reviewer.model import FileKind


def collect(
    path: str, kind: FileKind, text: str, tree: ast.Module | None, dialect: str = "postgres", tool: str | None = None,
    runner: MigrationRunner = MigrationRunner(),
) -> Unit | SessionSettings | None:
    """The unit of one file (or its session settings): `tool` is the migration tool discovery
    found, `dialect` the configured one unless the file names its own (`x.sql.sqlite`,
    `versions/sqlite/x.py`)."""
    if is_test_path(path):
        return None
    own = dialect_of(path) or dialect
    found = _read(path, kind, text, tree, own, tool, runner)
    if isinstance(found, Unit):
        return evolve(found, dialect=own, databases=_databases_named(tree) if tree is not None else ())
    return found


def to_facts(found: Unit | SessionSettings) -> dict[str, Any]:
    """A file's facts as the index cache keeps them."""
    return {"unit": to_json(found)} if isinstance(found, Unit) else {"settings": to_json(found)}


def _read(
    path: str, kind: FileKind, text: str, tree: ast.Module | None, dialect: str, tool: str | None, runner: MigrationRunner
) -> Unit | SessionSettings | None:
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
        return SessionSettings(path, found) if found else None
    return None


# Names in a migration's code that tie it to a family of databases: imports (`pymysql`,
# `sqlalchemy.dialects.postgresql`), dialect-name strings (`if bind.dialect.name == "mysql"`),
# attributes (`connection.vendor`'s values are strings) and `postgresql_*` / `mysql_*` options.
DATABASE_WORDS = {
    "postgresql": "postgres", "postgres": "postgres", "psycopg": "postgres", "psycopg2": "postgres",
    "asyncpg": "postgres", "mysql": "mysql", "pymysql": "mysql", "mysqldb": "mysql", "mariadb": "mysql",
    "sqlite": "sqlite", "sqlite3": "sqlite",
}  # fmt: skip


def _databases_named(tree: ast.Module) -> tuple[str, ...]:
    """The database families a migration file's code names (see DATABASE_WORDS)."""
    found: set[str] = set()
    for node in nodes_of(tree, ast.Import, ast.ImportFrom, ast.Constant, ast.Attribute, ast.keyword):
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
    return tuple(sorted(found))


TIMEOUTS = ("lock_timeout", "statement_timeout")


def session_timeouts(tree: ast.Module, dialect: str = "postgres") -> tuple[str, ...]:
    """Timeouts a Python module sets for its database sessions (an Alembic env.py or Django
    settings): `-c lock_timeout=5s` in libpq connection options, or `SET lock_timeout ...`."""
    found = set()
    for node in nodes_of(tree, ast.Constant):
        if not isinstance(node.value, str):
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
            found.update(v for v in item.vars if v in TIMEOUTS)
    return tuple(sorted(found))
