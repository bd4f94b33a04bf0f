"""Fixes: planning without overlaps, parse-checked application, `reviewer fix`, the formats
that carry fixes, and the safety net: every fix of every rule's examples and of the sample
projects removes its finding, adds none, leaves files that parse, and a second run changes
nothing."""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from reviewer import fixes, fixrun, registry as registry_module
from reviewer.cli import main
from reviewer.config import Config, Released
from reviewer.examples import default_path, examples_of
from reviewer.model import Category, Confidence, Edit, Finding, Fix, Location, Severity
from reviewer.registry import select
from reviewer.reporters.json_report import as_dict
from reviewer.runner import scan
from tests.conftest import REPO

REGISTRY = registry_module.load()
SCHEMA = json.loads(Path("/work/shared/schemas/sarif-2.1.0.json").read_text()) if Path("/work/shared/schemas/sarif-2.1.0.json").exists() else None
UPDATE = os.environ.get("REVIEWER_UPDATE_EXPECTED") == "1"
SAMPLES = sorted(path for path in (REPO / "sample_projects").iterdir() if path.is_dir())


def _finding(line: int, fix: Fix | None, rule: str = "OPS001") -> Finding:
    return Finding(rule, "x", Category.OPS, Severity.LOW, Confidence.HIGH, "a.py", Location(line, 1, line, 1), "m", "f", autofix=fix)


def _fix(*edits: Edit, safe: bool = True) -> Fix:
    return Fix("d", safe, edits)


# --------------------------------------------------------------------------------------------
# Planning and applying


def test_overlapping_fixes_wait_for_the_next_pass_and_identical_ones_count_once() -> None:
    first = _fix(Edit("a.py", 1, 1, 1, 5, "x"))
    overlapping = _fix(Edit("a.py", 1, 3, 1, 8, "y"))
    elsewhere = _fix(Edit("a.py", 2, 1, 2, 2, "z"))
    same_point = _fix(Edit("a.py", 3, 1, 3, 1, "p"))
    same_point_too = _fix(Edit("a.py", 3, 1, 3, 1, "q"))
    chosen = fixes.plan([_finding(1, first), _finding(1, overlapping), _finding(2, elsewhere), _finding(2, first),
                         _finding(3, same_point), _finding(3, same_point_too)])
    assert [fix for fix, _ in chosen.taken] == [first, elsewhere, same_point]
    assert len(dict(chosen.taken)[first]) == 2
    assert [f.autofix for f in chosen.deferred] == [overlapping, same_point_too]


def test_unsafe_fixes_are_planned_only_when_asked() -> None:
    unsafe = _fix(Edit("a.py", 1, 1, 1, 2, "x"), safe=False)
    assert not fixes.plan([_finding(1, unsafe)]).taken
    assert fixes.plan([_finding(1, unsafe)], unsafe=True).taken


def test_edits_keep_the_rest_of_the_text_byte_for_byte() -> None:
    text = "a = 1  # keep\r\nb = 2\n\tc = 3\n"
    edits = [Edit("a.py", 1, 5, 1, 6, "10"), Edit("a.py", 2, 1, 3, 1, ""), Edit("a.py", 4, 1, 4, 1, "d = 4\n")]
    assert fixes.apply_edits(text, edits) == "a = 10  # keep\r\n\tc = 3\nd = 4\n"
    with pytest.raises(fixes.EditOutOfRange):
        fixes.apply_edits(text, [Edit("a.py", 9, 1, 9, 1, "x")])


def test_a_fix_whose_result_does_not_parse_is_dropped_and_the_others_kept() -> None:
    good = _fix(Edit("a.py", 1, 5, 1, 6, "2"))
    bad = _fix(Edit("a.py", 2, 1, 2, 1, "def ("), Edit("b.py", 1, 1, 1, 1, "# touched\n"))
    outcome = fixes.apply([(good, ()), (bad, ())], {"a.py": "x = 1\ny = 2\n", "b.py": "z = 3\n"}, {})
    assert outcome.texts == {"a.py": "x = 2\ny = 2\n"}  # the bad fix goes whole, b.py untouched
    assert [reason for _, _, reason in outcome.dropped] == ["a.py would no longer parse"]


