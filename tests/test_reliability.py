"""Regression tests for issue 17 (no single file kills or blinds a scan; resource bounds; one
definition of a line): each case failed before its fix, in the way its docstring says."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from reviewer.config import Config
from tests.conftest import REPO, SQL001_HIGH, run_cli, scan_tree, stored_entries, write_tree

REVIEWER = REPO / ".venv" / "bin" / "reviewer"
# The finding every case below must keep: SQL001 on line 2.
FINDING = ("a.py", 2)
PAD = {f"pad/mod{number:02}.py": "x = 1\n" for number in range(24)}  # enough files for workers


def _scan(root: Path, *args: str) -> tuple[int, dict, str]:
    """The real command in a subprocess: exit code, JSON report, stderr."""
    done = subprocess.run(
        [str(REVIEWER), "scan", str(root), "--format", "json", "--no-cache", "--select", "SQL001", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(done.stdout) if done.stdout.startswith("{") else {}
    return done.returncode, report, done.stderr


@pytest.mark.parametrize("codec", ["undefined", "punycode"])
def test_a_coding_cookie_that_cannot_decode_is_an_encoding_error(tmp_path: Path, codec: str) -> None:
    """Before: `UnicodeError` escaped read_text; traceback and exit 1 for the whole scan."""
    root = write_tree(tmp_path / "proj", {"a.py": SQL001_HIGH, "b.py": f"# -*- coding: {codec} -*-\nx = 1\n"})
    result = scan_tree(root, select=("SQL001",))
    assert [(f.path, f.line) for f in result.findings] == [FINDING]
    assert [(e.path, e.kind) for e in result.errors] == [("b.py", "encoding")]
    assert codec in result.errors[0].message


def _elif_chain(branches: int) -> str:
    return "def g(x):\n    if x == 0:\n        pass\n" + "".join(f"    elif x == {n}:\n        pass\n" for n in range(1, branches))


# Valid Python whose libcst tree nests a few hundred levels deep. Before: the elif chain died
# in a worker with a RecursionError surfacing as KeyError (exit 1, a million lines of
# stderr); the others gave "too-deep" and lost every finding of the file.
DEEP_BUT_VALID = {
    "elif_chain": _elif_chain(600),
    "adjacent_literals": "s = (" + " ".join('"a"' for _ in range(340)) + ")\n",
    "and_terms": "s = " + " and ".join("a" for _ in range(340)) + "\n",
    "plus_terms": "s = " + " + ".join("a" for _ in range(340)) + "\n",
    "chained_calls": "s = a" + ".b()" * 340 + "\n",
}


@pytest.mark.parametrize("name", sorted(DEEP_BUT_VALID))
def test_deep_but_valid_code_is_analysed_in_one_process(tmp_path: Path, name: str) -> None:
    root = write_tree(tmp_path / "proj", {"a.py": SQL001_HIGH + DEEP_BUT_VALID[name]})
    result = scan_tree(root, select=("SQL001",))
    assert [(f.path, f.line) for f in result.findings] == [FINDING]
    assert result.errors == ()


def test_deep_but_valid_code_is_analysed_in_workers(tmp_path: Path) -> None:
    files = {f"{name}/a.py": SQL001_HIGH + text for name, text in DEEP_BUT_VALID.items()}
    root = write_tree(tmp_path / "proj", {**files, **PAD})
    code, report, stderr = _scan(root, "--jobs", "2")
    assert (code, report["errors"], stderr) == (0, [], "")
    assert sorted(f["path"] for f in report["findings"]) == sorted(files)


def test_libcst_parser_limit_keeps_the_other_rules_and_names_the_skipped_ones(tmp_path: Path) -> None:
    """3,001 adjacent literals are valid Python that libcst's parser refuses. Before: a
    "syntax-error" and no finding at all. Now: bandit's tests (on CPython's tree) still run,
    and the error names the rules that could not."""
    literals = "s = (" + " ".join('"a"' for _ in range(3001)) + ")\n"
    root = write_tree(tmp_path / "proj", {"a.py": "import pickle\npickle.loads(data)\n" + SQL001_HIGH + literals})
    result = scan_tree(root, select=("SQL001", "B301"))
    assert [(f.rule, f.line) for f in result.findings] == [("B301", 2)]
    [error] = result.errors
    assert (error.path, error.kind) == ("a.py", "partial")
    assert "libcst" in error.message and "SQL001" in error.message and "B301" not in error.message


def test_sql_nesting_gives_the_same_result_with_any_jobs(tmp_path: Path) -> None:
    """Before: SQL nested 45 parentheses deep was an SQL010 (RecursionError in sqlglot) with
    `--jobs 2` and clean with `--jobs 1`: the recursion depth left depended on the process."""
    deep = "SELECT " + "(" * 45 + "1" + ")" * 45 + " FROM t;\n"
    root = write_tree(tmp_path / "proj", {"db/deep.sql": deep, **{f"db/f{n:02}.sql": "SELECT 1 FROM t;\n" for n in range(24)}})
    reports = []
    for jobs in ("1", "2"):
        code, report, stderr = _scan(root, "--select", "SQL010", "--jobs", jobs)
        assert (code, stderr) == (0, "")
        reports.append((report["findings"], report["errors"]))
    assert reports[0] == reports[1] == ([], [])


def test_jobs_are_capped_at_the_core_count(monkeypatch) -> None:
    from reviewer import runner

    monkeypatch.setattr(runner.os, "cpu_count", lambda: 2)
    assert runner.worker_count(48) == 2
    assert runner.worker_count(None) == 2
    assert runner.worker_count(1) == 1


def test_a_file_too_large_for_libcst_is_bounded_by_structure(tmp_path: Path) -> None:
    """A 1.98 MB `x = [1, 1, ...]` (under max-file-size) took 2.6 GB in libcst before the
    timeout fired. Files are now bounded by their token count, whatever the clock says."""
    huge = "x = [" + ", ".join("1" for _ in range(660_000)) + "]\n"
    assert len(huge) < Config().max_file_size
    many = "VALUES = [\n" + "    1,\n" * 60_000 + "]\n"  # 120k tokens: CPython's tree only
    root = write_tree(tmp_path / "proj", {"a.py": SQL001_HIGH, "huge.py": huge, "many.py": "import pickle\npickle.loads(b)\ncur.execute('SELECT 1')  # SQL001 would read it\n" + many})
    result = scan_tree(root, select=("SQL001", "B301"), config=replace(Config(root=str(root)), file_timeout=600))
    assert [(f.path, f.rule) for f in result.findings] == [("a.py", "SQL001"), ("many.py", "B301")]
    errors = {e.path: (e.kind, e.message) for e in result.errors}
    assert errors["huge.py"][0] == "too-complex" and "500,000" in errors["huge.py"][1]
    assert errors["many.py"][0] == "partial" and "SQL001" in errors["many.py"][1]


def test_one_time_budget_per_file_across_passes(tmp_path: Path, monkeypatch) -> None:
    """The index pass and the check pass share one `file-timeout` per file: time spent
    indexing a file is taken off what its check may take."""
    from reviewer import runner

    root = write_tree(tmp_path / "proj", {"a.py": SQL001_HIGH})
    config = replace(Config(root=str(root)), file_timeout=5.0, select=("SQL001",))
    index = runner.build_index(root, runner.discover(root, [root], (), True), config)
    assert index.spent.keys() <= {"a.py"}
    spent = replace(index, spent={"a.py": 5.0})
    monkeypatch.setattr(runner, "index_and_stage", lambda *args, **kwargs: (spent, {}))
    result = scan_tree(root, config=config)
    assert [(e.path, e.kind) for e in result.errors] == [("a.py", "timeout")]
    assert result.findings == ()


def test_an_unexpected_crash_in_one_file_is_an_error_entry(tmp_path: Path, monkeypatch) -> None:
    """Whatever goes wrong inside one file's analysis is that file's error, never the scan's."""
    from reviewer import analyse

    root = write_tree(tmp_path / "proj", {"a.py": SQL001_HIGH, "b.py": "x = 1\n"})
    real = analyse._take_stage

    # b.py needs no libcst rule, so the index worker finishes its check (analyse.finished):
    # the crash there sends it to the check pass, which meets it again and reports it.
    def explode(result, first):
        if result.path == "b.py":
            raise LookupError("boom")
        real(result, first)

    monkeypatch.setattr(analyse, "_take_stage", explode)
    result = scan_tree(root, select=("SQL001",))
    assert [(f.path, f.line) for f in result.findings] == [FINDING]
    assert [(e.path, e.kind) for e in result.errors] == [("b.py", "internal-error")]
    assert "LookupError: boom" in result.errors[0].message
    # Where it was raised in the engine comes first, before an exception text that may be
    # cut short (the test's own frame is not the engine's: the innermost engine frame is the
    # call of the patched function).
    assert "analysis failed at reviewer/analyse.py:" in result.errors[0].message


