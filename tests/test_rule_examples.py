"""Every valid and invalid example of every rule runs as a test, through the whole engine
(reviewer.examples, the same runner as `reviewer test PACK`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer import registry as registry_module
from reviewer.examples import examples_of, run_example

REGISTRY = registry_module.load()


def _cases(kind: str):
    for rule in REGISTRY.rules:
        for example_kind, number, example in examples_of(rule):
            if example_kind == kind:
                yield pytest.param(rule, number, example, id=f"{rule.code}-{kind}-{number}")


@pytest.mark.parametrize(("rule", "number", "example"), list(_cases("invalid")))
def test_invalid_example_is_flagged(rule, number: int, example, tmp_path: Path) -> None:
    outcome = run_example(rule, "invalid", number, example, REGISTRY, tmp_path)
    assert outcome.passed, f"{outcome.label}: {outcome.problem}\n{example.code}"


@pytest.mark.parametrize(("rule", "number", "example"), list(_cases("valid")))
def test_valid_example_is_clean(rule, number: int, example, tmp_path: Path) -> None:
    outcome = run_example(rule, "valid", number, example, REGISTRY, tmp_path)
    assert outcome.passed, f"{outcome.label}: {outcome.problem}\n{example.code}"
