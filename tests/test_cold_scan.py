"""How a cold scan spreads its work: the index worker finishes the check of a file that needs
no libcst rule (analyse.finished), the pools take the largest files first and hand the outputs
back in the files' order (runner._in_pool), and cache entries reach the disk in the background
(cache.Writes). None of it may change a report."""

from __future__ import annotations

import json
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from reviewer import analyse, runner
from reviewer.cache import ResultCache, Writes
from reviewer.config import Config
from reviewer.index import PROVIDERS, LazySections
from reviewer.model import FileKind
from reviewer.discovery import SourceFile, discover
from reviewer.plan import FileResult, Plan
from reviewer.registry import load, select
from reviewer.runner import _in_pool
from tests.conftest import REPO, scan_tree, write_tree

SQL = 'def stale(cur):\n    cur.execute("UPDATE sessions SET active = false WHERE user_id <> NULL")\n'
PLAIN = (
    "import subprocess\n"
    "def run(cmd):\n"
    "    subprocess.call(cmd, shell=True)  # reviewer: ignore[B602] the command is ours\n"
    "    return 1\n"
)


def _plan(root: Path) -> tuple[Plan, list[SourceFile]]:
    config = Config(root=str(root))
    registry = load()
    enabled = select(registry, config.select, config.ignore, config.profile)
    plan = Plan(config, tuple(r for r in enabled if issubclass(r, runner.PythonRule)), tuple(r for r in enabled if issubclass(r, runner.SqlRule)))
    return plan, discover(root, [root], (), True)


