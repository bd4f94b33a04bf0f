"""Precision and recall of the MIG rules on the labelled migration corpus (tests/corpus/migrations).

Every case is scanned on its own with the MIG rules; findings in the case's own file are
compared with its labels as (rule, line) pairs. The test fails if precision or recall drops
below the committed, measured values.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from reviewer import registry as registry_module

from tests.conftest import scan_tree, write_tree

CORPUS = Path(__file__).resolve().parent / "corpus" / "migrations"
# Every MIG rule by its code (opt-in rules run only when named), but MIG013, which the corpus does not label.
MIG_CODES = tuple(rule.code for rule in registry_module.load(()).rules if rule.code.startswith("MIG") and rule.code != "MIG013")
# Measured on the corpus as committed; raise them when the rules improve, never lower them to pass.
PRECISION = 1.0
RECALL = 0.992
MIN_CASES = 100

ALEMBIC_BASE = 'revision = "a1"\ndown_revision = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n'
DJANGO_INITIAL = (
    "from django.db import migrations, models\n\n"
    "class Migration(migrations.Migration):\n"
    "    initial = True\n"
    "    dependencies = []\n"
    "    operations = [\n"
    "        migrations.CreateModel(\n"
    '            name="Order",\n'
    "            fields=[\n"
    '                ("id", models.BigAutoField(primary_key=True)),\n'
    '                ("note", models.TextField(null=True)),\n'
    '                ("status", models.CharField(max_length=20)),\n'
    '                ("code", models.CharField(max_length=50, null=True)),\n'
    '                ("user", models.ForeignKey("auth.User", on_delete=models.CASCADE)),\n'
    '                ("total", models.DecimalField(max_digits=12, decimal_places=2)),\n'
    "            ],\n"
    "        ),\n"
    "    ]\n"
)


def _indent(text: str, spaces: int = 4) -> list[str]:
    return [" " * spaces + line if line else line for line in text.rstrip("\n").split("\n")]


def build_sql(case: dict) -> tuple[dict[str, str], str, dict[str, int]]:
    path = case.get("path", "db/migrations/V2__case.sql")
    return {**case.get("files", {}), path: case["code"]}, path, {}


def build_alembic(case: dict) -> tuple[dict[str, str], str, dict[str, int]]:
    down_revision = case.get("down_revision", "a1")
    lines = ['revision = "b2"', f'down_revision = "{down_revision}"', "from alembic import op", "import sqlalchemy as sa", ""]
    anchors = {"revision": 1}
    if case.get("helpers"):
        start = len(lines) + 1
        helper = case["helpers"].rstrip("\n").split("\n")
        lines += helper + [""]
        anchors.update({f"helper{i}": start + i - 1 for i in range(1, len(helper) + 1)})
    lines.append("def upgrade():")
    anchors["upgrade"] = len(lines)
    body = _indent(case["upgrade"])
    anchors.update({f"up{i}": len(lines) + i for i in range(1, len(body) + 1)})
    lines += body + [""]
    if case.get("downgrade") is not None:
        lines.append("def downgrade():")
        anchors["downgrade"] = len(lines)
        body = _indent(case["downgrade"])
        anchors.update({f"down{i}": len(lines) + i for i in range(1, len(body) + 1)})
        lines += body
    path = "alembic/versions/b2_case.py"
    files = {"alembic/env.py": "", "alembic/versions/a1_base.py": ALEMBIC_BASE, **case.get("files", {}), path: "\n".join(lines) + "\n"}
    return files, path, anchors


def build_django(case: dict) -> tuple[dict[str, str], str, dict[str, int]]:
    lines = ["from django.db import migrations, models", ""]
    if case.get("helpers"):
        lines += case["helpers"].rstrip("\n").split("\n") + [""]
    lines.append("class Migration(migrations.Migration):")
    anchors = {"class": len(lines)}
    if case.get("atomic") is False:
        lines.append("    atomic = False")
    if case.get("initial"):
        lines.append("    initial = True")
    lines.append('    dependencies = [("shop", "0001_initial")]')
    lines.append("    operations = [")
    for number, operation in enumerate(case["operations"], start=1):
        lines.append("        " + operation + ",")
        anchors[f"op{number}"] = len(lines)
    lines.append("    ]")
    path = "shop/migrations/0002_case.py"
    files = {"shop/migrations/0001_initial.py": DJANGO_INITIAL, **case.get("files", {}), path: "\n".join(lines) + "\n"}
    return files, path, anchors


BUILDERS = {"sql": build_sql, "alembic": build_alembic, "django": build_django}


def load_cases() -> list[tuple[str, dict]]:
    cases = []
    for form in BUILDERS:
        for case in yaml.safe_load((CORPUS / f"{form}.yml").read_text(encoding="utf-8")):
            cases.append((form, case))
    return cases


CASES = load_cases()


def evaluate(form: str, case: dict, root: Path) -> tuple[set, set]:
    files, path, anchors = BUILDERS[form](case)
    write_tree(root, files)
    result = scan_tree(root, select=MIG_CODES)
    assert not [e for e in result.errors if e.kind == "rule-error"], result.errors
    # A code merged into another finding of the same operation (`also`) is still reported.
    found = {(code, f.line) for f in result.findings if f.path == path for code in (f.rule, *f.also)}
    expected = set()
    for label in case["expect"]:
        code, where = label.split("@")
        expected.add((code, int(where) if where.isdigit() else anchors[where]))
    return found, expected


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= MIN_CASES
    assert {form for form, _ in CASES} == set(BUILDERS)
    ids = [f"{form}:{case['id']}" for form, case in CASES]
    assert len(ids) == len(set(ids))


def test_precision_and_recall(tmp_path: Path) -> None:
    true_positives = false_positives = false_negatives = 0
    misses = []
    for number, (form, case) in enumerate(CASES):
        found, expected = evaluate(form, case, tmp_path / str(number))
        true_positives += len(found & expected)
        false_positives += len(found - expected)
        false_negatives += len(expected - found)
        if found != expected:
            misses.append(f"{form}:{case['id']}: extra {sorted(found - expected)} missing {sorted(expected - found)}")
    precision = true_positives / ((true_positives + false_positives) or 1)
    recall = true_positives / ((true_positives + false_negatives) or 1)
    report = f"precision {precision:.3f} recall {recall:.3f} (tp {true_positives}, fp {false_positives}, fn {false_negatives})"
    print(report, *misses, sep="\n")
    assert precision >= PRECISION, report + "\n" + "\n".join(misses)
    assert recall >= RECALL, report + "\n" + "\n".join(misses)
