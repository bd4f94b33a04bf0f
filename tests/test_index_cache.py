"""The project index is cached per file like check results: a warm run must rebuild exactly
the index and report exactly the findings of a cold run, and reuse every file's facts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reviewer import registry as registry_module
from reviewer.config import Config
from reviewer.discovery import discover
from reviewer.runner import build_index, index_result_cache
from tests.conftest import REPO, scan_tree

SAMPLES = ["fastapi_orders", "django_shop", "flask_ledger", "clean_inventory"]


@pytest.mark.parametrize("name", SAMPLES)
def test_warm_index_equals_cold_index(name: str, tmp_path: Path) -> None:
    root = tmp_path / name
    shutil.copytree(REPO / "sample_projects" / name, root)
    config = Config(root=str(root))
    sources = discover(root, [root], (), True)
    cold_cache = index_result_cache(tmp_path / "cache", True)
    cold = build_index(root, sources, config, cold_cache)
    warm_cache = index_result_cache(tmp_path / "cache", True)
    warm = build_index(root, sources, config, warm_cache)
    assert warm_cache.misses == 0 and warm_cache.hits == cold_cache.misses > 0
    assert dict(warm.sections) == dict(cold.sections)


@pytest.mark.parametrize("name", SAMPLES)
def test_warm_scan_reports_what_a_cold_scan_reports(name: str, tmp_path: Path) -> None:
    root = tmp_path / name
    shutil.copytree(REPO / "sample_projects" / name, root)
    cold = scan_tree(root, use_cache=True)
    warm = scan_tree(root, use_cache=True)
    assert warm.cache_hits == warm.files
    assert warm.findings == cold.findings and warm.errors == cold.errors


def test_parallel_index_equals_serial_index(tmp_path: Path) -> None:
    """More files than the parallel threshold: worker processes build the same index."""
    root = tmp_path / "many"
    for copy in range(4):
        shutil.copytree(REPO / "sample_projects" / "fastapi_orders" / "app", root / f"svc{copy}" / "app")
    config = Config(root=str(root))
    sources = discover(root, [root], (), True)
    assert len(sources) >= 24
    serial = build_index(root, sources, config, jobs=1)
    parallel = build_index(root, sources, config, jobs=2)
    assert dict(parallel.sections) == dict(serial.sections)
    assert registry_module.load()  # the registry still loads after worker processes ran


@pytest.mark.parametrize("name", ["django_shop", "fastapi_orders"])
def test_a_cold_scan_parses_each_python_file_with_ast_once(name: str, tmp_path: Path, monkeypatch) -> None:
    """The index worker's tree serves the project model, the syntax gate, bandit's tests and
    the check's pre-check (issue 13); a file whose facts come from the cache and whose check
    does not is parsed by its check, once."""
    from reviewer import analyse

    root = tmp_path / name
    shutil.copytree(REPO / "sample_projects" / name, root)
    expected = scan_tree(root)  # today's findings, before the parser is counted
    parsed: list[str] = []
    real = analyse.parse_source

    def counted(text: str, filename: str = "<unknown>"):
        parsed.append(filename)
        return real(text, filename)

    monkeypatch.setattr(analyse, "parse_source", counted)
    cold = scan_tree(root, use_cache=True, cache_dir=tmp_path / "cache")
    python = sorted(source.rel for source in discover(root, [root], (), True) if source.kind.is_python)
    assert sorted(parsed) == python
    assert cold.findings == expected.findings and cold.errors == expected.errors
    # Facts cached, check results void (another rule set): each file is parsed by its check.
    parsed.clear()
    again = scan_tree(root, select=("SQL", "ORM"), use_cache=True, cache_dir=tmp_path / "cache")
    assert sorted(parsed) == python and again.cache_hits == 0


def test_the_index_digest_does_not_depend_on_the_hash_seed() -> None:
    """The check results' cache key holds the digest of the sections the rules read; a set in
    a section (the shutdown section's closed names) iterates in another order in each process,
    which made every warm scan from the command line miss the cache."""
    import os
    import subprocess
    import sys

    code = (
        "from reviewer.index import ProjectIndex\n"
        "from reviewer.ops.shutdown import Shutdown\n"
        "closed = frozenset(f'name{number}' for number in range(40))\n"
        "index = ProjectIndex('.', (), {'shutdown': Shutdown(loops=(), resources=(), closed=closed), 'other': {'a': {1, 2, 3}}})\n"
        "print(index.digest(('shutdown', 'other')))\n"
    )
    digests = set()
    for seed in ("1", "2", "3"):
        done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def test_the_index_counts_each_files_lines_as_its_check_does(tmp_path: Path) -> None:
    """A `--diff` scan weighs the files it does not check by the index's counts (cold, or from
    the index cache), which must be the check's: a form feed or U+2028 is no line break, an
    undecodable or binary file has none."""
    root = tmp_path / "proj"
    shutil.copytree(REPO / "sample_projects" / "django_shop", root)
    (root / "odd.py").write_text("x = 1\f\ny = '\u2028'\n\n", encoding="utf-8")
    (root / "binary.py").write_bytes(b"x = 1\n\0\n")
    (root / "cookie.py").write_bytes(b"# -*- coding: undefined -*-\nx = 1\n")
    config = Config(root=str(root))
    sources = discover(root, [root], (), True)
    checked = {result.path: result.lines for result in _results(root)}
    for use in ("cold", "warm"):
        index = build_index(root, sources, config, index_result_cache(tmp_path / "cache", True))
        assert dict(index.lines) == checked, use


def _results(root: Path):
    from reviewer.analyse import Plan, analyse

    config = Config(root=str(root))
    return [analyse(source, Plan(config, (), ())) for source in discover(root, [root], (), True)]