# --------------------------------------------------------------------------------------------
# One definition of a line


UNICODE_BREAKS = "\u2028\u2029\x0c\x0b\x1c\x1d\x1e\x85"


def test_unicode_line_separators_do_not_shift_suppressions(tmp_path: Path) -> None:
    """Before: `str.splitlines()` broke lines at U+2028 and the like, which Python does not,
    so a suppression above a line covered the line after it and the report quoted the wrong
    line."""
    text = (
        f'NOTE = "a{UNICODE_BREAKS}b"\n'
        "def find(cur, email):\n"
        "    # reviewer: ignore[SQL001] fixture data only\n"
        "    cur.execute(\"SELECT id FROM accounts WHERE email = '%s'\" % email)\n"
        "def other(cur, email):\n"
        "    cur.execute(\"SELECT id FROM users WHERE email = '%s'\" % email)\n"
    )
    root = write_tree(tmp_path / "proj", {"a.py": text})
    result = scan_tree(root, select=("SQL001", "RVW"))
    assert result.suppressed == 1
    assert [(f.rule, f.line) for f in result.findings] == [("SQL001", 6)]
    assert "FROM users" in result.findings[0].context


def test_the_text_report_quotes_the_flagged_line(tmp_path: Path) -> None:
    text = f'NOTE = "a{UNICODE_BREAKS}b"\n' + SQL001_HIGH
    root = write_tree(tmp_path / "proj", {"a.py": text})
    report = run_cli("scan", root, "--no-cache", "--select", "SQL001")
    quoted = [line for line in report.stdout.split("\n") if line.strip().startswith("3 |")]
    assert len(quoted) == 1 and "cur.execute(" in quoted[0], report.stdout


