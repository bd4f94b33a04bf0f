"""The rule catalogue (reviewer.registry: LISTED, Listed): a scan's rules without their modules."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
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
    """The loaded registry (which writes the catalogue) and the one read from the catalogue
    (the shipped catalogue set aside: the rules load as from a clone whose rules changed)."""
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(registry_module, "SHIPPED_CATALOGUE", tmp_path / "no-shipped-catalogue.json")
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
    imports none of the rule modules (a cold one, with the shipped catalogue, imports those
    its files need); the reports are the same byte for byte."""
    root = tmp_path / "proj"
    shutil.copytree(REPO / "sample_projects" / "django_shop", root)
    env = {**os.environ, **_env(tmp_path)}
    runs = scans_reporting(root, "sum(name.startswith('reviewer_pack_') for name in sys.modules)", env=env)
    counts = [int(count) for _, count in runs]
    assert 0 < counts[0] < 50 and counts[1] == 0
    assert runs[0][0] == runs[1][0]


def test_the_catalogue_lists_each_rules_needs_and_words(tmp_path: Path, monkeypatch) -> None:
    """A scan decides which rules a file needs from the catalogue (Listed.needs_under, an
    SqlRule's words): under the default and the audit profiles' settings they are the class's
    own, in the catalogue's form; under settings a configuration sets, the class answers."""
    from reviewer.registry import needs_from_json, needs_to_json

    loaded, listed = _catalogued(tmp_path, monkeypatch)
    checked = 0
    for real, rule in zip(loaded.rules, listed.rules):
        if not issubclass(rule, Listed):
            continue
        if issubclass(rule, PythonRule):
            assert rule.listed_needs, rule.code  # every built-in rule's needs have a catalogue form
            for settings in ({**real.options}, {**real.options, **real.opt_in_options}):
                listed_settings = {**rule.options, **(rule.opt_in_options if settings != {**real.options} else {})}
                expected = needs_to_json(real.needs_under(settings))
                assert needs_to_json(rule.needs_under(listed_settings)) == expected, rule.code
                assert needs_to_json(needs_from_json(expected)) == expected
                checked += 1
        if issubclass(rule, SqlRule):
            assert rule.words == real.words, rule.code
    assert checked > 50
    logs = next(rule for rule in listed.rules if rule.code == "OPS004" or rule.name == "sensitive-data-in-logs")
    whole = {**logs.options, "whole-request": True}
    assert all(settings != whole for settings, _ in logs.listed_needs)
    assert needs_to_json(logs.needs_under(whole)) == needs_to_json(logs.loaded().needs_under(whole))


def test_needs_without_a_catalogue_form_are_asked_of_the_class() -> None:
    """A test the catalogue cannot name (a lambda, a rule module's own function) has no
    catalogue form: the rule's needs are then asked of its class, which loads its module."""
    from functools import partial

    from reviewer.needs import Needs
    from reviewer.ops.secops import is_password_name
    from reviewer.registry import _listed_needs, needs_from_json, needs_to_json

    with pytest.raises(ValueError):
        needs_to_json(Needs(names=("x",)) & Needs(test=lambda facts: True))
    named = needs_from_json(needs_to_json(Needs(names=("login",)) & Needs.naming(is_password_name)))
    test = named.every[1].test
    assert isinstance(test, partial) and test.args == (is_password_name,)

    class Unnamed(PythonRule):
        needs = Needs(test=lambda facts: True)

    assert _listed_needs(Unnamed) == []


