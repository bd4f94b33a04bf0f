"""Scans that check part of the tree while the project model covers all of it: `--diff BASE`
(the changed files) must report exactly what a scan of every file, limited to the changed
lines, reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewer.config import Config
from reviewer.gitdiff import changed_lines, limit_to_diff
from reviewer.reporters.json_report import as_dict
from reviewer.runner import Selection
from tests.conftest import run_cli, scan_tree
from tests.gitrepo import commit, git, init_repo, needs_git

REPO = Path(__file__).resolve().parents[1]
WEIGHTS = Config().weight_map
# The sample projects with findings (clean_inventory has none to compare).
SAMPLES = sorted(path for path in (REPO / "sample_projects").iterdir() if path.is_dir() and path.name != "clean_inventory")


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
    whole = scan_tree(repo)
    reference = as_dict(limit_to_diff(whole, changed, WEIGHTS))
    partial = scan_tree(repo, selection=Selection(changed.paths))
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
    warm = run_cli("scan", str(repo), "--format", "json", "--cache-dir", str(cache), "--jobs", "1")
    assert warm.exit_code in (0, 1), warm.output
    git(repo, "checkout", "-q", "feature")
    git(repo, "stash", "pop", "-q")
    cold = run_cli("scan", str(repo), "--format", "json", "--no-cache", "--diff", "main", "--jobs", "1")
    cached = run_cli("scan", str(repo), "--format", "json", "--cache-dir", str(cache), "--diff", "main", "--jobs", "1")
    assert json.loads(cached.stdout)["findings"] == json.loads(cold.stdout)["findings"] != []
    assert json.loads(cached.stdout)["score"] == json.loads(cold.stdout)["score"]
