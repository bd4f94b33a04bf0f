"""The CI report formats (SARIF, GitHub, GitLab, JUnit, Checkstyle, rdjson, Markdown), several
reports in one run with `--output FORMAT:FILE`, and the gate with a confidence floor. Every
format states the gate's verdict and why."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from reviewer.config import ConfigError, Gate, parse_config
from reviewer.gate import evaluate
from reviewer.model import Confidence, Severity
from reviewer.reporters import REPORTERS, render
from tests.conftest import CLEAN, SQL001_CRITICAL, SQL001_HIGH, run_cli, scan_tree, write_tree

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit", "checkstyle", "rdjson", "markdown", "html")
SUPPRESSED = (
    "def find(cur, email):\n"
    "    # reviewer: ignore[SQL001] email is checked against the allowlist above\n"
    "    cur.execute(\"SELECT id FROM accounts WHERE email = '%s'\" % email)\n"
)


def _result(tmp_path: Path):
    root = write_tree(tmp_path / "proj", {"app.py": SQL001_CRITICAL, "db/q.py": SQL001_HIGH, "ok.py": SUPPRESSED, "c.py": CLEAN})
    return scan_tree(root, select=("SQL001",))


FAILED = (False, ["2 finding(s) at or above high (fail-on)"])
# Lists of things to fix, where a passed gate would be an issue or a review comment of its own.
PASSED_GATE_UNSAID = ("gitlab", "rdjson")


def test_every_format_is_registered() -> None:
    assert set(REPORTERS) == set(FORMATS)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "text"])
def test_every_format_states_the_verdict_and_why(tmp_path: Path, fmt: str) -> None:
    result = _result(tmp_path)
    failed = render(fmt, result, gate=FAILED)
    assert "2 finding(s) at or above high (fail-on)" in failed
    assert "failed" in failed.lower() or '"passed": false' in failed
    unset = render(fmt, result, gate=None)
    if fmt in PASSED_GATE_UNSAID:
        assert "reviewer-gate" not in unset  # a passed gate is nothing to fix or comment on
    else:
        assert "no gate is set" in unset and ("passed" in unset.lower())
    assert render(fmt, result, gate=FAILED) == failed  # deterministic


def test_sarif_validates_and_carries_rules_fingerprints_and_suppressions(tmp_path: Path) -> None:
    result = _result(tmp_path)
    data = json.loads(render("sarif", result, gate=FAILED))
    jsonschema.validate(data, SCHEMA)
    run = data["runs"][0]
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "SQL001")
    assert rule["name"] == "sql-injection-dynamic-query"
    assert rule["help"]["text"] and "Fix:" in rule["help"]["text"] and rule["helpUri"].startswith("https://")
    assert rule["properties"]["security-severity"] == "8.0"
    results = run["results"]
    assert [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["level"]) for r in results] == [
        ("app.py", "error"),
        ("db/q.py", "error"),
        ("ok.py", "error"),
    ]
    fingerprints = {f.fingerprint for f in result.findings}
    assert {r["partialFingerprints"]["reviewer/v1"] for r in results[:2]} == fingerprints
    assert "suppressions" not in results[0]
    assert results[2]["suppressions"] == [{"kind": "inSource", "justification": "email is checked against the allowlist above"}]
    assert run["properties"]["gate"] == {"passed": False, "set": True, "reasons": FAILED[1]}
    assert run["invocations"][0]["exitCode"] == 1
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    finding = result.findings[0]
    assert region["startLine"] == finding.line and region["endColumn"] == finding.location.end_column + 1


def test_sarif_of_a_clean_project_and_of_parse_errors_validates(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"a.py": CLEAN, "broken.py": "def f(:\n", "dir with space/b.py": SQL001_HIGH})
    data = json.loads(render("sarif", scan_tree(root, select=("ALL", "SQL001")), gate=(True, ["no finding at or above high (fail-on)"])))
    jsonschema.validate(data, SCHEMA)
    notes = data["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == ["broken.py"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in data["runs"][0]["results"]}
    assert "dir%20with%20space/b.py" in uris


def test_github_annotations_escape_and_point_at_the_line(tmp_path: Path) -> None:
    result = _result(tmp_path)
    lines = render("github", result, gate=FAILED).splitlines()
    finding = result.findings[0]
    assert lines[0].startswith(f"::error file=app.py,line={finding.line},col={finding.location.column},")
    assert "title=SQL001 sql-injection-dynamic-query (critical%2C high confidence)::" in lines[0]
    assert lines[-1].startswith("::error title=reviewer gate::Gate failed: 2 finding(s) at or above high (fail-on)")
    assert all("\n" not in line for line in lines)
    passed = render("github", result, gate=(True, ["score 90.0 is at or above 80 (fail-under)"])).splitlines()[-1]
    assert passed.startswith("::notice title=reviewer gate::Gate passed: score 90.0 is at or above 80 (fail-under)")


def test_gitlab_code_quality(tmp_path: Path) -> None:
    result = _result(tmp_path)
    issues = json.loads(render("gitlab", result, gate=FAILED))
    assert [(i["check_name"], i["severity"], i["location"]["path"]) for i in issues] == [
        ("SQL001", "blocker", "app.py"),
        ("SQL001", "critical", "db/q.py"),
        ("reviewer-gate", "blocker", "app.py"),  # at the most severe finding: a file that exists
    ]
    assert issues[0]["fingerprint"] == result.findings[0].fingerprint
    assert issues[0]["location"]["lines"]["begin"] == result.findings[0].line
    assert all(set(i) >= {"description", "check_name", "fingerprint", "severity", "location"} for i in issues)


def test_junit_and_checkstyle_parse(tmp_path: Path) -> None:
    result = _result(tmp_path)
    failing = frozenset(f.fingerprint for f in result.findings)
    junit = ET.fromstring(render("junit", result, gate=FAILED, failing=failing).split("\n", 1)[1])
    assert junit.get("failures") == "3"
    gate_case = junit.find("testsuite[@name='reviewer.gate']/testcase")
    assert gate_case.find("failure").get("message") == "Gate failed: 2 finding(s) at or above high (fail-on)"
    cases = junit.findall("testsuite[@name='reviewer.findings']/testcase")
    assert [c.get("file") for c in cases] == ["app.py", "db/q.py"]
    clean = ET.fromstring(render("junit", scan_tree(write_tree(tmp_path / "c", {"a.py": CLEAN})), gate=None).split("\n", 1)[1])
    assert clean.get("failures") == "0" and clean.find("testsuite[@name='reviewer.findings']/testcase").get("name") == "no findings"
    text = render("checkstyle", result, gate=FAILED)
    checkstyle = ET.fromstring(text.split("\n", 2)[2])
    assert [(f.get("name"), e.get("line"), e.get("severity"), e.get("source")) for f in checkstyle for e in f] == [
        ("app.py", str(result.findings[0].line), "error", "reviewer.SQL001"),
        ("db/q.py", "2", "error", "reviewer.SQL001"),
    ]


def test_rdjson_diagnostics(tmp_path: Path) -> None:
    result = _result(tmp_path)
    data = json.loads(render("rdjson", result, gate=FAILED))
    assert set(data) == {"source", "diagnostics"}
    first, *_, gate = data["diagnostics"]
    assert first["location"]["path"] == "app.py" and first["severity"] == "ERROR" and first["code"]["value"] == "SQL001"
    assert first["location"]["range"]["start"] == {"line": result.findings[0].line, "column": result.findings[0].location.column}
    assert gate["code"]["value"] == "reviewer-gate" and gate["severity"] == "ERROR"
    assert gate["location"] == {"path": "app.py", "range": {"start": {"line": result.findings[0].line}}}  # a real file


def test_markdown_summary(tmp_path: Path) -> None:
    result = _result(tmp_path)
    text = render("markdown", result, gate=FAILED)
    assert text.startswith(f"### reviewer: {result.score.overall:.1f} ({result.score.grade}), gate ❌ failed")
    assert "| critical | SQL001 `sql-injection-dynamic-query` | `app.py:" in text
    assert "1 suppressed" in text
    assert len(render("markdown", result, gate=FAILED, max_rows=1).split("| high |")) == 1  # row cap


# ----------------------------------------------------------------------------------------------
# The command line


def test_several_formats_in_one_run(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", {"app.py": SQL001_CRITICAL})
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli(
        "scan", root, "--no-cache", "--select", "SQL001", "--fail-on", "high",
        "--output", f"sarif:{out / 'r.sarif'}", "--output", f"markdown:{out / 'summary.md'}", "-o", f"junit:{out / 'j.xml'}",
    )
    assert result.exit_code == 1
    assert "Gate failed: 1 finding(s) at or above high (fail-on)" in result.stdout  # the --format text report
    jsonschema.validate(json.loads((out / "r.sarif").read_text()), SCHEMA)
    assert "gate ❌ failed" in (out / "summary.md").read_text()
    assert "wrote sarif report to" in result.stderr


def test_plain_output_keeps_working_with_format(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", {"app.py": SQL001_CRITICAL})
    target = tmp_path / "report.json"
    result = run_cli("scan", root, "--no-cache", "--select", "SQL001", "--format", "json", "-o", target, "-o", f"github:{tmp_path / 'gh.txt'}")
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["gate"]["set"] is False
    assert (tmp_path / "gh.txt").read_text().startswith("::error file=app.py")


def test_output_errors_are_usage_errors(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", {"a.py": CLEAN})
    unknown = run_cli("scan", root, "--no-cache", "-o", "pdf:x.pdf")
    assert unknown.exit_code == 2 and "unknown format 'pdf'" in unknown.output and "sarif" in unknown.output
    twice = run_cli("scan", root, "--no-cache", "-o", f"sarif:{tmp_path / 'x'}", "-o", f"json:{tmp_path / 'x'}")
    assert twice.exit_code == 2 and "same file" in twice.output


def test_confidence_floor_on_the_command_line_and_in_config(tmp_path: Path) -> None:
    # `'%s' % value` with a value of unknown origin: SQL001 at high severity.
    root = write_tree(tmp_path / "proj", {"app.py": SQL001_HIGH})
    result = scan_tree(root, select=("SQL001",))
    finding = result.findings[0]
    above = Confidence(finding.confidence.value)
    assert evaluate(result, Gate(fail_on=Severity.HIGH, fail_on_confidence=above))[0] is False
    if above is not Confidence.HIGH:
        higher = list(Confidence)[above.rank + 1]
        passed, reasons = evaluate(result, Gate(fail_on=Severity.HIGH, fail_on_confidence=higher))
        assert passed and reasons == [f"no finding at or above high with {higher.value} confidence or more (fail-on)"]
    high = evaluate(result, Gate(fail_on=Severity.HIGH, fail_on_confidence=Confidence.HIGH))
    assert high[0] is (finding.confidence is not Confidence.HIGH)
    cli = run_cli("scan", root, "--no-cache", "--select", "SQL001", "--fail-on", "high", "--fail-on-confidence", finding.confidence.value)
    assert cli.exit_code == 1 and f"with {finding.confidence.value} confidence or more" in cli.stdout
    bad = run_cli("scan", root, "--no-cache", "--fail-on", "high", "--fail-on-confidence", "sure")
    assert bad.exit_code == 2 and "--fail-on-confidence" in bad.output and "low, medium, high" in bad.output
    config = parse_config({"gate": {"fail-on": "high", "fail-on-confidence": "medium"}}, "x.yml", root)
    assert config.gate == Gate(fail_on=Severity.HIGH, fail_on_confidence=Confidence.MEDIUM)
    with pytest.raises(ConfigError, match="gate.fail-on-confidence"):
        parse_config({"gate": {"fail-on-confidence": "certain"}}, "x.yml", root)