def test_a_scan_imports_only_the_rule_modules_its_files_need(tmp_path: Path) -> None:
    """With the rule catalogue, a scan of files that no libcst rule needs imports no rule
    module and neither libcst nor sqlglot; a file that one rule needs imports that rule's
    module only. The reports are those of a scan without a cache."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "plain.py").write_text("def double(value):\n    return value * 2\n", encoding="utf-8")
    env = {**os.environ, **_env(tmp_path)}
    probe = "sorted(name for name in sys.modules if name.startswith('reviewer_pack_') or name in ('libcst', 'sqlglot'))"
    scans_reporting(root, probe, runs=1, env=env)  # writes the catalogue
    (root / "plain.py").write_text("def triple(value):\n    return value * 3\n", encoding="utf-8")
    [(report, imported)] = scans_reporting(root, probe, runs=1, env=env)
    assert imported == "[]"
    (root / "fetch.py").write_text("import requests\n\n\ndef fetch(url):\n    return requests.get(url).json()\n", encoding="utf-8")
    [(report, imported)] = scans_reporting(root, probe, runs=1, env=env)
    modules = eval(imported)  # noqa: S307 - the list of module names printed above
    assert "libcst" in modules and 0 < len([name for name in modules if name.startswith("reviewer_pack_")]) < 10
    [(uncached, _)] = scans_reporting(root, "0", runs=1, env={**os.environ, "REVIEWER_CACHE_DIR": str(tmp_path / "other")})
    assert json.loads(report)["findings"] == json.loads(uncached)["findings"] != []


def test_the_shipped_catalogue_is_up_to_date() -> None:
    """reviewer/rule_catalogue.json is what `python -m reviewer.docgen` writes for this code
    (REVIEWER_UPDATE_EXPECTED=1 rewrites it); a stale one is never read (its key), so a scan
    with an empty cache would import every rule module."""
    expected = registry_module.shipped_catalogue()
    if os.environ.get("REVIEWER_UPDATE_EXPECTED"):
        registry_module.SHIPPED_CATALOGUE.write_text(expected, encoding="utf-8")
    shipped = registry_module.SHIPPED_CATALOGUE.read_text(encoding="utf-8")
    assert shipped == expected, f"{registry_module.SHIPPED_CATALOGUE} is stale: run `python -m reviewer.docgen`"


def test_the_shipped_catalogue_is_the_same_under_any_hash_seed() -> None:
    """Its text may not follow the order of a set (a rule's needs built from a frozenset):
    otherwise it would be stale in every other process."""
    texts = set()
    for seed in ("1", "2", "3"):
        probe = "import hashlib\nfrom reviewer import registry\nprint(hashlib.sha256(registry.shipped_catalogue().encode()).hexdigest())"
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        texts.add(done.stdout)
    assert len(texts) == 1


def test_the_shipped_catalogue_lists_the_loaded_rules(tmp_path: Path, monkeypatch) -> None:
    """With an empty user cache, the built-in pack's rules come from the shipped catalogue,
    equal to their classes, and are kept in the user cache for the next run."""
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(registry_module, "_load_module", lambda pack, path: pytest.fail(f"{path} was imported"))
    shipped = registry_module.load((), listed=True)
    monkeypatch.undo()
    loaded = registry_module.load(())
    assert shipped.digest == loaded.digest
    assert [rule.code for rule in shipped.rules] == [rule.code for rule in loaded.rules]
    for real, rule in zip(loaded.rules, shipped.rules):
        assert issubclass(rule, Listed) == (real.source_path != ""), rule.code
        for name in LISTED:
            assert getattr(rule, name) == getattr(real, name), (rule.code, name)
        assert rule.source_path == real.source_path
    [kept] = (tmp_path / "cache").rglob(f"{registry_module.CATALOGUE_FOLDER}/*.json")
    assert json.loads(kept.read_text())["packs"] == json.loads(registry_module.SHIPPED_CATALOGUE.read_text())["packs"]


def test_a_shipped_catalogue_of_other_code_is_ignored(tmp_path: Path, monkeypatch) -> None:
    """A shipped catalogue whose key is not this code's (reviewer's source, the built-in pack,
    bandit's version, the layout), or any catalogue with a user pack, is not read: the rules
    load from their modules."""
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    shipped = json.loads(registry_module.SHIPPED_CATALOGUE.read_text())
    stale = tmp_path / "rule_catalogue.json"
    stale.write_text(json.dumps({**shipped, "key": "0" * 24}))
    monkeypatch.setattr(registry_module, "SHIPPED_CATALOGUE", stale)
    digest = registry_module.load(()).digest
    assert registry_module._from_shipped(digest) is None
    assert not any(issubclass(rule, Listed) for rule in registry_module.load((), listed=True).rules)
    # The key follows the built-in pack's files (through the registry's digest) and the source.
    assert shipped["key"] == registry_module.catalogue_key(digest) != registry_module.catalogue_key("x" + digest[1:])
    monkeypatch.setattr(registry_module, "engine_digest", lambda: "another source")
    assert registry_module.catalogue_key(digest) != shipped["key"]
    monkeypatch.undo()
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache-2"))
    pack = write_pack(tmp_path / "pack")
    with_pack = registry_module.load((str(pack),), listed=True)
    assert not any(issubclass(rule, Listed) for rule in with_pack.rules)


def test_a_cold_scan_imports_no_rule_module_before_the_pools(tmp_path: Path) -> None:
    """A scan with an empty cache folder takes its rules from the shipped catalogue: when the
    scan starts (before discovery, the index pool and the check pool) no rule module, libcst
    or sqlglot is imported; with a stale shipped catalogue every rule module is. The reports
    are the same."""
    root = tmp_path / "proj"
    shutil.copytree(REPO / "sample_projects" / "django_shop", root)
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps({**json.loads(registry_module.SHIPPED_CATALOGUE.read_text()), "key": "0" * 24}))
    reports, imported = [], []
    for name, shipped in (("fresh", registry_module.SHIPPED_CATALOGUE), ("stale", stale)):
        probe = (
            "import json, sys\n"
            "from pathlib import Path\n"
            "from reviewer import registry, runner\n"
            f"registry.SHIPPED_CATALOGUE = Path({str(shipped)!r})\n"
            "seen = []\n"
            "scan = runner._scan\n"
            "def _scan(*args, **kwargs):\n"
            "    seen.extend(m for m in sys.modules if m.startswith('reviewer_pack_') or m in ('libcst', 'sqlglot'))\n"
            "    return scan(*args, **kwargs)\n"
            "runner._scan = _scan\n"
            "from reviewer.cli import main\n"
            "try:\n"
            f"    main(['scan', {str(root)!r}, '--format', 'json', '-q'])\n"
            "except SystemExit:\n"
            "    pass\n"
            "print(json.dumps(seen), file=sys.stderr)\n"
        )
        env = {**os.environ, "REVIEWER_CACHE_DIR": str(tmp_path / f"cache-{name}")}
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, env=env)
        reports.append(done.stdout)
        imported.append(json.loads(done.stderr.strip().splitlines()[-1]))
    assert imported[0] == []
    assert {"libcst", "sqlglot"} <= set(imported[1]) and len(imported[1]) > 50
    assert json.loads(reports[0])["findings"] and reports[0] == reports[1]


def test_the_catalogue_key_follows_the_names_of_the_packs_files(tmp_path: Path) -> None:
    """A catalogue names each rule's module: a rule file moved within its pack, its content
    the same, makes another registry digest, so another catalogue key."""
    pack = write_pack(tmp_path / "pack")
    hashed = registry_module._hasher()
    registry_module._pack_files(pack, hashed)
    (pack / "python").rename(pack / "checks")
    moved = registry_module._hasher()
    registry_module._pack_files(pack, moved)
    assert hashed.hexdigest() != moved.hexdigest()
    assert registry_module.catalogue_key(hashed.hexdigest()) != registry_module.catalogue_key(moved.hexdigest())


def test_a_scans_workers_run_its_registry(tmp_path: Path) -> None:
    """The index and check workers of a scan (forked) run the registry their parent loaded
    from the catalogue: they hold the modules of the rules they run, not every rule module of
    the pack (each worker loading the pack again did). The report is the one of a scan in one
    process."""
    root = tmp_path / "proj"
    shutil.copytree(REPO / "sample_projects" / "django_shop", root)
    for number in range(30):
        (root / f"module_{number}.py").write_text(f"import requests\n\n\ndef fetch_{number}(url):\n    return requests.get(url).json()\n")
    marks = tmp_path / "marks"
    marks.mkdir()
    probe = (
        "import os, sys\n"
        "from reviewer import runner\n"
        "def marking(initialise, kind):\n"
        "    def initialise_and_mark(*args):\n"
        "        initialise(*args)\n"
        f"        with open(os.path.join({str(marks)!r}, f'{{kind}}-{{os.getpid()}}'), 'w') as out:\n"
        "            out.write(f\"{sum(name.startswith('reviewer_pack_') for name in sys.modules)} {int('libcst' in sys.modules)}\")\n"
        "    return initialise_and_mark\n"
        "runner._init_worker = marking(runner._init_worker, 'check')\n"
        "runner._init_index_worker = marking(runner._init_index_worker, 'index')\n"
        "from reviewer.cli import main\n"
        "try:\n"
        f"    main(['scan', {str(root)!r}, '--format', 'json', '-q', '--jobs', '2'])\n"
        "except SystemExit:\n"
        "    pass\n"
    )
    env = {**os.environ, "REVIEWER_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, env=env)
    found = {path.name.split("-")[0]: tuple(map(int, path.read_text().split())) for path in marks.iterdir()}
    assert set(found) == {"index", "check"}, done.stderr
    # The pack has 69 rule modules; the index workers run none (the `ast` stage reads the
    # catalogue's needs), the check workers the enabled ones' (imported by the parent). libcst,
    # which the index workers do not use, is imported while they run: only the check's have it.
    assert found["index"] == (0, 0) and 0 < found["check"][0] < 10 and found["check"][1] == 1, found
    alone = subprocess.run(
        [sys.executable, "-m", "reviewer", "scan", str(root), "--format", "json", "-q", "--jobs", "1", "--no-cache"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "REVIEWER_CACHE_DIR": str(tmp_path / "cache-2")},
    )
    assert json.loads(done.stdout)["findings"] == json.loads(alone.stdout)["findings"] != []


def _files(root: Path, names: dict[str, str]) -> list[tuple[str, str]]:
    for name, text in names.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return [(name, str(root / name)) for name in sorted(names)]


def test_a_files_digest_is_of_their_names_and_content_wherever_they_are(tmp_path: Path, monkeypatch) -> None:
    """The engine's and the packs' digests (files_digest) are the same from a clone and from a
    wheel: the folder the files are in does not count; a file's name and content do."""
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    one = registry_module.files_digest(str(tmp_path / "a"), _files(tmp_path / "a", {"x.py": "1", "p/y.py": "2"}))
    assert registry_module.files_digest(str(tmp_path / "b"), _files(tmp_path / "b", {"x.py": "1", "p/y.py": "2"})) == one
    assert registry_module.files_digest(str(tmp_path / "c"), _files(tmp_path / "c", {"z.py": "1", "p/y.py": "2"})) != one
    assert registry_module.files_digest(str(tmp_path / "d"), _files(tmp_path / "d", {"x.py": "1", "p/y.py": "3"})) != one


def test_a_files_digest_is_remembered_until_a_file_changes(tmp_path: Path, monkeypatch) -> None:
    """A digest made is remembered by the files' stat identities: the next scan reads no file
    to know it; a file written since (its size, times or inode changed) is read again."""
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(registry_module, "RACY_NS", -1)  # the files were just written
    files = _files(tmp_path / "src", {"x.py": "1", "y.py": "2"})
    made = registry_module.files_digest(str(tmp_path / "src"), files)
    with monkeypatch.context() as reading:
        reading.setattr("builtins.open", lambda *args, **kwargs: pytest.fail("a remembered digest read a file"))
        assert registry_module.files_digest(str(tmp_path / "src"), files) == made
    (tmp_path / "src" / "y.py").write_text("22")
    assert registry_module.files_digest(str(tmp_path / "src"), files) not in (made, None)
    (tmp_path / "src" / "y.py").write_text("2")  # the same content again: the same digest, made again
    assert registry_module.files_digest(str(tmp_path / "src"), files) == made


def test_a_files_digest_of_files_just_written_is_not_remembered(tmp_path: Path, monkeypatch) -> None:
    """A file written within RACY_NS may be written again within its file system's clock tick,
    its size the same, and its stat identity unchanged: such a digest is made on every scan."""
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    files = _files(tmp_path / "src", {"x.py": "1"})
    registry_module.files_digest(str(tmp_path / "src"), files)
    assert not list((tmp_path / "cache").rglob(f"{registry_module.DIGESTS_FOLDER}/*.json"))
    bad = tmp_path / "cache" / registry_module.DIGESTS_FOLDER
    monkeypatch.setattr(registry_module, "RACY_NS", -1)
    made = registry_module.files_digest(str(tmp_path / "src"), files)
    [kept] = bad.glob("*.json")
    kept.write_text('"not a digest"')  # a memory that is not one is made again
    assert registry_module.files_digest(str(tmp_path / "src"), files) == made


def test_a_listed_rules_needs_are_read_when_first_asked_for(tmp_path: Path, monkeypatch) -> None:
    """The catalogue's and bandit's needs are decoded when a check first asks (KeptNeeds): a
    scan whose results come from the cache decodes none. Needs that cannot be read give the
    rule's own answer (a listed rule's class), or None for a bandit test (run on every file)."""
    from reviewer import bandit_bridge, bandit_needs

    _, listed = _catalogued(tmp_path, monkeypatch)
    decoded: list[object] = []
    monkeypatch.setattr(registry_module, "needs_from_json", lambda data: decoded.append(data) or None)
    again = registry_module.load((), listed=True)
    assert decoded == []
    rule = next(rule for rule in again.rules if issubclass(rule, Listed) and issubclass(rule, PythonRule))
    rule.needs_under({})
    assert decoded
    monkeypatch.undo()
    broken = registry_module.KeptNeeds([[{}, {"no_such_field": []}]], registry_module._needs_pairs_from_json, lambda owner: ())
    monkeypatch.setattr(rule, "listed_needs", broken)
    assert rule.needs_under({}) == rule.loaded().needs_under({})
    test = bandit_bridge.rules()[0]
    assert test.needs == bandit_needs.from_json(bandit_bridge.tests()["tests"][0][5])
    monkeypatch.setattr(test, "needs", registry_module.KeptNeeds({"names": 1}, bandit_needs.from_json, lambda owner: None))
    assert test.needs is None
