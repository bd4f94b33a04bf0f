"""`reviewer baseline create|update` and `scan --baseline`: legacy findings are hidden and
counted, only new ones gate; fingerprints survive moved lines and unrelated edits; identical
findings stay distinct; entries that match nothing any more are reported as fixed."""

from __future__ import annotations

import json
from pathlib import Path

from reviewer import baseline
from tests.conftest import CLEAN, SQL001_CRITICAL, SQL001_HIGH, run_cli, scan_json, write_tree

QUERY = "def two(cur, b):\n    cur.execute(\"SELECT 1 FROM t WHERE b = '%s'\" % b)\n"


def _legacy(tmp_path: Path) -> tuple[Path, Path]:
    root = write_tree(tmp_path / "proj", {"app.py": SQL001_CRITICAL, "db/q.py": SQL001_HIGH + QUERY, "ok.py": CLEAN})
    return root, tmp_path / "reviewer-baseline.json"


def _create(root: Path, file: Path) -> None:
    result = run_cli("baseline", "create", file, root, "--no-cache", "--select", "SQL001")
    assert result.exit_code == 0, result.output
    assert f"wrote 3 finding(s) to {file}" in result.stdout


def test_create_then_scan_hides_everything_and_passes(tmp_path: Path) -> None:
    root, file = _legacy(tmp_path)
    _create(root, file)
    data = json.loads(file.read_text())
    assert data["version"] == 1 and [e["path"] for e in data["findings"]] == ["app.py", "db/q.py", "db/q.py"]
    code, report = scan_json(root, "--select", "SQL001", "--baseline", str(file), "--fail-on", "high")
    assert code == 0
    assert report["findings"] == [] and report["summary"]["baselined"] == 3 and report["summary"]["findings"] == 0
    assert report["gate"] == {"passed": True, "set": True, "reasons": ["no new finding at or above high (fail-on)"]}
    assert report["baseline"] == {"baselined": 3, "fixed": []}
    assert report["score"]["overall"] == 100.0  # the score judges new findings only
    text = run_cli("scan", root, "--no-cache", "--select", "SQL001", "--baseline", file, "--fail-on", "high")
    assert text.exit_code == 0 and "Gate passed: no new finding at or above high (fail-on)" in text.stdout


def test_fingerprints_survive_moves_and_unrelated_edits(tmp_path: Path) -> None:
    root, file = _legacy(tmp_path)
    _create(root, file)
    (root / "app.py").write_text("import os\n\n\n# a comment\n" + SQL001_CRITICAL.replace("router = APIRouter()", "router = APIRouter(prefix='/v1')"))
    (root / "db/q.py").write_text("\n\n" + SQL001_HIGH.replace("    cur", "        cur").replace("def find", "if True:\n  def find") + "\n\n" + QUERY)
    code, report = scan_json(root, "--select", "SQL001", "--baseline", str(file), "--fail-on", "high")
    assert (code, report["findings"], report["summary"]["baselined"]) == (0, [], 3)


def test_a_second_identical_finding_is_new(tmp_path: Path) -> None:
    root, file = _legacy(tmp_path)
    _create(root, file)
    (root / "db/q.py").write_text(SQL001_HIGH + QUERY + QUERY.replace("two", "three"))
    code, report = scan_json(root, "--select", "SQL001", "--baseline", str(file), "--fail-on", "high")
    assert code == 1
    assert [(f["path"], f["line"]) for f in report["findings"]] == [("db/q.py", 6)]
    assert report["summary"]["baselined"] == 3
    assert report["gate"]["reasons"] == ["1 new finding(s) at or above high (fail-on)"]


def test_fixed_entries_are_reported_and_update_drops_them(tmp_path: Path) -> None:
    root, file = _legacy(tmp_path)
    _create(root, file)
    (root / "app.py").write_text(CLEAN)
    (root / "new.py").write_text(SQL001_HIGH)
    code, report = scan_json(root, "--select", "SQL001", "--baseline", str(file))
    assert code == 0
    assert [(f["path"]) for f in report["findings"]] == ["new.py"]
    assert [entry["path"] for entry in report["baseline"]["fixed"]] == ["app.py"]
    markdown = run_cli("scan", root, "--no-cache", "--select", "SQL001", "--baseline", file, "--format", "markdown")
    assert "1 baseline entry is fixed" in markdown.stdout and "2 baselined finding(s) hidden, 1 baseline entry fixed" in markdown.stdout
    updated = run_cli("baseline", "update", file, root, "--no-cache", "--select", "SQL001")
    assert updated.exit_code == 0 and "2 finding(s); 1 fixed and dropped, 0 added" in updated.stdout
    assert [e.path for e in baseline.load(file)] == ["db/q.py", "db/q.py"]
    added = run_cli("baseline", "update", file, root, "--no-cache", "--select", "SQL001", "--add-new")
    assert "3 finding(s); 0 fixed and dropped, 1 added" in added.stdout
    code, report = scan_json(root, "--select", "SQL001", "--baseline", str(file))
    assert report["findings"] == [] and "baseline" in report and report["baseline"]["fixed"] == []


def test_baseline_errors_are_usage_errors(tmp_path: Path) -> None:
    root, file = _legacy(tmp_path)
    _create(root, file)
    again = run_cli("baseline", "create", file, root, "--no-cache")
    assert again.exit_code == 2 and "use `reviewer baseline update" in again.output
    assert run_cli("baseline", "create", file, root, "--no-cache", "--force", "--select", "SQL001").exit_code == 0
    missing = run_cli("scan", root, "--no-cache", "--baseline", tmp_path / "nope.json")
    assert missing.exit_code == 2 and "nope.json" in missing.output and "reviewer baseline create" in missing.output
    (tmp_path / "bad.json").write_text("{not json")
    bad = run_cli("scan", root, "--no-cache", "--baseline", tmp_path / "bad.json")
    assert bad.exit_code == 2 and "bad.json: is not valid JSON" in bad.output
    (tmp_path / "other.json").write_text('{"version": 1, "findings": [{"path": "a.py"}]}')
    other = run_cli("scan", root, "--no-cache", "--baseline", tmp_path / "other.json")
    assert other.exit_code == 2 and "findings[0]" in other.output


def test_baseline_file_is_deterministic(tmp_path: Path) -> None:
    root, file = _legacy(tmp_path)
    _create(root, file)
    first = file.read_text()
    run_cli("baseline", "create", file, root, "--no-cache", "--force", "--select", "SQL001")
    assert file.read_text() == first
