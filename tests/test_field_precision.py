"""Field precision (reviewer/field_precision.json) holds the default rule set to the contract,
`reviewer rules` and `reviewer explain` show it, and the `audit` profile adds the opt-in rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer import precision, registry as registry_module
from reviewer.cli import main
from reviewer.config import ConfigError, parse_config

REGISTRY = registry_module.load()
OPS001 = next(rule for rule in REGISTRY.rules if rule.code == "OPS001")


def entry(true: int, false: int, debatable: int = 0, findings: int | None = None) -> dict:
    judged = true + false + debatable
    return {"findings": findings if findings is not None else judged, "judged": judged, "true": true,
            "false": false, "debatable": debatable, "precision": 0.0, "strict": 0.0}


def field_file(rules: dict) -> precision.FieldPrecision:
    return precision.parse({"generated_by": "test", "results": "test", "threshold": 0.85, "rules": rules}, "test")


def test_the_shipped_default_rule_set_meets_the_field_precision_contract() -> None:
    field = precision.read(precision.FIELD_PRECISION_FILE)
    assert precision.default_set_problems(field, REGISTRY.rules) == []
    # The default selection never holds an opt-in rule.
    assert not [rule.code for rule in registry_module.select(REGISTRY, (), ()) if rule.opt_in]


def test_the_check_fails_on_a_default_rule_under_the_threshold() -> None:
    field = field_file({"OPS001": entry(true=6, false=4, debatable=2, findings=120)})
    problems = precision.default_set_problems(field, [OPS001])
    assert len(problems) == 1 and problems[0].startswith("OPS001 is on by default but its field precision is 0.583 over 12")


def test_the_check_fails_on_a_default_rule_judged_on_too_few_findings() -> None:
    field = field_file({"OPS001": entry(true=5, false=0, findings=40)})
    assert precision.default_set_problems(field, [OPS001]) == [
        "OPS001 is on by default but only 5 of its 40 findings are judged (needs 10); threshold 0.85 (make it opt_in = True)"
    ]


def test_the_check_passes_rules_that_qualify_and_opt_in_rules_that_do_not() -> None:
    opt_in = next(rule for rule in REGISTRY.rules if rule.opt_in)
    field = field_file({
        "SQL001": entry(true=9, false=1, debatable=1),  # (9 + 0.5) / 11 = 0.864
        "SQL006": entry(true=6, false=0),  # 6 findings, all judged: enough
        opt_in.code: entry(true=0, false=12),  # opt-in already
    })
    assert field.may_be_default("SQL001") and field.may_be_default("SQL006")
    assert not field.may_be_default(opt_in.code)
    assert field.of("SQL001").precision == pytest.approx(9.5 / 11)
    assert field.of("SQL001").strict == pytest.approx(9 / 11)


def test_a_default_rule_needs_field_evidence() -> None:
    """A rule with no finding on real code, or fewer than MIN_EVIDENCE judged, is opt-in; the
    engine's suppression rules (meta) are exempt."""
    default = next(rule for rule in REGISTRY.rules if not rule.opt_in and rule.code.startswith("OPS"))
    meta = next(rule for rule in REGISTRY.rules if rule.code.startswith("RVW"))
    field = field_file({})
    assert precision.default_set_problems(field, [default, meta]) == [
        f"{default.code} is on by default but it has no field data (no finding on the ecosystem check's projects); "
        "threshold 0.85 (make it opt_in = True)"
    ]
    field = field_file({default.code: entry(true=4, false=0)})
    assert precision.default_set_problems(field, [default]) == [
        f"{default.code} is on by default but only 4 of its 4 findings are judged (needs 5); threshold 0.85 (make it opt_in = True)"
    ]


def test_a_malformed_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "field_precision.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(precision.PrecisionFileError, match="is not valid JSON"):
        precision.read(path)
    bad = entry(true=3, false=1)
    bad["judged"] = 9
    with pytest.raises(precision.PrecisionFileError, match="true \\+ false \\+ debatable must equal judged"):
        field_file({"SQL001": bad})


