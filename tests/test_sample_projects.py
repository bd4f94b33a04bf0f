"""The sample projects' reports are committed (`expected.json` in each project) and compared
in full. After an intended change, regenerate with REVIEWER_UPDATE_EXPECTED=1 and review the
diff like code."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer.cli import main
from reviewer.reporters.json_report import as_dict
from tests.conftest import REPO, scan_tree

SAMPLES = sorted(path for path in (REPO / "sample_projects").iterdir() if path.is_dir())
UPDATE = os.environ.get("REVIEWER_UPDATE_EXPECTED") == "1"


def _report(project: Path) -> dict:
    data = as_dict(scan_tree(project))
    data["tool"].pop("version")
    return data


@pytest.mark.parametrize("project", SAMPLES, ids=[path.name for path in SAMPLES])
def test_report_matches_committed_expectation(project: Path) -> None:
    expected_file = project / "expected.json"
    actual = _report(project)
    if UPDATE:
        expected_file.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert expected_file.exists(), f"run with REVIEWER_UPDATE_EXPECTED=1 to create {expected_file}"
    assert actual == json.loads(expected_file.read_text(encoding="utf-8"))


def test_there_are_seeded_and_clean_samples() -> None:
    names = {path.name for path in SAMPLES}
    assert {"fastapi_orders", "django_shop", "flask_ledger", "clean_inventory"} <= names


def test_clean_sample_has_zero_findings_and_passes_the_strictest_gate() -> None:
    result = CliRunner().invoke(
        main, ["scan", str(REPO / "sample_projects" / "clean_inventory"), "--no-cache", "--fail-on", "info", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["findings"] == [] and data["errors"] == []
    assert data["score"]["overall"] == 100.0


@pytest.mark.parametrize("name", ["fastapi_orders", "django_shop", "flask_ledger"])
def test_seeded_sample_fails_the_high_gate(name: str) -> None:
    """Every seeded sample fails a high gate with every rule on (`--profile audit`: several of
    its seeded defects belong to opt-in rules), and the default rules report on it too."""
    sample = str(REPO / "sample_projects" / name)
    result = CliRunner().invoke(main, ["scan", sample, "--no-cache", "--profile", "audit", "--fail-on", "high"])
    assert result.exit_code == 1, result.output
    assert "Gate failed" in result.output
    default = CliRunner().invoke(main, ["scan", sample, "--no-cache", "--fail-on", "medium"])
    assert default.exit_code == 1, default.output
