"""Shared helpers: scan a throwaway project in-process."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from reviewer import registry as registry_module
from reviewer.config import Config, Released
from reviewer.runner import ScanResult, scan

REPO = Path(__file__).resolve().parent.parent


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


# Scans in tests never ask git where released migration history ends: the sample projects
# live inside this repository, whose tags and branches differ between checkouts.
NO_RELEASE_POINT = Released(git=False)


def scan_tree(root: Path, select: tuple[str, ...] = (), config: Config | None = None, **kwargs) -> ScanResult:
    config = config or Config(root=str(root), migrations_released=NO_RELEASE_POINT)
    if select:
        from dataclasses import replace

        config = replace(config, select=select)
    registry = registry_module.load(config.rule_packs)
    enabled = registry_module.select(registry, config.select, config.ignore, config.profile)
    kwargs.setdefault("jobs", 1)
    kwargs.setdefault("use_cache", False)
    return scan([root], config, registry, enabled, **kwargs)


@pytest.fixture(autouse=True)
def plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The text report as a pipe gets it, whatever the shell running the suite exports:
    COLUMNS would wrap it and FORCE_COLOR / NO_COLOR would colour it or not (docs/terminal-output.md)."""
    for name in ("COLUMNS", "FORCE_COLOR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def project(tmp_path: Path):
    """Write files into a fresh project folder and return its path."""

    def make(files: dict[str, str | bytes]) -> Path:
        return write_tree(tmp_path, files)

    return make


# ----------------------------------------------------------------------------------------------
# Shared snippets and helpers for the engine tests.

# One SQL001 finding on line 2, severity high (a value inside a quoted literal).
SQL001_HIGH = (
    "def find(cur, email):\n"
    "    cur.execute(\"SELECT id FROM accounts WHERE email = '%s'\" % email)\n"
)
# One SQL001 finding on line 7, severity critical (request data inside a quoted literal).
SQL001_CRITICAL = (
    "from fastapi import APIRouter, Depends\n"
    "from sqlalchemy import text\n"
    "router = APIRouter()\n"
    "\n"
    '@router.get("/users")\n'
    "def search(name: str, db=Depends(get_db)):\n"
    "    return db.execute(text(f\"SELECT id, email FROM users WHERE name = '{name}'\")).all()\n"
)
CLEAN = "def find(cur, email):\n    cur.execute(\"SELECT id FROM accounts WHERE email = %s\", (email,))\n"


def run_cli(*args: str, cwd: Path | None = None):
    """Invoke the `reviewer` command in-process; returns click's Result (exit_code, stdout,
    stderr, output)."""
    import os

    from click.testing import CliRunner

    from reviewer.cli import main

    runner = CliRunner()
    previous = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return runner.invoke(main, [str(arg) for arg in args], catch_exceptions=False)
    finally:
        os.chdir(previous)


def scan_json(root: Path, *args: str) -> tuple[int, dict]:
    """`reviewer scan ROOT --format json --no-cache ARGS`: (exit code, parsed report)."""
    import json

    result = run_cli("scan", str(root), "--format", "json", "--no-cache", *args)
    assert result.exit_code in (0, 1), (result.exit_code, result.output)
    return result.exit_code, json.loads(result.stdout)


# A user rule pack with one rule of each kind; codes XPY001, XSQ001, XPR001.
PACK_FILES = {
    "python/print_call.py": '''
import libcst as cst
import libcst.matchers as m

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, PythonRule

PRINT = m.Call(func=m.Name("print"))


class PrintCall(PythonRule):
    """Services log through `logging`; `print` output is lost."""

    code = "XPY001"
    name = "print-call"
    category = Category.OPS
    severity = Severity.LOW
    confidence = Confidence.HIGH
    message = "`print()` call"
    fix = "Use `logging.getLogger(__name__).info(...)`"
    triggers = ("print",)
    valid = (Example("log.info('x')\\n"),)
    invalid = (Example("print('x')\\n", lines=(1,)),)

    def visit_Call(self, node: cst.Call) -> None:
        if m.matches(node, PRINT):
            self.report(node)
''',
    "sql/delete_without_where.py": '''
from sqlglot import exp

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, SqlRule


class DeleteWithoutWhere(SqlRule):
    """A DELETE without WHERE empties the table."""

    code = "XSQ001"
    name = "delete-without-where"
    category = Category.SQL
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    message = "`DELETE FROM {table}` has no WHERE clause"
    fix = "Add a WHERE clause"
    valid = (Example("DELETE FROM t WHERE id = 1;\\n"),)
    invalid = (Example("DELETE FROM t;\\n", lines=(1,)),)

    def check(self, statement, source) -> None:
        for delete in statement.find_all(exp.Delete):
            if delete.args.get("where") is None:
                self.report(delete, table=delete.this.sql())
''',
    "project/settings_file.py": '''
from reviewer.model import Category, Confidence, Location, Severity
from reviewer.rule import Example, ProjectRule


class SettingsFile(ProjectRule):
    """Flags every settings.py, on line 2, to exercise project-rule reporting."""

    code = "XPR001"
    name = "settings-file"
    category = Category.OPS
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "`{module}` is a settings module among {count} files"
    fix = "Nothing; this is a test rule"
    valid = (Example("x = 1\\n"),)
    invalid = (Example("DEBUG = True\\n", path="settings.py"),)

    def check(self, index) -> None:
        for item in index.files:
            if item.path.endswith("settings.py"):
                self.report(Location(2, 1, 2, 12), path=item.path, module=item.path, count=len(index.files))
''',
}


def write_pack(folder: Path, files: dict[str, str] | None = None) -> Path:
    """Write a rule pack (PACK_FILES by default) into `folder` and return its absolute path."""
    write_tree(folder, dict(files if files is not None else PACK_FILES))
    return folder.resolve()


@pytest.fixture(autouse=True)
def _no_user_rule_packs(tmp_path_factory, monkeypatch):
    """Tests never see the machine's user config or REVIEWER_RULE_PACKS (both load code)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
    monkeypatch.delenv("REVIEWER_RULE_PACKS", raising=False)
    # Nor the machine's result cache: each test has a cache folder of its own.
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path_factory.mktemp("reviewer-cache")))


def many_findings(root: Path, count: int, files: int) -> ScanResult:
    """A scan result with `count` SQL001 findings spread evenly over `files` real files
    (`pkg/m<N>.py`, each finding on a flagged line of its file), for reports at scale."""
    from dataclasses import replace

    from reviewer.model import Location

    per_file = -(-count // files)
    write_tree(root, {f"pkg/m{number}.py": SQL001_HIGH * per_file for number in range(files)})
    result = scan_tree(root, select=("SQL001",))
    template = result.findings[0]
    spread = tuple(
        replace(template, path=f"pkg/m{index % files}.py", location=Location(2 * (index // files) + 2, 5, 2 * (index // files) + 2, 20))
        for index in range(count)
    )
    return replace(result, findings=spread)


def scans_reporting(
    root: Path, expression: str, runs: int = 2, env: dict[str, str] | None = None, args: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """`reviewer scan ROOT --format json` (with `args`) run `runs` times in fresh processes,
    each giving its report and the value of `expression` (Python, evaluated after the scan in
    that process, e.g. about `sys.modules`) as text."""
    import subprocess
    import sys

    probe = (
        "import runpy, sys\n"
        f"sys.argv = ['reviewer', 'scan', {str(root)!r}, '--format', 'json', '-q', *{list(args)!r}]\n"
        "try:\n    runpy.run_module('reviewer', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        f"print({expression}, file=sys.stderr)\n"
    )
    done = [subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, env=env) for _ in range(runs)]
    return [(run.stdout, run.stderr.strip().splitlines()[-1]) for run in done]



def bandit_chosen(test_ids) -> frozenset:
    """The (id, source) pairs of bandit's tests `test_ids`, as a scan chooses its tests
    (bandit_bridge._test_set)."""
    from reviewer import bandit_bridge

    return frozenset((rule.bandit_id, rule.bandit_source) for rule in bandit_bridge.rules() if rule.bandit_id in set(test_ids))


class StoredEntry:
    """One entry of a result cache's database (reviewer.cache.ResultCache), read and written
    by its key as a test would a file (`stem`, `read_text`, `write_text`)."""

    def __init__(self, database: Path, key: str) -> None:
        self.database = database
        self.stem = key

    def read_text(self) -> str:
        with closing(sqlite3.connect(self.database)) as db:
            [(value,)] = db.execute("SELECT value FROM entries WHERE key = ?", (self.stem,)).fetchall()
        return value

    def write_text(self, text: str) -> None:
        with closing(sqlite3.connect(self.database)) as db, db:
            db.execute("UPDATE entries SET value = ? WHERE key = ?", (text, self.stem))


def stored_entries(base: Path, layout: str) -> list[StoredEntry]:
    """The entries of every `layout` database (`*`: of every kind) under the cache folder `base`, by key."""
    found = []
    for database in sorted(base.rglob(f"{layout}.sqlite3")):
        with closing(sqlite3.connect(database)) as db:
            found.extend(StoredEntry(database, key) for (key,) in db.execute("SELECT key FROM entries ORDER BY key").fetchall())
    return found
