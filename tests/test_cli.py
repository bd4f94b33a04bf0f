"""The command line: exit codes, the JSON contract, output files, rule selection, workers, and
the `rules`, `explain` and `init` commands."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reviewer import __version__
from reviewer import registry as registry_module
from reviewer.cache import atomic_write
from reviewer.config import find_config, load_config
from reviewer.model import Category
from tests.conftest import CLEAN, SQL001_CRITICAL, SQL001_HIGH, run_cli, scan_json, write_tree

CATEGORIES = {"sql", "orm", "migrations", "api", "security", "ops"}
FINDING_KEYS = {
    "rule",
    "name",
    "category",
    "severity",
    "confidence",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "message",
    "fix",
    "fingerprint",
    "also",  # codes merged into the finding (one problem, one finding); added in issue 11
    "autofix",  # the finding's mechanical fix, or null; added in issue 15
}


def _project(tmp_path: Path) -> Path:
    """Findings in several files and folders, two rules on one line, a clean file. The config
    pins the rules to SQL001 and the meta rules, so that new rules do not change the counts."""
    return write_tree(
        tmp_path / "proj",
        {
            ".reviewer.yml": "select: [SQL001, RVW]\n",
            "zeta.py": SQL001_HIGH,
            "api/routes.py": SQL001_CRITICAL,
            "api/db/queries.py": (
                "def one(cur, a):\n"
                "    cur.execute(\"SELECT 1 FROM t WHERE a = '%s'\" % a)  # reviewer: ignore[SQL01]\n"
                "def two(cur, b):\n"
                "    cur.execute(\"SELECT 1 FROM t WHERE b = '%s'\" % b)\n"
            ),
            "alpha.py": CLEAN,
            "schema.sql": "CREATE TABLE t (a text, b text);\n",
        },
    )


# ----------------------------------------------------------------------------------------------
# Exit codes


def test_exit_0_on_a_clean_project(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"a.py": CLEAN})
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 0
    assert "1 files, 2 lines; 0 findings; 0 suppressed; 0 errors" in result.stdout
    assert "Gate" not in result.stdout


def test_exit_0_with_findings_and_no_gate(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"app.py": SQL001_CRITICAL})
    assert run_cli("scan", root, "--no-cache").exit_code == 0


def test_exit_1_on_fail_on(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"app.py": SQL001_CRITICAL})
    result = run_cli("scan", root, "--no-cache", "--fail-on", "high", "--select", "SQL001")
    assert result.exit_code == 1
    assert "Gate failed: 1 finding(s) at or above high (fail-on)" in result.stdout
    passed = run_cli("scan", write_tree(tmp_path / "clean", {"a.py": CLEAN}), "--no-cache", "--fail-on", "info")
    assert passed.exit_code == 0
    assert "Gate passed: no finding at or above info (fail-on)" in passed.stdout


def test_fail_on_counts_only_findings_at_or_above(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"q.py": SQL001_HIGH})
    pinned = ("--no-cache", "--select", "SQL001")
    assert run_cli("scan", root, *pinned, "--fail-on", "critical").exit_code == 0
    assert run_cli("scan", root, *pinned, "--fail-on", "high").exit_code == 1
    assert run_cli("scan", root, *pinned, "--fail-on", "HIGH").exit_code == 1


def test_exit_1_on_fail_under(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"q.py": SQL001_HIGH, ".reviewer.yml": "select: [SQL001]\n"})
    code, report = scan_json(root)
    score = report["score"]["overall"]
    assert score < 99
    assert scan_json(root, "--fail-under", "99")[0] == 1
    assert scan_json(root, "--fail-under", str(score))[0] == 0  # at the bar passes
    result = run_cli("scan", root, "--no-cache", "--fail-under", "99")
    assert f"Gate failed: score {score:.1f} is under 99 (fail-under)" in result.stdout


def test_exit_2_for_a_missing_path(tmp_path: Path) -> None:
    result = run_cli("scan", tmp_path / "nope")
    assert result.exit_code == 2
    assert "path does not exist" in result.stderr and "nope" in result.stderr
    assert result.stdout == ""


def test_exit_2_for_a_bad_format(tmp_path: Path) -> None:
    assert run_cli("scan", tmp_path, "--format", "yaml").exit_code == 2


# ----------------------------------------------------------------------------------------------
# The JSON contract


def test_json_has_exactly_the_contract_keys(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "broken.py").write_text("def f(:\n")
    code, report = scan_json(root)
    assert code == 0
    # `gate` states the verdict in every format (issue 8); `baseline` and `diff` appear only
    # with --baseline / --diff (tests/test_ci_reports.py).
    assert set(report) == {"tool", "score", "summary", "findings", "errors", "gate"}
    assert report["gate"] == {"passed": True, "set": False, "reasons": [report["gate"]["reasons"][0]]}
    assert report["tool"] == {"name": "reviewer", "version": __version__}
    assert set(report["score"]) == {"overall", "grade", "categories"}
    assert set(report["score"]["categories"]) == CATEGORIES
    for item in report["score"]["categories"].values():
        assert set(item) == {"score", "grade", "findings", "checked"}
        assert 0 <= item["score"] <= 100 and item["grade"] in "ABCDF"
    assert 0 <= report["score"]["overall"] <= 100 and report["score"]["grade"] in "ABCDF"
    assert set(report["summary"]) == {"files", "lines", "findings", "by_severity", "suppressed", "baselined"}
    assert list(report["summary"]["by_severity"]) == ["critical", "high", "medium", "low", "info"]
    assert report["findings"]
    for finding in report["findings"]:
        assert set(finding) == FINDING_KEYS
    assert [set(error) for error in report["errors"]] == [{"path", "kind", "message"}]


def test_json_values(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _, report = scan_json(root)
    summary = report["summary"]
    assert summary == {
        "files": 5,
        "lines": 16,
        "findings": 6,
        "by_severity": {"critical": 1, "high": 3, "medium": 0, "low": 2, "info": 0},
        "suppressed": 0,
        "baselined": 0,
    }
    assert [(f["path"], f["line"], f["column"], f["rule"]) for f in report["findings"]] == [
        ("api/db/queries.py", 2, 5, "SQL001"),
        ("api/db/queries.py", 2, 56, "RVW001"),
        ("api/db/queries.py", 2, 56, "RVW002"),
        ("api/db/queries.py", 4, 5, "SQL001"),
        ("api/routes.py", 7, 23, "SQL001"),
        ("zeta.py", 2, 5, "SQL001"),
    ]
    first = report["findings"][0]
    assert first["name"] == "sql-injection-dynamic-query"
    assert (first["category"], first["severity"], first["confidence"]) == ("sql", "high", "high")
    assert first["end_line"] == 2
    assert first["message"] == "`a` is interpolated inside a quoted SQL literal passed to `cur.execute`"
    assert first["fix"].startswith("Bind it as a parameter")
    assert report["score"]["categories"]["sql"]["findings"] == 4
    # Only sql is checked (the config pins SQL001 and the meta rules), so the overall is sql's
    # score: one rule, weights 20, 8, 8, 8 at S = 1: 20 ln 2 + 8 ln(3/2) + 8 ln(4/3) + 8 ln(5/4)
    # = 21.19; 100 x e^(-21.19 / 20) = 34.6 (under the critical cap of 69).
    assert report["score"]["overall"] == 34.6 and report["score"]["grade"] == "F"
    assert [name for name, item in report["score"]["categories"].items() if item["checked"]] == ["sql"]
    fingerprints = [f["fingerprint"] for f in report["findings"]]
    assert len(set(fingerprints)) == len(fingerprints) and all(len(f) == 20 for f in fingerprints)


def test_paths_are_relative_with_slashes_and_sorted(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _, report = scan_json(root)
    paths = [f["path"] for f in report["findings"]]
    assert all(not p.startswith("/") and "\\" not in p and not p.startswith("./") for p in paths)
    keys = [(f["path"], f["line"], f["column"], f["rule"]) for f in report["findings"]]
    assert keys == sorted(keys)
    # Scanning from inside the project (relative path ".") gives the same paths.
    result = run_cli("scan", ".", "--format", "json", "--no-cache", cwd=root)
    assert [f["path"] for f in json.loads(result.stdout)["findings"]] == paths


def test_two_runs_give_byte_identical_json(tmp_path: Path) -> None:
    root = _project(tmp_path)
    first = run_cli("scan", root, "--format", "json", "--no-cache").stdout
    second = run_cli("scan", root, "--format", "json", "--no-cache").stdout
    assert first == second
    # With the cache: a cold and a warm run print the same report too.
    cold = run_cli("scan", root, "--format", "json").stdout
    warm = run_cli("scan", root, "--format", "json").stdout
    assert cold == warm == first


def test_output_file(tmp_path: Path) -> None:
    root = _project(tmp_path)
    out = tmp_path / "reports" / "reviewer.json"
    # A missing folder is a mistake to report (a typo must not create stray folders), before the scan.
    result = run_cli("scan", root, "--format", "json", "--no-cache", "--output", out)
    assert result.exit_code == 2 and "does not exist" in result.stderr
    out.parent.mkdir()
    result = run_cli("scan", root, "--format", "json", "--no-cache", "--output", out)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert f"wrote json report to {out}" in result.stderr
    expected = run_cli("scan", root, "--format", "json", "--no-cache").stdout
    assert out.read_text(encoding="utf-8") == expected
    assert sorted(p.name for p in out.parent.iterdir()) == ["reviewer.json"]
    # Overwriting leaves no temporary file either.
    run_cli("scan", root, "--no-cache", "--output", out)
    assert sorted(p.name for p in out.parent.iterdir()) == ["reviewer.json"]
    assert out.read_text(encoding="utf-8").splitlines()[0] == "api/db/queries.py"


def test_an_interrupted_write_leaves_no_partial_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "out" / "report.json"
    atomic_write(target, "old\n")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, "new\n" * 1000)
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"]
    assert target.read_text() == "old\n"


# ----------------------------------------------------------------------------------------------
# Selection and quiet


@pytest.mark.parametrize(
    ("args", "rules"),
    [
        ((), ["RVW001", "RVW002", "SQL001", "SQL001", "SQL001", "SQL001"]),  # the config's select
        (("--select", "SQL001"), ["SQL001"] * 4),
        (("--select", "RVW001,RVW002"), ["RVW001", "RVW002"]),
        (("--select", "RVW001", "--select", "RVW002"), ["RVW001", "RVW002"]),
        (("--select", "meta"), ["RVW001", "RVW002"]),
        (("--select", "rvw"), ["RVW001", "RVW002"]),
        (("--ignore", "SQL001"), ["RVW001", "RVW002"]),
        (("--ignore", "RVW"), ["SQL001"] * 4),
        (("--ignore", "meta"), ["SQL001"] * 4),
        (("--ignore", "rvw002"), ["RVW001", "SQL001", "SQL001", "SQL001", "SQL001"]),
        (("--ignore", "RVW001", "--ignore", "RVW002"), ["SQL001"] * 4),
    ],
)
def test_select_and_ignore(tmp_path: Path, args: tuple[str, ...], rules: list[str]) -> None:
    root = _project(tmp_path)
    _, report = scan_json(root, *args)
    assert sorted(f["rule"] for f in report["findings"]) == rules


@pytest.mark.parametrize(
    ("selector", "matches"),
    [
        ("SQL", lambda f: f["rule"].startswith("SQL")),
        ("sql", lambda f: f["category"] == "sql"),
        ("SQL0", lambda f: f["rule"].startswith("SQL0")),
        ("ALL", lambda f: True),
    ],
)
def test_select_by_prefix_and_category(tmp_path: Path, selector: str, matches) -> None:
    """Whatever other rules a prefix or category holds, it selects SQL001 (opt-in, so under the
    audit profile) and nothing outside."""
    root = _project(tmp_path)
    _, report = scan_json(root, "--select", selector, "--profile", "audit")
    rules = [f["rule"] for f in report["findings"]]
    assert rules.count("SQL001") == 4
    assert all(matches(f) for f in report["findings"])
    assert ("RVW001" in rules) == (selector == "ALL")


def test_quiet(tmp_path: Path) -> None:
    root = _project(tmp_path)
    loud = run_cli("scan", root, "--no-cache").stdout
    quiet = run_cli("scan", root, "--no-cache", "--quiet", "--fail-on", "critical")
    def fix_lines(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.lstrip().startswith("fix:")]

    assert "SQL001" in loud and fix_lines(loud)
    assert "SQL001" not in quiet.stdout and not fix_lines(quiet.stdout) and "api/routes.py" not in quiet.stdout
    assert ["overall", "34.6", "F"] in [line.split() for line in quiet.stdout.splitlines()]
    assert "orm          not checked (no enabled rule; left out of the overall)" in quiet.stdout
    # The summary still counts what was found.
    assert "5 files, 16 lines; 6 findings (1 critical, 3 high, 2 low); 0 suppressed; 0 errors" in quiet.stdout
    assert "Gate failed: 1 finding(s) at or above critical (fail-on)" in quiet.stdout
    assert quiet.exit_code == 1
    # --quiet does not drop findings from machine-readable output.
    _, report = scan_json(root, "--quiet")
    assert len(report["findings"]) == 6
    out = tmp_path / "r.json"
    written = run_cli("scan", root, "--no-cache", "--quiet", "--format", "json", "-o", out)
    assert written.stderr == "" and written.stdout == ""
    assert len(json.loads(out.read_text())["findings"]) == 6


def test_jobs_2_gives_the_same_findings_as_jobs_1(tmp_path: Path) -> None:
    files = {}
    for number in range(40):
        if number % 3 == 0:
            files[f"pkg{number % 4}/mod{number:02}.py"] = SQL001_HIGH
        elif number % 3 == 1:
            files[f"pkg{number % 4}/mod{number:02}.py"] = CLEAN + f"VALUE = {number}\n"
        else:
            files[f"pkg{number % 4}/mod{number:02}.sql"] = f"SELECT {number};\n"
    root = write_tree(tmp_path / "proj", files)
    one = run_cli("scan", root, "--format", "json", "--no-cache", "--jobs", "1", "--profile", "audit").stdout
    two = run_cli("scan", root, "--format", "json", "--no-cache", "--jobs", "2", "--profile", "audit").stdout
    report = json.loads(two)
    assert report["summary"]["files"] == 40
    assert len([f for f in report["findings"] if f["rule"] == "SQL001"]) == 14
    assert report["errors"] == []
    assert one == two


# ----------------------------------------------------------------------------------------------
# rules, explain, init


def test_rules_table(tmp_path: Path) -> None:
    result = run_cli("rules", cwd=tmp_path)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()[1:]  # below the header row
    codes = [line.split()[0] for line in lines]
    assert codes == sorted(codes)
    assert set(codes) == {rule.code for rule in registry_module.load().rules}
    # The last column is the rule's field precision (reviewer/field_precision.json).
    assert any(line.startswith("SQL001   high      sql         sql-injection-dynamic-query ") for line in lines)
    assert any(line.startswith("RVW003   low       meta        unused-suppression ") and line.endswith("no field data") for line in lines)


def test_rules_json(tmp_path: Path) -> None:
    result = run_cli("rules", "--format", "json", cwd=tmp_path)
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    by_code = {row["code"]: row for row in rows}
    assert {"SQL001", "RVW001", "RVW002", "RVW003"} <= set(by_code)
    assert set(by_code["SQL001"]) == {"code", "name", "category", "severity", "confidence", "default", "field", "summary", "message", "fix"}
    assert by_code["SQL001"]["name"] == "sql-injection-dynamic-query"
    assert by_code["SQL001"]["category"] == "sql"
    assert by_code["SQL001"]["default"] is False  # opt-in on its field precision
    assert by_code["OPS001"]["default"] is True
    assert by_code["SQL001"]["summary"] == registry_module.load().get("SQL001").summary


def test_rules_markdown(tmp_path: Path) -> None:
    result = run_cli("rules", "--format", "md", cwd=tmp_path)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "| Code | Name | Category | Severity | Confidence | Field precision | What it finds |"
    assert lines[1] == "|---|---|---|---|---|---|---|"
    assert any(line.startswith("| SQL001 | `sql-injection-dynamic-query` (opt-in) | sql | high | high | ") for line in lines)
    from reviewer.bandit_bridge import is_bandit_rule

    rules = registry_module.load().rules
    ours = [rule for rule in rules if not is_bandit_rule(rule)]
    bandit = [rule for rule in rules if is_bandit_rule(rule)]
    # One row per rule of ours; bandit's tests, which bandit documents, in one compact line.
    assert len([line for line in lines if line.startswith("| ")]) == 1 + len(ours)
    assert lines[-1].startswith(f"Bandit's own tests run inside the scan as {len(bandit)} rules")
    assert all(f"{rule.code}" in lines[-1] for rule in bandit)


def test_rules_lists_a_configured_rule_pack(tmp_path: Path) -> None:
    from tests.conftest import write_pack

    pack = write_pack(tmp_path / "pack")
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / ".reviewer.yml").write_text(f"rule-packs: [{pack}]\n")
    result = run_cli("rules", "--trust-repo-config", cwd=tmp_path / "proj")
    codes = [line.split()[0] for line in result.stdout.splitlines()]
    assert {"XPY001", "XSQ001", "XPR001", "SQL001"} <= set(codes)
    # Without the flag the repository's config loads no code, and says so.
    result = run_cli("rules", cwd=tmp_path / "proj")
    codes = [line.split()[0] for line in result.stdout.splitlines()]
    assert "SQL001" in codes and "XPY001" not in codes
    assert "`rule-packs` not loaded" in result.stderr


def test_explain(tmp_path: Path) -> None:
    result = run_cli("explain", "SQL001", cwd=tmp_path)
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("SQL001 sql-injection-dynamic-query\n")
    assert "category: sql   severity: high   confidence: high" in text
    assert "Whoever controls the value controls the statement" in text  # rationale
    bad, good = text.index("\nBad:\n"), text.index("\nGood:\n")
    assert bad < good
    assert "SELECT id FROM accounts WHERE email = '%s'\" % email" in text[bad:good]  # an invalid example
    assert 'cur.execute("SELECT id FROM accounts WHERE email = %s", (email,))' in text[good:]  # a valid one
    assert "Fix: Bind it as a parameter instead of formatting it in" in text
    assert "https://owasp.org/www-community/attacks/SQL_Injection" in text
    assert run_cli("explain", "sql001", cwd=tmp_path).stdout == text


def test_explain_unknown_code_exits_2(tmp_path: Path) -> None:
    result = run_cli("explain", "NOPE", cwd=tmp_path)
    assert result.exit_code == 2
    assert "unknown rule code 'NOPE'" in result.stderr


def test_init_writes_a_config_that_loads(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app.py": SQL001_HIGH})
    result = run_cli("init", tmp_path)
    assert result.exit_code == 0
    target = tmp_path / ".reviewer.yml"
    assert result.stdout == f"wrote {target}\n"
    assert find_config(tmp_path) == target
    config = load_config(target, tmp_path)
    assert config.gate.fail_under == 70.0
    assert config.exclude == ("tests/fixtures/**",)
    # The scan accepts every key and selector of the starter config.
    scanned = run_cli("scan", tmp_path, "--no-cache")
    assert scanned.exit_code in (0, 1), scanned.output
    assert "Gate" in scanned.stdout
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / ".reviewer.yml"
    target.write_text("dialect: mysql\n")
    result = run_cli("init", tmp_path)
    assert result.exit_code == 2
    assert "exists" in result.stderr and "--force" in result.stderr
    assert target.read_text() == "dialect: mysql\n"
    forced = run_cli("init", tmp_path, "--force")
    assert forced.exit_code == 0
    assert "gate:" in target.read_text()


def test_version() -> None:
    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"reviewer, version {__version__}"


def test_module_entry_point_runs(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = write_tree(tmp_path, {"q.py": SQL001_HIGH})
    completed = subprocess.run(
        [sys.executable, "-m", "reviewer", "scan", str(root), "--no-cache", "--fail-on", "high", "--format", "json", "--select", "SQL001"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 1
    assert json.loads(completed.stdout)["summary"]["findings"] == 1
    assert Category.SQL.value == "sql"


@pytest.mark.parametrize(
    "config, key, words",
    [
        ("file-timeout: .inf\n", "file-timeout", ["at most 3600"]),
        ("file-timeout: .nan\n", "file-timeout", ["at most 3600"]),
        ("max-file-size: 100000000000\n", "max-file-size", ["at most"]),
        ('exclude: ["***/[z-a]"]\n', "exclude", ["not a valid glob"]),
        ('per-path-ignores: {"***/[z-a]": [sql]}\n', "per-path-ignores.***/[z-a]", ["not a valid glob"]),
        ("select: " + "[" * 3000 + "]" * 3000 + "\n", "<file>", ["nests too deeply"]),
        ("select: [" + ", ".join(["SQL001"] * 10_001) + "]\n", "select", ["at most 10,000"]),
    ],
    ids=["inf", "nan", "huge-size", "glob", "glob-key", "deep", "long"],
)
def test_hostile_config_values_exit_2(tmp_path: Path, config: str, key: str, words: list[str]) -> None:
    root = _project(tmp_path)
    (root / ".reviewer.yml").write_text(config)
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and f"`{key}`" in result.stderr
    assert all(word in result.stderr for word in words), result.stderr


def test_settings_that_run_nothing_or_write_nowhere_exit_2(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / ".reviewer.yml").write_text("select: [ALL]\nignore: [ALL]\n")
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2 and "no rule would run" in result.stderr
    (root / ".reviewer.yml").unlink()
    for select, ignore in (("sql", "SQL"), ("SQL001", "sql")):
        result = run_cli("scan", root, "--no-cache", "--select", select, "--ignore", ignore)
        assert result.exit_code == 2 and "no rule would run" in result.stderr
    result = run_cli("scan", root, "--no-cache", "--select", "API")  # every API rule is opt-in
    assert result.exit_code == 2 and "the rules it names are opt-in (API001, " in result.stderr
    assert "--profile audit" in result.stderr
    assert run_cli("scan", root, "--no-cache", "--select", "API", "--profile", "audit").exit_code == 0
    result = run_cli("scan", "", "--no-cache")
    assert result.exit_code == 2 and "empty path" in result.stderr
    (tmp_path / "folder").mkdir()
    result = run_cli("scan", root, "--no-cache", "-o", f"json:{tmp_path / 'folder'}")
    assert result.exit_code == 2 and "is a folder" in result.stderr
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"tool": "reviewer", "version": 1, "findings": [{"path": "a.py", "line": 1e400, "rule": "SQL001", "fingerprint": "x"}]}')
    result = run_cli("scan", root, "--no-cache", "--baseline", baseline)
    assert result.exit_code == 2 and "whole-number line" in result.stderr


def test_unwritable_output_exits_2_naming_the_file(tmp_path: Path, monkeypatch) -> None:
    import reviewer.cli

    def refuse(path, text):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(reviewer.cli, "atomic_write", refuse)
    root = _project(tmp_path)
    result = run_cli("scan", root, "--no-cache", "-o", f"json:{tmp_path / 'r.json'}")
    assert result.exit_code == 2
    assert f"--output {tmp_path / 'r.json'}: cannot be written: Permission denied" in result.stderr


def test_interrupt_exits_130(tmp_path: Path, monkeypatch) -> None:
    import reviewer.runner

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(reviewer.runner, "scan", interrupted)
    result = run_cli("scan", _project(tmp_path), "--no-cache")
    assert result.exit_code == 130 and "interrupted" in result.stderr


def test_reports_get_the_mode_a_plain_write_would(tmp_path: Path) -> None:
    import os
    import stat

    root = _project(tmp_path)
    fresh, existing = tmp_path / "fresh.json", tmp_path / "existing.json"
    existing.write_text("{}")
    existing.chmod(0o640)
    umask = os.umask(0o022)
    try:
        for target in (fresh, existing):
            assert run_cli("scan", root, "--no-cache", "-o", f"json:{target}").exit_code == 0
    finally:
        os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640  # an existing file keeps its mode


@pytest.mark.parametrize(
    "choice, terminal, env, expected",
    [
        ("auto", True, {}, True),
        ("auto", True, {"NO_COLOR": "1"}, False),
        ("auto", True, {"NO_COLOR": ""}, True),
        ("auto", False, {}, False),
        ("always", False, {"NO_COLOR": "1"}, True),
        ("never", True, {}, False),
    ],
)
def test_color_choice(choice: str, terminal: bool, env: dict, expected: bool) -> None:
    from reviewer.cli import use_color

    assert use_color(choice, terminal, env) is expected


def test_color_always_colours_the_text_report(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert "\x1b[" in run_cli("scan", root, "--no-cache", "--color", "always").stdout
    assert "\x1b[" not in run_cli("scan", root, "--no-cache", "--color", "never").stdout


def test_the_objects_left_at_exit_are_not_collected(tmp_path: Path) -> None:
    """At exit the interpreter ran the cyclic collector over everything a scan left (0.4 s of
    CPU after a cold scan of Django's package): a command sets its objects aside (gc.freeze)
    as exit begins, after every file is written, and the report is complete."""
    import subprocess
    import sys

    root = write_tree(tmp_path / "proj", {"query.py": SQL001_HIGH})
    script = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0, file=sys.stderr))\n"
        "from reviewer.cli import main\n"
        "main(['scan', sys.argv[1], '--select', 'SQL001', '--format', 'json', '--no-cache', '-q'])\n"
    )
    completed = subprocess.run([sys.executable, "-c", script, str(root)], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert [finding["rule"] for finding in json.loads(completed.stdout)["findings"]] == ["SQL001"]
    assert "frozen at exit: True" in completed.stderr
