"""The pre-commit hooks (issue 14, item 6; Why 9), run the way pre-commit runs them: the hook's
`entry` and `args`, then the files pre-commit passes (the staged ones on a commit, every
tracked file with `--all-files`, filtered by `types_or`). Each passed file is checked whole;
an untracked file never blocks a commit; the baseline hook says how to create its baseline."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from tests.conftest import CLEAN, REPO, SQL001_CRITICAL, SQL001_HIGH, run_cli
from tests.gitrepo import commit, git, init_repo, needs_git

pytestmark = needs_git

HOOKS = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
# Three critical findings in one committed file, none of them on a line a later commit changes.
LEGACY = SQL001_CRITICAL + "\n\n" + SQL001_CRITICAL.split("\n", 5)[5].replace("def search", "def search_two") + (
    "\n" + SQL001_CRITICAL.split("\n", 5)[5].replace("def search", "def search_three")
)


def _types_match(path: str, hook: dict) -> bool:
    suffixes = {"python": (".py", ".pyi"), "sql": (".sql",)}
    return path.endswith(tuple(s for kind in hook["types_or"] for s in suffixes[kind]))


def run_hook(repo: Path, hook_id: str, files: list[str]):
    """What pre-commit runs: `entry args files` (files only when pass_filenames), in the repository's top folder."""
    hook = HOOKS[hook_id]
    words = [*shlex.split(hook["entry"]), *hook.get("args", [])]
    assert words[0] == "reviewer"
    passed = [f for f in files if _types_match(f, hook)] if hook["pass_filenames"] else []
    return run_cli(*words[1:], "--no-cache", *passed, cwd=repo)


def all_files(repo: Path) -> list[str]:
    return [f for f in git(repo, "ls-files").split("\n") if f]


def staged(repo: Path) -> list[str]:
    return [f for f in git(repo, "diff", "--cached", "--name-only", "--diff-filter=ACMR").split("\n") if f]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo", {".reviewer.yml": "select: [SQL001]\n", "legacy.py": LEGACY, "app/clean.py": CLEAN, "README.md": "x\n"})


def test_all_files_checks_every_file_whole(repo: Path) -> None:
    result = run_hook(repo, "reviewer", all_files(repo))
    assert result.exit_code == 1, result.output
    assert "3 finding(s) at or above high (fail-on)" in result.stdout


def test_a_commit_checks_the_staged_files_whole_and_ignores_untracked_ones(repo: Path) -> None:
    (repo / "scratch.py").write_text(SQL001_CRITICAL)  # untracked, not staged: not this commit's business
    (repo / "app/clean.py").write_text(CLEAN + "\nLIMIT = 10\n")
    git(repo, "add", "app/clean.py")
    assert staged(repo) == ["app/clean.py"]
    result = run_hook(repo, "reviewer", staged(repo))
    assert result.exit_code == 0, result.output
    assert "scratch.py" not in result.stdout and "legacy.py" not in result.stdout
    # Touching legacy.py far from its findings stages the whole file: its findings are reported.
    (repo / "legacy.py").write_text(LEGACY + "\n# a comment\n")
    git(repo, "add", "legacy.py")
    touched = run_hook(repo, "reviewer", staged(repo))
    assert touched.exit_code == 1 and "legacy.py" in touched.stdout


def test_project_rules_still_see_the_files_that_are_not_passed(repo: Path) -> None:
    commit(repo, {"sub/q.py": SQL001_HIGH}, "more")
    result = run_cli("scan", "--project", ".", "sub/q.py", "--no-cache", "--format", "json", cwd=repo)
    assert result.exit_code == 0 and '"path": "sub/q.py"' in result.stdout and "legacy.py" not in result.stdout
    outside = run_cli("scan", "--project", "app", "legacy.py", "--no-cache", cwd=repo)
    assert outside.exit_code == 2 and "is not inside the project folder" in outside.output


def test_baseline_hook_explains_how_to_create_the_baseline(repo: Path) -> None:
    missing = run_hook(repo, "reviewer-baseline", all_files(repo))
    assert missing.exit_code == 2
    assert "reviewer-baseline.json: the baseline file does not exist" in missing.output
    assert "`reviewer baseline create reviewer-baseline.json`" in missing.output and "commit the file" in missing.output
    assert run_cli("baseline", "create", "reviewer-baseline.json", "--no-cache", cwd=repo).exit_code == 0
    git(repo, "add", "reviewer-baseline.json")
    assert run_hook(repo, "reviewer-baseline", all_files(repo)).exit_code == 0  # everything is baselined
    (repo / "app/new.py").write_text(SQL001_HIGH)
    git(repo, "add", "app/new.py")
    fresh = run_hook(repo, "reviewer-baseline", staged(repo))
    assert fresh.exit_code == 1 and "app/new.py" in fresh.stdout
