"""The smaller rough edges a new user hit (issue 14, Why 13), one test each."""

from __future__ import annotations

import json
from pathlib import Path

from reviewer.rule import checklist_items
from tests.conftest import SQL001_HIGH, run_cli, write_tree
from tests.gitrepo import init_repo, needs_git


def test_fail_on_confidence_alone_is_an_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {"db.py": SQL001_HIGH, ".reviewer.yml": "select: [SQL001]\n"})
    alone = run_cli("scan", tmp_path, "--no-cache", "--fail-on-confidence", "high")
    assert alone.exit_code == 2 and "--fail-on-confidence only narrows --fail-on" in alone.output
    assert run_cli("scan", tmp_path, "--no-cache", "--fail-on-confidence", "low", "--fail-on", "high").exit_code == 1
    (tmp_path / ".reviewer.yml").write_text("select: [SQL001]\ngate:\n  fail-on-confidence: high\n")
    from_config = run_cli("scan", tmp_path, "--no-cache")
    assert from_config.exit_code == 2 and "gate.fail-on-confidence" in from_config.output
    (tmp_path / ".reviewer.yml").write_text("select: [SQL001]\ngate:\n  fail-on: high\n")
    assert run_cli("scan", tmp_path, "--no-cache", "--fail-on-confidence", "low").exit_code == 1


def test_a_toml_config_not_named_pyproject_is_read_as_toml(tmp_path: Path) -> None:
    write_tree(tmp_path, {"db.py": SQL001_HIGH, "ci/reviewer.toml": 'select = ["SQL001"]\n[gate]\nfail-on = "high"\n'})
    result = run_cli("scan", tmp_path, "--no-cache", "--config", tmp_path / "ci/reviewer.toml")
    assert result.exit_code == 1, result.output  # the gate from the TOML file failed
    write_tree(tmp_path, {"ci/tool.toml": '[tool.reviewer]\nselect = ["SQL001"]\n[tool.reviewer.gate]\nfail-on = "critical"\n'})
    assert run_cli("scan", tmp_path, "--no-cache", "--config", tmp_path / "ci/tool.toml").exit_code == 0
    write_tree(tmp_path, {"ci/bad.toml": "select = [\n"})
    bad = run_cli("scan", tmp_path, "--no-cache", "--config", tmp_path / "ci/bad.toml")
    assert bad.exit_code == 2 and "is not valid TOML" in bad.output


def test_explain_of_a_bandit_test_has_no_empty_sections_and_one_link_line() -> None:
    out = run_cli("explain", "B602").stdout
    lines = out.splitlines()
    assert "Bad:" not in lines and "Good:" not in lines
    links = [line for line in lines if "https://" in line]
    assert len(links) == 1 and links[0].startswith("Fix and examples: bandit's documentation, https://"), links
    assert "References:" not in lines


def test_bandit_messages_do_not_repeat_the_code(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app.py": "import subprocess\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"})
    result = run_cli("scan", tmp_path, "--no-cache", "--select", "B602")
    line = next(line for line in result.stdout.splitlines() if "B602" in line)
    assert line.count("B602") == 1, line


def test_an_empty_folder_is_not_measured(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_cli("scan", tmp_path / "empty", "--no-cache")
    assert result.exit_code == 0
    assert "no Python or SQL file was analysed" in result.stderr
    assert "overall      not measured: no files analysed" in result.stdout and "100.0" not in result.stdout
    data = json.loads(run_cli("scan", tmp_path / "empty", "--no-cache", "--format", "json").stdout)
    assert data["summary"]["files"] == 0 and data["score"]["overall"] == 100  # the contract's numbers


def test_rules_table_has_a_header_row() -> None:
    first, second = run_cli("rules").stdout.splitlines()[:2]
    assert first.split() == ["code", "severity", "category", "name", "field", "precision"]
    assert second.split()[0] == "API001"


@needs_git
def test_review_errors_name_the_option_the_user_typed(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"db.py": SQL001_HIGH})
    result = run_cli("review", "--base", "nosuch", "--dry-run", "--platform", "github", "--no-cache", cwd=repo)
    assert result.exit_code == 2 and "`--base nosuch`" in result.output and "--diff" not in result.output
    scan = run_cli("scan", repo, "--diff", "nosuch", "--no-cache")
    assert scan.exit_code == 2 and "`--diff nosuch`" in scan.output


def test_checklist_ids_are_not_shown() -> None:
    assert checklist_items('S1:75 "Use parameterized queries"; S4:433 "SQL Injection Prevention"; S5:1') == (
        "Use parameterized queries",
        "SQL Injection Prevention",
    )
    out = run_cli("explain", "SQL001").stdout
    checklist = next(line for line in out.splitlines() if line.startswith("Checklist:"))
    assert "S1:" not in checklist and "Use parameterized queries" in checklist

