"""Bandit inside: bandit's tests run in-process on the scanned files and behave like our
rules (selection, severity overrides, per-path ignores, suppressions), honour `# nosec`, and
never duplicate a finding of a more precise rule of ours."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from reviewer import bandit_bridge, registry as registry_module
from reviewer.config import Config
from reviewer.model import Category, Confidence, Severity
from tests.conftest import bandit_chosen, scan_tree, write_tree

CODE = (
    "import hashlib\n"
    "import subprocess\n"
    'api_password = "hunter2-Secret-9"\n'
    "def run(cmd, data):\n"
    "    subprocess.call(cmd, shell=True)\n"
    "    return hashlib.md5(data).hexdigest()\n"
)


# Every bandit test by its exact code: most are opt-in, and a prefix selects default rules only.
ALL_BANDIT = tuple(rule.code for rule in bandit_bridge.rules())


def _found(result) -> list[tuple[str, int]]:
    return sorted((f.rule, f.line) for f in result.findings)


def test_bandit_tests_are_registered_as_security_rules() -> None:
    registry = registry_module.load()
    b105 = registry.get("B105")
    assert b105 is not None and bandit_bridge.is_bandit_rule(b105)
    assert b105.category is Category.SECURITY
    assert b105.name == "hardcoded-password-string"
    assert registry.get("B301") is not None  # blacklist calls are registered too
    assert {rule.code for rule in registry.matching("security")} >= {"B105", "B602", "SEC004"}


def test_findings_map_bandit_ids_severity_confidence_and_position(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/tasks.py": CODE})
    result = scan_tree(tmp_path, select=ALL_BANDIT)
    by_rule = {f.rule: f for f in result.findings}
    assert set(by_rule) == {"B105", "B404", "B602", "B324"}
    assert (by_rule["B602"].severity, by_rule["B602"].confidence) == (Severity.HIGH, Confidence.HIGH)
    assert (by_rule["B105"].severity, by_rule["B105"].confidence) == (Severity.LOW, Confidence.MEDIUM)
    assert (by_rule["B324"].location.line, by_rule["B324"].location.column) == (6, 12)
    assert by_rule["B602"].category is Category.SECURITY
    assert by_rule["B602"].message.startswith("subprocess call with shell=True")  # the code is not repeated


def test_nosec_is_honoured(tmp_path: Path) -> None:
    code = CODE.replace("shell=True)\n", "shell=True)  # nosec\n").replace(".hexdigest()\n", ".hexdigest()  # nosec B324\n")
    write_tree(tmp_path, {"app/tasks.py": code})
    assert _found(scan_tree(tmp_path, select=ALL_BANDIT)) == [("B105", 3), ("B404", 2)]


def test_nosec_for_another_test_does_not_hide_the_finding(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/tasks.py": CODE.replace(".hexdigest()\n", ".hexdigest()  # nosec B105\n")})
    assert ("B324", 6) in _found(scan_tree(tmp_path, select=ALL_BANDIT))


def test_reviewer_suppression_works_and_b_codes_are_known(tmp_path: Path) -> None:
    code = CODE.replace('"hunter2-Secret-9"\n', '"hunter2-Secret-9"  # reviewer: ignore[B105] test fixture account\n')
    code += "x = 1  # reviewer: ignore[B999] no such test\n"
    write_tree(tmp_path, {"app/tasks.py": code})
    result = scan_tree(tmp_path, select=(*ALL_BANDIT, "RVW"))
    assert ("B105", 3) not in _found(result)
    assert result.suppressed == 1
    assert [(f.rule, f.line) for f in result.findings if f.rule.startswith("RVW")] == [("RVW002", 7)]


def test_unused_b_suppression_is_reported(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/tasks.py": "total = 1  # reviewer: ignore[B602] legacy\n"})
    result = scan_tree(tmp_path, select=(*ALL_BANDIT, "RVW"))
    assert _found(result) == [("RVW003", 1)]


def test_select_ignore_severity_and_per_path_ignores(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/tasks.py": CODE, "scripts/once.py": CODE})
    config = Config(root=str(tmp_path))
    result = scan_tree(
        tmp_path,
        config=replace(
            config,
            select=ALL_BANDIT,
            ignore=("B404",),
            severity=(("B105", Severity.HIGH),),
            per_path_ignores=(("scripts/**", ("B602",)),),
        ),
    )
    found = {(f.path, f.rule): f for f in result.findings}
    assert ("app/tasks.py", "B404") not in found
    assert found[("app/tasks.py", "B105")].severity is Severity.HIGH
    assert ("app/tasks.py", "B602") in found and ("scripts/once.py", "B602") not in found


def test_default_subset_is_chosen_by_field_precision(tmp_path: Path) -> None:
    """Only the tests in DEFAULT_ON run by default; every other one is opt-in and says why."""
    default = {rule.code for rule in registry_module.select(registry_module.load(), (), ()) if bandit_bridge.is_bandit_rule(rule)}
    assert default == set(bandit_bridge.DEFAULT_ON)
    assert {"B101", "B105", "B113", "B201", "B311", "B404", "B602", "B608", "B703"}.isdisjoint(default)
    for rule in bandit_bridge.rules():
        assert bandit_bridge.selection_reason(rule.code) != bandit_bridge.UNLISTED, rule.code
        assert ("opt-in" in rule.doc()) is rule.opt_in
    code = "import requests\ndef fetch(url):\n    assert url\n    return requests.get(url, verify=False)\n"
    write_tree(tmp_path, {"app/fetch.py": code})
    assert _found(scan_tree(tmp_path, select=("B",))) == [("B501", 4)]
    assert _found(scan_tree(tmp_path, select=("B113", "B101"))) == [("B101", 3), ("B113", 4)]


def test_no_duplicate_when_a_more_precise_rule_fires(tmp_path: Path) -> None:
    code = (
        "import hashlib\n"
        'SECRET_KEY = "django-insecure-7$k2h9x0q!m4v8"\n'
        "def register(user, password):\n"
        "    user.pw = hashlib.md5(password.encode()).hexdigest()\n"
        "def checksum(data):\n"
        "    return hashlib.md5(data).hexdigest()\n"
    )
    write_tree(tmp_path, {"shop/settings.py": code})
    found = _found(scan_tree(tmp_path, select=("B105", "B324", "SEC003", "SEC004")))
    assert found == [("B324", 6), ("SEC003", 4), ("SEC004", 2)]
    # Without ours, bandit's findings stay.
    assert _found(scan_tree(tmp_path, select=("B105", "B324"))) == [("B105", 2), ("B324", 4), ("B324", 6)]


def test_broken_and_test_files(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/broken.py": "def f(:\n", "tests/test_tasks.py": CODE})
    result = scan_tree(tmp_path, select=ALL_BANDIT)
    assert result.findings == ()
    assert [(e.path, e.kind) for e in result.errors] == [("app/broken.py", "syntax-error")]


def test_bandit_version_keys_the_cache(monkeypatch) -> None:
    before = registry_module.load().digest
    monkeypatch.setattr(bandit_bridge, "BANDIT_VERSION", "0.0.0-other")
    assert registry_module.load().digest != before


def test_bandit_does_not_report_one_problem_twice(tmp_path: Path) -> None:
    code = "from django.utils.safestring import mark_safe\ndef label(value):\n    return mark_safe(value)\n"
    write_tree(tmp_path, {"shop/labels.py": code})
    assert _found(scan_tree(tmp_path, select=ALL_BANDIT)) == [("B703", 3)]
    assert _found(scan_tree(tmp_path, select=("B308",))) == [("B308", 3)]


def test_selections_can_change_within_one_process(tmp_path: Path) -> None:
    """Bandit keeps the blacklist selection in module state; alternating selections must
    not leave a stale blacklist behind."""
    write_tree(tmp_path, {"app/tasks.py": CODE + "import pickle\n"})
    first = _found(scan_tree(tmp_path, select=ALL_BANDIT))
    only_calls = scan_tree(tmp_path, select=("B308",))
    again = scan_tree(tmp_path, select=ALL_BANDIT)
    assert only_calls.errors == () and again.errors == ()
    assert _found(again) == first and ("B403", 7) in first


LEAN_CODE = CODE + (
    "import yaml as y, tempfile\n"
    "from Crypto.Cipher import DES\n"
    "from ssl import PROTOCOL_SSLv3 as old\n"
    "secret = b'\\x00key'\n"
    "class Jobs:\n"
    "    token = 'abcd1234Secret'\n"
    "    def load(self, raw, password='guessme'):\n"
    "        '''a docstring is no string finding'''\n"
    "        tempfile.mktemp()  # nosec B306\n"
    "        DES.new(raw)\n"
    "        assert raw\n"
    "        try:\n"
    "            return y.load(raw)\n"
    "        except Exception:\n"
    "            pass\n"
    "async def fetch(requests):\n"
    "    return requests.get('https://x', verify=False, timeout=None)\n"
)


def _issues(visitor_class, code: str, test_ids: frozenset[str]) -> tuple[list[tuple], int]:
    """The issues a bandit visitor reports on `code`, and how many nodes it entered."""
    import ast
    import io

    from bandit.core import metrics

    entered = [0]

    class Counting(visitor_class):
        def pre_visit(self, node):
            entered[0] += 1
            return super().pre_visit(node)

    counts = metrics.Metrics()
    counts.begin("app/jobs.py")
    visitor = Counting(
        "app/jobs.py", io.BytesIO(code.encode()), bandit_bridge._NoMetaAst(), bandit_bridge._test_set(bandit_chosen(test_ids)), False,
        bandit_bridge._nosec_lines(code), counts,
    )
    visitor.generic_visit(ast.parse(code))
    found = [(r.test_id, r.lineno, r.col_offset, tuple(r.linerange), r.text, r.severity, r.confidence) for r in visitor.tester.results]
    return found, entered[0]


def test_the_lean_visitor_reports_what_bandits_visitor_does_entering_fewer_nodes() -> None:
    from bandit.core import node_visitor

    found = {}
    for test_ids in (frozenset(ALL_BANDIT), frozenset(bandit_bridge.DEFAULT_ON)):
        theirs, every_node = _issues(node_visitor.BanditNodeVisitor, LEAN_CODE, test_ids)
        ours, entered = _issues(bandit_bridge._LeanVisitor, LEAN_CODE, test_ids)
        assert ours == theirs
        assert entered < every_node
        found[len(test_ids)] = {issue[0] for issue in ours}
    # Strings, a default argument, imports by alias, a call's keyword and `# nosec` all reach
    # the tests as in bandit's own visitor.
    assert found[len(ALL_BANDIT)] >= {"B105", "B107", "B304", "B404", "B413", "B501", "B506", "B602"}
    assert "B306" not in found[len(ALL_BANDIT)]
    assert found[len(bandit_bridge.DEFAULT_ON)] == {"B304", "B501"}


def _tests_by_kind(test_set) -> dict[str, list[tuple]]:
    """A test set's tests by node kind: each test's id, function and config (the blacklist
    test's: its entries' ids)."""
    def described(test) -> tuple:
        config = getattr(test, "_config", None)
        if test._test_id == "B001":
            config = {kind: [entry["id"] for entry in entries] for kind, entries in config.items()}
        return (test._test_id, test.__module__, test.__name__, repr(config))

    return {kind: [described(test) for test in tests] for kind, tests in test_set.tests.items()}


def test_the_test_set_holds_what_bandits_own_holds() -> None:
    """A scan builds its test set from each chosen test's own module (bandit_bridge._TestSet,
    without bandit's plugin manager): the same tests by node kind, in the same order, with
    the same configs and blacklist entries as bandit's BanditTestSet for that selection."""
    from bandit.core import test_set

    config = bandit_bridge._bandit_plugins().config.BanditConfig()
    for test_ids in (frozenset(ALL_BANDIT), frozenset(bandit_bridge.DEFAULT_ON), frozenset({"B113", "B304", "B602"})):
        theirs = _tests_by_kind(test_set.BanditTestSet(config, {"include": set(test_ids), "exclude": set()}))
        ours = _tests_by_kind(bandit_bridge._TestSet(bandit_chosen(test_ids)))
        assert ours == theirs
        assert {test[0] for tests in ours.values() for test in tests} >= test_ids & {rule.code for rule in bandit_bridge.rules() if rule.bandit_source.kind == "plugin"}


