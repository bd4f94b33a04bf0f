"""Precision and recall of the ORM rules on the labelled corpus in tests/corpus/orm/.

Each file under `cases/` is one case; a line ending in `# expect: ORM001` (several codes
separated by spaces when a line has several findings) must be flagged with those codes, and
nothing else may be flagged. The models, serializers and Flask-SQLAlchemy models the cases
use live beside them (`shop/`, `app/`, `ledger/`). The test fails if precision or recall
drops below the committed figures.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

from tests.conftest import scan_tree

CORPUS = Path(__file__).parent / "corpus" / "orm"
CODES = ("ORM001", "ORM002", "ORM003", "ORM004", "ORM005", "ORM006", "ORM007")
EXPECT = re.compile(r"#\s*expect:\s*((?:ORM\d{3}\s*)+)$")
# Measured on the committed corpus; raise them when the rules improve, never lower them.
MIN_PRECISION = 1.0
MIN_RECALL = 1.0


def expected_findings() -> Counter:
    expected: Counter = Counter()
    for path in sorted((CORPUS / "cases").glob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                for code in match.group(1).split():
                    expected[(f"cases/{path.name}", number, code)] += 1
    return expected


def measure(tmp_path: Path) -> tuple[float, float, Counter, Counter, int]:
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root)  # outside tests/, where ORM rules do not run
    result = scan_tree(root, select=CODES)
    assert not [e for e in result.errors if e.kind == "rule-error"], result.errors
    found: Counter = Counter((f.path, f.location.line, f.rule) for f in result.findings if f.rule in CODES)
    expected = expected_findings()
    true_positives = sum((found & expected).values())
    precision = true_positives / max(1, sum(found.values()))
    recall = true_positives / max(1, sum(expected.values()))
    return precision, recall, found - expected, expected - found, len(list((CORPUS / "cases").glob("*.py")))


def test_corpus_has_at_least_80_cases() -> None:
    assert len(list((CORPUS / "cases").glob("*.py"))) >= 80


def test_orm_precision_and_recall(tmp_path: Path) -> None:
    precision, recall, false_positives, missed, cases = measure(tmp_path)
    assert precision >= MIN_PRECISION, f"precision {precision:.3f} < {MIN_PRECISION}; false positives: {sorted(false_positives)}"
    assert recall >= MIN_RECALL, f"recall {recall:.3f} < {MIN_RECALL}; missed: {sorted(missed)}"
