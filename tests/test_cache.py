"""The per-file result cache: hits on an unchanged tree, invalidation by content, config and
rules, atomic writes, and no trace with --no-cache."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import os
import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest

from reviewer.cache import LAYOUT, FileStates, ResultCache, cache_home
from reviewer.config import Config
from reviewer.model import Severity
from reviewer.runner import ScanResult
from tests.conftest import CLEAN, SQL001_HIGH, run_cli, scan_tree, write_pack, write_tree

FILES = {
    "app/a.py": SQL001_HIGH,
    "app/b.py": CLEAN,
    "app/c.py": "# reviewer: ignore-file[SQL001] fixtures\n" + SQL001_HIGH,
    "db/schema.sql": "CREATE TABLE t (id int);\n",
    "broken.py": "def f(:\n",
}


def _config(root: Path, **changes) -> Config:
    """The rules are pinned to SQL001 and the meta rules, so new rules do not change counts."""
    return replace(Config(root=str(root), select=("SQL001", "RVW")), **changes)


def _scan(root: Path, config: Config | None = None, **kwargs) -> ScanResult:
    return scan_tree(root, config=config or _config(root), use_cache=True, **kwargs)


def _home(root: Path) -> Path:
    return cache_home(root, os.environ)


def _entries(root: Path) -> list[str]:
    """The keys of the result entries kept for `root`."""
    return ResultCache(_home(root), enabled=True, schema=None).keys()


def _rewrite(root: Path, change) -> None:
    """Replace each result entry's text with change(text), as something other than reviewer would."""
    with closing(sqlite3.connect(_home(root) / f"{LAYOUT}.sqlite3")) as db, db:
        for key, value in db.execute("SELECT key, value FROM entries").fetchall():
            db.execute("UPDATE entries SET value = ? WHERE key = ?", (change(value), key))


def _same(a: ScanResult, b: ScanResult) -> None:
    assert a.findings == b.findings
    assert [f.fingerprint for f in a.findings] == [f.fingerprint for f in b.findings]
    assert (a.errors, a.suppressed, a.lines, a.files, a.score) == (b.errors, b.suppressed, b.lines, b.files, b.score)


def test_second_scan_hits_the_cache(tmp_path: Path) -> None:
    root = write_tree(tmp_path, FILES)
    first = _scan(root)
    assert first.cache_hits == 0
    assert len(_entries(root)) == len(FILES)
    second = _scan(root)
    assert second.cache_hits == len(FILES) == second.files
    _same(first, second)
    assert [(f.path, f.line) for f in second.findings] == [("app/a.py", 2)]
    assert second.suppressed == 1
    assert [(e.path, e.kind) for e in second.errors] == [("broken.py", "syntax-error")]


def test_editing_a_file_invalidates_only_that_file(tmp_path: Path) -> None:
    root = write_tree(tmp_path, FILES)
    _scan(root)
    (root / "app" / "b.py").write_text(SQL001_HIGH)
    third = _scan(root)
    assert third.cache_hits == len(FILES) - 1
    assert [(f.path, f.line) for f in third.findings] == [("app/a.py", 2), ("app/b.py", 2)]
    # The stale entry of the old content is pruned; one entry a file remains.
    assert len(_entries(root)) == len(FILES)
    assert _scan(root).cache_hits == len(FILES)


def test_config_change_invalidates(tmp_path: Path) -> None:
    root = write_tree(tmp_path, FILES)
    _scan(root)
    stricter = _config(root, severity=(("SQL001", Severity.CRITICAL),))
    changed = _scan(root, stricter)
    assert changed.cache_hits == 0
    assert [f.severity for f in changed.findings] == [Severity.CRITICAL]
    assert _scan(root, stricter).cache_hits == len(FILES)
    for other in (
        _config(root, dialect="mysql"),
        _config(root, per_path_ignores=(("app/**", ("sql",)),)),
        _config(root, max_file_size=10_000),
    ):
        assert _scan(root, other).cache_hits == 0


def test_selection_change_invalidates(tmp_path: Path) -> None:
    root = write_tree(tmp_path, FILES)
    _scan(root)
    only_meta = _scan(root, select=("RVW",))
    assert only_meta.cache_hits == 0
    assert only_meta.findings == ()
    back = _scan(root)
    assert [(f.path, f.line) for f in back.findings] == [("app/a.py", 2)]


