"""The trust boundary: a scanned repository's config never makes reviewer import or run code.

Rule packs load only from --rule-pack, REVIEWER_RULE_PACKS or the user's own config outside
the repository; a repository's `rule-packs:` loads only with --trust-repo-config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SQL001_HIGH, run_cli, write_pack, write_tree
from tests.gitrepo import git, init_repo

# Importing this module is the attack: it leaves a marker file next to itself.
HOSTILE = "from pathlib import Path\nPath(__file__).with_name('PWNED').write_text('ran')\n"


def _hostile_repo(root: Path, config_name: str = ".reviewer.yml", packs: str = "[tools/lint]") -> Path:
    files = {
        "app/queries.py": SQL001_HIGH,
        "tools/lint/evil.py": HOSTILE,
        "conftest_like.py": HOSTILE,  # `rule-packs: ["."]` would import the repository itself
    }
    if config_name == "pyproject.toml":
        files["pyproject.toml"] = '[tool.reviewer]\nrule-packs = ["tools/lint", "."]\n'
    else:
        files[config_name] = f"rule-packs: {packs}\n"
    return write_tree(root, files)


def _ran(root: Path) -> bool:
    return any(root.rglob("PWNED"))


COMMANDS = [
    ("scan", lambda root: ("scan", str(root), "--no-cache", "--format", "json")),
    ("rules", lambda root: ("rules",)),
    ("explain", lambda root: ("explain", "SQL001")),
    ("baseline", lambda root: ("baseline", "create", str(root.parent / "baseline.json"), str(root), "--no-cache")),
]


@pytest.mark.parametrize("name,argv", COMMANDS, ids=[name for name, _ in COMMANDS])
@pytest.mark.parametrize("packs", ["[tools/lint]", '["."]'])
def test_repository_config_never_loads_code(tmp_path: Path, name: str, argv, packs: str) -> None:
    root = _hostile_repo(tmp_path / "repo", packs=packs)
    result = run_cli(*argv(root), cwd=root)
    assert result.exit_code in (0, 1), result.output
    assert not _ran(root), f"{name} imported the repository's code"
    assert "`rule-packs` not loaded" in result.stderr
    assert "--trust-repo-config" in result.stderr


def test_scan_still_reports_and_gates_with_an_untrusted_pack(tmp_path: Path) -> None:
    root = _hostile_repo(tmp_path / "repo")
    result = run_cli("scan", root, "--no-cache", "--format", "json", "--fail-on", "high", "--select", "SQL001")
    assert result.exit_code == 1
    assert [f["rule"] for f in json.loads(result.stdout)["findings"] if f["rule"] == "SQL001"] == ["SQL001"]
    assert not _ran(root)


def test_config_in_a_parent_folder_or_pyproject_or_named_by_config_loads_no_code(tmp_path: Path) -> None:
    parent = tmp_path / "mono"
    write_tree(parent, {".reviewer.yml": "rule-packs: [tools/lint]\n", "tools/lint/evil.py": HOSTILE})
    service = write_tree(parent / "svc", {"q.py": SQL001_HIGH})
    assert run_cli("scan", service, "--no-cache").exit_code in (0, 1)
    assert not _ran(parent)
    assert run_cli("scan", service, "--no-cache", "--config", parent / ".reviewer.yml").exit_code in (0, 1)
    assert not _ran(parent)
    root = _hostile_repo(tmp_path / "py", config_name="pyproject.toml")
    assert run_cli("scan", root, "--no-cache").exit_code in (0, 1)
    assert not _ran(root)


def test_review_dry_run_loads_no_code(tmp_path: Path, monkeypatch) -> None:
    repo = init_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    _hostile_repo(repo)
    monkeypatch.setenv("GITHUB_TOKEN", "secret-token")
    result = run_cli("review", str(repo), "--base", "main", "--platform", "github", "--pr", "1", "--dry-run", "--no-cache", cwd=repo)
    assert result.exit_code in (0, 1), result.output
    assert not _ran(repo)


def test_trusted_sources_load_packs(tmp_path: Path, monkeypatch) -> None:
    pack = write_pack(tmp_path / "pack")
    root = write_tree(tmp_path / "proj", {"app/views.py": "def home(request):\n    print('hit')\n"})

    def pack_rules(*extra: str) -> list[str]:
        result = run_cli("scan", root, "--no-cache", "--format", "json", "--select", "XPY001", *extra)
        assert result.exit_code == 0, result.output
        return [f["rule"] for f in json.loads(result.stdout)["findings"]]

    assert pack_rules("--rule-pack", str(pack)) == ["XPY001"]
    monkeypatch.setenv("REVIEWER_RULE_PACKS", str(pack))
    assert pack_rules() == ["XPY001"]
    monkeypatch.delenv("REVIEWER_RULE_PACKS")
    user = tmp_path / "xdg"
    write_tree(user, {"reviewer/config.yml": "rule-packs: [../../pack]\n"})
    monkeypatch.setenv("XDG_CONFIG_HOME", str(user))
    assert pack_rules() == ["XPY001"]
    # The same pack named twice loads once (no duplicate-code error).
    assert pack_rules("--rule-pack", str(pack)) == ["XPY001"]


def test_trust_repo_config_loads_the_repository_packs(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "proj" / "lint")
    root = write_tree(tmp_path / "proj", {".reviewer.yml": "rule-packs: [lint]\nselect: [XPY001]\n", "v.py": "print(1)\n"})
    assert pack.parent == root.resolve()
    result = run_cli("scan", root, "--no-cache", "--format", "json", "--trust-repo-config")
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["XPY001"]
    assert "not loaded" not in result.stderr
    # Without the flag, `select: [XPY001]` names no loaded rule: a configuration error that
    # says the packs were not loaded.
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2
    assert "`rule-packs` not loaded" in result.stderr


def test_bad_packs_exit_2_naming_where_they_were_named(tmp_path: Path, monkeypatch) -> None:
    root = write_tree(tmp_path / "proj", {"v.py": "x = 1\n", ".reviewer.yml": "rule-packs: [does/not/exist]\n"})
    result = run_cli("scan", root, "--no-cache", "--trust-repo-config")
    assert result.exit_code == 2
    assert str(root / ".reviewer.yml") in result.stderr and "`rule-packs`" in result.stderr
    assert "does not exist" in result.stderr
    result = run_cli("scan", root, "--no-cache", "--rule-pack", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "--rule-pack" in result.stderr and "does not exist" in result.stderr
    user = write_tree(tmp_path / "xdg", {"reviewer/config.yml": "select: [SQL001]\n"})
    monkeypatch.setenv("XDG_CONFIG_HOME", str(user))
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2
    assert str(user / "reviewer" / "config.yml") in result.stderr and "`select`" in result.stderr
