"""Opt-in sub-checks: a rule option that `--profile audit` switches on (`opt_in_options`), that a
user's own setting overrides, that the registry validates, and that `reviewer explain` and the
rule page show."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reviewer import registry as registry_module
from reviewer.config import Config
from reviewer.docgen import rule_page
from reviewer.explain import explanation
from reviewer.precision import shipped as shipped_field_precision
from tests.conftest import NO_RELEASE_POINT, scan_tree
from tests.test_rule_metadata import _pack_rule

REGISTRY = registry_module.load()
API014 = REGISTRY.get("API014")
ORDER_ROUTE = (
    "from fastapi import APIRouter\n"
    "\n"
    "router = APIRouter()\n"
    "\n"
    '@router.post("/orders")\n'
    "def create_order(body: dict):\n"
    "    return save(body)\n"
)


def _findings(root: Path, **config) -> list[int]:
    base = Config(root=str(root), migrations_released=NO_RELEASE_POINT, select=("API014",))
    return [f.line for f in scan_tree(root, config=replace(base, **config)).findings if f.rule == "API014"]


def test_audit_profile_switches_the_sub_check_on_and_the_user_setting_wins(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "api.py").write_text(ORDER_ROUTE)
    assert _findings(tmp_path) == []
    assert _findings(tmp_path, profile="audit") == [5]
    assert _findings(tmp_path, options=(("API014", (("payment-routes", True),)),)) == [5]
    assert _findings(tmp_path, profile="audit", options=(("API014", (("payment-routes", False),)),)) == []


def test_settings_from_layers_defaults_profile_and_user() -> None:
    assert "payment-routes" not in API014.settings_from(Config())  # the rule's own default applies
    assert API014.settings_from(Config(profile="audit"))["payment-routes"] is True
    user = Config(profile="audit", options=(("API014", (("payment-routes", False),)),))
    assert API014.settings_from(user)["payment-routes"] is False


def test_the_registry_validates_opt_in_options() -> None:
    assert registry_module.validate(_pack_rule(options={"strict": False}, opt_in_options={"strict": True}), builtin=False) == []
    assert registry_module.validate(_pack_rule(opt_in_options={"strict": True}), builtin=False) == [
        "opt_in_options names 'strict', which is not in options"
    ]
    problem = "opt_in_options['strict'] must have the type of the option's default and differ from it"
    assert registry_module.validate(_pack_rule(options={"strict": False}, opt_in_options={"strict": False}), builtin=False) == [problem]
    assert registry_module.validate(_pack_rule(options={"strict": False}, opt_in_options={"strict": 1}), builtin=False) == [problem]
    assert registry_module.validate(_pack_rule(opt_in_options=["strict"]), builtin=False) == [
        "opt_in_options must be a dict of option name -> the value that switches the sub-check on"
    ]


def test_explain_and_the_rule_page_show_the_opt_in_sub_check() -> None:
    text = explanation(API014, "no field data")
    assert "payment-routes: False   (opt-in sub-check: `--profile audit` sets True)" in text
    assert "(options: payment-routes: True)" in text
    page = rule_page(API014, REGISTRY, shipped_field_precision())
    assert "opt-in sub-check `payment-routes`" in page
    assert "| `payment-routes` | `false` | `true` |" in page
    assert 'with options `payment-routes: true`' in page


def test_a_sub_check_widens_the_rule_s_needs_only_when_it_is_on() -> None:
    """API014 reads POST handlers only for its `payment-routes` sub-check: without it, a file
    with a POST route and no Stripe call does not wake the rule (Rule.needs_under)."""
    import ast

    from reviewer.analyse import Plan
    from reviewer.discovery import SourceFile
    from reviewer.model import FileKind
    from reviewer.needs import file_facts

    api014 = next(rule for rule in registry_module.load(()).rules if rule.code == "API014")
    source = SourceFile(Path("/x/shop/views.py"), "shop/views.py", FileKind.PYTHON)
    facts = file_facts(ast.parse('@app.post("/orders")\ndef create_order():\n    return {}\n'))
    for profile, runs in (("default", False), ("audit", True)):
        plan = Plan(Config(root="/x", profile=profile), (api014,), ())
        assert (api014 in plan.rules_for(source, facts)[0]) is runs, profile
    stripe = file_facts(ast.parse("import stripe\n"))
    assert api014 in Plan(Config(root="/x"), (api014,), ()).rules_for(source, stripe)[0]