def test_running_bandits_tests_imports_neither_its_plugin_manager_nor_its_package_init(tmp_path: Path) -> None:
    """Once bandit's test list is kept, a process that runs bandit's tests imports the tests'
    modules only: not bandit's package `__init__` (its manager, rich), nor its plugin manager
    (stevedore's entry points); it reports what the first scan, which listed the tests with
    them, reported."""
    import os

    from tests.conftest import scans_reporting

    root = tmp_path / "proj"
    client = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, verify=False, timeout=5)\n"
    write_tree(root, {"app/client.py": client})
    env = {**os.environ, "REVIEWER_CACHE_DIR": str(tmp_path / "cache")}
    expression = "sorted(n for n in sys.modules if n.split('.')[0] in ('stevedore', 'rich') or n in ('bandit.core.manager', 'bandit.core.extension_loader'))"
    [(first, listed)] = scans_reporting(root, expression, runs=1, env=env)
    assert "stevedore" in listed  # the first scan lists bandit's tests through its plugin manager
    write_tree(root, {"app/client.py": "# not cached\n" + client})  # the second scan runs the tests again
    [(second, imported)] = scans_reporting(root, expression, runs=1, env=env)
    assert imported == "[]"
    found = [(finding["rule"], finding["line"]) for finding in json.loads(second)["findings"]]
    assert ("B501", 6) in found
    assert [(rule, line + 1) for rule, line in ((f["rule"], f["line"]) for f in json.loads(first)["findings"])] == found


