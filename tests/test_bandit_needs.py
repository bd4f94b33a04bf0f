"""Bandit's tests run only on the files that meet their needs (reviewer.bandit_needs): a file
bandit reports on always meets the needs of the test that reported, whatever the spelling
(import aliases, from-imports, attribute chains, `__import__`), and the needs are read from the
bandit that is installed, or dropped when its code is not the code they were read from."""

from __future__ import annotations

import ast
import importlib
import io
import json
from pathlib import Path

import pytest

from reviewer import bandit_bridge, bandit_needs
from reviewer.needs import Needs, file_facts
from tests.conftest import bandit_chosen, scan_tree, write_tree

REPO = Path(__file__).resolve().parent.parent
RULES = {rule.code: rule for rule in bandit_bridge.rules()}
ALL_BANDIT = frozenset(RULES)
# The tests below that expect needs run against the bandit whose code was read. Another
# release (the dependency allows any 1.x) may change that code: then the engine drops the needs
# (test_needs_exist_only_for_the_code_they_were_read_from), which costs time, not findings,
# and these tests wait until the code is read again and READ_FROM updated.
read_here = pytest.mark.skipif(
    bandit_bridge.BANDIT_VERSION != bandit_needs.READ_FROM,
    reason=f"bandit {bandit_bridge.BANDIT_VERSION} is installed; the needs were read from bandit {bandit_needs.READ_FROM}'s code",
)


def bandit_reports(code: str) -> set[str]:
    """The ids of the tests bandit's visitor reports on `code`, every test enabled (the lean
    visitor reports what bandit's own does: tests/test_bandit_bridge.py)."""
    from bandit.core import metrics

    counts = metrics.Metrics()
    counts.begin("app/code.py")
    data = io.BytesIO(code.encode("utf-8", "surrogateescape"))
    visitor = bandit_bridge._LeanVisitor(
        "app/code.py", data, bandit_bridge._NoMetaAst(), bandit_bridge._test_set(bandit_chosen(ALL_BANDIT)), False, {}, counts
    )
    visitor.generic_visit(ast.parse(code))
    visitor.context = {"file_data": data, "filename": "app/code.py", "lineno": 0, "linerange": [0, 1], "col_offset": 0}
    visitor.update_scores(visitor.tester.run_tests(visitor.context, "File"))
    return {issue.test_id for issue in visitor.tester.results}


def needs_met(code: str) -> set[str]:
    """The ids of the tests whose needs `code` meets (or that have none)."""
    facts = file_facts(ast.parse(code), "app/code.py")
    return {code for code, rule in RULES.items() if rule.needs is None or rule.needs.met_by(facts)}


