"""The text report in a terminal (issue 14, item 3): FORCE_COLOR next to NO_COLOR and --color,
the report fitted to the terminal's width (COLUMNS, or the terminal when stdout is one; never
wrapped in a pipe or a log), and `--statistics` (count, code, name per rule, like ruff's)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewer.cli import report_width, use_color
from reviewer.model import Location
from reviewer.reporters import text
from tests.conftest import SQL001_HIGH, run_cli, scan_tree, write_tree


@pytest.mark.parametrize(
    "env, terminal, expected",
    [
        ({"FORCE_COLOR": "1"}, False, True),  # a CI log that renders colour
        ({"FORCE_COLOR": ""}, False, False),  # empty means unset
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, True, False),  # NO_COLOR wins
    ],
)
def test_force_color(env: dict, terminal: bool, expected: bool) -> None:
    assert use_color("auto", terminal, env) is expected
    assert use_color("never", terminal, env) is False


def test_force_color_colours_a_piped_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"db.py": SQL001_HIGH})
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run_cli("scan", tmp_path, "--no-cache", "--select", "SQL001").stdout


def test_report_width_comes_from_columns_or_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    assert report_width(False, {"COLUMNS": "72"}) == 72
    assert report_width(False, {}) is None  # a pipe or a log: no wrapping
    assert report_width(False, {"COLUMNS": "wide"}) is None
    monkeypatch.setattr("shutil.get_terminal_size", lambda: __import__("os").terminal_size((101, 30)))
    assert report_width(True, {}) == 101


LONG = (
    "def find(cur, email):\n"
    "    rows = []; total = 0; unused_variable_with_a_rather_long_name = 'padding padding padding'; "
    "cur.execute(\"SELECT id FROM accounts WHERE email = '%s'\" % email)\n"
)


def _lines(report: str) -> list[str]:
    return report.splitlines()


def test_text_report_fits_the_width_and_keeps_the_caret_under_the_code(tmp_path: Path) -> None:
    write_tree(tmp_path, {"db.py": LONG})
    result = scan_tree(tmp_path, select=("SQL001",))
    (finding,) = result.findings
    wide = text.render(result)
    assert max(len(line) for line in _lines(wide)) > 150  # no width: nothing wraps or is cut
    report = text.render(result, width=60)
    lines = _lines(report)
    findings_part = lines[: lines.index("")]
    assert all(len(line) <= 60 for line in findings_part), findings_part
    gutter = f"{finding.line:>6} | "
    code_at = next(i for i, line in enumerate(lines) if line.startswith(gutter))
    code, carets = lines[code_at][len(gutter) :], lines[code_at + 1]
    first = carets.index("^") - len(gutter)
    # The caret starts under the flagged call, which the cut line still shows, marked as cut.
    assert code.startswith("…") and code[first:].startswith("cur.execute(")
    assert carets.rstrip().endswith("^") and len(carets.rstrip()) <= 60
    message = " ".join(line.strip() for line in findings_part[1:code_at])
    assert finding.message.split()[0] in findings_part[1] and finding.fix.split()[-1].rstrip(")") in " ".join(findings_part)
    assert "[sql-injection-dynamic-query, " in message


def test_caret_under_code_after_a_tab(tmp_path: Path) -> None:
    write_tree(tmp_path, {"db.py": SQL001_HIGH.replace("    cur.execute", "\tcur.execute")})
    result = scan_tree(tmp_path, select=("SQL001",))
    lines = _lines(text.render(result))
    at = next(i for i, line in enumerate(lines) if line.startswith("     2 | "))
    # A terminal shows a tab as up to 8 columns: the line is printed with it expanded, so the
    # caret's column is the code's column on screen.
    assert "\t" not in lines[at] and lines[at + 1].index("^") == lines[at].index("cur.execute")


def test_excerpt_without_room_to_cut_is_the_whole_line() -> None:
    code, offset, carets = text._excerpt("x = call(y)", Location(1, 5, 1, 11), None)
    assert (code, offset, carets) == ("x = call(y)", 4, 7)


def test_statistics_counts_findings_per_rule_like_ruff(tmp_path: Path) -> None:
    two = SQL001_HIGH + SQL001_HIGH.replace("def find", "def find_again")
    write_tree(tmp_path, {"a.py": two, "b.py": SQL001_HIGH, "c.py": "import requests\nrequests.get('https://x')\n"})
    result = run_cli("scan", tmp_path, "--no-cache", "--select", "SQL001,OPS001", "--statistics", "--fail-on", "high")
    assert result.exit_code == 1  # the gate still decides the exit code
    assert result.stdout.splitlines() == ["3  SQL001  sql-injection-dynamic-query", "1  OPS001  external-call-without-timeout"]
    as_json = run_cli("scan", tmp_path, "--no-cache", "--select", "SQL001,OPS001", "--statistics", "--format", "json")
    assert json.loads(as_json.stdout) == [
        {"code": "SQL001", "name": "sql-injection-dynamic-query", "count": 3},
        {"code": "OPS001", "name": "external-call-without-timeout", "count": 1},
    ]
    refused = run_cli("scan", tmp_path, "--no-cache", "--statistics", "--format", "sarif")
    assert refused.exit_code == 2 and "--statistics" in refused.output



def test_a_default_scan_says_how_to_run_the_opt_in_rules(tmp_path: Path) -> None:
    """The default set is small (rules proven on real code): the text report says so, and how to
    run the rest; a scan that runs an opt-in rule does not."""
    write_tree(tmp_path, {"app.py": SQL001_HIGH})
    hint = "rules ran, the default set; `--profile audit` also runs the opt-in ones"
    assert hint in run_cli("scan", tmp_path, "--no-cache").stdout
    assert hint not in run_cli("scan", tmp_path, "--no-cache", "--profile", "audit").stdout
    assert hint not in run_cli("scan", tmp_path, "--no-cache", "--select", "SQL001").stdout
    assert hint not in run_cli("scan", tmp_path, "--no-cache", "-q").stdout
