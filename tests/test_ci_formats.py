"""CI formats that their consumers accept (issue 14, item 5; Why 7 and 8): the Markdown summary
most severe first, saying what it leaves out and where the rest is; JUnit failures only for
findings that fail the gate; the gate of GitLab Code Quality and rdjson at a real file with a
fingerprint that does not change with the score; SARIF rules with help and informationUri."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from reviewer.reporters import render
from tests.conftest import SQL001_CRITICAL, SQL001_HIGH, run_cli, scan_tree, write_tree

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
LOW = "import requests\n\ndef ping():\n    return requests.get('https://example.com/health')\n"  # OPS001, below high


def _project(tmp_path: Path) -> Path:
    """`a_low.py` sorts first by path but holds the least severe finding."""
    return write_tree(tmp_path / "proj", {"a_low.py": LOW, "m_high.py": SQL001_HIGH, "z_critical.py": SQL001_CRITICAL})


SELECT = ("--select", "SQL001,OPS001")


def _scan(root: Path, *args: str):
    return run_cli("scan", root, "--no-cache", *SELECT, *args)


def test_markdown_lists_the_most_severe_first_and_says_what_it_leaves_out(tmp_path: Path) -> None:
    result = scan_tree(_project(tmp_path), select=("SQL001", "OPS001"))
    severities = [f.severity.value for f in result.findings]
    assert severities[0] != "critical"  # path order would bury the critical finding
    text = render("markdown", result, max_rows=1)
    rows = [line for line in text.splitlines() if line.startswith("| ") and "severity" not in line and "category" not in line]
    assert rows[0].startswith("| critical | SQL001") and "`z_critical.py:7`" in rows[0]
    assert "2 more finding(s) not shown (1 high, 1 medium); `reviewer scan` prints the full list." in text
    assert "see the full report" not in text
    whole = render("markdown", result)
    order = [line.split("|")[1].strip() for line in whole.splitlines() if line.startswith("| ") and "`" in line.split("|")[3]]
    assert order == ["critical", "high", "medium"]


def test_markdown_names_this_runs_reports_and_the_ci_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reviewer.reporters.markdown import MAX_ROWS

    root = write_tree(tmp_path / "proj", {f"q{n}.py": SQL001_HIGH for n in range(MAX_ROWS + 1)})
    for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID", "CI_JOB_URL"):
        monkeypatch.delenv(name, raising=False)
    summary, sarif = tmp_path / "summary.md", tmp_path / "r.sarif"
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/shop")
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    assert _scan(root, "-o", f"markdown:{summary}", "-o", f"sarif:{sarif}").exit_code == 0
    text = summary.read_text()
    assert "the full list is in the log of [this workflow run](<https://github.example/acme/shop/actions/runs/42>)." in text
    for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("CI_JOB_URL", "https://gitlab.example/acme/shop/-/jobs/7")
    assert _scan(root, "-o", f"markdown:{summary}").exit_code == 0
    assert "the full list is in the log of [this CI job](<https://gitlab.example/acme/shop/-/jobs/7>)." in summary.read_text()
    monkeypatch.delenv("CI_JOB_URL")  # outside CI: the files this run wrote, which are on this machine
    assert _scan(root, "-o", f"markdown:{summary}", "-o", f"sarif:{sarif}").exit_code == 0
    assert f"the full list is in `{sarif}`." in summary.read_text()


def _junit(path: Path) -> ET.Element:
    return ET.fromstring(path.read_text().split("\n", 1)[1])


def test_junit_fails_only_the_findings_that_fail_the_gate(tmp_path: Path) -> None:
    root = _project(tmp_path)
    out = tmp_path / "j.xml"
    assert _scan(root, "--fail-on", "critical", "-o", f"junit:{out}").exit_code == 1
    suite = _junit(out).find("testsuite[@name='reviewer.findings']")
    outcome = {case.get("file"): ("failure" if case.find("failure") is not None else "passed") for case in suite}
    assert outcome == {"z_critical.py": "failure", "m_high.py": "passed", "a_low.py": "passed"}
    assert suite.get("failures") == "1"
    passed_case = next(case for case in suite if case.get("file") == "m_high.py")
    assert "SQL001" in passed_case.find("system-out").text and "Fix:" in passed_case.find("system-out").text
    # A passed gate (here: no gate at all) is an all-green report that still lists every finding.
    assert _scan(root, "-o", f"junit:{out}").exit_code == 0
    report = _junit(out)
    assert report.get("failures") == "0" and len(report.find("testsuite[@name='reviewer.findings']")) == 3
    # A score bar fails the gate case, not the findings.
    assert _scan(root, "--fail-under", "100", "-o", f"junit:{out}").exit_code == 1
    assert _junit(out).get("failures") == "1"


def test_gitlab_and_rdjson_gate_at_a_real_file_with_a_stable_fingerprint(tmp_path: Path) -> None:
    root = _project(tmp_path)
    gl, rd = tmp_path / "gl.json", tmp_path / "rd.json"
    assert _scan(root, "--fail-on", "high", "-o", f"gitlab:{gl}", "-o", f"rdjson:{rd}").exit_code == 1
    gate = next(issue for issue in json.loads(gl.read_text()) if issue["check_name"] == "reviewer-gate")
    assert gate["location"] == {"path": "z_critical.py", "lines": {"begin": 7}}  # the most severe failing finding
    diagnostic = next(d for d in json.loads(rd.read_text())["diagnostics"] if d["code"]["value"] == "reviewer-gate")
    assert diagnostic["location"] == {"path": "z_critical.py", "range": {"start": {"line": 7}}}
    # The score changes (one more finding), the gate issue's fingerprint does not.
    write_tree(root, {"n_high.py": SQL001_HIGH})
    assert _scan(root, "--fail-on", "high", "-o", f"gitlab:{gl}").exit_code == 1
    again = next(issue for issue in json.loads(gl.read_text()) if issue["check_name"] == "reviewer-gate")
    assert again["description"] != gate["description"] and again["fingerprint"] == gate["fingerprint"]
    # A passed gate is no issue and no diagnostic; every remaining location is a file of the tree.
    assert _scan(root, "-o", f"gitlab:{gl}", "-o", f"rdjson:{rd}").exit_code == 0
    issues = json.loads(gl.read_text())
    assert all(issue["check_name"] != "reviewer-gate" and (root / issue["location"]["path"]).is_file() for issue in issues)
    assert all(d["location"]["path"] and d["code"]["value"] != "reviewer-gate" for d in json.loads(rd.read_text())["diagnostics"])


def test_a_failed_gate_without_findings_is_reported_at_the_file_that_failed(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", {"ok.py": "x = 1\n", "broken.py": "def f(:\n"})
    gl = tmp_path / "gl.json"
    assert run_cli("scan", root, "--no-cache", "--fail-on-error", "-o", f"gitlab:{gl}").exit_code == 1
    (gate,) = json.loads(gl.read_text())
    assert gate["check_name"] == "reviewer-gate" and gate["location"]["path"] == "broken.py"


def test_sarif_rules_carry_help_with_examples_and_the_tool_its_information_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = scan_tree(_project(tmp_path), select=("SQL001", "OPS001"))
    monkeypatch.setattr("reviewer.reporters.sarif.homepage", lambda: "https://example.org/reviewer")
    data = json.loads(render("sarif", result))
    jsonschema.validate(data, SCHEMA)
    driver = data["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://example.org/reviewer"
    sql001 = next(rule for rule in driver["rules"] if rule["id"] == "SQL001")
    markdown = sql001["help"]["markdown"]
    assert "**Bad:**\n\n```python\n" in markdown and "**Good:**" in markdown and "**Fix:**" in markdown
    assert all(rule["help"]["text"] for rule in driver["rules"])
    unloaded = json.loads(render("sarif", replace(result, rules=())))  # findings of rules this run did not load
    jsonschema.validate(unloaded, SCHEMA)
    assert all("reviewer explain" in rule["help"]["text"] for rule in unloaded["runs"][0]["tool"]["driver"]["rules"])
    monkeypatch.setattr("reviewer.reporters.sarif.homepage", lambda: None)
    assert "informationUri" not in json.loads(render("sarif", result))["runs"][0]["tool"]["driver"]  # never a made-up link