# For each default test but B613: spellings bandit reports (through aliases, from-imports,
# attribute chains and import calls), and near misses whose code does not meet the needs.
REPORTED = {
    "B304": [
        "from Crypto.Cipher import ARC4\nARC4.new(key)\n",
        "import Crypto.Cipher.DES as D\nD.new(key)\n",
        "from Crypto.Cipher.ARC2 import new as make\nmake(key)\n",
        "from Cryptodome.Cipher import Blowfish as B\nB.new(key)\n",
        "from cryptography.hazmat.primitives.ciphers import algorithms as alg\nalg.TripleDES(key)\n",
        "import cryptography.hazmat.primitives.ciphers.algorithms\ncryptography.hazmat.primitives.ciphers.algorithms.IDEA(key)\n",
        "cryptography.hazmat.primitives.ciphers.algorithms.SEED(key)\n",  # unimported: named as spelled
        "__import__('cryptography.hazmat.primitives.ciphers.algorithms.CAST5')\n",
        "import importlib as il\nil.import_module('Crypto.Cipher.XOR.new')\n",
    ],
    "B305": [
        "from cryptography.hazmat.primitives.ciphers import modes as m\nm.ECB()\n",
        "from cryptography.hazmat.primitives.ciphers.modes import ECB as Electronic\nElectronic()\n",
    ],
    "B306": [
        "import tempfile\ntempfile.mktemp()\n",
        "import tempfile as t\nt.mktemp()\n",
        "from tempfile import mktemp as make_name\nmake_name()\n",
        "from . import tempfile\ntempfile.mktemp()\n",
        "__import__('tempfile.mktemp')\n",
    ],
    "B501": [
        "import requests as r\nr.get(url, verify=False)\n",
        "from requests import post\npost(url, verify=False)\n",
        "import requests\nrequests.put(url, verify='False')\n",
        "from httpx import AsyncClient as C\nC(verify=False)\n",
    ],
    "B502": [
        "import ssl\nssl.wrap_socket(sock, ssl_version=ssl.PROTOCOL_SSLv3)\n",
        "from OpenSSL import SSL\nSSL.Context(method=SSL.SSLv2_METHOD)\n",
        "connect(host, method='TLSv1_METHOD')\n",
        "connect(host, ssl_version=PROTOCOL_TLSv1)\n",
    ],
    "B503": [
        "import ssl\ndef open_socket(version=ssl.PROTOCOL_SSLv2):\n    pass\n",
        "from OpenSSL import SSL as S\ndef context(method=S.TLSv1_METHOD):\n    pass\n",
    ],
    "B505": [
        "from cryptography.hazmat.primitives.asymmetric import rsa\nrsa.generate_private_key(65537, 1024)\n",
        "from cryptography.hazmat.primitives.asymmetric import ec as curves\ncurves.generate_private_key(curves.SECP192R1)\n",
        "import cryptography.hazmat.primitives.asymmetric.dsa as dsa\ndsa.generate_private_key(key_size=512)\n",
        "from Crypto.PublicKey import DSA as D\nD.generate(512)\n",
        "from Cryptodome.PublicKey.RSA import generate\ngenerate(1024)\n",
    ],
    "B612": [
        "import logging.config\nlogging.config.listen(9999)\n",
        "from logging import config\nconfig.listen(9999)\n",
        "from logging.config import listen as serve\nserve(9999)\n",
    ],
}
NEAR_MISSES = {
    "B304": ["from Cryptography import ARC4\nARC4.new(key)\n", "cipher.new(key)\n"],
    "B305": ["from cryptography.hazmat.primitives.ciphers import modes\nmodes.CBC(iv)\n"],
    "B306": ["import tempfile\ntempfile.mkstemp()\n", "mktemp()\n"],
    "B501": ["session.get(url, verify=False)\n", "import requests\nrequests.get(url, timeout=3)\n"],
    "B502": ["import ssl\nssl.wrap_socket(sock, ssl_version=ssl.PROTOCOL_TLS_CLIENT)\n", "PROTOCOL_SSLv3 = 1\n"],
    "B503": [
        "import ssl\nasync def open_socket(version=ssl.PROTOCOL_SSLv2):\n    pass\n",  # bandit does not check async defs
        "import ssl\ndef open_socket(version=ssl.PROTOCOL_TLS):\n    pass\n",
    ],
    "B505": ["from app.keys import RSA\nRSA.generate(1024)\n", "import cryptography\nmake_key(1024)\n"],
    "B612": ["server.listen(9999)\n", "import logging\nlogging.config.dictConfig({})\n"],
}


@pytest.mark.parametrize("test_id", sorted(REPORTED))
def test_every_spelling_bandit_reports_meets_the_needs(test_id: str) -> None:
    assert RULES[test_id].needs is not None
    for code in REPORTED[test_id]:
        assert test_id in bandit_reports(code), code
        assert test_id in needs_met(code), code


@read_here
@pytest.mark.parametrize("test_id", sorted(NEAR_MISSES))
def test_near_misses_do_not_run_the_test(test_id: str) -> None:
    for code in NEAR_MISSES[test_id]:
        assert test_id not in bandit_reports(code), code
        assert test_id not in needs_met(code), code


