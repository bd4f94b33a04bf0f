"""The rule catalogue (reviewer.registry: LISTED, Listed): a scan's rules without their modules."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from reviewer import registry as registry_module
from reviewer.registry import LISTED, Listed
from reviewer.rule import ProjectRule, PythonRule, SqlRule
from tests.conftest import scans_reporting, write_pack

REPO = Path(__file__).resolve().parent.parent


def _env(tmp_path: Path) -> dict[str, str]:
    return {"REVIEWER_CACHE_DIR": str(tmp_path / "cache")}


def _catalogued(tmp_path: Path, monkeypatch, packs: tuple[str, ...] = ()) -> tuple[registry_module.Registry, registry_module.Registry]:
    """The loaded registry (which writes the catalogue) and the one read from the catalogue."""
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    loaded = registry_module.load(packs, listed=True)
    return loaded, registry_module.load(packs, listed=True)


def test_each_listed_rule_equals_its_class(tmp_path: Path, monkeypatch) -> None:
    """The catalogue cannot drift from the rules: it is written from the loaded classes, and
    every attribute a scan reads without running a rule reads the same on both."""
    loaded, listed = _catalogued(tmp_path, monkeypatch)
    assert [rule.code for rule in listed.rules] == [rule.code for rule in loaded.rules]
    assert listed.digest == loaded.digest
    packed = [rule for rule in listed.rules if issubclass(rule, Listed)]
    assert len(packed) > 50  # the built-in pack's rules are listed; meta and bandit rules are the engine's
    for real, rule in zip(loaded.rules, listed.rules):
        for name in LISTED:
            assert getattr(rule, name) == getattr(real, name), (rule.code, name)
        assert (rule.__name__, rule.doc(), rule.one_line(), rule.source_path) == (real.__name__, real.doc(), real.one_line(), real.source_path)
        for kind in (PythonRule, SqlRule, ProjectRule):
            assert issubclass(rule, kind) == issubclass(real, kind), (rule.code, kind)
        assert rule.loaded() is real.loaded() is real


def test_a_listed_rule_runs_as_its_class(tmp_path: Path, monkeypatch) -> None:
    _, listed = _catalogued(tmp_path, monkeypatch)
    rule = next(rule for rule in listed.rules if issubclass(rule, ProjectRule) and issubclass(rule, Listed))
    instance = rule({})
    assert type(instance) is rule.loaded() and not isinstance(instance, Listed)


def test_a_listed_rule_loads_its_pack_once(tmp_path: Path, monkeypatch) -> None:
    """`loaded()` runs for every enabled rule in every process of a scan: once its pack is
    imported, it neither lists nor reads the pack's files again (the registry's digest does)."""
    _, listed = _catalogued(tmp_path, monkeypatch)
    packed = [rule for rule in listed.rules if issubclass(rule, Listed)]
    packed[0].loaded()
    read: list[Path] = []
    monkeypatch.setattr(registry_module, "_pack_files", lambda pack, hasher: read.append(pack) or [])
    assert [rule.loaded().code for rule in packed] == [rule.code for rule in packed]
    assert read == []


def test_a_listed_rule_is_explained_as_its_class(tmp_path: Path, monkeypatch) -> None:
    """`reviewer explain`, the HTML report's explanations and SARIF's help read the examples and
    checklist, which only the rule's module has: a listed rule is explained as its class."""
    from reviewer.explain import explanation

    _, listed = _catalogued(tmp_path, monkeypatch)
    rule = next(rule for rule in listed.rules if rule.code == "SQL001")
    assert issubclass(rule, Listed)
    text = explanation(rule, "-")
    assert text == explanation(rule.loaded(), "-")
    assert "Bad:" in text and "References:" in text


@pytest.mark.parametrize("damage", ["{", "[]", json.dumps({"packs": [[{"code": "SQL001"}]]}), json.dumps({"packs": []})])
def test_a_damaged_catalogue_is_rebuilt_from_the_rules(tmp_path: Path, monkeypatch, damage: str) -> None:
    loaded, _ = _catalogued(tmp_path, monkeypatch)
    [kept] = (tmp_path / "cache").rglob(f"{registry_module.CATALOGUE_FOLDER}/*.json")
    kept.write_text(damage)
    again = registry_module.load((), listed=True)
    assert [rule.code for rule in again.rules] == [rule.code for rule in loaded.rules]
    assert not any(issubclass(rule, Listed) for rule in again.rules)  # loaded, and kept again
    assert any(issubclass(rule, Listed) for rule in registry_module.load((), listed=True).rules)


def test_a_user_pack_is_listed_after_the_built_in_one(tmp_path: Path, monkeypatch) -> None:
    pack = write_pack(tmp_path / "pack")
    loaded, listed = _catalogued(tmp_path, monkeypatch, (str(pack),))
    assert [rule.code for rule in listed.rules] == [rule.code for rule in loaded.rules]
    assert listed.digest == loaded.digest
    mine = [rule for rule in listed.rules if rule.source_path.startswith(str(pack))]
    assert mine and all(issubclass(rule, Listed) and rule.pack == str(pack) for rule in mine)
    assert {rule.code for rule in mine} == {rule.code for rule in loaded.rules if rule.source_path.startswith(str(pack))}


def test_a_warm_scan_imports_no_rule_module(tmp_path: Path) -> None:
    """A scan whose every result comes from the cache takes its rules from the catalogue and
    imports none of the rule modules; the reports are the same byte for byte."""
    root = tmp_path / "proj"
    shutil.copytree(REPO / "sample_projects" / "django_shop", root)
    env = {**os.environ, **_env(tmp_path)}
    runs = scans_reporting(root, "sum(name.startswith('reviewer_pack_') for name in sys.modules)", env=env)
    counts = [int(count) for _, count in runs]
    assert counts[0] > 50 and counts[1] == 0
    assert runs[0][0] == runs[1][0]
