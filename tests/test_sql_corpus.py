"""SQL001 on the labelled corpus (tests/corpus/sql): precision and recall must not drop below
the committed values, and SQL001 must beat bandit's SQL tests (B608, B610, B611) on it.

A case is a function or method named `bad_*` (SQL001 must flag it) or `ok_*` (a near miss
that must stay clean), or a class named `Bad*` / `Ok*`. A tool flags a case when one of its
findings falls inside the case's lines; bandit reports where the string is built, SQL001
where it is executed, and both are inside the case.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import scan_tree

CORPUS = Path(__file__).parent / "corpus" / "sql"
# Measured on the committed corpus; raise them when the rule improves, never lower them to
# make a regression pass. Recall was 0.985 before identifier and fragment holes were limited
# to request data (the ecosystem check found no injection among them on real projects): the
# 12 cases that now pass unreported build ORDER BY / table / clause / command text from parameters.
PRECISION = 1.0
RECALL = 0.821
MINIMUM_CASES = 150


def _cases() -> list[tuple[str, int, int, str, bool]]:
    cases = []
    for path in sorted(CORPUS.rglob("*.py")):
        name_of_file = path.relative_to(CORPUS).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node, "name", "")
            if isinstance(node, ast.ClassDef) and name.startswith(("Bad", "Ok")):
                cases.append((name_of_file, node.lineno, node.end_lineno or node.lineno, name, name.startswith("Bad")))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and name.startswith(("bad_", "ok_")):
                cases.append((name_of_file, node.lineno, node.end_lineno or node.lineno, name, name.startswith("bad_")))
    return cases


def _score(found: list[tuple[str, int]]) -> dict:
    tp, fp, misses, false = 0, 0, [], []
    cases = _cases()
    for path, start, end, name, bad in cases:
        hit = any(p == path and start <= line <= end for p, line in found)
        if bad and hit:
            tp += 1
        elif bad:
            misses.append(name)
        elif hit:
            fp += 1
            false.append(name)
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + len(misses)) if cases else 0.0,
        "misses": misses,
        "false": false,
    }


def _reviewer() -> dict:
    result = scan_tree(CORPUS, select=("SQL001",))
    assert not result.errors, result.errors
    return _score([(finding.path, finding.line) for finding in result.findings])


def test_corpus_is_large_and_balanced() -> None:
    cases = _cases()
    bad = sum(1 for case in cases if case[4])
    assert len(cases) >= MINIMUM_CASES
    assert 0.4 <= bad / len(cases) <= 0.6


def test_sql001_precision_and_recall() -> None:
    score = _reviewer()
    print(f"SQL001 corpus: precision {score['precision']:.3f}, recall {score['recall']:.3f}")
    assert score["precision"] >= PRECISION, score
    assert score["recall"] >= RECALL, score


def test_sql001_beats_bandit() -> None:
    pytest.importorskip("bandit")
    completed = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-t", "B608,B610,B611", "-f", "json", "-r", str(CORPUS)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    results = json.loads(completed.stdout)["results"]
    bandit = _score([(Path(item["filename"]).resolve().relative_to(CORPUS.resolve()).as_posix(), item["line_number"]) for item in results])
    ours = _reviewer()
    assert ours["precision"] > bandit["precision"], (ours, bandit)
    assert ours["recall"] > bandit["recall"], (ours, bandit)