def test_no_splitlines_on_source_text_in_the_engine() -> None:
    """Every split of source text goes through reviewer.lines (a .gitignore file and an error
    message are not source text)."""
    not_source = {"lines.py", "discovery.py", "sqltext.py"}
    offenders = []
    for path in sorted((REPO / "reviewer").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            if ".splitlines()" in line and path.name not in not_source:
                offenders.append(f"{path.relative_to(REPO)}:{number}")
    assert offenders == []


# --------------------------------------------------------------------------------------------
# Cache integrity


def _cache_entries(tmp_path: Path) -> list:
    """Every cache entry a scan wrote, wherever the cache lives: the entries of its databases,
    and its JSON files."""
    import os

    home = Path(os.environ["REVIEWER_CACHE_DIR"])
    return [*stored_entries(home, "*"), *stored_entries(tmp_path, "*"), *sorted({*tmp_path.rglob("*.json"), *home.rglob("*.json")})]


def test_a_cache_committed_in_the_tree_is_never_read(tmp_path: Path) -> None:
    """Before: `.reviewer_cache/` in the scanned tree was trusted; entries edited to
    `"findings": []` made `--fail-on medium` pass on a file with an SQL injection."""
    import os
    import shutil

    root = write_tree(tmp_path / "proj", {"a.py": SQL001_HIGH})
    assert run_cli("scan", root, "--fail-on", "medium", "--select", "SQL001").exit_code == 1
    for entry in _cache_entries(tmp_path):
        data = json.loads(entry.read_text())
        if isinstance(data, dict) and "findings" in data:
            data["findings"] = []
            entry.write_text(json.dumps(data))
    home = Path(os.environ["REVIEWER_CACHE_DIR"])
    shutil.copytree(home, root / ".reviewer_cache")  # the cache, as a pull request could commit it
    shutil.rmtree(home)
    home.mkdir()
    assert run_cli("scan", root, "--fail-on", "medium", "--select", "SQL001").exit_code == 1


# Valid JSON of the wrong shape for each kind of entry.
WRONG_SHAPES = [
    {"path": "a.py", "lines": "3", "findings": "none", "directives": [], "errors": []},
    {"path": "a.py", "lines": 3, "findings": [{"rule": "SQL001", "line": "2"}], "directives": [], "errors": []},
    {"path": "a.py", "lines": 3, "findings": [], "directives": [[1]], "errors": [{"path": 1}]},
    {"facts": {"routes": 5, "models": [1]}},
    {"facts": []},
    [],
]


@pytest.mark.parametrize("shape", range(len(WRONG_SHAPES)))
def test_cache_entries_of_the_wrong_shape_are_misses(tmp_path: Path, shape: int) -> None:
    """Before: entries that were valid JSON with wrong types crashed every later scan."""
    sample = tmp_path / "proj"
    import shutil

    shutil.copytree(REPO / "sample_projects" / "fastapi_orders", sample)
    cold = scan_tree(sample, use_cache=True)
    entries = _cache_entries(tmp_path)
    assert entries
    for entry in entries:
        entry.write_text(json.dumps(WRONG_SHAPES[shape]))
    warm = scan_tree(sample, use_cache=True)
    assert warm.cache_hits == 0
    assert (warm.findings, warm.errors) == (cold.findings, cold.errors)


def test_index_cache_key_includes_max_file_size(tmp_path: Path) -> None:
    """Before: a scan with a small max-file-size cached empty index facts, and a later scan
    with the default reused them and missed findings a cold scan reports."""
    import shutil

    sample = tmp_path / "proj"
    shutil.copytree(REPO / "sample_projects" / "django_shop", sample)
    cold = scan_tree(sample)
    assert cold.findings
    scan_tree(sample, use_cache=True, config=replace(Config(root=str(sample)), max_file_size=1))
    warm = scan_tree(sample, use_cache=True)
    assert warm.findings == cold.findings


def test_cache_keys_include_the_toolchain(tmp_path: Path, monkeypatch) -> None:
    """Before: the Python, libcst and sqlglot versions were in no key (a 3.12 run reused a 3.11
    syntax-error entry)."""
    import platform

    from reviewer import cache, runner

    chain = cache.toolchain()
    for part in (platform.python_version(), "libcst ", "sqlglot ", "bandit "):
        assert part in chain
    root = write_tree(tmp_path / "proj", {"a.py": SQL001_HIGH, "b.py": "x = (\n"})
    scan_tree(root, use_cache=True)
    assert scan_tree(root, use_cache=True).cache_hits == 2
    monkeypatch.setattr(runner, "toolchain", lambda: chain + " | another python")
    assert scan_tree(root, use_cache=True).cache_hits == 0


def test_every_setting_says_whether_cached_results_depend_on_it() -> None:
    """A new Config field must be in the cache keys or listed as not shaping cached results."""
    import dataclasses

    from reviewer import config

    fields = {field.name for field in dataclasses.fields(config.Config)}
    keyed = set(config.FINDING_SETTINGS)
    assert set(config.FACT_SETTINGS) <= keyed
    assert keyed.isdisjoint(config.NO_CACHED_RESULT_SETTINGS)
    assert fields == keyed | set(config.NO_CACHED_RESULT_SETTINGS)


def test_fail_on_error_fails_the_gate_when_a_file_was_not_analysed(tmp_path: Path) -> None:
    """Before, `errors` could not fail the gate: a file no rule could read passed CI."""
    root = write_tree(tmp_path / "proj", {"ok.py": "x = 1\n", "bad.py": "# -*- coding: undefined -*-\nx = 1\n"})
    assert run_cli("scan", root, "--no-cache").exit_code == 0
    failed = run_cli("scan", root, "--no-cache", "--fail-on-error")
    assert failed.exit_code == 1
    assert "1 file(s) could not be analysed fully, see errors (fail-on-error)" in failed.stdout
    (root / "bad.py").write_text("x = 2\n")
    passed = run_cli("scan", root, "--no-cache", "--fail-on-error")
    assert passed.exit_code == 0 and "every file was analysed (fail-on-error)" in passed.stdout


# --------------------------------------------------------------------------------------------
# Bad settings exit 2 with the reason (why-item 12, in part)


@pytest.mark.parametrize(
    "text,words",
    [
        ("file-timeout: .inf\n", "file-timeout"),
        ("file-timeout: .nan\n", "file-timeout"),
        ("max-file-size: .inf\n", "max-file-size"),
        ('exclude: ["***/[z-a]"]\n', "not a valid glob"),
        ('per-path-ignores:\n  "***/[z-a]": [SQL001]\n', "not a valid glob"),
    ],
)
def test_out_of_range_settings_exit_2(tmp_path: Path, text: str, words: str) -> None:
    """Before: a traceback (invalid glob classes) or a scan that never times out (`.inf`)."""
    root = write_tree(tmp_path / "proj", {".reviewer.yml": text, "a.py": SQL001_HIGH})
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output


def test_bad_command_line_values_exit_2(tmp_path: Path) -> None:
    """Before: `-o json:FOLDER` and a baseline line of 1e400 ended in tracebacks, and
    `reviewer scan ""` scanned the current folder."""
    root = write_tree(tmp_path / "proj", {"a.py": "x = 1\n"})
    (tmp_path / "out").mkdir()
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"version": 1, "findings": [{"rule": "SQL001", "path": "a.py", "line": 1e400, "fingerprint": "f"}]}')
    for args, words in [
        (("-o", f"json:{tmp_path / 'out'}"), "is a folder"),
        (("--baseline", str(baseline)), "whole-number line"),
    ]:
        result = run_cli("scan", root, "--no-cache", *args)
        assert result.exit_code == 2 and words in result.output, result.output
    empty = run_cli("scan", "", "--no-cache")
    assert empty.exit_code == 2 and "empty path" in empty.output

