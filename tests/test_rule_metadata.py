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
def test_options_and_needs(rule) -> None:
    from reviewer.needs import Needs

    assert isinstance(rule.options, dict)
    assert all(isinstance(name, str) and name for name in rule.options)
    assert getattr(rule, "needs", None) is None or isinstance(rule.needs, Needs)
    assert not hasattr(rule, "triggers")


@pytest.mark.parametrize("rule", OURS, ids=_ids(OURS))
def test_registry_validation_agrees(rule) -> None:
    assert registry_module.validate(rule, builtin=rule not in META_RULES) == []


def test_validate_catches_a_mismatched_class_name() -> None:
    from reviewer.rule import PythonRule as Base

    class SqlInjection(Base):
        """Why."""

        code = "SQL999"
        name = "sql-injection-dynamic"
        summary = "Dynamic SQL."
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


@pytest.mark.parametrize("rule", OURS, ids=_ids(OURS))
def test_summary_is_an_explicit_line_not_a_cut_sentence(rule) -> None:
    """The one-line summary (rule tables, `reviewer rules`, SARIF shortDescription) is a field
    of the rule. A cut first sentence gave "... (`ALTER COLUMN ..." for MIG008."""
    assert "summary" in vars(rule), f"{rule.code} sets no summary"
    assert rule.one_line() == rule.summary
    assert "\n" not in rule.summary and len(rule.summary) <= registry_module.SUMMARY_MAX
    assert rule.summary.endswith(".") and not rule.summary.endswith("...")
    assert rule.summary.count("`") % 2 == 0, "a code span is cut"


def test_summaries_are_what_rules_and_sarif_show() -> None:
    import json

    from tests.conftest import run_cli

    rows = {row["code"]: row for row in json.loads(run_cli("rules", "--format", "json").stdout)}
    for code in ("MIG007", "MIG008", "MIG010"):
        rule = REGISTRY.get(code)
        assert rows[code]["summary"] == rule.summary
    from reviewer.reporters.sarif import _rule

    assert _rule("MIG008", REGISTRY.get("MIG008"))["shortDescription"]["text"] == REGISTRY.get("MIG008").summary


def _pack_rule(**attributes):
    from reviewer.rule import PythonRule as Base

    namespace = {
        "__doc__": "Prints are lost in production.\n\nServices log through `logging`.",
        "code": "XPY009",
        "name": "print-call",
        "category": Category.OPS,
        "severity": Severity.LOW,
        "message": "`print()` call",
        "fix": "Log instead",
        "valid": ("x = 1\n",),
        "invalid": ("print(1)\n",),
        **attributes,
    }
    return type("PrintCall", (Base,), namespace)


def test_a_pack_rule_without_summary_falls_back_to_its_first_paragraph() -> None:
    rule = _pack_rule()
    assert registry_module.validate(rule, builtin=False) == []
    assert rule.one_line() == "Prints are lost in production."
    assert "summary is empty: say in one line what the rule finds" in registry_module.validate(rule, builtin=True)


def test_a_summary_must_be_one_short_line() -> None:
    assert registry_module.validate(_pack_rule(summary="two\nlines"), builtin=False) == [
        "summary must be one line of text: what the rule finds"
    ]
    assert registry_module.validate(_pack_rule(summary=3), builtin=False) == ["summary must be one line of text: what the rule finds"]
    long = "x" * (registry_module.SUMMARY_MAX + 1)
    assert registry_module.validate(_pack_rule(summary=long), builtin=False)[0].startswith("summary is 121 characters")
