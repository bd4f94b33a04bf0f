"""Every valid and invalid example of every rule runs as a test, through the whole engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer import registry as registry_module
from reviewer.model import Category
from reviewer.rule import Example, SqlRule, as_example
from tests.conftest import scan_tree, write_tree

REGISTRY = registry_module.load()


def _cases(kind: str):
    for rule in REGISTRY.rules:
        for number, sample in enumerate(getattr(rule, kind), start=1):
            yield pytest.param(rule, as_example(sample), id=f"{rule.code}-{kind}-{number}")


def _findings(rule, example: Example, tmp_path: Path):
    default = "example.sql" if issubclass(rule, SqlRule) else "example.py"
    write_tree(tmp_path, {**dict(example.files), example.path or default: example.code})
    # Meta rules judge suppressions of other rules, so those rules run too.
    select = ("ALL",) if rule.category is Category.META else (rule.code,)
    result = scan_tree(tmp_path, select=select)
    assert not [e for e in result.errors if e.kind == "rule-error"], result.errors
    return [finding for finding in result.findings if finding.rule == rule.code]


@pytest.mark.parametrize(("rule", "example"), list(_cases("invalid")))
def test_invalid_example_is_flagged(rule, example: Example, tmp_path: Path) -> None:
    findings = _findings(rule, example, tmp_path)
    assert findings, f"{rule.code} did not flag:\n{example.code}"
    if example.lines:
        assert sorted({finding.line for finding in findings}) == sorted(example.lines)


@pytest.mark.parametrize(("rule", "example"), list(_cases("valid")))
def test_valid_example_is_clean(rule, example: Example, tmp_path: Path) -> None:
    findings = _findings(rule, example, tmp_path)
    assert not findings, f"{rule.code} flagged a valid example:\n{example.code}\n{findings}"