def test_rules_and_explain_show_field_precision(monkeypatch) -> None:
    field = field_file({"SQL001": entry(true=30, false=8, debatable=2, findings=120)})
    monkeypatch.setattr(precision, "shipped", lambda: field)
    runner = CliRunner()
    table = runner.invoke(main, ["rules"]).output.splitlines()
    assert any(line.startswith("SQL001") and "0.78 (40 judged of 120)" in line for line in table)
    assert any(line.startswith("SQL002") and "no field data" in line for line in table)
    rows = {row["code"]: row for row in json.loads(runner.invoke(main, ["rules", "--format", "json"]).output)}
    assert rows["SQL001"]["field"] == {"findings": 120, "judged": 40, "true": 30, "false": 8, "debatable": 2,
                                       "precision": 0.775, "strict": 0.75}
    assert rows["SQL002"]["field"] is None
    markdown = runner.invoke(main, ["rules", "--format", "md"]).output
    assert "| 0.78 (40 judged of 120) |" in markdown and "| no field data |" in markdown
    explained = runner.invoke(main, ["explain", "SQL001"]).output
    assert "field precision: 0.78 (40 judged of 120)" in explained


def test_the_audit_profile_adds_the_opt_in_rules() -> None:
    default = {rule.code for rule in registry_module.select(REGISTRY, (), ())}
    audit = {rule.code for rule in registry_module.select(REGISTRY, (), (), "audit")}
    opt_in = {rule.code for rule in REGISTRY.rules if rule.opt_in}
    assert opt_in and audit == default | opt_in and not default & opt_in
    # select and ignore still apply; under audit a prefix or category selects opt-in rules too.
    assert "B608" in {rule.code for rule in registry_module.select(REGISTRY, ("security",), (), "audit")}
    assert "B608" not in {rule.code for rule in registry_module.select(REGISTRY, ("security",), ())}
    assert "B608" not in {rule.code for rule in registry_module.select(REGISTRY, (), ("B6",), "audit")}


def test_profile_in_config_and_on_the_command_line(tmp_path: Path) -> None:
    assert parse_config({"profile": "audit"}, "cfg", tmp_path).profile == "audit"
    with pytest.raises(ConfigError, match="`profile`: 'loud' is not a profile; allowed: default, audit"):
        parse_config({"profile": "loud"}, "cfg", tmp_path)
    (tmp_path / "app.py").write_text("import requests\n\ndef f():\n    return requests.get('https://x.test')\n", encoding="utf-8")
    runner = CliRunner()
    plain = json.loads(runner.invoke(main, ["scan", str(tmp_path), "--no-cache", "--format", "json"]).output)
    audit = json.loads(runner.invoke(main, ["scan", str(tmp_path), "--no-cache", "--format", "json", "--profile", "audit"]).output)
    def codes(report: dict) -> set[str]:  # reported or named in a merged finding's `also`
        return {f["rule"] for f in report["findings"]} | {code for f in report["findings"] for code in f.get("also", [])}

    assert "B113" not in codes(plain) and "B113" in codes(audit)


def test_baseline_and_review_take_the_profile(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import requests\n\ndef f():\n    return requests.get('https://x.test')\n", encoding="utf-8")
    baseline = tmp_path / "baseline.json"
    runner = CliRunner()
    args = ["baseline", "create", str(baseline), str(tmp_path), "--no-cache", "--select", "B1"]  # a prefix: opt-in B113 only under audit
    # Every B1xx test is opt-in, so under the default profile the prefix selects no rule at all.
    assert "no rule would run" in runner.invoke(main, args).output
    assert not baseline.exists()
    assert "wrote 1 finding(s)" in runner.invoke(main, [*args, "--profile", "audit"]).output
    assert "--profile" in runner.invoke(main, ["review", "--help"]).output


def test_a_rule_pack_with_a_malformed_supersedes_is_refused() -> None:
    from reviewer.rule import SqlRule

    class Broken(SqlRule):
        """Finds nothing."""

        supersedes = "B105"

    assert "supersedes must be a tuple of rule codes" in " ".join(registry_module.validate(Broken, builtin=False))