def test_the_trojan_source_test_runs_only_where_it_can_report(tmp_path: Path) -> None:
    import io

    from bandit.plugins import trojansource

    [b613] = [rule for rule in bandit_bridge.rules() if rule.code == "B613"]
    assert b613.bandit_kinds == ("File",) and set(b613.file_characters) == set(trojansource.BIDI_CHARACTERS)
    tests = [b613]
    plain = "x = 1\n"
    assert not bandit_bridge._file_tests_may_report(tests, plain)
    hidden = "access = 'user\u202e \u2066# admin\u2069 \u2066'\n"
    assert bandit_bridge._file_tests_may_report(tests, hidden)
    latin = "# -*- coding: latin-1 -*-\nx = 1\n"  # bandit decodes it otherwise: its test runs
    assert bandit_bridge._file_tests_may_report(tests, latin)
    # A whole-file test whose characters are not known (another bandit's B613) always runs.
    assert bandit_bridge._file_tests_may_report([type("Unknown", (b613,), {"file_characters": None})], plain)
    write_tree(tmp_path, {"app/a.py": hidden, "app/b.py": plain})
    assert _found(scan_tree(tmp_path, select=("B613",))) == [("B613", 1)]


EVIDENCE = '''import logging, os, subprocess, sys, textwrap
from jinja2 import Environment
logger = logging.getLogger(__name__)

def messages(source, n):
    logger.debug(f"{source}: update cancelled, as force_reload is set - waiting on new import")
    print(textwrap.dedent(f"""
        Found {n} entries to delete from the journal for {source}.
    """))
    msg = (f"{source}: select the key from the store and update it, set {n}")
    raise ValueError(msg)

def queries(cur, table, n):
    cur.execute(f"SELECT * FROM {table} WHERE id = {n}")
    q = f"DELETE FROM {table} WHERE id = {n}"
    logger.info(q)
    cur.execute(q)

WINDOWS = False
if os.name in ("nt", "dos"):
    WINDOWS = True

def commands(extra):
    subprocess.check_output(["npm", "ci"], shell=sys.platform == "win32")
    subprocess.check_output(
        ["npm", "run", "build"], shell=sys.platform == "win32"
    )
    shell = os.name == "nt"
    cmd = ["node", "proxy.js"] + extra
    cmd += ["--port", "80"]
    subprocess.Popen(cmd, shell=shell)
    subprocess.check_call(f"npm {extra}", shell=sys.platform == "win32")
    subprocess.check_call(["npm", extra], shell=True)
    subprocess.check_call(["npm", "run", "css"], shell=WINDOWS)

def environments(loader):
    options = dict(autoescape=True, enable_async=True)
    Environment(loader=loader, **options)
    plain = {"autoescape": False}
    Environment(loader=loader, **plain)
    Environment(loader=loader)
'''


