"""Scans that check part of the tree while the project model covers all of it: `--diff BASE`
(the changed files) must report exactly what a scan of every file, limited to the changed
lines, reports; the shards of `--shard K/N`, joined by `reviewer merge`, exactly what the
unsharded scan reports."""

from __future__ import annotations

import json
import os
import sys
import shutil
from pathlib import Path

import pytest

from reviewer import analyse, cache as cache_module, index as index_module
from reviewer.cache import FileStates, ResultCache
from reviewer.config import Config
from reviewer.gitdiff import changed_lines, limit_to_diff
from reviewer.reporters.json_report import as_dict
from reviewer.index import ProjectIndex
from reviewer.runner import INDEX_LAYOUT, Selection, shard_of
from tests.conftest import NO_RELEASE_POINT, run_cli, scan_tree, scans_reporting, stored_entries
from tests.gitrepo import commit, git, init_repo, needs_git


def _every_rule(root: Path) -> Config:
    """Every rule (the audit profile): the default set finds too little in the samples' changes."""
    return Config(root=str(root), migrations_released=NO_RELEASE_POINT, profile="audit")

REPO = Path(__file__).resolve().parents[1]
WEIGHTS = Config().weight_map
# The sample projects with findings (clean_inventory has none to compare).
ALL_SAMPLES = sorted(path for path in (REPO / "sample_projects").iterdir() if path.is_dir())
SAMPLES = [path for path in ALL_SAMPLES if path.name != "clean_inventory"]


def _files(project: Path) -> dict[str, str]:
    return {
        path.relative_to(project).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(project.rglob("*"))
        if path.is_file() and path.suffix in (".py", ".sql", ".ini", ".cfg", ".toml", ".yml")
    }


