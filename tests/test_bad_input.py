"""Bad input never stops a scan: every file that cannot be analysed is listed in `errors` with
its kind and a reason, every other file is still analysed, and nothing crashes or hangs, in
one process or in worker processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from reviewer.config import Config
from tests.conftest import REPO, SQL001_HIGH, run_cli, scan_tree, write_pack, write_tree

REVIEWER = REPO / ".venv" / "bin" / "reviewer"
LATIN1_WITH_COOKIE = (
    "# -*- coding: latin-1 -*-\n"
    "GREETING = 'café'\n"
    "def find(cur, email):\n"
    "    cur.execute(\"SELECT id FROM accounts WHERE email = '%s'\" % email)\n"
).encode("latin-1")
# Each bad Python file calls `execute`, so the code meets SQL001's needs (reviewer.needs) and a
# file CPython parses goes all the way to the libcst parser instead of stopping at the cheap
# pre-check (a comment would not: needs are read from the code).
TRIGGER = 'cur.execute("SELECT 1")\n'

# path -> (kind, words the reason must contain)
EXPECTED_ERRORS = {
    "bad/binary.py": ("binary", "NUL bytes"),
    "bad/binary.sql": ("binary", "NUL bytes"),
    "bad/dangling.py": ("broken-symlink", "nowhere.py"),
    "bad/device.py": ("outside-root", "not followed"),  # a link to /dev/zero: out of the tree, never opened
    "bad/fifo.py": ("unreadable", "not a regular file"),
    "bad/huge.py": ("too-large", "max-file-size"),
    "bad/latin1.py": ("encoding", "encoding"),
    "bad/latin1.sql": ("encoding", "utf-8"),
    "bad/long_and.py": ("too-deep", "too deep"),
    "bad/long_sum.py": ("too-deep", "too deep"),
    "bad/nested_parens.py": ("syntax-error", "too many nested parentheses"),
    "bad/nul_late.py": ("syntax-error", "null bytes"),
    "bad/python2.py": ("syntax-error", "Python 2"),
    "bad/select.sql": ("sql-parse-error", "1 statement(s) do not parse as postgres (line 2)"),
    "bad/syntax.py": ("syntax-error", "line 2: invalid syntax"),
    "bad/tabs.py": ("syntax-error", "tabs"),
    "bad/unterminated.sql": ("sql-parse-error", "cannot tokenize"),
}
EXPECTED_FINDINGS = [
    ("good/bom.py", 2),
    ("good/cookie.py", 4),
    ("good/crlf.py", 2),
    ("good/query.py", 2),
]
# SQL that does not parse is reported once: as an SQL010 finding (path, line) when that rule
# runs on the file, else under `errors` (as in EXPECTED_ERRORS).
UNPARSED_SQL = {"bad/select.sql": 2, "bad/unterminated.sql": 1}
# Findings are compared for these rules only; whatever else the default rules find on the good
# files is not this battery's business (a rule that crashes on bad input shows under `errors`).
CHECKED_RULES = ("SQL001", "SQL010")  # SQL010 is opt-in: the battery selects it


def make_battery(root: Path) -> Path:
    write_tree(
        root,
        {
            "bad/syntax.py": TRIGGER + "def f(:\n    pass\n",
            "bad/python2.py": TRIGGER + "print 'hello'\n",
            # A comment first: tokenize then reads line 2 for a coding cookie and names the encoding.
            "bad/latin1.py": b"# cur.execute\n" + "NAME = 'café'\n".encode("latin-1"),
            "bad/binary.py": b"\x7fELF\x02\x01\x01\x00\x00\x00execute\x00\x00",
            "bad/nul_late.py": TRIGGER + "x = 1\n" * 2000 + "\0\n",
            "bad/tabs.py": TRIGGER + "if True:\n        x = 1\n\ty = 2\n",
            "bad/huge.py": TRIGGER + "VALUE = 1\n" * 500_000,  # 5 MB
            "bad/nested_parens.py": TRIGGER + "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
            "bad/long_sum.py": TRIGGER + "x = " + "+".join(["1"] * 20000) + "\n",
            "bad/long_and.py": TRIGGER + "x = " + " and ".join(["a"] * 10000) + "\n",
            "bad/select.sql": "SELECT 1;\nSELECT FROM WHERE;\nSELECT 2;\n",
            "bad/unterminated.sql": "SELECT 'abc FROM t;\n",
            "bad/latin1.sql": "SELECT 'café';\n".encode("latin-1"),
            "bad/binary.sql": b"SELECT\x00\x01\x02",
            "good/query.py": SQL001_HIGH,
            "good/cookie.py": LATIN1_WITH_COOKIE,
            "good/crlf.py": SQL001_HIGH.replace("\n", "\r\n"),
            "good/bom.py": "\ufeff" + SQL001_HIGH,
            "good/empty.py": "",
            "good/empty.sql": "",
            "good/comments.sql": "-- nothing but a comment\n",
        },
    )
    (root / "bad" / "dangling.py").symlink_to(root / "bad" / "nowhere.py")
    os.mkfifo(root / "bad" / "fifo.py")
    (root / "bad" / "device.py").symlink_to("/dev/zero")
    return root


def _errors(errors) -> dict[str, tuple[str, str]]:
    return {error.path: (error.kind, error.message) for error in errors}


def _check(errors: dict[str, tuple[str, str]], findings: list[tuple[str, int]]) -> None:
    expected = {path: value for path, value in EXPECTED_ERRORS.items() if path not in UNPARSED_SQL}
    assert sorted(errors) == sorted(expected)
    for path, (kind, words) in expected.items():
        assert errors[path][0] == kind, (path, errors[path])
        assert words in errors[path][1], (path, errors[path])
    assert findings == sorted(EXPECTED_FINDINGS + list(UNPARSED_SQL.items()))


def test_battery_in_one_process(tmp_path: Path) -> None:
    root = make_battery(tmp_path / "proj")
    result = scan_tree(root, select=("ALL", "SQL001", "SQL010"))  # SQL001 and SQL010 are opt-in
    _check(_errors(result.errors), [(f.path, f.line) for f in result.findings if f.rule in CHECKED_RULES])
    assert result.files == len(EXPECTED_ERRORS) + 7
    assert {(f.path, f.line) for f in result.findings if f.rule == "SQL010"} == set(UNPARSED_SQL.items())


def test_battery_with_no_rule_matching(tmp_path: Path) -> None:
    """With no rule to run, files are still checked by CPython's parser and listed."""
    root = make_battery(tmp_path / "proj")
    result = scan_tree(root, select=("RVW",))
    errors = _errors(result.errors)
    # 20,000 `+` terms are valid Python that CPython parses (reviewer.bounds gives it the
    # stack); only libcst cannot take them, and with no rule to run nothing is lost.
    expected = {path: value for path, value in EXPECTED_ERRORS.items() if path != "bad/long_sum.py"}
    assert sorted(errors) == sorted(expected)
    assert {path: kind for path, (kind, _) in errors.items()} == {path: kind for path, (kind, _) in expected.items()}
    assert result.findings == ()


