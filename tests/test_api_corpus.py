"""The API rules against a labelled corpus of handlers written for this purpose.

`tests/corpus/api/<service>/` holds three small services (FastAPI, Flask, Django + DRF). A
`# expect: CODE[, CODE]` comment marks each line where a finding is expected; every other line
must stay clean. Precision and recall over (file, line, code) must not drop below the
committed values.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import scan_tree

CORPUS = Path(__file__).parent / "corpus" / "api"
SERVICES = sorted(p for p in CORPUS.iterdir() if p.is_dir())
CODES = ("API001", "API002", "API003", "API004", "API005", "API006", "API007", "API008", "API009", "API010", "API012", "API015", "OPS007")
EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")
# Measured on the committed corpus; raise these when the rules improve, never lower them.
MIN_PRECISION = 1.0
MIN_RECALL = 1.0
MIN_HANDLERS = 80


def _expected(root: Path) -> set[tuple[str, str, int, str]]:
    found = set()
    for path in root.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                for code in match.group(1).replace(",", " ").split():
                    found.add((root.name, path.relative_to(root).as_posix(), number, code))
    return found


def _scan():
    expected: set = set()
    actual: set = set()
    handlers = 0
    for root in SERVICES:
        expected |= _expected(root)
        result = scan_tree(root, select=CODES)
        assert not result.errors, result.errors
        actual |= {(root.name, f.path, f.line, f.rule) for f in result.findings}
        from reviewer.config import Config
        from reviewer.discovery import discover
        from reviewer.runner import build_index

        index = build_index(root, discover(root, [root], (), True), Config(root=str(root)))
        handlers += len({route.handler for route in index.section("routes").routes})
    return expected, actual, handlers


@pytest.fixture(scope="module")
def measured():
    return _scan()


def test_corpus_is_large_enough(measured) -> None:
    expected, _, handlers = measured
    assert handlers >= MIN_HANDLERS
    assert {code for *_, code in expected} == set(CODES)


def test_precision_and_recall(measured) -> None:
    expected, actual, _ = measured
    true = expected & actual
    precision = len(true) / len(actual) if actual else 1.0
    recall = len(true) / len(expected) if expected else 1.0
    assert precision >= MIN_PRECISION, f"false positives: {sorted(actual - expected)}"
    assert recall >= MIN_RECALL, f"missed: {sorted(expected - actual)}"