def test_rule_pack_change_invalidates(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", {"q.py": "print('x')\n"})
    pack = write_pack(tmp_path / "pack")
    config = _config(root, rule_packs=(str(pack),), select=("XPY001",))
    assert [f.rule for f in _scan(root, config).findings] == ["XPY001"]
    assert _scan(root, config).cache_hits == 1
    rule = pack / "python" / "print_call.py"
    rule.write_text(rule.read_text().replace("severity = Severity.LOW", "severity = Severity.MEDIUM"))
    assert _scan(root, config).cache_hits == 0


def test_weights_do_not_invalidate(tmp_path: Path) -> None:
    """Weights change the score, not a file's findings: the cache still applies."""
    root = write_tree(tmp_path, FILES)
    first = _scan(root)
    from reviewer.model import Category

    weights = tuple((category, 0.0 if category is Category.SQL else 1.0) for category, _ in Config().weights)
    second = _scan(root, _config(root, weights=weights))
    assert second.cache_hits == len(FILES)
    assert second.findings == first.findings
    assert second.score.overall == 100.0 != first.score.overall


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    root = write_tree(tmp_path, FILES)
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 0
    assert not _home(root).exists()
    assert sorted(p.name for p in root.iterdir()) == ["app", "broken.py", "db"]


def test_no_cache_ignores_an_existing_cache(tmp_path: Path) -> None:
    root = write_tree(tmp_path, FILES)
    _scan(root)
    _rewrite(root, lambda text: text.replace("app/a.py", "app/poisoned.py"))  # a run that read them would show it
    result = scan_tree(root, config=_config(root), use_cache=False)
    assert result.cache_hits == 0
    assert [f.path for f in result.findings] == ["app/a.py"]


def test_cli_scan_uses_the_cache(tmp_path: Path) -> None:
    root = write_tree(tmp_path, FILES)
    first = run_cli("scan", root, "--format", "json")
    database = _home(root) / f"{LAYOUT}.sqlite3"
    entries = _entries(root)
    assert len(entries) == len(FILES)
    written = database.stat().st_mtime_ns
    second = run_cli("scan", root, "--format", "json")
    assert second.stdout == first.stdout
    assert _entries(root) == entries
    assert database.stat().st_mtime_ns == written  # a scan of nothing new writes no entry


def test_the_cache_is_outside_the_scanned_tree(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", FILES)
    _scan(root)
    assert sorted(p.name for p in root.iterdir()) == ["app", "broken.py", "db"]
    assert _entries(root) and tmp_path / "proj" not in _home(root).parents
    assert _scan(root).files == len(FILES)


def test_the_entries_are_kept_in_one_database_per_kind(tmp_path: Path) -> None:
    root = write_tree(tmp_path, FILES)
    _scan(root)
    (root / "app" / "a.py").write_text(CLEAN)
    _scan(root)
    from reviewer.runner import INDEX_LAYOUT, SNAPSHOT_LAYOUT

    kept = {p.name for p in _home(root).rglob("*")}
    databases = {f"{layout}.sqlite3" for layout in (LAYOUT, INDEX_LAYOUT, SNAPSHOT_LAYOUT)}
    assert databases <= kept <= {FileStates.NAME, *databases, *(f"{name}-journal" for name in databases)}


def test_an_interrupted_write_leaves_the_entries_before_it(tmp_path: Path) -> None:
    """A process killed in the middle of a write (after its rows, before the commit) leaves the
    database as it was: no partial entry, and the database opens."""
    cache = ResultCache(tmp_path, enabled=True, schema={"x": int})
    cache.put("ab" * 20, {"x": 1})
    killed = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "import reviewer.cache as c\n"
        "def dying(db, work):\n"
        "    db.execute('BEGIN IMMEDIATE'); work(); os._exit(9)\n"
        "c._transaction = dying\n"
        "c.ResultCache(Path(sys.argv[1]), enabled=True, schema=None).put('cd' * 20, '{\"x\":2}')\n"
    )
    done = subprocess.run([sys.executable, "-c", killed, str(tmp_path)], check=False)
    assert done.returncode == 9
    again = ResultCache(tmp_path, enabled=True, schema={"x": int})
    assert again.get("ab" * 20) == {"x": 1}
    assert again.get("cd" * 20) is None
    again.put("cd" * 20, {"x": 3})
    assert again.get("cd" * 20) == {"x": 3}


def test_a_damaged_database_is_replaced(tmp_path: Path) -> None:
    root = write_tree(tmp_path, FILES)
    first = _scan(root)
    (_home(root) / f"{LAYOUT}.sqlite3").write_bytes(b"not a database, whatever it was" * 100)
    again = _scan(root)
    assert again.cache_hits == 0
    _same(first, again)
    assert _scan(root).cache_hits == len(FILES)


def test_entry_files_of_an_earlier_version_are_removed(tmp_path: Path) -> None:
    root = write_tree(tmp_path, FILES)
    old = _home(root) / LAYOUT / "ab" / f"{'ab' * 20}.json"
    old.parent.mkdir(parents=True)
    old.write_text("{}")
    _scan(root)
    assert not (_home(root) / LAYOUT).exists()
    assert len(_entries(root)) == len(FILES)


def test_a_corrupt_entry_is_a_miss(tmp_path: Path) -> None:
    root = write_tree(tmp_path, FILES)
    first = _scan(root)
    _rewrite(root, lambda text: text[:20])  # truncated
    again = _scan(root)
    assert again.cache_hits == 0
    _same(first, again)
    assert _scan(root).cache_hits == len(FILES)


def test_timeouts_are_not_cached(tmp_path: Path) -> None:
    body = "".join(f'    cur.execute("SELECT id FROM t WHERE a = %s", (x{number},))\n' for number in range(4000))
    root = write_tree(tmp_path, {"big.py": "def f(cur):\n" + body, "q.py": SQL001_HIGH})
    config = _config(root, file_timeout=0.5)
    assert [e.kind for e in _scan(root, config).errors] == ["timeout"]
    again = _scan(root, config)
    assert again.cache_hits == 1
    assert [e.kind for e in again.errors] == ["timeout"]


def test_read_only_cache_folder_runs_without_a_cache(tmp_path: Path, monkeypatch) -> None:
    root = write_tree(tmp_path, FILES)

    def refuse(*args, **kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr("reviewer.cache._open_entries", refuse)
    result = _scan(root)
    assert [(f.path, f.line) for f in result.findings] == [("app/a.py", 2)]
    assert not (_home(root) / f"{LAYOUT}.sqlite3").exists()


def test_result_cache_unit(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, enabled=True, schema={"x": int})
    assert cache.get("ab" * 20) is None
    cache.put("ab" * 20, {"x": 1})
    assert cache.keys() == ["ab" * 20]
    assert cache.get("ab" * 20) == {"x": 1}
    assert (cache.hits, cache.misses) == (1, 1)
    cache.put("cd" * 20, {"x": "1"})  # not of the schema's shape: a miss
    assert cache.get("cd" * 20) is None
    off = ResultCache(tmp_path / "other", enabled=False, schema={"x": int})
    off.put("cd" * 20, {"x": 2})
    assert off.get("cd" * 20) is None
    assert not (tmp_path / "other").exists()


def test_adding_a_file_reanalyses_only_that_file(tmp_path: Path) -> None:
    root = write_tree(tmp_path, FILES)
    _scan(root)
    (root / "app" / "d.py").write_text(CLEAN)
    assert _scan(root).cache_hits == len(FILES)


def test_a_fork_waits_for_the_transaction_being_written(tmp_path: Path) -> None:
    """A worker process forked while another thread writes starts after the commit: it never
    inherits a transaction half done (and sees what was written)."""
    import threading
    import time

    import reviewer.cache as cache_module

    cache = ResultCache(tmp_path, enabled=True, schema={"x": int})
    cache.put("ab" * 20, {"x": 1})
    inside = threading.Event()

    def slow_rows():
        inside.set()
        time.sleep(0.5)
        return cache._db(create=True).execute("INSERT OR REPLACE INTO entries VALUES (?, ?)", ("cd" * 20, '{"x":2}'))

    writer = threading.Thread(target=lambda: cache_module._transaction(cache._db(create=True), slow_rows))
    writer.start()
    inside.wait()
    child = os.fork()
    if child == 0:  # the child reads with a connection of its own
        seen = ResultCache(tmp_path, enabled=True, schema={"x": int}).get("cd" * 20)
        os._exit(0 if seen == {"x": 2} else 1)
    writer.join()
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_read_ahead_and_holds_all(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, enabled=True, schema={"x": int})
    assert not cache.holds_all(["ab" * 20]) and cache.holds_all([])
    cache.store_all([(f"{number:040}", {"x": number}) for number in range(2000)])  # more keys than one query names
    keys = [f"{number:040}" for number in range(2000)]
    assert cache.holds_all(keys) and not cache.holds_all([*keys, "cd" * 20])
    assert cache.holds(keys[5]) and not cache.holds("cd" * 20)
    cache.read_ahead([*keys, "cd" * 20])
    assert [cache.get(key) for key in keys[:3]] == [{"x": 0}, {"x": 1}, {"x": 2}]
    assert cache.get("cd" * 20) is None
    assert (cache.hits, cache.misses) == (3, 1)


def test_a_warm_scan_reads_the_results_in_a_few_queries(tmp_path: Path, monkeypatch) -> None:
    """Each lookup takes and releases the database's lock (7,000 fcntl calls in a warm scan of
    Django's package when each result was its own query): a warm scan reads its results
    ahead, together."""
    root = write_tree(tmp_path, FILES)
    first = _scan(root)
    single: list[str] = []
    query = ResultCache._query
    monkeypatch.setattr(ResultCache, "_query", lambda self, text, key: single.append(self.layout) or query(self, text, key))
    again = _scan(root)
    assert again.cache_hits == len(FILES)
    _same(first, again)
    assert LAYOUT not in single


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd (Linux) to list the open files")
def test_a_scan_leaves_no_database_open(tmp_path: Path) -> None:
    """A process that scans many times (a test run, an editor's integration) keeps no
    connection to the cache's databases between scans."""
    root = write_tree(tmp_path, FILES)

    def open_databases() -> list[str]:
        names = []
        for fd in Path("/proc/self/fd").iterdir():
            try:
                names.append(os.readlink(fd))
            except OSError:
                continue
        return sorted(name for name in names if ".sqlite3" in name)

    before = open_databases()  # other tests' ResultCache objects, made by hand, may hold theirs
    _scan(root)
    assert _scan(root).cache_hits == len(FILES)
    assert open_databases() == before