def test_sql_files_must_still_parse() -> None:
    assert fixes.parses("m.sql", "CREATE INDEX CONCURRENTLY i ON t (c);\n", "postgres")
    assert not fixes.parses("m.sql", "CREATE INDEX i ON t (c;\n", "postgres")


# --------------------------------------------------------------------------------------------
# `reviewer fix`

PAYMENTS = (
    "import requests\n\n\n"
    "def charge(url, payload):  # the card\n"
    "    total = 1  # reviewer: ignore[ORM010] legacy\n"
    "    return requests.post(\n"
    "        url,\n"
    "        json=payload,\n"
    "    ), total\n"
)


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "svc"
    root.mkdir()
    (root / "payments.py").write_text(PAYMENTS)
    (root / "payments.py").chmod(0o640)
    return root


def test_fix_applies_safe_fixes_keeps_mode_and_says_what_it_did(tmp_path: Path) -> None:
    root = _project(tmp_path)
    result = CliRunner().invoke(main, ["fix", str(root), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "fixed payments.py:5: RVW003 Remove the suppression of `ORM010`" in result.output
    assert "1 unsafe fix(es) not applied (add --unsafe-fixes" in result.output
    text = (root / "payments.py").read_text()
    assert text == PAYMENTS.replace("    total = 1  # reviewer: ignore[ORM010] legacy\n", "    total = 1\n")
    assert stat.S_IMODE((root / "payments.py").stat().st_mode) == 0o640
    assert [p.name for p in root.iterdir()] == ["payments.py"]  # no temporary file left


def test_unsafe_fixes_with_the_flag_then_nothing_left_to_change(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert CliRunner().invoke(main, ["fix", str(root), "--no-cache", "--unsafe-fixes"]).exit_code == 0
    text = (root / "payments.py").read_text()
    assert "        json=payload,\n        timeout=10,\n    ), total\n" in text
    assert "# the card" in text
    again = CliRunner().invoke(main, ["fix", str(root), "--no-cache", "--unsafe-fixes"])
    assert again.exit_code == 0 and "0 fix(es) applied in 0 file(s)" in again.output
    assert (root / "payments.py").read_text() == text


def test_diff_and_dry_run_write_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path)
    result = CliRunner().invoke(main, ["fix", str(root), "--no-cache", "--diff", "--unsafe-fixes"])
    assert result.exit_code == 0
    assert result.stdout.startswith("--- a/payments.py\n+++ b/payments.py\n")
    assert "+        timeout=10,\n" in result.stdout and "-    total = 1  # reviewer: ignore[ORM010] legacy\n" in result.stdout
    dry = CliRunner().invoke(main, ["fix", str(root), "--no-cache", "--dry-run"])
    assert "would fix payments.py:5: RVW003" in dry.output
    assert (root / "payments.py").read_text() == PAYMENTS


def test_the_option_sets_the_timeout_the_fix_writes(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / ".reviewer.yml").write_text('options:\n  OPS001:\n    fix-timeout: "(3.05, 27)"\n')
    assert CliRunner().invoke(main, ["fix", str(root), "--no-cache", "--unsafe-fixes"]).exit_code == 0
    assert "timeout=(3.05, 27)," in (root / "payments.py").read_text()


def test_a_file_not_in_utf8_keeps_its_findings_and_the_others_are_fixed(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "legacy.py").write_bytes(b"# -*- coding: latin-1 -*-\nimport requests\nrequests.get(u)  # caf\xe9\n")
    result = CliRunner().invoke(main, ["fix", str(root), "--no-cache", "--unsafe-fixes"])
    assert result.exit_code == 0, result.output
    assert "not fixed legacy.py:3: OPS001 Pass `timeout=10`: legacy.py is encoded as iso-8859-1; fixes are written to UTF-8 files only" in result.output
    assert "timeout=10" in (root / "payments.py").read_text()


def test_a_file_that_cannot_be_written_is_one_clear_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path)

    def refuse(path, text):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fixrun, "atomic_write", refuse)
    result = CliRunner().invoke(main, ["fix", str(root), "--no-cache"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == "Error: payments.py: cannot be written: Permission denied"
    assert "Traceback" not in result.output


def test_scan_says_how_many_findings_have_a_fix_and_how_to_apply_them(tmp_path: Path) -> None:
    root = _project(tmp_path)
    result = CliRunner().invoke(main, ["scan", str(root), "--no-cache"])
    assert "2 finding(s) have a fix: `reviewer fix" in result.output
    assert "applies the 1 safe one(s); `reviewer fix" in result.output and "--unsafe-fixes` also applies the 1 unsafe one(s)" in result.output


def test_json_carries_the_fix_and_the_cache_round_trips_it(tmp_path: Path) -> None:
    root = _project(tmp_path)
    data = json.loads(CliRunner().invoke(main, ["scan", str(root), "--no-cache", "--format", "json"]).output)
    ops = next(f for f in data["findings"] if f["rule"] == "OPS001")
    assert ops["autofix"] == {
        "description": "Pass `timeout=10`",
        "safe": False,
        "edits": [{"path": "payments.py", "line": 9, "column": 1, "end_line": 9, "end_column": 1, "replacement": "        timeout=10,\n"}],
    }
    finding = _finding(1, _fix(Edit("a.py", 1, 1, 1, 2, "x")))
    from reviewer.cache import FINDING, conforms

    assert conforms(finding.to_cache(), FINDING) and Finding.from_cache(finding.to_cache()).autofix == finding.autofix
    assert conforms(_finding(1, None).to_cache(), FINDING)


# --------------------------------------------------------------------------------------------
# Formats


@pytest.mark.skipif(SCHEMA is None, reason="the SARIF schema is in /work/shared/schemas")
def test_sarif_results_carry_fixes_that_validate(tmp_path: Path) -> None:
    root = _project(tmp_path)
    data = json.loads(CliRunner().invoke(main, ["scan", str(root), "--no-cache", "--format", "sarif"]).output)
    jsonschema.validate(data, SCHEMA)
    fixed = [r for r in data["runs"][0]["results"] if "fixes" in r]
    assert len(fixed) == 2
    change = next(r for r in fixed if r["ruleId"] == "RVW003")["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"].endswith("payments.py")
    assert change["replacements"] == [
        {"deletedRegion": {"startLine": 5, "startColumn": 14, "endLine": 5, "endColumn": 49}, "insertedContent": {"text": ""}}
    ]


def test_rdjson_diagnostics_carry_suggestions(tmp_path: Path) -> None:
    root = _project(tmp_path)
    data = json.loads(CliRunner().invoke(main, ["scan", str(root), "--no-cache", "--format", "rdjson"]).output)
    suggested = {d["code"]["value"]: d["suggestions"] for d in data["diagnostics"] if "suggestions" in d}
    assert suggested["RVW003"] == [{"range": {"start": {"line": 5, "column": 14}, "end": {"line": 5, "column": 49}}, "text": ""}]
    assert suggested["OPS001"][0]["text"] == "        timeout=10,\n"


def test_rdjson_columns_count_utf8_bytes_as_reviewdog_reads_them(tmp_path: Path) -> None:
    """reviewdog's Position.column is a UTF-8 byte count: "é" before the call is two bytes."""
    root = tmp_path / "svc"
    root.mkdir()
    (root / "fx.py").write_text('import requests\n\n\ndef rate():\n    note = "é"; return requests.get("https://fx.example")\n')
    data = json.loads(CliRunner().invoke(main, ["scan", str(root), "--no-cache", "--select", "OPS001", "--format", "rdjson"]).output)
    [diagnostic] = data["diagnostics"]
    line = '    note = "é"; return requests.get("https://fx.example")'
    start = len(line[: line.index("requests")].encode()) + 1
    assert diagnostic["location"]["range"]["start"] == {"line": 5, "column": start}
    assert diagnostic["location"]["range"]["end"] == {"line": 5, "column": len(line.encode()) + 1}
    [suggestion] = diagnostic["suggestions"]
    assert suggestion["range"]["start"]["column"] == len(line[: line.rindex(")")].encode()) + 1


# --------------------------------------------------------------------------------------------
# The safety net


def _key(finding: Finding) -> tuple[str, str]:
    """A finding across a fix, by rule and file: its line moves when a fix above it adds a
    line, and a message may quote code a fix changed (API001 names the query it reads)."""
    return (finding.rule, finding.path)


def _check_fixes(root: Path, config: Config, enabled) -> fixrun.FixRun:
    """Apply every fix (unsafe too) under `root` and check what the fixes promise."""
    before = scan([root], config, REGISTRY, enabled, jobs=1, use_cache=False)
    outcome = fixrun.run([root], config, REGISTRY, enabled, unsafe=True, write=True, jobs=1, use_cache=False)
    assert not outcome.dropped, [reason for _, _, reason in outcome.dropped]
    after = scan([root], config, REGISTRY, enabled, jobs=1, use_cache=False)
    fixed = Counter(_key(finding) for _, findings in outcome.applied for finding in findings)
    was, now = Counter(map(_key, before.findings)), Counter(map(_key, after.findings))
    for key, count in now.items():
        assert count <= was[key] - fixed[key], f"{key} is still there or new after fixing"
    assert not [f for f in after.findings if f.autofix is not None], "a fixable finding is left"
    for path in outcome.changes:
        assert fixes.parses(path, (root / path).read_text(), config.dialect), path
    again = fixrun.run([root], config, REGISTRY, enabled, unsafe=True, write=True, jobs=1, use_cache=False)
    assert again.changes == {}, "a second `fix` changed something"
    return outcome


FIXING_RULES = [rule for rule in REGISTRY.rules if rule.fixes]


def _example_cases():
    for rule in FIXING_RULES:
        for kind, number, example in examples_of(rule):
            if kind == "invalid":
                yield pytest.param(rule, example, id=f"{rule.code}-invalid-{number}")


@pytest.mark.parametrize(("rule", "example"), list(_example_cases()))
def test_every_fix_of_every_example_is_safe_to_apply(rule, example, tmp_path: Path) -> None:
    for rel, code in (*example.files, (example.path or default_path(rule), example.code)):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(code)
    config = Config(root=str(tmp_path), migrations_released=Released(git=False))
    _check_fixes(tmp_path, config, select(REGISTRY, ("ALL", rule.code), (), config.profile))


def test_every_rule_that_declares_fixes_pins_one_in_an_example() -> None:
    assert {rule.code for rule in FIXING_RULES} >= {"RVW003", "OPS001", "MIG003", "MIG004"}
    for rule in FIXING_RULES:
        assert any(example.fixed is not None for kind, _, example in examples_of(rule) if kind == "invalid"), rule.code
        assert set(rule.fixes.replace(" ", "").split(",")) <= {"safe", "unsafe"}, rule.code


# (fixes applied, deferred to a later pass) on each sample (audit profile, unsafe fixes too).
SAMPLE_FIXES = {"clean_inventory": (0, 0), "django_shop": (9, 2), "fastapi_orders": (3, 0), "flask_ledger": (3, 0)}


@pytest.mark.parametrize("project", SAMPLES, ids=[path.name for path in SAMPLES])
def test_fixing_a_sample_project_removes_its_fixable_findings(project: Path, tmp_path: Path) -> None:
    """The report after `reviewer fix --unsafe-fixes --profile audit` is committed as
    `expected.fixed.json` (regenerate with REVIEWER_UPDATE_EXPECTED=1, like expected.json)."""
    root = tmp_path / project.name
    shutil.copytree(project, root)
    (root / "expected.json").unlink()
    config = Config(root=str(root), migrations_released=Released(git=False), profile="audit")
    enabled = select(REGISTRY, (), (), "audit")
    outcome = _check_fixes(root, config, enabled)
    assert (len(outcome.applied), outcome.deferred) == SAMPLE_FIXES[project.name]
    report = as_dict(scan([root], config, REGISTRY, enabled, jobs=1, use_cache=False))
    report["tool"].pop("version")
    expected = project / "expected.fixed.json"
    if UPDATE:
        expected.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert report == json.loads(expected.read_text(encoding="utf-8"))


def _autofixes(root: Path, files: dict[str, str], rule: str) -> dict[tuple[str, int], dict | None]:
    """Write `files` under `root`, scan them with `rule` alone: its findings' autofix by (path, line)."""
    for rel, code in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(code)
    data = json.loads(CliRunner().invoke(main, ["scan", str(root), "--no-cache", "--select", rule, "--format", "json"]).output)
    return {(f["path"], f["line"]): f["autofix"] for f in data["findings"] if f["rule"] == rule}


def test_concurrent_index_in_sql_only_where_the_tool_runs_it_outside_a_transaction(tmp_path: Path) -> None:
    """golang-migrate sends a multi-statement file as one implicit transaction, and an unknown
    runner may: CONCURRENTLY would fail there, so no fix; dbmate's `transaction:false` is a
    promise, so the fix is safe."""
    files = {
        "db/migrations/000002_idx.up.sql": "ALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX orders_note_idx ON orders (note);\n",
        "db/migrations/000002_idx.down.sql": "DROP INDEX orders_note_idx;\n",
        "db/dbmate/20240101000000_email.sql": "-- migrate:up transaction:false\nCREATE INDEX users_email_idx ON users (email);\n\n"
        "-- migrate:down\nDROP INDEX users_email_idx;\n",
    }
    fixes_by_path = {path: autofix for (path, _), autofix in _autofixes(tmp_path, files, "MIG003").items()}
    assert fixes_by_path["db/migrations/000002_idx.up.sql"] is None
    assert fixes_by_path["db/dbmate/20240101000000_email.sql"]["safe"] is True


def test_an_sql_fix_may_leave_statements_sqlglot_never_parsed() -> None:
    unparsed = "SELECT FROM WHERE;\n"  # already there, and not what the fix touches
    before = unparsed + "CREATE INDEX i ON t (c);\n"
    after = unparsed + "CREATE INDEX CONCURRENTLY i ON t (c);\n"
    assert not fixes.parses("m.sql", after, "postgres")
    assert fixes.parses("m.sql", after, "postgres", before)
    assert not fixes.parses("m.sql", after + "CREATE INDEX ON (;\n", "postgres", before)


def test_line_endings_and_byte_order_mark_are_kept(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    root.mkdir()
    (root / "a.py").write_bytes(b"\xef\xbb\xbfimport requests\r\n\r\ndef f(u):\r\n    return requests.post(\r\n        u,\r\n    )\r\n")
    assert CliRunner().invoke(main, ["fix", str(root), "--no-cache", "--unsafe-fixes"]).exit_code == 0
    assert (root / "a.py").read_bytes() == (
        b"\xef\xbb\xbfimport requests\r\n\r\ndef f(u):\r\n    return requests.post(\r\n        u,\r\n        timeout=10,\r\n    )\r\n"
    )


def test_not_valid_split_only_where_the_validation_can_leave_the_add_transaction(tmp_path: Path) -> None:
    """MIG007: Flyway runs a file as one transaction (a VALIDATE there still holds the add's
    lock): no fix; dbmate without a transaction: the split, with quoted names kept; a
    statement with two actions, an Alembic operation with a schema or inside a batch: no fix."""
    files = {
        "db/migrations/V8__fk.sql": "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\n",
        "db/dbmate/20240101000000_fk.sql": "-- migrate:up transaction:false\n"
        'ALTER TABLE ONLY public."Orders" ADD CONSTRAINT "Orders_user_fk" FOREIGN KEY (user_id) REFERENCES users (id);\n'
        "ALTER TABLE items ADD CONSTRAINT qty_positive CHECK (qty > 0), ADD COLUMN note text;\n"
        "-- migrate:down\n",
        "alembic/env.py": "",
        "alembic/versions/b2_fk.py": 'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\n\n'
        "def upgrade():\n"
        '    op.create_foreign_key("orders_user_fk", "orders", "users", ["user_id"], ["id"], source_schema="shop")\n'
        '    with op.batch_alter_table("items") as batch:\n'
        '        batch.create_check_constraint("qty_positive", "items", "qty > 0")\n',
    }
    found = _autofixes(tmp_path, files, "MIG007")
    assert set(found) == {("db/migrations/V8__fk.sql", 1), ("db/dbmate/20240101000000_fk.sql", 2),
                          ("db/dbmate/20240101000000_fk.sql", 3), ("alembic/versions/b2_fk.py", 6),
                          ("alembic/versions/b2_fk.py", 8)}  # fmt: skip
    split = found.pop(("db/dbmate/20240101000000_fk.sql", 2))
    assert split["safe"] is False
    assert [edit["replacement"] for edit in split["edits"]] == [
        ' NOT VALID;\nALTER TABLE public."Orders" VALIDATE CONSTRAINT "Orders_user_fk"'
    ]
    assert set(found.values()) == {None}


def test_not_valid_split_checks_the_dialect_where_the_chain_runs_on_other_databases() -> None:
    from reviewer.fixes import apply_edits, place
    from reviewer.migrations import migration_fixes
    from reviewer.migrations.ops import Operation

    text = ('revision = "b2"\nfrom alembic import op\n\n\ndef upgrade():\n'
            '    op.create_check_constraint("qty_positive", "Items", "qty > 0")\n')  # fmt: skip
    item = Operation("add_constraint", "items", line=6, col=5, ctype="check", name="qty_positive")
    autofix = migration_fixes.alembic_not_valid_split(text, item, other_databases=True)
    fixed = apply_edits(text, place(autofix, "m.py").edits)
    assert fixed.endswith(
        '    op.create_check_constraint("qty_positive", "Items", "qty > 0", postgresql_not_valid=True)\n'
        '    if op.get_context().dialect.name == "postgresql":\n'
        "        with op.get_context().autocommit_block():\n"
        "            op.execute('ALTER TABLE \"Items\" VALIDATE CONSTRAINT qty_positive')\n"
    )


def test_sql001_binds_only_where_the_database_takes_parameters_and_is_safe_only_client_side(tmp_path: Path) -> None:
    """`SET` takes no parameters (a bound `$1` there fails at run time): no fix. A driver that
    binds server-side types each parameter (a str for an int column is refused): unsafe."""
    files = {
        "app/pg.py": "import psycopg2\n\ndef find(cur, email):\n"
        "    cur.execute(f\"SELECT id FROM users WHERE email = '{email}'\")\n",
        "app/apg.py": "import asyncpg\n\nasync def find(conn, email):\n"
        "    return await conn.fetch(f\"SELECT id FROM users WHERE email = '{email}'\")\n",
        "app/timeout.py": "from sqlalchemy import text\n\nasync def limit(session, ms):\n"
        "    await session.execute(text(f\"SET LOCAL statement_timeout = '{ms}'\"))\n"
        "    await session.execute(text(f\"SELECT id FROM jobs WHERE owner = '{ms}'\"))\n",
    }
    fixes_at = _autofixes(tmp_path, files, "SQL001")
    assert fixes_at[("app/pg.py", 4)]["safe"] is True
    assert fixes_at[("app/apg.py", 4)]["safe"] is False
    assert fixes_at[("app/timeout.py", 5)]["safe"] is False
    assert ("app/timeout.py", 4) in fixes_at and fixes_at[("app/timeout.py", 4)] is None


def test_orm001_eager_loads_in_the_helper_module_that_builds_the_query(tmp_path: Path) -> None:
    """The rows come from a selector in another module: the eager load is appended to each
    queryset it returns, in that file, and the N+1 is gone."""
    from rules.orm.n_plus_one_lazy_relation_in_loop import DJANGO_MODELS, DJANGO_SELECTORS

    # A non-ASCII character before the end of a returned queryset: ast counts bytes, edits characters.
    selectors = DJANGO_SELECTORS.replace("filter(paid=True)", 'filter(paid=True).exclude(note="annulée")')
    files = {
        "shop/models.py": DJANGO_MODELS,
        "shop/selectors.py": selectors,
        "shop/views.py": "from shop.selectors import paid_orders\n\ndef labels(since):\n"
        "    return [o.customer.name for o in paid_orders(since)]\n",
    }
    fixes = _autofixes(tmp_path, files, "ORM001")
    [(where, autofix)] = fixes.items()
    assert where == ("shop/views.py", 4) and autofix["safe"] is False
    assert {edit["path"] for edit in autofix["edits"]} == {"shop/selectors.py"}
    done = CliRunner().invoke(main, ["fix", str(tmp_path), "--select", "ORM001", "--unsafe-fixes"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "shop/selectors.py").read_text() == selectors.replace(
        'annulée")\n', 'annulée").select_related("customer")\n'
    ).replace('.order_by("-created")\n', '.order_by("-created").select_related("customer")\n')
    assert _autofixes(tmp_path, {}, "ORM001") == {}


@pytest.mark.parametrize("project", [p for p in SAMPLES if p.name != "clean_inventory"], ids=lambda p: p.name)
def test_rdjson_with_suggestions_validates_against_the_format(project: Path) -> None:
    """Every rdjson report of a seeded sample (opt-in rules too, so that fixes become
    suggestions), and the gate diagnostic, validate against rdjson's format (tests/data)."""
    schema = json.loads((REPO / "tests" / "data" / "rdjson.schema.json").read_text(encoding="utf-8"))
    done = CliRunner().invoke(main, ["scan", str(project), "--no-cache", "--profile", "audit", "--format", "rdjson", "--fail-on", "high"])
    data = json.loads(done.output)
    jsonschema.validate(data, schema)
    assert any("suggestions" in d for d in data["diagnostics"])
    assert any(d["code"]["value"] == "reviewer-gate" for d in data["diagnostics"])


def test_a_node_replaced_in_place_renders_as_the_whole_tree_rewritten() -> None:
    """fixnodes.replaced rebuilds only the path to the target (a fix per operation of a long
    migration rebuilt the whole tree each time); the code must be what a full rewrite gives,
    for a nested expression, a statement replaced by several, and a target the walk skips."""
    import libcst as cst

    from reviewer.fixnodes import _Replace, replaced

    module = cst.parse_module(
        "def upgrade():\n    op.create_index('a', 't', ['x'])\n    if ok:\n        op.create_index('b', 't', ['y'])\n"
    )
    inner_if = module.body[0].body.body[1]
    call = inner_if.body.body[0].body[0].value
    statement = module.body[0].body.body[0]
    two = cst.FlattenSentinel([cst.parse_statement("pass\n"), statement])
    for target, replacement in ((call, "f(y)"), (call.args[0], cst.Arg(cst.SimpleString("'c'"))), (statement, two)):
        as_node = cst.parse_expression(replacement) if isinstance(replacement, str) else replacement
        whole = module.visit(_Replace(target, as_node)).code
        assert replaced(module, target, replacement) == whole != module.code
    # A whitespace node is outside the walk: the full rewrite still finds it.
    trailing = statement.trailing_whitespace
    commented = trailing.with_changes(whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment("# idx"))
    assert "['x'])  # idx\n" in replaced(module, trailing, commented)