def _changed_repo(tmp_path: Path, project: Path) -> Path:
    """A git repository whose main branch holds the sample project with two files of three cut
    to its first quarter and one file missing; the feature branch restores the project, and the
    last Python file stays untracked (wholly new)."""
    files = _files(project)
    names = sorted(files)
    python = [name for name in names if name.endswith(".py")]
    untracked, added = python[-1], python[len(python) // 2]
    base = {
        name: ("".join(text.splitlines(keepends=True)[: len(text.splitlines()) // 4]) if index % 3 != 2 else text)
        for index, (name, text) in enumerate(sorted(files.items()))
        if name not in (untracked, added)
    }
    repo = init_repo(tmp_path / "repo", base)
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {name: text for name, text in files.items() if name != untracked}, "feature")
    (repo / untracked).write_text(files[untracked], encoding="utf-8")
    return repo


@needs_git
@pytest.mark.parametrize("project", SAMPLES, ids=[path.name for path in SAMPLES])
def test_diff_scan_reports_what_a_whole_scan_reports_on_the_changed_lines(tmp_path: Path, project: Path) -> None:
    repo = _changed_repo(tmp_path, project)
    changed = changed_lines(repo, "main")
    whole = scan_tree(repo, config=_every_rule(repo))
    reference = as_dict(limit_to_diff(whole, changed, WEIGHTS))
    partial = scan_tree(repo, config=_every_rule(repo), selection=Selection(changed.paths))
    assert partial.files == whole.files and partial.lines == whole.lines
    narrowed = as_dict(limit_to_diff(partial, changed, WEIGHTS))
    assert narrowed["findings"], "the change should carry findings, or the test shows nothing"
    assert narrowed["findings"] == reference["findings"]
    assert narrowed["score"] == reference["score"]
    assert narrowed["summary"] == reference["summary"]


@needs_git
def test_diff_scan_with_the_base_branch_cache(tmp_path: Path) -> None:
    """The CI case: the base branch's cache restored, then `scan --diff`; the same findings as a
    scan of every file without any cache."""
    repo = _changed_repo(tmp_path, REPO / "sample_projects" / "django_shop")
    cache = tmp_path / "cache"
    git(repo, "stash", "-q", "--include-untracked")
    git(repo, "checkout", "-q", "main")
    warm = run_cli("scan", "--profile", "audit", str(repo), "--format", "json", "--cache-dir", str(cache), "--jobs", "1")
    assert warm.exit_code in (0, 1), warm.output
    git(repo, "checkout", "-q", "feature")
    git(repo, "stash", "pop", "-q")
    cold = run_cli("scan", "--profile", "audit", str(repo), "--format", "json", "--no-cache", "--diff", "main", "--jobs", "1")
    cached = run_cli("scan", "--profile", "audit", str(repo), "--format", "json", "--cache-dir", str(cache), "--diff", "main", "--jobs", "1")
    assert json.loads(cached.stdout)["findings"] == json.loads(cold.stdout)["findings"] != []
    assert json.loads(cached.stdout)["score"] == json.loads(cold.stdout)["score"]


WISHLIST_MODEL = """

WISHLIST_LIMIT = 50


class Wishlist(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="wishlists", on_delete=models.CASCADE)
    product = models.ForeignKey(Product, related_name="wishlisted", on_delete=models.CASCADE)
"""

WISHLIST_VIEWS = """

@api_view(["POST"])
def add_to_wishlist(request):
    from django.db import transaction

    import requests

    with transaction.atomic():
        item = Wishlist.objects.create(user=request.user, product_id=request.data["product"])
        requests.post("https://hooks.example.com/wishlist", json={"id": item.id})
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM catalog_wishlist LIMIT {WISHLIST_LIMIT}")
        cursor.execute("SELECT id FROM catalog_product WHERE name = '%s'" % request.data["name"])
    return Response({"id": item.id}, status=status.HTTP_201_CREATED)
"""


def _project_facts_change(repo: Path) -> None:
    """A feature branch that changes the project model: a model added and one removed
    (catalog's Review), a route added and one removed, and a constant that another module
    imports."""
    models = repo / "catalog" / "models.py"
    text = models.read_text(encoding="utf-8")
    models.write_text(text[: text.index("class Review(")].rstrip() + "\n" + WISHLIST_MODEL, encoding="utf-8")
    views = repo / "catalog" / "views.py"
    text = views.read_text(encoding="utf-8").replace(
        "from .models import Category, Product, Review", "from .models import WISHLIST_LIMIT, Category, Product, Wishlist"
    )
    views.write_text(text + WISHLIST_VIEWS, encoding="utf-8")
    urls = repo / "catalog" / "urls.py"
    text = urls.read_text(encoding="utf-8").replace('    path("low-stock/", views.low_stock),\n', "")
    urls.write_text(text.replace("urlpatterns = [\n", 'urlpatterns = [\n    path("wishlist/", views.add_to_wishlist),\n'), encoding="utf-8")
    commit(repo, {}, "wishlist")


def _wishlist_repo(tmp_path: Path, extra: dict[str, str] | None = None):
    """django_shop (with the `extra` files) with the base branch's cache (every rule), and a
    feature branch checked out that changes its project model (_project_facts_change): (repo,
    cache folder, changed lines)."""
    repo = init_repo(tmp_path / "repo", {**_files(REPO / "sample_projects" / "django_shop"), **(extra or {})})
    cache = tmp_path / "cache"
    scan_tree(repo, config=_every_rule(repo), use_cache=True, cache_dir=cache)
    git(repo, "checkout", "-q", "-b", "feature")
    _project_facts_change(repo)
    return repo, cache, changed_lines(repo, "main")


@needs_git
def test_diff_scan_reports_a_section_that_failed_to_merge_when_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A provider whose merge fails while the `--diff` scan merges sections as rules read them:
    the same index error as a whole scan's."""
    from reviewer.web.routes import RoutesProvider

    repo, cache, changed = _wishlist_repo(tmp_path)

    def broken(self, facts, sections=None):
        raise ValueError("broken on purpose")

    monkeypatch.setattr(RoutesProvider, "merge", broken)
    reference = as_dict(limit_to_diff(scan_tree(repo, config=_every_rule(repo)), changed, WEIGHTS))
    partial = scan_tree(repo, config=_every_rule(repo), selection=Selection(changed.paths), use_cache=True, cache_dir=cache)
    narrowed = as_dict(limit_to_diff(partial, changed, WEIGHTS))
    assert [error["message"] for error in narrowed["errors"]] == ["routes: ValueError: broken on purpose; rules reading it ran without it"]
    assert narrowed["errors"] == reference["errors"] and narrowed["findings"] == reference["findings"]


@needs_git
def test_diff_scan_with_the_base_cache_merges_only_what_its_rules_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--diff` with the base branch's cache, on a change to the project model (models, routes,
    an imported constant): the changed files' results are keyed by the whole tree's facts, so the
    index is not merged to name them (no digest of its sections), and sections are merged when
    a rule reads them. The findings, score and errors are a whole scan's on the changed lines;
    a second run takes the changed files' results from the cache."""
    repo, cache, changed = _wishlist_repo(tmp_path)
    reference = as_dict(limit_to_diff(scan_tree(repo, config=_every_rule(repo)), changed, WEIGHTS))
    digests: list[tuple[str, ...]] = []
    whole_digest = ProjectIndex.digest
    monkeypatch.setattr(ProjectIndex, "digest", lambda self, names: digests.append(names) or whole_digest(self, names))
    for run in range(2):
        partial = scan_tree(repo, config=_every_rule(repo), selection=Selection(changed.paths), use_cache=True, cache_dir=cache)
        narrowed = as_dict(limit_to_diff(partial, changed, WEIGHTS))
        assert {finding["rule"] for finding in narrowed["findings"]} >= {"API010", "OPS001", "SQL001"}
        for part in ("findings", "score", "summary", "errors"):
            assert narrowed[part] == reference[part], part
        assert digests == []
        assert partial.cache_hits == (0 if run == 0 else len(changed.paths))


@needs_git
def test_diff_scan_reads_the_index_entries_of_the_sections_it_merges_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the file states the base branch's scan kept (cache.FileStates: each file's index
    entry key, line count and sections), a `--diff` scan counts the unchanged files from their
    states and reads a file's index entry only when a section it holds facts of is merged. The
    changed files' states hold their base versions' keys, which their new content does not
    give: their facts and lines come from the new text. The report is a whole scan's on the
    changed lines, with the states, without them, and on a second run."""
    monkeypatch.setattr(cache_module, "SETTLED_NS", 0)  # the files were written a moment ago
    # Helpers no merged section reads (they hold facts of the module table only).
    helpers = {f"shop/helpers/h{number}.py": f"def helper_{number}(value):\n    return value * {number}\n" for number in range(30)}
    repo = init_repo(tmp_path / "repo", {**_files(REPO / "sample_projects" / "django_shop"), **helpers})
    cache = tmp_path / "cache"
    default = Config(root=str(repo), migrations_released=NO_RELEASE_POINT)
    scan_tree(repo, config=default, use_cache=True, cache_dir=cache)
    git(repo, "checkout", "-q", "-b", "feature")
    models = "catalog/models.py"
    commit(repo, {models: (repo / models).read_text() + WISHLIST_MODEL, "shop/helpers/h0.py": "def helper_0(value):\n    return -value\n"}, "wishlist")
    changed = changed_lines(repo, "main")
    reference = as_dict(limit_to_diff(scan_tree(repo, config=default), changed, WEIGHTS))
    [states_file] = cache.glob(f"*/{FileStates.NAME}")
    kept = json.loads(states_file.read_text())["files"]
    assert kept[models][6] is not None and kept[models][6][1] != len((repo / models).read_text().splitlines())
    read: list[str] = []
    get = ResultCache.get
    monkeypatch.setattr(ResultCache, "get", lambda self, key: read.append(self.layout) or get(self, key))
    for run in ("states", "again", "no states"):
        if run == "no states":
            states_file.unlink()
        read.clear()
        partial = scan_tree(repo, config=default, selection=Selection(changed.paths), use_cache=True, cache_dir=cache)
        narrowed = as_dict(limit_to_diff(partial, changed, WEIGHTS))
        for part in ("findings", "score", "summary", "errors"):
            assert narrowed[part] == reference[part], (run, part)
        unchanged = partial.files - len(changed.paths)
        if run == "states":
            assert read.count(INDEX_LAYOUT) < unchanged / 2, read.count(INDEX_LAYOUT)
        elif run == "no states":
            assert read.count(INDEX_LAYOUT) >= unchanged


def _collected(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The (section, path) of each provider's extraction from a file from here on."""
    from reviewer.provider import IndexProvider

    done: list[tuple[str, str]] = []
    for provider in index_module.PROVIDERS:
        cls = type(getattr(provider, "loaded", provider))
        original = cls.collect_file

        def collect_file(self, source, *args, _original=original, **kwargs):
            done.append((self.name, source.path))
            return _original(self, source, *args, **kwargs)

        if "collect_file" in vars(cls) or cls.collect_file is IndexProvider.collect_file:
            monkeypatch.setattr(cls, "collect_file", collect_file)
    return done


def _index_entries(cache: Path) -> dict[str, str]:
    return {entry.stem: entry.read_text() for entry in stored_entries(cache, INDEX_LAYOUT)}


# A helper's change that no default rule reads a section beyond the symbols for, which other
# providers (logging, request ids) extract facts from.
HELPER_CHANGE = """import logging
import tempfile

logger = logging.getLogger(__name__)


def helper_0(value):
    logger.info("scratch file for %s", value)
    return tempfile.mktemp(suffix=value)
"""


@needs_git
def test_diff_scan_extracts_only_the_first_sections_of_a_change_no_rule_reads_more_of(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the base branch's cache, a `--diff` scan extracts its changed files' facts of the
    first sections (index.first_sections: the symbols and what is made of them) with their
    check; a change whose rules read no other section extracts no other, and writes no index
    entry for the file (a later scan would take its facts as complete). The report is a whole
    scan's on the changed lines."""
    helper = "shop/helpers/h0.py"
    repo = init_repo(tmp_path / "repo", {**_files(REPO / "sample_projects" / "django_shop"), helper: "def helper_0(value):\n    return value\n"})
    cache = tmp_path / "cache"
    default = Config(root=str(repo), migrations_released=NO_RELEASE_POINT)
    scan_tree(repo, config=default, use_cache=True, cache_dir=cache)
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {helper: HELPER_CHANGE}, "change")
    changed = changed_lines(repo, "main")
    collected = _collected(monkeypatch)
    reference = as_dict(limit_to_diff(scan_tree(repo, config=default), changed, WEIGHTS))
    assert {section for section, path in collected if path == helper} > {"symbols"}  # a scan of every file extracts more
    entries = _index_entries(cache)
    collected.clear()
    partial = scan_tree(repo, config=default, selection=Selection(changed.paths), use_cache=True, cache_dir=cache)
    narrowed = as_dict(limit_to_diff(partial, changed, WEIGHTS))
    assert [finding["rule"] for finding in narrowed["findings"]] == ["B306"]
    for part in ("findings", "score", "summary", "errors"):
        assert narrowed[part] == reference[part], part
    assert {section for section, path in collected if path == helper} == {"symbols"}
    assert _index_entries(cache) == entries
    # Nor does it import the other providers' modules (their dataclasses), in a process of its own.
    others = sorted({ref.module for ref in index_module.PROVIDERS if ref.name not in index_module.first_sections()})
    cli_cache = tmp_path / "cli-cache"
    git(repo, "checkout", "-q", "main")
    assert run_cli("scan", str(repo), "--cache-dir", str(cli_cache), "-q").exit_code == 0
    git(repo, "checkout", "-q", "feature")
    [(report, imported)] = scans_reporting(
        repo, f"[name for name in {others!r} if name in sys.modules]", runs=1, args=("--diff", "main", "--cache-dir", str(cli_cache))
    )
    assert (json.loads(imported.replace("'", '"')), [f["rule"] for f in json.loads(report)["findings"]]) == ([], ["B306"])


@needs_git
def test_diff_scan_extracts_the_other_sections_when_one_is_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `--diff` scan whose rules read sections beyond the first ones (routes, the ORM model
    graph: _project_facts_change) extracts every section of its changed files when the first
    of those is merged (runner.StoredFacts), each section once, and writes their entries as
    a scan of every file writes them. A provider failing on a changed file then is an error of that
    file, as in a scan of every file. The report is a whole scan's on the changed lines."""
    repo, cache, changed = _wishlist_repo(tmp_path)
    entries = _index_entries(cache)
    whole_cache = tmp_path / "whole-cache"
    reference = as_dict(limit_to_diff(scan_tree(repo, config=_every_rule(repo), use_cache=True, cache_dir=whole_cache), changed, WEIGHTS))
    collected = _collected(monkeypatch)
    partial = scan_tree(repo, config=_every_rule(repo), selection=Selection(changed.paths), use_cache=True, cache_dir=cache)
    for part in ("findings", "score", "summary", "errors"):
        assert as_dict(limit_to_diff(partial, changed, WEIGHTS))[part] == reference[part], part
    views = "catalog/views.py"
    extracted = [section for section, path in collected if path == views]
    assert (extracted.count("symbols"), extracted.count("routes")) == (1, 1)  # with the check, then with the rest
    written = {key: text for key, text in _index_entries(cache).items() if key not in entries}
    assert len(written) == len([path for path in changed.paths if path.endswith(".py")])
    assert written.items() <= _index_entries(whole_cache).items()

    from reviewer.web.routes import RoutesProvider

    original = RoutesProvider.collect

    def broken(self, path, *args, **kwargs):
        if path == views:
            raise ValueError("broken on purpose")
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(RoutesProvider, "collect", broken)
    repo, cache, changed = _wishlist_repo(tmp_path / "again")
    reference = as_dict(limit_to_diff(scan_tree(repo, config=_every_rule(repo)), changed, WEIGHTS))
    narrowed = as_dict(limit_to_diff(
        scan_tree(repo, config=_every_rule(repo), selection=Selection(changed.paths), use_cache=True, cache_dir=cache), changed, WEIGHTS
    ))
    assert [(error["path"], error["message"]) for error in narrowed["errors"]] == [(views, "routes: ValueError: broken on purpose")]
    for part in ("findings", "score", "summary", "errors"):
        assert narrowed[part] == reference[part], part


@needs_git
def test_diff_scan_leaves_unchanged_files_unchecked(tmp_path: Path) -> None:
    """A file outside the change is not analysed (its syntax error is not met), yet counts in
    the lines the score weighs."""
    repo = init_repo(tmp_path / "repo", {"broken.py": "def f(:\n    pass\n", "app.py": "x = 1\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"app.py": "x = 1\ny = 2\n"}, "change")
    whole = scan_tree(repo, config=_every_rule(repo))
    partial = scan_tree(repo, config=_every_rule(repo), selection=Selection(changed_lines(repo, "main").paths))
    assert [error.path for error in whole.errors] == ["broken.py"]
    assert partial.errors == () and partial.lines == whole.lines == 4


# ----------------------------------------------------------------------------------------------
# --shard K/N and `reviewer merge`


def _shard_reports(tree: Path, out: Path, count: int, *args: str) -> list[str]:
    paths = []
    for index in range(1, count + 1):
        target = out / f"shard-{index}.json"
        done = run_cli("scan", "--profile", "audit", str(tree), "--no-cache", "--jobs", "1", "--quiet", "--shard", f"{index}/{count}", "-o", f"json:{target}", *args)
        assert done.exit_code in (0, 1), done.output
        paths.append(str(target))
    return paths


@pytest.mark.parametrize("project", ALL_SAMPLES, ids=[path.name for path in ALL_SAMPLES])
def test_the_merged_report_of_four_shards_is_the_unsharded_report(tmp_path: Path, project: Path) -> None:
    tree = shutil.copytree(project, tmp_path / project.name)
    whole = run_cli("scan", "--profile", "audit", str(tree), "--no-cache", "--jobs", "1", "--format", "json", "--fail-on", "high")
    reports = _shard_reports(tree, tmp_path, 4)
    shards = [json.loads(Path(path).read_text(encoding="utf-8")) for path in reports]
    # Each file is checked by exactly one shard.
    assert sum(shard["summary"]["files"] for shard in shards) == json.loads(whole.stdout)["summary"]["files"]
    merged = run_cli("merge", *reports, "--root", str(tree), "--format", "json", "--fail-on", "high")
    assert merged.exit_code == whole.exit_code
    assert json.loads(merged.stdout) == json.loads(whole.stdout)


def test_merge_writes_any_format_with_suppressions(tmp_path: Path) -> None:
    tree = shutil.copytree(REPO / "sample_projects" / "fastapi_orders", tmp_path / "svc")
    # Suppress the first finding of a Python file on its line.
    found = next(f for f in json.loads(run_cli("scan", "--profile", "audit", str(tree), "--no-cache", "--format", "json").stdout)["findings"] if f["path"].endswith(".py"))
    target = tree / found["path"]
    lines = target.read_text(encoding="utf-8").splitlines()
    lines[found["line"] - 1] += f"  # reviewer: ignore[{found['rule']}] demo input"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    whole = run_cli("scan", "--profile", "audit", str(tree), "--no-cache", "--jobs", "1", "--format", "sarif")
    merged = run_cli("merge", *_shard_reports(tree, tmp_path, 3), "--root", str(tree), "--format", "sarif")
    assert '"justification": "demo input"' in whole.stdout
    assert merged.stdout == whole.stdout
    text = run_cli("merge", *_shard_reports(tree, tmp_path, 3), "--root", str(tree), "--format", "text")
    assert text.stdout == run_cli("scan", "--profile", "audit", str(tree), "--no-cache", "--jobs", "1").stdout


def test_shards_are_stable_and_cover_every_file(tmp_path: Path) -> None:
    paths = [f"pkg{n}/module_{m}.py" for n in range(10) for m in range(20)]
    owners = {path: [k for k in range(1, 5) if Selection(shard=(k, 4)).checks(path)] for path in paths}
    assert all(len(found) == 1 for found in owners.values())
    assert {found[0] for found in owners.values()} == {1, 2, 3, 4}
    assert shard_of("pkg0/module_0.py", 4) == shard_of("pkg0/module_0.py", 4)


def test_merge_refuses_what_is_not_every_shard_of_one_scan(tmp_path: Path) -> None:
    tree = shutil.copytree(REPO / "sample_projects" / "flask_ledger", tmp_path / "app")
    reports = _shard_reports(tree, tmp_path, 3)
    missing = run_cli("merge", reports[0], reports[2], "--root", str(tree))
    assert missing.exit_code == 2 and "shard(s) 2 of 3 missing" in missing.stderr
    twice = run_cli("merge", reports[0], reports[0], reports[1], "--root", str(tree))
    assert twice.exit_code == 2 and "are both shard 1/3" in twice.stderr
    plain = tmp_path / "plain.json"
    run_cli("scan", "--profile", "audit", str(tree), "--no-cache", "-o", f"json:{plain}", "--quiet")
    unsharded = run_cli("merge", str(plain), "--root", str(tree))
    assert unsharded.exit_code == 2 and "not the report of a sharded scan" in unsharded.stderr
    bad = run_cli("scan", "--profile", "audit", str(tree), "--shard", "5/4")
    assert bad.exit_code == 2 and "1 <= K <= N" in bad.stderr


def test_shards_with_a_baseline_merge_into_the_whole_scan(tmp_path: Path) -> None:
    tree = shutil.copytree(REPO / "sample_projects" / "fastapi_orders", tmp_path / "svc")
    baseline = tmp_path / "baseline.json"
    assert run_cli("baseline", "create", str(baseline), str(tree), "--no-cache", "--profile", "audit").exit_code == 0
    findings = json.loads(run_cli("scan", "--profile", "audit", str(tree), "--no-cache", "--format", "json").stdout)["findings"]
    (tree / findings[0]["path"]).unlink()  # its baseline entries are fixed now
    whole = run_cli("scan", "--profile", "audit", str(tree), "--no-cache", "--jobs", "1", "--format", "json", "--baseline", str(baseline))
    merged = run_cli("merge", *_shard_reports(tree, tmp_path, 4, "--baseline", str(baseline)), "--root", str(tree), "--format", "json")
    report = json.loads(whole.stdout)
    assert report["baseline"]["fixed"] and report["summary"]["baselined"]
    assert json.loads(merged.stdout) == report


def test_merge_keeps_the_count_of_files_bandit_skipped(tmp_path: Path) -> None:
    """A file in syntax newer than the interpreter (PEP 695 on 3.11) is skipped by bandit's tests;
    the merged report says so as the whole scan does."""
    tree = tmp_path / "svc"
    (tree / "app").mkdir(parents=True)
    (tree / "app" / "types.py").write_text("type Pair = tuple[int, int]\n", encoding="utf-8")
    (tree / "app" / "main.py").write_text("import os\n\nos.system('ls')\n", encoding="utf-8")
    whole = json.loads(run_cli("scan", "--profile", "audit", str(tree), "--no-cache", "--jobs", "1", "--format", "json").stdout)
    merged = run_cli("merge", *_shard_reports(tree, tmp_path, 2), "--root", str(tree), "--format", "json")
    skipped = 1 if sys.version_info < (3, 12) else None
    assert whole["summary"].get("bandit_skipped") == skipped
    assert json.loads(merged.stdout) == whole


def _scan_importing(repo: Path, cache: Path, *options: str) -> tuple[dict, list[str]]:
    """`reviewer scan REPO OPTIONS` in a fresh process with the cache `cache`: its report, and
    the rule modules, libcst and sqlglot it imported."""
    import os
    import subprocess

    probe = (
        "import runpy, sys\n"
        f"sys.argv = ['reviewer', 'scan', {str(repo)!r}, '--format', 'json', '-q', *{options!r}]\n"
        "try:\n    runpy.run_module('reviewer', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(name for name in sys.modules if name.startswith('reviewer_pack_') or name in ('libcst', 'sqlglot')), file=sys.stderr)\n"
    )
    env = {**os.environ, "REVIEWER_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, env=env, check=False)
    return json.loads(done.stdout), eval(done.stderr.strip().splitlines()[-1])  # noqa: S307 - the list printed above


@needs_git
def test_diff_scan_imports_the_rules_its_changed_files_need(tmp_path: Path) -> None:
    """With the base branch's cache (and its rule catalogue), a `--diff` scan whose changed
    files no libcst rule needs imports no rule module, libcst or sqlglot (the catalogue lists
    each rule's needs: reviewer.registry.Listed); a change that one rule needs imports that
    rule's module, not the pack. Both report what a scan without a cache reports."""
    repo = init_repo(tmp_path / "repo", _files(REPO / "sample_projects" / "django_shop"))
    cache = tmp_path / "cache"
    _scan_importing(repo, cache)  # the base branch's scan: its cache and the catalogue
    git(repo, "checkout", "-q", "-b", "feature")
    plain = {name: (repo / name).read_text() + "\n\ndef _changed(value):\n    return value\n" for name in ("catalog/models.py", "shop/settings.py")}
    commit(repo, plain, "plain change")
    for change in ("plain", "a call without a timeout"):
        if change != "plain":
            commit(repo, {"catalog/fetch.py": "import requests\n\n\ndef fetch(url):\n    return requests.get(url).json()\n"}, change)
        saved = tmp_path / "base-cache"
        shutil.rmtree(saved, ignore_errors=True)
        shutil.copytree(cache, saved)  # each run starts from the base branch's cache
        report, imported = _scan_importing(repo, saved, "--diff", "main")
        cold = run_cli("scan", str(repo), "--format", "json", "--no-cache", "--diff", "main")
        assert report["findings"] == json.loads(cold.stdout)["findings"], change
        modules = [name for name in imported if name.startswith("reviewer_pack_")]
        if change == "plain":
            assert imported == []
        else:
            assert "libcst" in imported and 0 < len(modules) < 10 and report["findings"] != []


@needs_git
def test_diff_scan_asks_parameter_origins_of_the_files_naming_the_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A changed file's SQL built from a parameter asks where the parameter's values come
    from (ProjectSymbols.parameter_origin, over every call of the function): with the base
    branch's file states, the `--diff` scan decodes the index entries of the files whose
    entry names the function (StoredFacts.mentions), not every file's, and reports what a
    whole scan reports on the changed lines."""
    monkeypatch.setattr(cache_module, "SETTLED_NS", 0)  # the files were written a moment ago
    helpers = {f"shop/helpers/h{number}.py": f"def helper_{number}(value):\n    return value * {number}\n" for number in range(30)}
    queries = {
        "shop/reports.py": "def totals(cursor, table):\n    return table\n",
        "shop/report_views.py": (
            "from shop.reports import totals\n\n\ndef report(request, cursor):\n"
            "    return totals(cursor, request.GET['table'])\n"
        ),
    }
    repo = init_repo(tmp_path / "repo", {**_files(REPO / "sample_projects" / "django_shop"), **helpers, **queries})
    cache = tmp_path / "cache"
    scan_tree(repo, config=_every_rule(repo), use_cache=True, cache_dir=cache)
    git(repo, "checkout", "-q", "-b", "feature")
    changed_query = "def totals(cursor, table):\n    cursor.execute(f'SELECT SUM(amount) FROM {table}')\n    return cursor.fetchall()\n"
    commit(repo, {"shop/reports.py": changed_query}, "totals from the database")
    changed = changed_lines(repo, "main")
    reference = as_dict(limit_to_diff(scan_tree(repo, config=_every_rule(repo)), changed, WEIGHTS))
    assert reference["findings"] != []
    decoded: list[str] = []
    get = ResultCache.get
    monkeypatch.setattr(ResultCache, "get", lambda self, key: decoded.append(self.layout) or get(self, key))
    partial = scan_tree(repo, config=_every_rule(repo), selection=Selection(changed.paths), use_cache=True, cache_dir=cache)
    narrowed = as_dict(limit_to_diff(partial, changed, WEIGHTS))
    for part in ("findings", "score", "summary", "errors"):
        assert narrowed[part] == reference[part], part
    assert decoded.count(INDEX_LAYOUT) < (partial.files - len(changed.paths)) / 2, decoded.count(INDEX_LAYOUT)


@needs_git
def test_diff_scan_decides_the_sql_words_from_the_kept_model_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A changed file whose SQL cannot spell SQL004's words itself, but reads names of the
    project model: the base branch's file states keep each file's model text (the `sql_text`
    section, IndexProvider.kept), so the `--diff` scan decides the gate from them, decodes no
    unchanged file's index entry for it, and parses only the file whose model text spells a
    comparison with NULL with libcst; the report is a whole scan's on the changed lines."""
    monkeypatch.setattr(cache_module, "SETTLED_NS", 0)  # the files were written a moment ago
    helpers = {f"shop/helpers/h{number}.py": f"def helper_{number}(value):\n    return value * {number}\n" for number in range(30)}
    model = {
        "shop/queries.py": 'STALE = "DELETE FROM sessions WHERE expired = 1"\nclass Q:\n    NOTHING = "DELETE FROM sessions WHERE user_id = "\n',
        "shop/empty.py": 'NOTHING_ELSE = "NULL"\n',
    }
    repo = init_repo(tmp_path / "repo", {**_files(REPO / "sample_projects" / "django_shop"), **helpers, **model})
    cache = tmp_path / "cache"
    default = Config(root=str(repo), migrations_released=NO_RELEASE_POINT)
    scan_tree(repo, config=default, use_cache=True, cache_dir=cache)
    git(repo, "checkout", "-q", "-b", "feature")
    purge = "from shop.queries import {names}\n\n\ndef purge(cur):\n    cur.execute({sql})\n"
    commit(repo, {
        "shop/purge.py": purge.format(names="STALE", sql="STALE"),
        "shop/unset.py": "from shop.empty import NOTHING_ELSE\n" + purge.format(names="Q", sql="Q.NOTHING + NOTHING_ELSE"),
    }, "purges")
    changed = changed_lines(repo, "main")
    reference = as_dict(limit_to_diff(scan_tree(repo, config=default), changed, WEIGHTS))
    assert [finding["rule"] for finding in reference["findings"]] == ["SQL004"]
    decoded: list[str] = []
    parsed: list[str] = []
    get = ResultCache.get
    monkeypatch.setattr(ResultCache, "get", lambda self, key: decoded.append(key) or get(self, key))  # entries of any kind
    parse = analyse.parse_python
    monkeypatch.setattr(analyse, "parse_python", lambda source, *args: parsed.append(source.rel) or parse(source, *args))
    partial = scan_tree(repo, config=default, selection=Selection(changed.paths), use_cache=True, cache_dir=cache)
    narrowed = as_dict(limit_to_diff(partial, changed, WEIGHTS))
    for part in ("findings", "score", "summary", "errors"):
        assert narrowed[part] == reference[part], part
    assert parsed == ["shop/unset.py"]
    assert len(decoded) < (partial.files - len(changed.paths)) / 4, len(decoded)


@needs_git
def test_diff_scan_merges_no_roots_where_the_tree_cannot_have_two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files that build objects of their own classes (`x = Client()`) may build apps, and which
    do decides the roots (the classes' bases are in the files' symbols); in a tree whose markers all lie under one folder there cannot be two
    (RootsProvider.one_at_most), so a `--diff` scan resolves no callee: it decodes only the
    changed file's index entry, and reports what a whole scan reports on the changed lines."""
    monkeypatch.setattr(cache_module, "SETTLED_NS", 0)  # the files were written a moment ago
    builders = {
        f"shop/clients/c{number}.py": f"from fastapi import Depends\n\n\nclass Client:\n    pass\n\n\nclient_{number} = Client()\n"
        for number in range(30)
    }
    base = {"shop/base.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"}
    repo = init_repo(tmp_path / "repo", {"shop/__init__.py": "", "shop/clients/__init__.py": "", **builders, **base})
    cache = tmp_path / "cache"
    default = Config(root=str(repo), migrations_released=NO_RELEASE_POINT)
    scan_tree(repo, config=default, use_cache=True, cache_dir=cache)
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"shop/clients/c3.py": builders["shop/clients/c3.py"] + "\n\ndef url(path):\n    return path\n"}, "a helper")
    changed = changed_lines(repo, "main")
    reference = as_dict(limit_to_diff(scan_tree(repo, config=default), changed, WEIGHTS))
    decoded: list[str] = []
    get = ResultCache.get
    monkeypatch.setattr(ResultCache, "get", lambda self, key: decoded.append(self.layout) or get(self, key))
    partial = scan_tree(repo, config=default, selection=Selection(changed.paths), use_cache=True, cache_dir=cache)
    narrowed = as_dict(limit_to_diff(partial, changed, WEIGHTS))
    for part in ("findings", "score", "summary", "errors"):
        assert narrowed[part] == reference[part], part
    assert decoded.count(INDEX_LAYOUT) <= len(changed.paths), decoded.count(INDEX_LAYOUT)