def test_finished_is_the_check_of_a_file_that_needs_no_libcst(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", {"jobs.py": SQL, "tasks.py": PLAIN, "broken.py": "def f(:\n"})
    plan, sources = _plan(root)
    by_name = {source.rel: source for source in sources}
    done = {}
    for name in ("tasks.py", "broken.py"):
        source = by_name[name]
        text = source.path.read_text()
        done[name] = analyse.finished(source, text, plan.config, analyse.ast_pass(source, text, plan))
        assert isinstance(done[name], FileResult)
        assert done[name] == analyse.analyse(source, replace(plan, index=runner.ProjectIndex(str(root))))
    assert [error.kind for error in done["broken.py"].errors] == ["syntax-error"]
    assert len(done["tasks.py"].directives) == 1 and done["tasks.py"].lines == 4
    source = by_name["jobs.py"]  # SQL004 reads it with libcst: its check is not finished here
    assert analyse.finished(source, SQL, plan.config, analyse.ast_pass(source, SQL, plan)) is None


def test_a_file_whose_check_the_index_worker_finished_is_not_analysed_again(tmp_path: Path, monkeypatch) -> None:
    root = write_tree(tmp_path / "proj", {"jobs.py": SQL, "tasks.py": PLAIN, "models.py": "x = 1\n"})
    analysed: list[str] = []
    real = analyse.analyse

    def counting(source, plan, first=None):
        analysed.append(source.rel)
        return real(source, plan, first)

    monkeypatch.setattr(analyse, "analyse", counting)
    result = scan_tree(root, select=("SQL004", "B602", "RVW"))
    assert analysed == ["jobs.py"]
    assert {(f.rule, f.path) for f in result.findings} == {("SQL004", "jobs.py")}
    assert result.suppressed == 1 and result.lines == sum(len(text.splitlines()) for text in (SQL, PLAIN, "x = 1\n"))


def test_two_workers_report_what_one_reports(tmp_path: Path) -> None:
    """More files than the parallel threshold, of different sizes: the same report."""
    root = tmp_path / "many"
    for copy in range(4):
        shutil.copytree(REPO / "sample_projects" / "django_shop", root / f"shop{copy}")
    one = scan_tree(root, jobs=1)
    two = scan_tree(root, jobs=2)
    assert one.files >= 24
    assert two.findings == one.findings and two.errors == one.errors and two.lines == one.lines


def test_the_pool_takes_the_largest_files_first_and_keeps_the_files_order(tmp_path: Path) -> None:
    items = []
    for size in (3, 40, 1, 25, 7, 60, 2):
        path = tmp_path / f"f{size}.py"
        path.write_text("x" * size)
        items.append((SourceFile(path, path.name, FileKind.PYTHON), size))
    taken: list[int] = []
    lock = threading.Lock()

    def work(batch):
        with lock:
            taken.extend(size for _, size in batch)
        return [size * 10 for _, size in batch]

    ended: list[tuple[int, int]] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        outputs = _in_pool(pool, work, items, 1, 1, lambda at, output: ended.append((at, output)))
    assert outputs == [size * 10 for _, size in items]
    assert taken == sorted(taken, reverse=True)
    assert sorted(ended) == list(enumerate(outputs))


def test_background_writes_are_on_the_disk_when_closed(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, True, {"n": int})
    with Writes() as writes:
        for n in range(50):
            writes.put(cache, f"{n:040x}", {"n": n} if n % 2 else json.dumps({"n": n}, separators=(",", ":")))
        assert len(cache.used) == 50  # counted at once: a prune after close keeps them
    assert [cache.get(f"{n:040x}") for n in range(50)] == [{"n": n} for n in range(50)]
    off = ResultCache(tmp_path / "off", False, {"n": int})
    with Writes() as writes:
        writes.put(off, "0" * 40, {"n": 1})
    assert not (tmp_path / "off").exists() and not off.used


def test_a_cache_that_cannot_be_written_is_skipped_in_the_background(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    cache = ResultCache(blocked, True, {"n": int})
    with Writes() as writes:
        writes.put(cache, "1" * 40, {"n": 1})
        writes.put(cache, "2" * 40, "{\"n\":2}")
    assert not cache.enabled


def _has_call_index(_: object) -> bool:
    symbols = runner._WORKER_PLAN.index.section("symbols")  # type: ignore[union-attr]
    return "callers" in symbols._memo


def test_the_call_index_is_made_once_before_the_check_workers_fork(tmp_path: Path) -> None:
    """SQL sites ask `parameter_origin` of every parameter hole, which reads the reverse call
    index (ProjectSymbols.call_index): the scan's process makes it before the check pool forks
    (SymbolsProvider.before_fork), so that the workers share it instead of each making it, and
    it answers as one made in the worker would. Only for rules that read the symbols, and
    never by merging a section nobody merged yet (a `--diff` scan's LazySections)."""
    write_tree(tmp_path, {
        "app/__init__.py": "",
        "app/db.py": "def run(cur, table):\n    cur.execute('SELECT * FROM ' + table)\n",
        "app/views.py": "from app.db import run\nTABLE = 'orders'\ndef view(cur):\n    run(cur, TABLE)\n",
    })
    config = Config(root=str(tmp_path))
    index = runner.build_index(tmp_path, discover(tmp_path, [tmp_path], (), True), config)
    symbols = index.section("symbols")
    fresh = runner.build_index(tmp_path, discover(tmp_path, [tmp_path], (), True), config).section("symbols")
    registry = load()
    reading = [rule for rule in registry.rules if "symbols" in rule.index_sections]
    others = [rule for rule in registry.rules if "symbols" not in rule.index_sections]
    runner._before_fork(others, index)
    assert "callers" not in symbols._memo
    runner._before_fork(reading, index)
    assert "callers" in symbols._memo
    assert symbols.callers("app/db.py", "run") == fresh.callers("app/db.py", "run") != ()
    assert symbols.parameter_origin("app/db.py", "run", "table", 1) == fresh.parameter_origin("app/db.py", "run", "table", 1) == "constant"
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, initializer=runner._init_worker, initargs=(config, config.rule_packs, (), index)) as pool:
        assert pool.submit(_has_call_index, None).result()  # inherited, not made again
    lazy = LazySections(PROVIDERS, {"symbols": {}}, lambda name, error: None)
    replace(index, sections=lazy).before_fork(("symbols",))
    assert not lazy.merged  # left to the worker that reads it