@read_here
def test_the_default_set_is_gated_except_the_trojan_source_test() -> None:
    assert {code for code in bandit_bridge.DEFAULT_ON if RULES[code].needs is None} == {"B613"}
    code = "import os\n\ndef handler(request):\n    return os.path.join('a', request.GET['b'])\n"
    assert needs_met(code) & set(bandit_bridge.DEFAULT_ON) == {"B613"}
    # Tests of one node kind need it: no `assert`, no B101; no `try`, no B110.
    assert {"B101", "B110", "B112"}.isdisjoint(needs_met(code))
    assert {"B101", "B110"} <= needs_met("assert x\ntry:\n    f()\nexcept E:\n    pass\n")


def _python_files() -> list[Path]:
    folders = [REPO / "sample_projects", REPO / "tests" / "corpus", REPO / "rules"]
    return sorted(path for folder in folders for path in folder.rglob("*.py"))


def test_on_the_repositorys_code_every_report_of_bandit_meets_its_tests_needs() -> None:
    """Every test bandit reports on a file of the sample projects, the corpora and the rule
    pack (every test enabled) is among those whose needs the file meets."""
    checked = reported = 0
    for path in _python_files():
        code = path.read_text(encoding="utf-8")
        try:
            ast.parse(code)
        except SyntaxError:
            continue
        found = bandit_reports(code)
        assert found <= needs_met(code), (path, found - needs_met(code))
        checked += 1
        reported += bool(found)
    assert checked > 400 and reported > 50


@pytest.mark.parametrize("project", ["django_shop", "flask_ledger", "fastapi_orders"])
def test_a_gated_scan_reports_what_an_ungated_one_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project: str) -> None:
    import shutil

    shutil.copytree(REPO / "sample_projects" / project, tmp_path / project)
    extra = {name: "\n".join(codes) for name, codes in {"app/crypto_a.py": REPORTED["B304"][:3], "app/misses.py": sum(NEAR_MISSES.values(), [])}.items()}
    write_tree(tmp_path / project, extra)
    for profile in ("default", "all"):
        select = tuple(sorted(ALL_BANDIT)) if profile == "all" else ()
        gated = scan_tree(tmp_path / project, select=select)
        with monkeypatch.context() as patch:
            for rule in RULES.values():
                patch.setattr(rule, "needs", None)
            ungated = scan_tree(tmp_path / project, select=select)
        assert [finding.to_cache() for finding in gated.findings] == [finding.to_cache() for finding in ungated.findings]
        assert any(finding.rule.startswith("B") for finding in gated.findings)


@read_here
def test_the_needs_were_read_from_the_installed_bandits_code() -> None:
    """The needs rest on bandit's code as it was read (bandit_needs' docstring): when bandit
    changes it, this fails, and the digests are updated once the code is read again."""
    assert bandit_needs.digest(bandit_needs.core()) == bandit_needs.CORE_DIGEST
    for test_id, (read, _) in bandit_needs.PLUGINS.items():
        [plugin] = [p for p in bandit_bridge._bandit_plugins().extensions.MANAGER.plugins if p.plugin._test_id == test_id]
        assert bandit_needs.digest([importlib.import_module(plugin.plugin.__module__)]) == read, test_id
    from bandit.plugins import trojansource

    assert bandit_needs.digest([trojansource]) == bandit_needs.TROJAN_SOURCE_DIGEST


def test_needs_exist_only_for_the_code_they_were_read_from() -> None:
    """Whatever bandit is installed: its tests have needs only when its name-resolving code is
    the code they were read from; otherwise every test runs on every file, as without needs."""
    loaded = bandit_bridge._bandit_plugins()
    found = bandit_needs.test_needs(loaded.extensions.MANAGER, loaded.config.BanditConfig())
    assert bool(found) == (bandit_needs.digest(bandit_needs.core()) == bandit_needs.CORE_DIGEST)


