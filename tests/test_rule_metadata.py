"""Every registered rule's metadata follows the house rules: code, name, class name and file
name agree; codes are unique; the rationale, message, fix and examples are there."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from reviewer import registry as registry_module
from reviewer.meta import META_RULES
from reviewer.model import CATEGORY_PREFIXES, Category, Confidence, Severity
from reviewer.bandit_bridge import DEFAULT_ON, BanditTest, is_bandit_rule
from reviewer.rule import Example, ProjectRule, PythonRule, SqlRule, as_example

REGISTRY = registry_module.load()
RULES = list(REGISTRY.rules)
BUILTIN = registry_module.builtin_pack()
# Bandit's tests registered as rules keep bandit's ids (B105) and names, live in no file of
# ours and carry no examples: bandit documents and tests them. test_bandit_rules checks them.
BANDIT = [rule for rule in RULES if is_bandit_rule(rule)]
OURS = [rule for rule in RULES if rule not in BANDIT]


def _ids(rules) -> list[str]:
    return [rule.code for rule in rules]


def camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("-"))


def test_there_are_rules() -> None:
    assert {"SQL001", "RVW001", "RVW002", "RVW003"} <= {rule.code for rule in RULES}
    assert set(META_RULES) <= set(RULES)


def test_codes_and_names_are_unique() -> None:
    codes = Counter(rule.code for rule in RULES)
    names = Counter(rule.name for rule in RULES)
    assert [code for code, count in codes.items() if count > 1] == []
    assert [name for name, count in names.items() if count > 1] == []


def test_rules_are_sorted_by_code() -> None:
    assert _ids(RULES) == sorted(_ids(RULES))


@pytest.mark.parametrize("rule", OURS, ids=_ids(OURS))
def test_code_name_class_agree(rule) -> None:
    assert re.fullmatch(r"[A-Z]{2,5}\d{3}", rule.code)
    assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", rule.name)
    assert rule.__name__ == camel(rule.name)
    assert isinstance(rule.category, Category)
    assert rule.code.startswith(CATEGORY_PREFIXES[rule.category])
    assert rule.code[len(CATEGORY_PREFIXES[rule.category]) :].isdigit()
    assert isinstance(rule.severity, Severity)
    assert isinstance(rule.confidence, Confidence)


@pytest.mark.parametrize("rule", [r for r in OURS if r not in META_RULES], ids=_ids(r for r in OURS if r not in META_RULES))
def test_one_rule_one_file(rule) -> None:
    source = Path(rule.source_path)
    assert source.name == rule.name.replace("-", "_") + ".py"
    # rules/<category>/<rule_name>.py
    assert source.parent.name == rule.category.value
    assert source.parent.parent == BUILTIN
    assert issubclass(rule, (PythonRule, SqlRule, ProjectRule))
    others = [other.code for other in RULES if other.source_path == rule.source_path]
    assert others == [rule.code]


@pytest.mark.parametrize("rule", RULES, ids=_ids(RULES))
def test_texts(rule) -> None:
    assert rule.doc().strip()
    assert rule.message.strip()
    assert rule.fix.strip()
    assert not rule.message.rstrip().endswith("."), rule.message
    assert rule.message == rule.message.strip()


@pytest.mark.parametrize("rule", OURS, ids=_ids(OURS))
def test_examples(rule) -> None:
    valid = [as_example(sample) for sample in rule.valid]
    invalid = [as_example(sample) for sample in rule.invalid]
    assert len(valid) >= 1 and len(invalid) >= 1
    for example in valid + invalid:
        assert isinstance(example, Example)
        assert example.code.strip()
    for example in invalid:
        for line in example.lines:
            assert 1 <= line <= example.code.count("\n")


@pytest.mark.parametrize("rule", RULES, ids=_ids(RULES))
def test_options_and_triggers(rule) -> None:
    assert isinstance(rule.options, dict)
    assert all(isinstance(name, str) and name for name in rule.options)
    assert isinstance(getattr(rule, "triggers", ()), tuple)


@pytest.mark.parametrize("rule", OURS, ids=_ids(OURS))
def test_registry_validation_agrees(rule) -> None:
    assert registry_module.validate(rule, builtin=rule not in META_RULES) == []


def test_validate_catches_a_mismatched_class_name() -> None:
    from reviewer.rule import PythonRule as Base

    class SqlInjection(Base):
        """Why."""

        code = "SQL999"
        name = "sql-injection-dynamic"
        category = Category.SQL
        severity = Severity.HIGH
        message = "Found"
        fix = "Fix it"
        valid = ("x = 1\n",)
        invalid = ("y = 1\n",)

    assert registry_module.validate(SqlInjection, builtin=True) == [
        "class SqlInjection must be named SqlInjectionDynamic after its name"
    ]
    SqlInjection.category = Category.ORM
    assert registry_module.validate(SqlInjection, builtin=True)[0] == "code SQL999 must start with ORM for category orm"
    assert registry_module.validate(SqlInjection, builtin=False) == [
        "class SqlInjection must be named SqlInjectionDynamic after its name"
    ]


def test_bandit_rules() -> None:
    assert len(BANDIT) >= 60, "bandit's plugin and blacklist tests are registered"
    for rule in BANDIT:
        assert issubclass(rule, BanditTest)
        assert re.fullmatch(r"B\d{3}", rule.code)
        assert rule.code == rule.bandit_id
        assert rule.name == rule.bandit_name.replace("_", "-").lower()
        assert rule.__name__ == camel(rule.name)
        assert rule.category is Category.SECURITY
        assert not rule.valid and not rule.invalid
    opt_in = {rule.code for rule in BANDIT if rule.opt_in}
    assert opt_in == {rule.code for rule in BANDIT} - set(DEFAULT_ON)
    assert {"B113", "B201", "B608", "B610", "B611"} <= opt_in