def test_bandit_issues_the_code_around_shows_to_be_something_else(tmp_path: Path) -> None:
    # Bandit reports lines 6, 7, 10 (B608 on messages), 24, 26, 31, 34 (B602 only on Windows
    # with an argument list; bandit puts the finding on the `shell=` line) and 38 (B701 with
    # autoescape in **options) too; the near-misses stay:
    # SQL that reaches execute() (once also through a log), a command line built as a string
    # for the Windows shell, shell=True everywhere, autoescape=False in the options, no options.
    write_tree(tmp_path, {"app.py": EVIDENCE})
    result = scan_tree(tmp_path, select=("B602", "B608", "B701"))
    assert _found(result) == [("B602", 32), ("B602", 33), ("B608", 14), ("B608", 15), ("B701", 40), ("B701", 41)]


def test_b608_is_not_reported_in_a_schema_migration(tmp_path: Path) -> None:
    # A migration runs once at deploy time with what the code and the schema give it; the same
    # text in application code is still reported.
    migration = (
        'revision = "b2"\ndown_revision = "a1"\nfrom alembic import op\n\n'
        "def upgrade():\n"
        "    now = utcnow()\n"
        '    op.execute(f"UPDATE users SET created = \'{now}\' WHERE created IS NULL")\n'
    )
    write_tree(tmp_path, {
        "app/alembic/env.py": "",
        "app/alembic/versions/b2_created.py": migration,
        "app/backfill.py": migration.replace("op.execute", "conn.execute"),
    })
    result = scan_tree(tmp_path, select=("B608",))
    assert [(f.path, f.line) for f in result.findings] == [("app/backfill.py", 7)]


