"""The index snapshot (reviewer.runner.Snapshots): a warm scan takes what it derives from the
whole project index (the sections' digest, the project rules' results, the merge errors) from
a plain-JSON snapshot instead of merging every section again. Its report must be the cold
scan's, byte for byte, and a damaged or altered snapshot must be ignored with a warning."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from reviewer import index as index_module
from reviewer.runner import SNAPSHOT_LAYOUT
from tests.conftest import REPO, StoredEntry, run_cli, scans_reporting, stored_entries

SAMPLES = ["fastapi_orders", "django_shop", "flask_ledger"]


def _snapshots() -> list[StoredEntry]:
    return stored_entries(Path(os.environ["REVIEWER_CACHE_DIR"]), SNAPSHOT_LAYOUT)


def _merged(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the sections merged from here on."""
    merged: list[str] = []
    original = index_module.merge_one

    def counting(provider, *args, **kwargs):
        merged.append(provider.name)
        return original(provider, *args, **kwargs)

    monkeypatch.setattr(index_module, "merge_one", counting)
    return merged


def _scan(root: Path):
    # --profile audit: every rule, so the project rules have findings to keep.
    return run_cli("scan", root, "--format", "json", "--profile", "audit", "--jobs", "1")


@pytest.mark.parametrize("name", SAMPLES)
def test_a_warm_scan_from_the_snapshot_reports_the_cold_scan_byte_for_byte(name: str, tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / name
    shutil.copytree(REPO / "sample_projects" / name, root)
    cold = _scan(root)
    assert len(_snapshots()) == 1
    assert json.loads(cold.stdout)["findings"]
    merged = _merged(monkeypatch)
    warm = _scan(root)
    assert (warm.exit_code, warm.stdout, warm.stderr) == (cold.exit_code, cold.stdout, cold.stderr)
    # The project rules' results came from the snapshot: the sections they read were not merged.
    assert "symbols" not in merged and "routes" not in merged


def test_a_warm_scan_reads_only_the_index_entries_of_the_sections_it_merges(tmp_path: Path, monkeypatch) -> None:
    """The snapshot lists the files holding each section's facts (`holders`): a warm scan
    reads those files' index entries when it merges the section (the migrations, for the
    history summary), no other; a missing or damaged entry is extracted from its file again."""
    from reviewer.cache import ResultCache
    from reviewer.runner import INDEX_LAYOUT

    root = tmp_path / "proj"
    shutil.copytree(REPO / "sample_projects" / "django_shop", root)
    cold = _scan(root)
    [snapshot] = _snapshots()
    holders = json.loads(snapshot.read_text())["holders"]
    read: list[str] = []
    original = ResultCache.get

    def counting(self, key):
        if self.layout == INDEX_LAYOUT:
            read.append(key)
        return original(self, key)

    monkeypatch.setattr(ResultCache, "get", counting)
    merged = _merged(monkeypatch)
    warm = _scan(root)
    assert (warm.exit_code, warm.stdout, warm.stderr) == (cold.exit_code, cold.stdout, cold.stderr)
    assert "migrations" in merged and holders["migrations"]
    assert len(read) == len({path for name in set(merged) for path in holders.get(name, ())})
    assert len(read) < sum(1 for path in root.rglob("*.py"))
    # An entry the sections need, damaged: its facts are extracted from the file again.
    entries = stored_entries(Path(os.environ["REVIEWER_CACHE_DIR"]), INDEX_LAYOUT)
    needed = [entry for entry in entries if entry.stem in set(read)]
    for entry in needed:
        entry.write_text("{not json")
    again = _scan(root)
    assert (again.exit_code, again.stdout, again.stderr) == (cold.exit_code, cold.stdout, cold.stderr)
    assert all(json.loads(entry.read_text())["facts"] for entry in needed)  # written back


def test_a_tree_with_several_project_roots_keeps_their_sections(tmp_path: Path) -> None:
    """Roots with sections of their own are merged again (the snapshot lists them)."""
    root = tmp_path / "many"
    for copy in range(2):
        shutil.copytree(REPO / "sample_projects" / "fastapi_orders", root / f"svc{copy}")
    cold = _scan(root)
    [snapshot] = _snapshots()
    assert len(json.loads(snapshot.read_text())["owners"]) == 2
    warm = _scan(root)
    assert (warm.exit_code, warm.stdout) == (cold.exit_code, cold.stdout)


def _finding(severity: str) -> dict:
    return {
        "rule": "API005", "name": "x", "category": "api", "severity": severity, "confidence": "high", "path": "app/main.py",
        "line": 1, "column": 1, "end_line": 1, "end_column": 1, "message": "m", "fix": "f", "fingerprint": "", "context": "",
        "also": [], "operation": "", "autofix": None,
    }


DAMAGED = [
    "{not json",
    "[]",
    json.dumps({"digest": "x", "findings": [], "errors": [], "failures": [], "owners": []}),  # a key missing
    json.dumps({"digest": 1, "findings": [], "errors": [], "failures": [], "owners": [], "holders": {}}),  # a wrong type
    # The right shape, a value this version never writes.
    json.dumps({"digest": "x", "findings": [_finding("bogus")], "errors": [], "failures": [], "owners": [], "holders": {}}),
    # A section's facts in a file that is not scanned.
    json.dumps({"digest": "x", "findings": [], "errors": [], "failures": [], "owners": [], "holders": {"routes": ["nowhere.py"]}}),
]


@pytest.mark.parametrize("damage", range(len(DAMAGED)))
def test_a_damaged_snapshot_is_ignored_with_a_warning(damage: int, tmp_path: Path) -> None:
    root = tmp_path / "proj"
    shutil.copytree(REPO / "sample_projects" / "fastapi_orders", root)
    cold = _scan(root)
    [snapshot] = _snapshots()
    snapshot.write_text(DAMAGED[damage])
    warm = _scan(root)
    assert (warm.exit_code, warm.stdout) == (cold.exit_code, cold.stdout)
    assert "warning: ignored the project index snapshot" in warm.stderr
    assert "Traceback" not in warm.output
    # The scan wrote a good snapshot back: the next run uses it, silently.
    again = _scan(root)
    assert (again.stdout, again.stderr) == (cold.stdout, cold.stderr)


def test_lazy_sections_are_the_merged_sections(tmp_path: Path) -> None:
    """Read one by one (each merged with the sections it reads first), or pickled for a worker
    process, lazily merged sections are those merge_sections gives."""
    import pickle

    from reviewer.config import Config
    from reviewer.discovery import discover
    from reviewer.runner import _index_batch, _set_index_plan, build_index

    root = tmp_path / "proj"
    shutil.copytree(REPO / "sample_projects" / "django_shop", root)
    config = Config(root=str(root))
    sources = discover(root, [root], (), True)
    index = build_index(root, sources, config)
    per_file: dict[str, dict] = {provider.name: {} for provider in index_module.PROVIDERS}
    _set_index_plan(config, ())
    for source, (text, *_) in zip(sources, _index_batch([(source, None, False) for source in sources])):
        for name, data in json.loads(text).items():
            per_file[name][source.rel] = data
    failures: list[str] = []
    lazy = index_module.LazySections(index_module.PROVIDERS, per_file, lambda name, error: failures.append(name))
    assert lazy["routes"] == index.sections["routes"]  # merged with the symbols it reads first
    assert dict(lazy.items()) == dict(index.sections)
    assert pickle.loads(pickle.dumps(lazy)) == dict(index.sections)
    assert not failures


def test_a_warm_scan_imports_no_bandit(tmp_path: Path) -> None:
    """Bandit's test list is kept (bandit_bridge.tests), and its modules load when a test runs:
    a scan whose every result comes from the cache imports none of them."""
    root = tmp_path / "proj"
    shutil.copytree(REPO / "sample_projects" / "django_shop", root)
    runs = scans_reporting(root, "'bandit' in sys.modules")
    assert [imported for _, imported in runs] == ["True", "False"]
    assert runs[0][0] == runs[1][0]


@pytest.mark.parametrize("project", ["django_shop", "flask_ledger"])
def test_a_warm_scan_imports_no_parser(tmp_path: Path, project: str) -> None:
    """libcst and sqlglot are imported where a file is parsed (reviewer.analyse, the providers'
    readers, the rules): a scan whose every result comes from the cache (each file's facts and
    check, the project rules' snapshot) imports neither, and reports the same bytes."""
    root = tmp_path / "proj"
    shutil.copytree(REPO / "sample_projects" / project, root)
    runs = scans_reporting(root, "sorted(name for name in ('libcst', 'sqlglot') if name in sys.modules)")
    assert [imported for _, imported in runs] == ["['libcst', 'sqlglot']", "[]"]
    assert json.loads(runs[0][0])["findings"] and runs[0][0] == runs[1][0]


def test_bandit_tests_kept_are_bandits_and_a_damaged_list_is_rebuilt(tmp_path: Path) -> None:
    from reviewer import bandit_bridge

    env = {"REVIEWER_CACHE_DIR": str(tmp_path / "cache")}
    fresh = bandit_bridge._bandit_tests()
    assert len(fresh["tests"]) > 60 and fresh["tests"] == sorted(fresh["tests"]) and fresh["characters"]
    assert bandit_bridge.tests(env) == fresh  # built and kept
    [kept] = (tmp_path / "cache").rglob("bandit-tests/*.json")
    assert bandit_bridge.tests(env) == fresh  # read back
    row = ["B304", "x", "y", "z", ["Call"]]
    for damage in (
        "{", "[]", json.dumps({"tests": [["B999", "x", "y"]], "characters": None}),
        json.dumps({"tests": [["not-an-id", "x", "y", "z", [], None]], "characters": None}),
        json.dumps({"tests": [[*row, {"names": "not a list"}]], "characters": None}),
        json.dumps({"tests": [[*row, {"unknown_field": []}]], "characters": None}),
        json.dumps({"tests": [[*row, None]], "characters": 3}),
    ):
        kept.write_text(damage)
        assert bandit_bridge.tests(env) == fresh


def test_provider_references_name_their_classes_sections() -> None:
    """Each built-in provider is listed by its section name, module and class (index.ProviderRef,
    so that naming every section imports no provider module): the names are the classes'."""
    import importlib

    for reference in index_module.PROVIDERS:
        cls = getattr(importlib.import_module(reference.module), reference.cls)
        assert cls.name == reference.name
        assert reference.loaded.name == reference.name and isinstance(reference.loaded, cls)
        assert (reference.shared, reference.reads) == (cls.shared, cls.reads)  # read through the loaded provider
        assert (reference.kept_facts, reference.derives) == (cls.kept is not None, cls.derives)  # told without the import
    assert len({reference.name for reference in index_module.PROVIDERS}) == len(index_module.PROVIDERS)
    broken = index_module.ProviderRef("not-routes", "reviewer.web.routes", "RoutesProvider")
    with pytest.raises(RuntimeError, match="provides 'routes'"):
        broken.wants


def test_a_warm_scan_imports_only_the_providers_it_merges(tmp_path: Path) -> None:
    """A scan whose project results come from the snapshot merges only the sections something
    reads (the migration history's), so it imports no other provider's module (their
    dataclasses are most of a warm scan's start-up), and reports the same bytes."""
    root = tmp_path / "proj"
    shutil.copytree(REPO / "sample_projects" / "django_shop", root)
    modules = sorted({reference.module for reference in index_module.PROVIDERS} - {"reviewer.migrations"})
    # Nor what a scan without --baseline or --project does without.
    options = ["reviewer.baseline", "reviewer.focus"]
    runs = scans_reporting(root, f"[sorted(name for name in {modules!r} if name in sys.modules), [name for name in {options!r} if name in sys.modules]]")
    imported = [json.loads(run[1].replace("'", '"')) for run in runs]
    assert imported == [[modules, []], [[], []]]
    assert runs[0][0] == runs[1][0]