@read_here
def test_blacklist_needs_follow_bandits_data() -> None:
    """Each blacklist entry's needs come from its qualified names in bandit's data as it is
    (a name bandit adds is followed): every name, spelled as a call, meets them."""
    manager = bandit_bridge._bandit_plugins().extensions.MANAGER
    for kind, entries in manager.blacklist.items():
        for entry in entries:
            needs = RULES[entry["id"]].needs
            assert needs is not None, entry["id"]
            for name in entry["qualnames"]:
                first, _, rest = name.partition(".")
                if kind == "Call":
                    spellings = [f"{name}()\n", f"__import__({name!r})\n"]
                    if rest:
                        module, _, last = name.rpartition(".")
                        spellings += [f"import {module} as alias\nalias.{last}()\n", f"from {module} import {last} as alias\nalias()\n"]
                else:
                    spellings = [f"import {name}\n", f"import {name}_more as x\n"] if not rest else [f"import {name}\n"]
                    if rest:
                        module, _, last = name.rpartition(".")
                        spellings.append(f"from {module} import {last}\n")
                for code in spellings:
                    if entry["id"] in bandit_reports(code):
                        assert needs.met_by(file_facts(ast.parse(code), "app/code.py")), (entry["id"], code)


@read_here
def test_unknown_or_changed_code_has_no_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = bandit_bridge._bandit_plugins()
    manager, config = loaded.extensions.MANAGER, loaded.config.BanditConfig()
    assert bandit_needs.test_needs(manager, config)["B304"] is not None
    monkeypatch.setattr(bandit_needs, "CORE_DIGEST", "changed")
    assert bandit_needs.test_needs(manager, config) == {}  # every test runs on every file
    monkeypatch.undo()
    monkeypatch.setitem(bandit_needs.PLUGINS, "B612", ("changed", bandit_needs.PLUGINS["B612"][1]))
    assert bandit_needs.test_needs(manager, config)["B612"] == Needs(syntax=("Call",))  # its node kind only
    [plugin] = [p for p in manager.plugins if p.plugin._test_id == "B612"]

    def third_party(context):  # noqa: ARG001
        return None

    third_party._checks, third_party._test_id, third_party.__module__ = ["Call"], "B999", "acme_bandit.plugins"
    assert bandit_needs.plugin_needs(third_party, config) is None
    assert bandit_needs.kinds_needs(["File"]) is None and bandit_needs.kinds_needs(["NoSuchNode"]) is None
    assert bandit_needs.blacklist_needs([("Call", "os.*")]) is None
    assert bandit_needs._or_none(bandit_needs.blacklist_needs, [("Call", 3)]) is None  # not bandit's shape
    assert plugin.plugin._test_id == "B612"


def test_needs_are_kept_as_json_and_read_back() -> None:
    for rule in RULES.values():
        kept = json.loads(json.dumps(bandit_needs.to_json(rule.needs)))
        assert bandit_needs.from_json(kept) == rule.needs
    for damaged in ([], {"names": "x"}, {"either": [None]}, {"nothing": []}):
        with pytest.raises(ValueError):
            bandit_needs.from_json(damaged)


@read_here
def test_a_scan_whose_files_meet_no_needs_imports_no_bandit(tmp_path: Path) -> None:
    """With bandit's test list kept, a cold scan of files that meet no enabled test's needs (and
    hold no trojan-source character) imports no bandit; one file that does imports it."""
    import os

    from tests.conftest import scans_reporting

    env = {**os.environ, "REVIEWER_CACHE_DIR": str(tmp_path / "cache")}
    bandit_bridge.tests(env)  # kept, as after any earlier scan
    root = tmp_path / "proj"
    write_tree(root, {"app/views.py": "import os\n\ndef f(path):\n    return os.path.exists(path)\n"})
    [(report, imported)] = scans_reporting(root, "'bandit' in sys.modules", runs=1, env=env)
    assert imported == "False" and json.loads(report)["summary"]
    write_tree(tmp_path / "proj2", {"app/tls.py": "import requests\nrequests.get(url, verify=False)\n"})
    [(report, imported)] = scans_reporting(tmp_path / "proj2", "'bandit' in sys.modules", runs=1, env=env)
    assert imported == "True" and [f["rule"] for f in json.loads(report)["findings"]] == ["B501"]
