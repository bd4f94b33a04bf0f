"""`scan --diff BASE` on real git repositories: only findings on lines added or changed since
the merge base (untracked files count as new), project facts from the whole tree, and a clear
error for a shallow clone that lacks BASE."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.gitdiff import changed_lines
from tests.conftest import CLEAN, SQL001_CRITICAL, SQL001_HIGH, run_cli, scan_json, write_pack
from tests.gitrepo import commit, git, init_repo, needs_git

pytestmark = needs_git

OLD_QUERY = "def one(cur, a):\n    cur.execute(\"SELECT 1 FROM t WHERE a = '%s'\" % a)\n"
NEW_QUERY = "def two(cur, b):\n    cur.execute(\"SELECT 1 FROM t WHERE b = '%s'\" % b)\n"


def _feature_repo(tmp_path: Path) -> Path:
    """main: legacy.py and db/q.py with one finding each. feature: a finding added to db/q.py
    and a new committed app.py; an untracked new.py; main moves on after the branch point."""
    repo = init_repo(tmp_path / "repo", {"legacy.py": SQL001_HIGH, "db/q.py": OLD_QUERY + "def two(cur, b):\n    return b\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"db/q.py": OLD_QUERY + NEW_QUERY, "app.py": SQL001_CRITICAL}, "feature work")
    git(repo, "checkout", "-q", "main")
    commit(repo, {"other.py": SQL001_HIGH}, "main moves on")  # not in the feature's diff
    git(repo, "checkout", "-q", "feature")
    (repo / "new.py").write_text(SQL001_HIGH)
    return repo


def test_changed_lines_since_the_merge_base(tmp_path: Path) -> None:
    repo = _feature_repo(tmp_path)
    changed = changed_lines(repo, "main")
    assert changed.merge_base == git(repo, "merge-base", "main", "HEAD").strip()
    assert dict(changed.lines) == {"db/q.py": frozenset({4}), "app.py": frozenset(range(1, 8))}
    assert changed.new_files == frozenset({"new.py"})
    (repo / "db/q.py").write_text(OLD_QUERY + NEW_QUERY + "# uncommitted\n")
    assert changed_lines(repo, "main").lines["db/q.py"] == frozenset({4, 5})


def test_scan_diff_keeps_only_new_lines(tmp_path: Path) -> None:
    repo = _feature_repo(tmp_path)
    code, report = scan_json(repo, "--select", "SQL001", "--diff", "main", "--fail-on", "high")
    assert code == 1
    assert [(f["path"], f["line"]) for f in report["findings"]] == [("app.py", 7), ("db/q.py", 4), ("new.py", 2)]
    # Only the changed files are checked: db/q.py:2 is outside the change, legacy.py is not read.
    assert report["diff"] == {"base": "main", "outside": 1}
    assert report["gate"]["reasons"] == ["3 new finding(s) at or above high (fail-on)"]
    code, everything = scan_json(repo, "--select", "SQL001")
    assert len(everything["findings"]) == 5  # app, db/q x2, legacy, new


def test_scan_of_a_subfolder_maps_repository_paths(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"svc/a.py": CLEAN, "top.py": CLEAN})
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"svc/a.py": SQL001_HIGH, "top.py": SQL001_HIGH}, "change")
    code, report = scan_json(repo / "svc", "--select", "SQL001", "--diff", "main")
    # Only the scanned folder's change; named, like every report's paths, from the repository's top.
    assert [(f["path"], f["line"]) for f in report["findings"]] == [("svc/a.py", 2)]


def test_project_facts_come_from_the_whole_tree(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack")
    repo = init_repo(tmp_path / "repo", {"a.py": CLEAN, "b.py": CLEAN, "c.py": CLEAN})
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"settings.py": "import os\nDEBUG = False\n"}, "settings")
    code, report = scan_json(repo, "--select", "XPR001", "--diff", "main", "--rule-pack", str(pack))
    # The project rule counted every file of the tree, not only the changed one.
    assert [f["message"] for f in report["findings"]] == ["`settings.py` is a settings module among 4 files"]


def test_shallow_clone_without_base_says_how_to_fetch_it(tmp_path: Path) -> None:
    origin = init_repo(tmp_path / "origin", {"a.py": CLEAN})
    commit(origin, {"b.py": CLEAN}, "second")
    git(origin, "checkout", "-q", "-b", "feature")
    commit(origin, {"c.py": SQL001_HIGH}, "feature")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", (origin.as_uri()), str(clone))
    missing = run_cli("scan", clone, "--no-cache", "--diff", "origin/main")
    assert missing.exit_code == 2
    assert "`origin/main` is not a commit in this shallow clone" in missing.output
    assert "git fetch --no-tags origin main:refs/remotes/origin/main" in missing.output
    assert "fetch-depth: 0" in missing.output and "GIT_DEPTH: 0" in missing.output
    git(clone, "fetch", "-q", "--no-tags", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    unreachable = run_cli("scan", clone, "--no-cache", "--diff", "origin/main")
    assert unreachable.exit_code == 2 and "does not reach the merge base" in unreachable.output and "git fetch --unshallow" in unreachable.output
    git(clone, "fetch", "-q", "--unshallow")
    code, report = scan_json(clone, "--select", "SQL001", "--diff", "origin/main")
    assert [(f["path"], f["line"]) for f in report["findings"]] == [("c.py", 2)]


def test_outside_a_repository_or_with_a_bad_base(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "a.py").write_text(CLEAN)
    outside = run_cli("scan", tmp_path / "plain", "--no-cache", "--diff", "main")
    assert outside.exit_code == 2 and "is not inside a git repository" in outside.output
    repo = init_repo(tmp_path / "repo", {"a.py": CLEAN})
    typo = run_cli("scan", repo, "--no-cache", "--diff", "mian")
    assert typo.exit_code == 2 and "`mian` is not a commit in this repository" in typo.output


def test_renames_deletions_binary_and_unusual_names(tmp_path: Path) -> None:
    body = "".join(f"x{n} = {n}\n" for n in range(20))
    repo = init_repo(tmp_path / "repo", {"old_name.py": body, "gone.py": CLEAN, "blob.bin": "a"})
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "mv", "old_name.py", "new name é.py")
    git(repo, "rm", "-q", "gone.py")
    (repo / "blob.bin").write_bytes(b"\x00\x01\x02")
    (repo / "new name é.py").write_text(body.replace("x5 = 5", "x5 = 55"))
    commit(repo, {}, "rename, delete, binary")
    changed = changed_lines(repo, "main")
    assert dict(changed.lines) == {"new name é.py": frozenset({6})}
    assert changed.new_files == frozenset()


def test_names_git_quotes_are_not_dropped(tmp_path: Path) -> None:
    """git wraps names holding `"`, `\\`, a tab or a newline in C-style quotes in its diff
    headers; an injection in such a file must still reach the --diff gate."""
    names = ['views"1.py', "back\\slash.py", "tab\there.py", "new\nline.py", "ünï.py"]
    repo = init_repo(tmp_path / "repo", {"a.py": CLEAN})
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {name: "\n" + SQL001_HIGH for name in names}, "odd names")
    changed = changed_lines(repo, "main")
    assert dict(changed.lines) == {name: frozenset({1, 2, 3}) for name in names}
    # Committed files and untracked ones alike.
    (repo / 'untracked"2.py').write_text(SQL001_HIGH)
    code, report = scan_json(repo, "--select", "SQL001", "--diff", "main", "--fail-on", "high")
    assert code == 1
    assert sorted(f["path"] for f in report["findings"]) == sorted([*names, 'untracked"2.py'])


def test_every_format_names_files_from_the_repository_top(tmp_path: Path) -> None:
    """`reviewer scan backend --format github` in a monorepo annotates backend/ledger/db.py,
    not ledger/db.py; so do text, JSON and HTML, and code excerpts and SARIF's SRCROOT still
    find the file."""
    import json

    repo = init_repo(tmp_path / "repo", {"backend/ledger/db.py": SQL001_HIGH, "README.md": "x\n"})
    backend = repo / "backend"
    github = run_cli("scan", backend, "--no-cache", "--select", "SQL001", "--format", "github").stdout
    assert "file=backend/ledger/db.py" in github
    sarif = json.loads(run_cli("scan", backend, "--no-cache", "--select", "SQL001", "--format", "sarif").stdout)
    uris = [loc["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"] for loc in r["locations"]]
    assert uris == ["backend/ledger/db.py"]
    for fmt, needle in (("gitlab", '"path": "backend/ledger/db.py"'), ("rdjson", '"path": "backend/ledger/db.py"'),
                        ("checkstyle", 'name="backend/ledger/db.py"'), ("junit", 'file="backend/ledger/db.py"'),
                        ("markdown", "backend/ledger/db.py:2")):
        assert needle in run_cli("scan", backend, "--no-cache", "--select", "SQL001", "--format", fmt).stdout, fmt
    _, report = scan_json(backend, "--select", "SQL001")
    assert [f["path"] for f in report["findings"]] == ["backend/ledger/db.py"]
    text = run_cli("scan", backend, "--no-cache", "--select", "SQL001").stdout
    assert "backend/ledger/db.py" in text and SQL001_HIGH.splitlines()[1].strip() in text  # the excerpt was read
    html = run_cli("scan", backend, "--no-cache", "--select", "SQL001", "--format", "html").stdout
    assert "backend/ledger/db.py" in html
    assert sarif["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"] == repo.resolve().as_uri() + "/"
    # From a subfolder of the repository, too (the paths are from git's top, not the cwd).
    deep = run_cli("scan", "ledger", "--no-cache", "--select", "SQL001", "--format", "github", cwd=backend).stdout
    assert "file=backend/ledger/db.py" in deep


def test_repository_prefix_keeps_dots_in_folder_names(tmp_path: Path) -> None:
    from reviewer.gitdiff import repository_prefix

    repo = init_repo(tmp_path / "repo", {".tools/lint.py": CLEAN, "svc.v2./a.py": CLEAN})
    assert repository_prefix(repo) == ""
    assert repository_prefix(repo / ".tools") == ".tools"
    assert repository_prefix(repo / "svc.v2.") == "svc.v2."


def test_git_is_not_asked_for_the_top_level_where_no_repository_is(tmp_path: Path, monkeypatch) -> None:
    """A folder with no `.git` in it or above it (and no GIT_DIR) has no work tree: its top
    level is None without starting git (each scan asks it for the reports' paths); in a work
    tree, or a `.git` file's (a linked worktree, a submodule), git is asked."""
    from reviewer import git as git_module

    if git_module.no_work_tree(tmp_path) is False:
        pytest.skip("the temporary folder is inside a git work tree")
    asked: list[tuple[str, ...]] = []
    run = git_module._run
    monkeypatch.setattr(git_module, "_run", lambda cwd, args: asked.append(args) or run(cwd, args))
    plain = tmp_path / "plain" / "app"
    plain.mkdir(parents=True)
    assert git_module.top_level(plain) is None and asked == []
    repo = init_repo(tmp_path / "repo", {"app/a.py": CLEAN})
    assert git_module.top_level(repo / "app") == repo.resolve() and asked
    asked.clear()
    (plain.parent / ".git").write_text("gitdir: /nowhere\n")
    assert git_module.top_level(plain) is None and asked  # asked: git decides what the file names
    asked.clear()
    monkeypatch.setenv("GIT_DIR", str(repo / ".git"))
    git_module.top_level(tmp_path)
    assert asked


def test_a_scan_asks_git_each_question_once(tmp_path: Path, monkeypatch) -> None:
    """Within one `scan` the same git question in the same folder starts one process
    (reviewer.git.answers_kept): the diff, the report's paths and the release history all ask
    for the top level. A `--diff` scan of the default rules, none of which has a migration
    `history` kind, does not ask where released history ends. Outside a command, every call asks."""
    from reviewer import git as git_module

    repo = _feature_repo(tmp_path)
    asked: list[tuple[str, ...]] = []
    run = git_module._run
    monkeypatch.setattr(git_module, "_run", lambda cwd, args: asked.append(args) or run(cwd, args))
    code, report = scan_json(repo, "--diff", "main")
    assert len(asked) == len(set(asked))
    # Asked side by side (git.ask_together): the first three, then the last two, in any order.
    assert {args[:2] for args in asked[:3]} == {("rev-parse", "--is-shallow-repository"), ("merge-base", "main"), ("rev-parse", "--show-toplevel")}
    assert {args[:2] for args in asked[3:]} == {("diff", "--no-color"), ("ls-files", "--others")}
    asked.clear()
    migration = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    operations = []\n"
    (repo / "shop" / "migrations").mkdir(parents=True)
    (repo / "shop" / "migrations" / "0001_initial.py").write_text(migration)
    scan_json(repo, "--diff", "main", "--select", "MIG001")  # a rule whose released findings are summarised
    assert ("describe", "--tags", "--abbrev=0", "HEAD") in asked
    asked.clear()
    assert git_module.top_level(repo) == git_module.top_level(repo) == repo.resolve()
    assert len(asked) == 2
    with git_module.answers_kept():
        assert git_module.top_level(repo) == git_module.top_level(repo)
        with git_module.answers_kept():  # nested: the same answers
            git_module.top_level(repo)
    assert len(asked) == 3
