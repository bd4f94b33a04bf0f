"""Suppression comments: where they apply, what they suppress, and the meta findings about them
(RVW001 no reason, RVW002 unknown code, RVW003 unused)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from reviewer.config import Config
from reviewer.runner import ScanResult
from reviewer.suppress import Directive, parse_directives
from tests.conftest import SQL001_HIGH, run_cli, scan_tree, write_pack, write_tree

QUERY = "    cur.execute(\"SELECT id FROM accounts WHERE email = '%s'\" % email)"  # SQL001


def _scan(tmp_path: Path, files: dict[str, str | bytes], select: tuple[str, ...] = (), pack: bool = False) -> ScanResult:
    root = tmp_path / "proj"
    write_tree(root, files)
    # Rules pinned unless a test selects, so that new rules do not change the findings.
    select = select or ("SQL001", "RVW", *(("XPY001", "XSQ001", "XPR001") if pack else ()))
    config = Config(root=str(root))
    if pack:
        config = replace(config, rule_packs=(str(write_pack(tmp_path / "pack")),))
    return scan_tree(root, select=select, config=config)


def _where(result: ScanResult) -> list[tuple[str, str, int, int]]:
    return [(f.path, f.rule, f.line, f.location.column) for f in result.findings]


# ----------------------------------------------------------------------------------------------
# Where a directive applies


def test_unsuppressed_baseline(tmp_path: Path) -> None:
    result = _scan(tmp_path, {"q.py": SQL001_HIGH})
    assert _where(result) == [("q.py", "SQL001", 2, 5)]
    assert result.suppressed == 0


def test_on_the_flagged_line(tmp_path: Path) -> None:
    code = "def find(cur, email):\n" + QUERY + "  # reviewer: ignore[SQL001] email is validated upstream\n"
    result = _scan(tmp_path, {"q.py": code})
    assert result.findings == ()
    assert result.suppressed == 1


def test_alone_on_the_line_above(tmp_path: Path) -> None:
    code = "def find(cur, email):\n    # reviewer: ignore[SQL001] email is validated upstream\n" + QUERY + "\n"
    result = _scan(tmp_path, {"q.py": code})
    assert result.findings == ()
    assert result.suppressed == 1


def test_alone_above_with_a_comment_block_between(tmp_path: Path) -> None:
    code = (
        "def find(cur, email):\n"
        "    # reviewer: ignore[SQL001] email is validated upstream\n"
        "    # (see accounts/forms.py)\n"
        "    #\n"
        + QUERY
        + "\n"
    )
    result = _scan(tmp_path, {"q.py": code})
    assert result.findings == ()
    assert result.suppressed == 1


def test_only_the_next_code_line(tmp_path: Path) -> None:
    code = (
        "def find(cur, email):\n"
        "    # reviewer: ignore[SQL001] first query only\n"
        + QUERY
        + "\n"
        + QUERY
        + "\n"
    )
    result = _scan(tmp_path, {"q.py": code})
    assert _where(result) == [("q.py", "SQL001", 4, 5)]
    assert result.suppressed == 1


def test_a_trailing_comment_does_not_cover_the_next_line(tmp_path: Path) -> None:
    code = "def find(cur, email):\n    x = 1  # reviewer: ignore[SQL001] wrong line\n" + QUERY + "\n"
    result = _scan(tmp_path, {"q.py": code})
    assert _where(result) == [("q.py", "RVW003", 2, 12), ("q.py", "SQL001", 3, 5)]
    assert result.suppressed == 0


def test_on_the_first_line_of_a_multiline_call(tmp_path: Path) -> None:
    code = (
        "def find(cur, email):\n"
        "    cur.execute(  # reviewer: ignore[SQL001] legacy report, email is an enum value\n"
        "        \"SELECT id FROM accounts WHERE email = '%s'\" % email\n"
        "    )\n"
    )
    result = _scan(tmp_path, {"q.py": code})
    assert result.findings == ()
    assert result.suppressed == 1


def test_ignore_file(tmp_path: Path) -> None:
    code = "# reviewer: ignore-file[SQL001] generated admin queries, reviewed in #4312\n" + SQL001_HIGH + QUERY.replace(
        "    ", "", 1
    ).join(["def again(cur, email):\n    ", "\n"])
    result = _scan(tmp_path, {"q.py": code, "other.py": SQL001_HIGH})
    assert _where(result) == [("other.py", "SQL001", 2, 5)]
    assert result.suppressed == 2


def test_multiple_codes(tmp_path: Path) -> None:
    code = "def find(cur, email):\n" + QUERY.replace("cur.execute(", "print(cur.execute(") + ")  # reviewer: ignore[SQL001, XPY001] audited\n"
    unsuppressed = _scan(tmp_path / "b", {"q.py": code.split("  #")[0] + "\n"}, pack=True)
    assert sorted(f.rule for f in unsuppressed.findings) == ["SQL001", "XPY001"]
    result = _scan(tmp_path / "c", {"q.py": code}, pack=True)
    assert result.findings == ()
    assert result.suppressed == 2


def test_one_code_does_not_suppress_another(tmp_path: Path) -> None:
    code = "def find(cur, email):\n" + QUERY.replace("cur.execute(", "print(cur.execute(") + ")  # reviewer: ignore[XPY001] debugging\n"
    result = _scan(tmp_path, {"q.py": code}, pack=True)
    assert _where(result) == [("q.py", "SQL001", 2, 11)]
    assert result.suppressed == 1


def test_sql_directives(tmp_path: Path) -> None:
    sql = (
        "DELETE FROM sessions;  -- reviewer: ignore[XSQ001] table is a cache, emptied nightly\n"
        "-- reviewer: ignore[XSQ001] staging data only\n"
        "DELETE FROM staging;\n"
        "DELETE FROM users;\n"
    )
    result = _scan(tmp_path, {"db/cleanup.sql": sql}, select=("XSQ001", "RVW"), pack=True)
    assert [(f.path, f.rule, f.line) for f in result.findings] == [("db/cleanup.sql", "XSQ001", 4)]
    assert result.suppressed == 2


def test_sql_ignore_file(tmp_path: Path) -> None:
    sql = "-- reviewer: ignore-file[XSQ001] throwaway test fixture\nDELETE FROM a;\nDELETE FROM b;\n"
    result = _scan(tmp_path, {"fixture.sql": sql}, select=("XSQ001", "RVW"), pack=True)
    assert result.findings == ()
    assert result.suppressed == 2


def test_directive_inside_a_python_string_does_not_count(tmp_path: Path) -> None:
    code = (
        "def find(cur, email):\n"
        "    cur.execute(\"SELECT id FROM accounts WHERE email = '%s' # reviewer: ignore[SQL001] no\" % email)\n"
        "    doc = '''\n"
        "# reviewer: ignore[SQL001] inside a docstring\n"
        "'''\n"
        + QUERY
        + "\n"
    )
    result = _scan(tmp_path, {"q.py": code})
    assert _where(result) == [("q.py", "SQL001", 2, 5), ("q.py", "SQL001", 6, 5)]
    assert result.suppressed == 0
    assert parse_directives(code, is_sql=False) == []


def test_directive_inside_an_sql_string_does_not_count(tmp_path: Path) -> None:
    sql = "DELETE FROM t; SELECT '-- reviewer: ignore[XSQ001] not a comment';\n"
    result = _scan(tmp_path, {"q.sql": sql}, select=("XSQ001", "RVW"), pack=True)
    assert [(f.path, f.rule, f.line) for f in result.findings] == [("q.sql", "XSQ001", 1)]
    assert result.suppressed == 0
    assert parse_directives(sql, is_sql=True) == []


def test_parse_directives() -> None:
    text = (
        "x = 1  # reviewer: ignore[sql001,  RVW002 ] why: reasons\n"
        "# reviewer: ignore[SQL001]\n"
        "\n"
        "y = 2\n"
        "# reviewer:ignore-file[SQL001] - generated\n"
        "# reviewer: ignore\n"
        "z = 3\n"
    )
    assert parse_directives(text, is_sql=False) == [
        Directive(line=1, target=1, codes=("SQL001", "RVW002"), reason="why: reasons", column=8),
        Directive(line=2, target=4, codes=("SQL001",), reason="", column=1),
        Directive(line=5, target=0, codes=("SQL001",), reason="generated", column=1),
        Directive(line=6, target=7, codes=(), reason="", column=1),
    ]


# ----------------------------------------------------------------------------------------------
# Counting


def test_suppressed_findings_are_counted_not_listed(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write_tree(
        root,
        {
            "a.py": "def find(cur, email):\n" + QUERY + "  # reviewer: ignore[SQL001] enum value\n",
            "b.py": SQL001_HIGH,
            ".reviewer.yml": "select: [SQL001, RVW]\n",
        },
    )
    import json

    result = run_cli("scan", root, "--format", "json", "--no-cache")
    report = json.loads(result.stdout)
    assert report["summary"]["suppressed"] == 1
    assert report["summary"]["findings"] == 1
    assert [(f["path"], f["rule"]) for f in report["findings"]] == [("b.py", "SQL001")]
    text = run_cli("scan", root, "--no-cache").stdout
    assert "1 suppressed" in text
    assert "a.py" not in text


# ----------------------------------------------------------------------------------------------
# Meta findings


def test_rvw001_no_reason(tmp_path: Path) -> None:
    code = "def find(cur, email):\n" + QUERY + "  # reviewer: ignore[SQL001]\n"
    result = _scan(tmp_path, {"q.py": code})
    assert _where(result) == [("q.py", "RVW001", 2, 72)]
    assert result.suppressed == 1  # the finding is still suppressed
    (finding,) = result.findings
    assert finding.message == "Suppression of `SQL001` gives no reason"
    assert (finding.severity.value, finding.category.value) == ("low", "meta")


def test_rvw001_in_sql(tmp_path: Path) -> None:
    sql = "SELECT 1;\n-- reviewer: ignore[XSQ001]\nDELETE FROM t;\n"
    result = _scan(tmp_path, {"q.sql": sql}, select=("XSQ001", "RVW"), pack=True)
    assert _where(result) == [("q.sql", "RVW001", 2, 1)]
    assert result.suppressed == 1


def test_rvw002_unknown_code(tmp_path: Path) -> None:
    code = "def find(cur, email):\n" + QUERY + "  # reviewer: ignore[SQL01] typo\n"
    result = _scan(tmp_path, {"q.py": code})
    assert _where(result) == [("q.py", "SQL001", 2, 5), ("q.py", "RVW002", 2, 72)]
    assert result.findings[1].message == "Suppression names `SQL01`, which is not a rule code"
    assert result.suppressed == 0


def test_rvw002_bare_ignore_without_codes(tmp_path: Path) -> None:
    code = "def find(cur, email):\n    # reviewer: ignore\n" + QUERY + "\n"
    result = _scan(tmp_path, {"q.py": code})
    assert _where(result) == [("q.py", "RVW001", 2, 5), ("q.py", "RVW002", 2, 5), ("q.py", "SQL001", 3, 5)]
    assert result.suppressed == 0


def test_rvw003_unused(tmp_path: Path) -> None:
    code = "total = 1  # reviewer: ignore[SQL001] legacy\n\n# reviewer: ignore[SQL001] old query\ncount = 2\n"
    result = _scan(tmp_path, {"q.py": code})
    assert _where(result) == [("q.py", "RVW003", 1, 12), ("q.py", "RVW003", 3, 1)]
    assert result.findings[0].message == "Suppression of `SQL001` suppresses nothing"


def test_rvw003_names_only_the_unused_code(tmp_path: Path) -> None:
    code = "def find(cur, email):\n" + QUERY + "  # reviewer: ignore[SQL001, XPY001] audited\n"
    result = _scan(tmp_path, {"q.py": code}, pack=True)
    assert _where(result) == [("q.py", "RVW003", 2, 72)]
    assert result.findings[0].message == "Suppression of `XPY001` suppresses nothing"
    assert result.suppressed == 1


def test_rvw003_ignore_file_unused(tmp_path: Path) -> None:
    result = _scan(tmp_path, {"q.py": "x = 1\n# reviewer: ignore-file[SQL001] generated\n"})
    assert _where(result) == [("q.py", "RVW003", 2, 1)]


def test_no_rvw003_for_a_rule_that_did_not_run(tmp_path: Path) -> None:
    code = "def find(cur, email):\n" + QUERY + "  # reviewer: ignore[SQL001] enum value\n"
    # SQL001 is not enabled: its suppression cannot be judged unused.
    result = _scan(tmp_path / "a", {"q.py": code}, select=("RVW",))
    assert result.findings == ()
    assert result.suppressed == 0
    # A suppression naming a meta code whose rule is not enabled.
    code = "x = 1  # reviewer: ignore[RVW002] not enabled here\n"
    result = _scan(tmp_path / "b", {"q.py": code}, select=("SQL001", "RVW001", "RVW003"))
    assert result.findings == ()
    # Rules of a pack that is not loaded are unknown codes, not unused ones.
    code = "x = 1  # reviewer: ignore[XPY001] pack rule\n"
    result = _scan(tmp_path / "c", {"q.py": code})
    assert [(f.rule, f.message) for f in result.findings] == [("RVW002", "Suppression names `XPY001`, which is not a rule code")]


def test_no_rvw003_with_select_on_the_command_line(tmp_path: Path) -> None:
    import json

    root = write_tree(
        tmp_path,
        {
            "q.py": SQL001_HIGH + "x = 1  # reviewer: ignore[RVW001] n/a\ny = 1  # reviewer: ignore[SQL001] n/a\n",
            ".reviewer.yml": "select: [SQL001, RVW]\n",
        },
    )
    report = json.loads(run_cli("scan", root, "--format", "json", "--no-cache", "--select", "SQL001").stdout)
    assert [f["rule"] for f in report["findings"]] == ["SQL001"]
    report = json.loads(run_cli("scan", root, "--format", "json", "--no-cache").stdout)
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("SQL001", 2), ("RVW003", 3), ("RVW003", 4)]


def test_no_rvw003_in_a_file_that_failed_to_parse(tmp_path: Path) -> None:
    code = "x = 1  # reviewer: ignore[SQL001] legacy\ndef broken(:\n    cur.execute('x')\n"
    result = _scan(tmp_path, {"broken.py": code, "ok.py": "y = 1  # reviewer: ignore[SQL001] legacy\n"})
    assert _where(result) == [("ok.py", "RVW003", 1, 8)]
    assert [(e.path, e.kind) for e in result.errors] == [("broken.py", "syntax-error")]


def test_meta_rules_can_be_ignored(tmp_path: Path) -> None:
    code = "total = 1  # reviewer: ignore[SQL01]\n"
    assert sorted(f.rule for f in _scan(tmp_path / "a", {"q.py": code}).findings) == ["RVW001", "RVW002"]
    root = tmp_path / "b"
    write_tree(root, {"q.py": code})
    config = Config(root=str(root), select=("SQL001", "RVW"), ignore=("RVW001",))
    assert [f.rule for f in scan_tree(root, config=config).findings] == ["RVW002"]
    config = Config(root=str(root), select=("SQL001", "RVW"), per_path_ignores=(("q.py", ("meta",)),))
    assert scan_tree(root, config=config).findings == ()


@pytest.mark.parametrize("directive", ["# reviewer: ignore[SQL001] ok", "#reviewer:ignore[SQL001] ok", "# noqa  # reviewer: ignore[SQL001] ok"])
def test_spelling_variants(tmp_path: Path, directive: str) -> None:
    code = "def find(cur, email):\n" + QUERY + "  " + directive + "\n"
    result = _scan(tmp_path, {"q.py": code})
    assert result.findings == ()
    assert result.suppressed == 1