def test_b113_is_not_reported_where_the_call_passes_a_timeout_bandit_cannot_read(tmp_path: Path) -> None:
    # Bandit reads a keyword's value only when it is a literal or an attribute; `timeout=`
    # given by a call or a subscript reads as None, which its test takes for no timeout (squad).
    source = (
        "import requests\n"
        "OPTIONS = {\"timeout\": 10}\n"
        "def fetch(settings, url):\n"
        "    requests.get(url, timeout=settings.get(\"timeout\", 30))\n"
        "    requests.post(url, timeout=settings[\"timeout\"])\n"
        "    requests.get(url, **OPTIONS)\n"
        "    requests.get(url)\n"
        "    requests.get(url, timeout=None)\n"
        "    requests.get(url, **settings)\n"
    )
    write_tree(tmp_path, {"app.py": source})
    # near-misses stay: no timeout, a literal None, and `**options` nobody can read
    assert _found(scan_tree(tmp_path, select=("B113",))) == [("B113", 7), ("B113", 8), ("B113", 9)]


def test_a_scan_without_bandit_runs_its_own_rules(tmp_path: Path) -> None:
    """Bandit is a runtime dependency, but a broken install of it only loses its tests: with
    every `bandit` import failing, a scan lists no bandit test (B501 is not reported), runs
    the rest and exits cleanly."""
    import os
    import subprocess
    import sys

    root = tmp_path / "proj"
    write_tree(root, {"app/client.py": "import requests\n\n\ndef fetch(url):\n    return requests.get(url, verify=False)\n"})
    probe = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'bandit' or name.startswith('bandit.'):\n"
        "            raise ImportError('no bandit here')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from reviewer.cli import main\n"
        f"sys.argv = ['reviewer', 'scan', {str(root)!r}, '--format', 'json', '-q']\n"
        "main()\n"
    )
    env = {**os.environ, "REVIEWER_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    assert [finding["rule"] for finding in json.loads(done.stdout)["findings"]] == ["OPS001"]
