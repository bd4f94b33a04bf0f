"""Side-by-side of squawk and reviewer's MIG rules on the SQL form of the migration corpus.

Usage: SQUAWK=/path/to/squawk python bench/squawk_compare.py   (squawk-cli from PyPI ships the
binary in its wheel: `pip install squawk-cli`). Labels are (rule, line) pairs of
tests/corpus/migrations/sql.yml; squawk's rules are mapped to the MIG code they correspond to
(RULES.md section 5); squawk's lock/statement-timeout and prefer-robust-stmts findings have no
default-on counterpart and are only counted.
"""
import collections
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
import yaml
from tests.test_migration_corpus import build_sql, evaluate
from tests.conftest import write_tree

SQUAWK = os.environ.get("SQUAWK", "squawk")
MAP = {
    "require-concurrent-index-creation": "MIG003", "require-concurrent-index-deletion": "MIG003",
    "require-concurrent-reindex": "MIG003", "require-concurrent-partition-detach": "MIG003", "prefer-repack": "MIG003",
    "ban-concurrent-index-creation-in-transaction": "MIG004", "transaction-nesting": "MIG004", "ban-uncommitted-transaction": "MIG004",
    "adding-required-field": "MIG005", "adding-field-with-default": "MIG005",
    "adding-not-nullable-field": "MIG006",
    "constraint-missing-not-valid": "MIG007", "adding-foreign-key-constraint": "MIG007", "disallowed-unique-constraint": "MIG007",
    "adding-serial-primary-key-field": "MIG007", "ban-create-domain-with-constraint": "MIG007", "ban-alter-domain-with-add-constraint": "MIG007",
    "changing-column-type": "MIG008",
    "renaming-column": "MIG009", "renaming-table": "MIG009", "ban-drop-column": "MIG009", "ban-drop-table": "MIG009",
    "ban-drop-database": "MIG009", "ban-drop-not-null": "MIG009", "ban-truncate-cascade": "MIG009",
    "identifier-too-long": "MIG011",
    "prefer-bigint-over-int": "MIG012", "prefer-bigint-over-smallint": "MIG012", "prefer-identity": "MIG012",
    "prefer-text-field": "MIG012", "prefer-timestamp-tz": "MIG012", "ban-char-field": "MIG012",
}
cases = yaml.safe_load(open(REPO / "tests/corpus/migrations/sql.yml"))
totals = {"squawk": collections.Counter(), "squawk-tx": collections.Counter(), "reviewer": collections.Counter(), "reviewer-squawk-codes": collections.Counter()}
unmapped = collections.Counter()
rows = []
for number, case in enumerate(cases):
    root = Path(tempfile.mkdtemp())
    files, path, _ = build_sql(case)
    write_tree(root, files)
    expected = {tuple((label.split("@")[0], int(label.split("@")[1]))) for label in case["expect"]}
    squawk_codes = set(MAP.values())
    found = {}
    for name, extra in (("squawk", []), ("squawk-tx", ["--assume-in-transaction"])):
        out = subprocess.run([SQUAWK, str(root / path), "--reporter", "json", *extra], capture_output=True, text=True).stdout
        items = json.loads(out or "[]")
        got = set()
        for item in items:
            code = MAP.get(item["rule_name"])
            if code is None:
                unmapped[item["rule_name"]] += 1
                continue
            got.add((code, item["line"] + 1))
        found[name] = got
    ours, _ = evaluate("sql", case, Path(tempfile.mkdtemp()))
    found["reviewer"] = ours
    found["reviewer-squawk-codes"] = {f for f in ours if f[0] in squawk_codes}
    for name, got in found.items():
        exp = {e for e in expected if e[0] in squawk_codes} if name != "reviewer" else expected
        totals[name]["tp"] += len(got & exp)
        totals[name]["fp"] += len(got - exp)
        totals[name]["fn"] += len(exp - got)
    rows.append((case["id"], sorted(expected), sorted(found["squawk"]), sorted(found["squawk-tx"]), sorted(found["reviewer"])))
for name, c in totals.items():
    p = c["tp"] / max(1, c["tp"] + c["fp"]); r = c["tp"] / max(1, c["tp"] + c["fn"])
    print(f"{name:10} tp {c['tp']:3} fp {c['fp']:3} fn {c['fn']:3} precision {p:.3f} recall {r:.3f}")
print("squawk rules outside the MIG mapping (not counted):", dict(unmapped))
for row in rows:
    if not (set(row[1]) == set(row[2]) == set(row[4])):
        print(row)
