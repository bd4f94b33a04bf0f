"""One problem, one finding (reviewer.merge): the known real cases of issue 11, precedence,
suppressions of merged findings, project-level facts and fingerprint stability."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from reviewer import registry as registry_module
from reviewer.cli import main
from reviewer.merge import merge
from reviewer.model import Category, Confidence, Finding, Location, Severity
from tests.conftest import scan_tree, write_tree

RULES = registry_module.load().by_code()

FK_MIGRATIONS = {
    "shop/migrations/__init__.py": "",
    "shop/migrations/0001_initial.py": (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    initial = True\n"
        "    operations = [\n"
        '        migrations.CreateModel(name="Customer", fields=[("id", models.AutoField(primary_key=True))]),\n'
        '        migrations.CreateModel(name="Order", fields=[("id", models.AutoField(primary_key=True)), '
        '("note", models.TextField(null=True))]),\n'
        "    ]\n"
    ),
    "shop/migrations/0002_customer.py": (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n'
        "    operations = [\n"
        "        migrations.AddField(\n"
        '            model_name="order",\n'
        '            name="customer",\n'
        '            field=models.ForeignKey(null=True, on_delete=models.CASCADE, to="shop.customer"),\n'
        "        ),\n"
        "        migrations.AlterField(\n"
        '            model_name="order",\n'
        '            name="note",\n'
        "            field=models.CharField(max_length=20),\n"
        "        ),\n"
        "    ]\n"
    ),
}
URLOPEN = "import urllib.request\n\n\nasync def fetch(url):\n    return urllib.request.urlopen(url).read()\n"
LIKES = " OR ".join(f"{column} LIKE '%{column}'" for column in "abcdefg")
SEARCH = f'def search(cur):\n    cur.execute("SELECT id FROM t WHERE {LIKES}")\n'


def _rows(result) -> list[tuple[str, int, tuple[str, ...]]]:
    return [(f.rule, f.line, f.also) for f in result.findings]


def test_mig003_and_mig007_on_one_foreign_key_and_several_codes_on_one_alterfield(tmp_path: Path) -> None:
    write_tree(tmp_path, FK_MIGRATIONS)
    unmerged = scan_tree(tmp_path, select=("MIG003", "MIG007"))
    assert len(unmerged.findings) == 1  # merged even when only the two are selected
    result = scan_tree(tmp_path, select=("MIG003", "MIG006", "MIG007", "MIG008"))  # opt-in rules, named
    by_line = {f.line: f for f in result.findings if f.path.endswith("0002_customer.py")}
    assert (by_line[7].rule, by_line[7].also) == ("MIG003", ("MIG007",))
    assert by_line[7].severity is Severity.HIGH and by_line[7].message.endswith("(also: MIG007)")
    # Two codes on one AlterField: one finding; the surer of two medium findings is kept.
    assert (by_line[12].rule, by_line[12].also) == ("MIG006", ("MIG008",))
    assert len([f for f in result.findings if f.line == 12]) == 1


def test_b310_ops001_ops003_on_one_call(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/fetch.py": URLOPEN})
    result = scan_tree(tmp_path, select=("B310", "OPS001", "OPS003"))
    assert _rows(result) == [("OPS001", 5, ("B310", "OPS003"))]
    assert result.findings[0].message.endswith("has no timeout and waits forever by default (also: B310, OPS003)")
    assert result.score.categories[Category.SECURITY].findings == 0  # counted once, under ops


def test_one_sql006_finding_per_statement(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "app/search.py": SEARCH,
        "db/report.sql": "SELECT id FROM t\nWHERE a LIKE '%x'\n  OR b LIKE '%y';\nSELECT id FROM t WHERE c LIKE '%z';\n",
    })
    result = scan_tree(tmp_path, select=("SQL006",))
    assert _rows(result) == [("SQL006", 2, ()), ("SQL006", 2, ()), ("SQL006", 4, ())]
    python, sql_file, _ = result.findings
    assert python.path == "app/search.py" and python.message.endswith("(also: 6 more SQL006)")
    assert sql_file.path == "db/report.sql" and sql_file.message.endswith("(also: 1 more SQL006)")


def test_explicit_supersedes_merges_bandit_findings_into_ours(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "app/fetch.py": "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n",
        "shop/labels.py": "from django.utils.safestring import mark_safe\ndef label(value):\n    return mark_safe(value)\n",
    })
    result = scan_tree(tmp_path, select=("B113", "OPS001", "B308", "B703"))
    assert _rows(result) == [("OPS001", 5, ("B113",)), ("B703", 3, ("B308",))]


def test_suppressing_the_survivor_or_a_merged_code_suppresses_the_finding(tmp_path: Path) -> None:
    def scan_with(comment: str):
        write_tree(tmp_path, {"app/fetch.py": URLOPEN.replace(".read()\n", f".read()  # reviewer: ignore[{comment}] vetted\n")})
        return scan_tree(tmp_path, select=("B310", "OPS001", "OPS003", "RVW"))

    for code in ("OPS001", "B310", "OPS003"):
        result = scan_with(code)
        assert result.findings == () and result.suppressed == 1, code  # and no unused-suppression finding


def test_a_finding_that_does_not_merge_keeps_its_fingerprint(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/fetch.py": URLOPEN + "\n\nasync def other(url):\n    return urllib.request.urlopen(url, timeout=None)\n"})
    alone = {(f.rule, f.line): f.fingerprint for f in scan_tree(tmp_path, select=("OPS001",)).findings}
    merged = {(f.rule, f.line): f.fingerprint for f in scan_tree(tmp_path, select=("B310", "OPS001", "OPS003")).findings}
    assert alone == merged and len(alone) == 2


def finding(rule: str, severity: Severity, confidence: Confidence = Confidence.HIGH, line: int = 3,
            location: Location | None = None, message: str = "found", path: str = "app/x.py") -> Finding:
    return Finding(rule, "name", RULES[rule].category if rule in RULES else Category.SQL, severity, confidence, path,
                   location or Location(line, 5, line, 20), message, "fix")


def test_precedence_explicit_supersedes_then_severity_then_specificity() -> None:
    # SEC003 supersedes B324 (bandit's md5 test) even where bandit rates it higher.
    [group] = merge([finding("B324", Severity.HIGH), finding("SEC003", Severity.MEDIUM, location=Location(3, 9, 3, 12))], RULES)
    assert (group.finding.rule, group.finding.also) == ("SEC003", ("B324",))
    # Same span, no declaration: the higher severity wins.
    [group] = merge([finding("OPS001", Severity.MEDIUM), finding("OPS003", Severity.HIGH)], RULES)
    assert group.finding.rule == "OPS003"
    # Same severity: a rule of ours before a bandit test, then the surer finding.
    [group] = merge([finding("B310", Severity.MEDIUM), finding("OPS001", Severity.MEDIUM, Confidence.MEDIUM)], RULES)
    assert group.finding.rule == "OPS001"
    [group] = merge([finding("OPS001", Severity.MEDIUM, Confidence.MEDIUM), finding("OPS003", Severity.MEDIUM)], RULES)
    assert group.finding.rule == "OPS003"
    # Different spans and no shared operation: nothing merges.
    assert len(merge([finding("OPS001", Severity.MEDIUM), finding("OPS003", Severity.MEDIUM, line=4)], RULES)) == 2


def test_project_level_facts_are_reported_once_and_never_absorb_other_rules() -> None:
    same = "No health-check route among the 4 routes of `app` (no `/healthz`, `/readyz`, `/ping` ...)"
    anchor = Location(1, 1, 1, 1)
    groups = merge([
        finding("OPS007", Severity.LOW, location=anchor, message=same, path="svc/app.py"),
        finding("OPS007", Severity.LOW, location=anchor, message=same, path="svc/wsgi.py"),
        finding("API012", Severity.LOW, location=anchor, message="No API versioning", path="svc/app.py"),
    ], RULES)
    assert [(g.finding.rule, g.finding.path, len(g.members)) for g in groups] == [
        ("API012", "svc/app.py", 1), ("OPS007", "svc/app.py", 2)
    ]


def test_also_in_json_and_sarif(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/fetch.py": URLOPEN})
    runner = CliRunner()
    args = ["scan", str(tmp_path), "--no-cache", "--select", "B310,OPS001,OPS003"]
    report = json.loads(runner.invoke(main, [*args, "--format", "json"]).output)
    assert [(f["rule"], f["also"]) for f in report["findings"]] == [("OPS001", ["B310", "OPS003"])]
    sarif = json.loads(runner.invoke(main, [*args, "--format", "sarif"]).output)
    assert [r["properties"]["also"] for r in sarif["runs"][0]["results"]] == [["B310", "OPS003"]]


def test_a_critical_finding_needs_high_confidence(tmp_path: Path) -> None:
    from reviewer.model import severity_for_confidence

    assert severity_for_confidence(Severity.CRITICAL, Confidence.HIGH) is Severity.CRITICAL
    assert severity_for_confidence(Severity.CRITICAL, Confidence.MEDIUM) is Severity.HIGH
    assert severity_for_confidence(Severity.CRITICAL, Confidence.LOW) is Severity.HIGH
    assert severity_for_confidence(Severity.HIGH, Confidence.LOW) is Severity.HIGH
    # Through the engine: a severity override to critical on a medium-confidence finding
    # (OPS001 on a plain `urlopen` is high confidence; MIG008 is medium) yields high.
    from reviewer.config import Config

    write_tree(tmp_path, FK_MIGRATIONS)
    config = Config(root=str(tmp_path), severity=(("MIG008", Severity.CRITICAL), ("MIG003", Severity.CRITICAL)))
    result = scan_tree(tmp_path, select=("MIG003", "MIG008"), config=config)
    severities = {(f.rule, f.confidence, f.severity) for f in result.findings}
    assert ("MIG008", Confidence.MEDIUM, Severity.HIGH) in severities
    assert ("MIG003", Confidence.HIGH, Severity.CRITICAL) in severities


def test_a_fact_about_a_whole_migration_file_does_not_absorb_its_first_statement(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "db/migrations/000001_create_accounts.up.sql": "CREATE TABLE accounts (id bigint PRIMARY KEY);\n",
        "db/migrations/000001_create_accounts.down.sql": "DROP TABLE accounts;\n",
        "db/migrations/000002_add_currency.up.sql": "ALTER TABLE accounts ADD COLUMN currency CHAR(3);\n",
    })
    result = scan_tree(tmp_path, select=("MIG001", "MIG012"))
    assert [(f.rule, f.line, f.also) for f in result.findings if f.path.endswith("000002_add_currency.up.sql")] == [
        ("MIG001", 1, ()), ("MIG012", 1, ())
    ]