@pytest.mark.parametrize("jobs", ["2"])
def test_battery_through_the_cli(tmp_path: Path, jobs: str) -> None:
    root = make_battery(tmp_path / "proj")
    # Enough files for the worker pool to be used (runner.PARALLEL_THRESHOLD).
    write_tree(root, {f"pad/mod{number:02}.py": "x = 1\n" for number in range(12)})
    completed = subprocess.run(
        [str(REVIEWER), "scan", str(root), "--format", "json", "--jobs", jobs, "--select", "ALL,SQL001,SQL010"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    errors = {e["path"]: (e["kind"], e["message"]) for e in report["errors"]}
    _check(errors, [(f["path"], f["line"]) for f in report["findings"] if f["rule"] in CHECKED_RULES])
    assert report["summary"]["files"] == len(EXPECTED_ERRORS) + 7 + 12
    # A second run answers from the cache and reports the same.
    again = subprocess.run(
        [str(REVIEWER), "scan", str(root), "--format", "json", "--jobs", jobs, "--select", "ALL,SQL001,SQL010"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.stdout == completed.stdout


def test_crashing_worker_costs_only_its_file(tmp_path: Path) -> None:
    """A worker that dies (as libcst's native parser can) loses only the file it was on, and
    the files that were in flight beside it are analysed again, not reported as crashed."""
    crash_rule = '''
import os

from reviewer.model import Category, Severity
from reviewer.rule import Example, PythonRule


class CrashOnMarker(PythonRule):
    """Stands in for a native crash: the process dies on a marked file."""

    code = "XCR001"
    name = "crash-on-marker"
    category = Category.OPS
    severity = Severity.LOW
    message = "never reported"
    fix = "nothing"
    triggers = ("CRASH_HERE",)
    valid = (Example("x = 1\\n"),)
    invalid = (Example("CRASH_HERE = 1\\n"),)

    def visit_Module(self, node) -> None:
        os._exit(70)
'''
    pack = write_pack(tmp_path / "pack", {"crash_on_marker.py": crash_rule})
    root = tmp_path / "proj"
    files = {f"m{number:02}.py": SQL001_HIGH for number in range(40)}
    files["boom.py"] = "CRASH_HERE = 1\n" + "# padding\n" * 500  # largest: in the first batch
    files[".reviewer.yml"] = "select: [SQL001, XCR001]\n"
    write_tree(root, files)
    completed = subprocess.run(
        [str(REVIEWER), "scan", str(root), "--format", "json", "--no-cache", "--jobs", "2", "--rule-pack", str(pack)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["errors"] == [{"path": "boom.py", "kind": "crash", "message": "the analyser crashed on this file"}]
    assert sorted(f["path"] for f in report["findings"]) == [f"m{number:02}.py" for number in range(40)]


def test_file_timeout(tmp_path: Path) -> None:
    body = "".join(f'    cur.execute("SELECT id FROM t WHERE a = %s", (x{number},))\n' for number in range(4000))
    root = write_tree(tmp_path / "proj", {"big.py": "def f(cur):\n" + body, "query.py": SQL001_HIGH})
    config = replace(Config(root=str(root)), file_timeout=0.5, select=("SQL001",))
    result = scan_tree(root, config=config)
    assert [(e.path, e.kind, e.message) for e in result.errors] == [
        ("big.py", "timeout", "analysis took longer than 0.5 s (file-timeout)")
    ]
    assert [(f.path, f.line) for f in result.findings] == [("query.py", 2)]
    assert result.files == 2


def test_file_timeout_from_config_through_the_cli(tmp_path: Path) -> None:
    body = "".join(f'    cur.execute("SELECT id FROM t WHERE a = %s", (x{number},))\n' for number in range(4000))
    root = write_tree(
        tmp_path / "proj",
        {"big.py": "def f(cur):\n" + body, "query.py": SQL001_HIGH, ".reviewer.yml": "file-timeout: 0.5\nselect: [SQL001]\n"},
    )
    report = json.loads(run_cli("scan", root, "--format", "json").stdout)
    assert [(e["path"], e["kind"]) for e in report["errors"]] == [("big.py", "timeout")]
    assert [(f["path"], f["line"]) for f in report["findings"]] == [("query.py", 2)]
    # A timed-out file is not cached: the next run tries it again.
    again = json.loads(run_cli("scan", root, "--format", "json").stdout)
    assert again["errors"] == report["errors"]


def test_a_directory_named_like_a_python_file(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", {"pkg.py/inner.py": SQL001_HIGH, "query.py": SQL001_HIGH})
    result = scan_tree(root, select=("SQL001",))
    assert [(f.path, f.line) for f in result.findings] == [("pkg.py/inner.py", 2), ("query.py", 2)]
    assert result.errors == ()


def test_explicit_unreadable_targets(tmp_path: Path) -> None:
    root = make_battery(tmp_path / "proj")
    completed = subprocess.run(
        [str(REVIEWER), "scan", "bad/fifo.py", "bad/dangling.py", "good/query.py", "--format", "json", "--no-cache", "--select", "SQL001"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert [(e["path"], e["kind"]) for e in report["errors"]] == [
        ("bad/dangling.py", "broken-symlink"),
        ("bad/fifo.py", "unreadable"),
    ]
    assert [(f["path"], f["line"]) for f in report["findings"]] == [("good/query.py", 2)]


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        (".reviewer.yml", "select: [SQL001\n  - bad: {\n", "not valid YAML"),
        ("pyproject.toml", "[tool.reviewer]\nselect = [\n", "not valid TOML"),
    ],
)
def test_malformed_config_exits_2(tmp_path: Path, name: str, text: str, words: str) -> None:
    root = write_tree(tmp_path / "proj", {"query.py": SQL001_HIGH, name: text})
    completed = run_cli("scan", root, "--no-cache")
    assert completed.exit_code == 2
    assert str(root / name) in completed.stderr
    assert words in completed.stderr
    assert completed.stdout == ""


DEEP_BUT_VALID = {
    # CPython and libcst parse these; code generation and metadata recurse per level.
    "deep/long_and.py": "x = " + " and ".join(["a"] * 2500) + "\n",
    "deep/long_not.py": "x = " + "not " * 1000 + "a\n",
    "deep/long_attribute.py": "x = a" + ".b" * 1500 + "\n",
}


@pytest.mark.parametrize("jobs", [1, 2])
def test_deep_but_valid_file_with_a_finding(tmp_path: Path, jobs: int) -> None:
    """Either the file is analysed (its finding reported) or it is listed as too deep; the
    scan itself never dies of a RecursionError."""
    files = {path: text + SQL001_HIGH for path, text in DEEP_BUT_VALID.items()}
    files["good/query.py"] = SQL001_HIGH
    files.update({f"pad/mod{number:02}.py": "x = 1\n" for number in range(24 if jobs > 1 else 0)})
    root = write_tree(tmp_path / "proj", files)
    result = scan_tree(root, select=("SQL001",), jobs=jobs)
    errors = _errors(result.errors)
    found = {(f.path, f.line) for f in result.findings}
    assert ("good/query.py", 2) in found
    for path in DEEP_BUT_VALID:
        analysed = (path, 3) in found
        too_deep = errors.get(path, ("", ""))[0] == "too-deep"
        assert analysed != too_deep, (path, errors.get(path), analysed)
    assert set(errors) <= set(DEEP_BUT_VALID)


def test_file_timeout_in_sql_analysis(tmp_path: Path) -> None:
    """The timeout is not swallowed by sqlglot (which wraps tokenizer exceptions) or by the
    parse helpers that catch Exception: it stays a timeout, not a parse error or a finding."""
    statements = "".join(f"SELECT a, b, c FROM t{number} WHERE x = {number};\n" for number in range(1500))
    root = write_tree(tmp_path / "proj", {"big.sql": statements})
    config = replace(Config(root=str(root)), file_timeout=0.05, select=("SQL001", "SQL010"))
    result = scan_tree(root, config=config)
    assert [(e.path, e.kind) for e in result.errors] == [("big.sql", "timeout")]
    assert result.findings == ()


def test_a_timeout_replaced_on_its_way_out_is_still_the_timeout(tmp_path: Path, monkeypatch) -> None:
    """A `finally` that runs while the timeout unwinds (libcst's metadata visitors pop their
    state in one) can raise its own error, which replaces the timeout: airflow's
    scheduler_job_runner.py reported `internal-error: KeyError: IndentedBlock(...)` at
    `MetadataWrapper.resolve` when its budget ran out there. The error is reported as the
    file's timeout, in the check and in the index pass, not as a bug or a rule's failure."""
    from reviewer import analyse, bounds, runner

    def interrupted_on_the_way_out(*args, **kwargs):
        state: dict = {}
        try:
            raise bounds.FileTimeout()
        finally:
            state["node"]  # KeyError, with the timeout as its context

    root = write_tree(tmp_path / "proj", {"big.py": SQL001_HIGH, "query.py": SQL001_HIGH.replace("def ", "def other_")})
    config = replace(Config(root=str(root)), file_timeout=30.0, select=("SQL001",))
    real = analyse.parse_python
    monkeypatch.setattr(analyse, "parse_python", lambda source, *rest: interrupted_on_the_way_out() if source.rel == "big.py" else real(source, *rest))
    result = scan_tree(root, config=config)
    assert [(e.path, e.kind) for e in result.errors] == [("big.py", "timeout")]
    assert [f.path for f in result.findings] == ["query.py"]
    # A rule's own guard does not take it for the rule's failure either.
    assert bounds.timed_out(KeyError("x")) is False
    try:
        interrupted_on_the_way_out()
    except KeyError as error:
        assert bounds.timed_out(error)
    monkeypatch.setattr(analyse, "parse_python", real)
    real_collect = runner._collect_facts
    monkeypatch.setattr(
        runner, "_collect_facts", lambda source, *rest: interrupted_on_the_way_out() if source.rel == "big.py" else real_collect(source, *rest)
    )
    result = scan_tree(root, config=config)
    assert ("big.py", "timeout") in [(e.path, e.kind) for e in result.errors]
    assert "internal-error" not in [e.kind for e in result.errors]
