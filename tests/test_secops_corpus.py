"""The SEC and OPS rules on the labelled corpus (tests/corpus/secops): precision and recall
must not drop below the committed values.

A case is a top-level function named `bad_<code>_*` (rule <code> must flag it) or
`ok_<code>_*` (a near miss the rule must leave alone), decorators included; or a folder
`files/<bad|ok>_<code>_*` holding a small project, for settings modules and other
module-level code. A case is flagged when a finding of its rule falls inside it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from reviewer.config import Config
from tests.conftest import scan_tree

CORPUS = Path(__file__).parent / "corpus" / "secops"
CASE = re.compile(r"^(?P<kind>bad|ok)_(?P<code>(?:sec|ops)\d{3})_")
# Measured on the committed corpus; raise them when the rules improve, never lower them to
# make a regression pass.
PRECISION = 1.0
RECALL = 1.0
MINIMUM_CASES = 80


def _cases() -> list[tuple[str, int, int, str, str, bool]]:
    """(path or folder, first line, last line, name, rule code, is bad)."""
    cases = []
    for path in sorted(CORPUS.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            match = CASE.match(getattr(node, "name", ""))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and match:
                start = min([node.lineno, *[d.lineno for d in node.decorator_list]])
                cases.append((path.name, start, node.end_lineno or node.lineno, node.name, match["code"].upper(), match["kind"] == "bad"))
    for folder in sorted(p for p in (CORPUS / "files").iterdir() if p.is_dir()):
        match = CASE.match(folder.name)
        assert match, f"corpus folder {folder.name} is not named bad_<code>_... or ok_<code>_..."
        cases.append((f"files/{folder.name}/", 0, 0, folder.name, match["code"].upper(), match["kind"] == "bad"))
    return cases


@pytest.fixture(scope="module")
def scored() -> dict:
    cases = _cases()
    codes = tuple(sorted({code for *_, code, _ in cases}))
    # The corpus measures every check, the opt-in ones included.
    config = Config(root=str(CORPUS), options=(("OPS006", (("whole-request", True),)),))
    result = scan_tree(CORPUS, select=codes, config=config)
    assert not [e for e in result.errors if e.kind == "rule-error"], result.errors
    found = [(f.rule, f.path, f.line) for f in result.findings]
    tp, fp, misses, false = 0, 0, [], []
    per_rule: dict[str, list[int]] = {}
    for where, start, end, name, code, bad in cases:
        if where.endswith("/"):
            hit = any(rule == code and path.startswith(where) for rule, path, _ in found)
        else:
            hit = any(rule == code and path == where and start <= line <= end for rule, path, line in found)
        counts = per_rule.setdefault(code, [0, 0, 0])  # tp, fp, fn
        if bad and hit:
            tp += 1
            counts[0] += 1
        elif bad:
            misses.append(name)
            counts[2] += 1
        elif hit:
            fp += 1
            false.append(name)
            counts[1] += 1
    return {
        "cases": len(cases),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + len(misses)) if tp + len(misses) else 0.0,
        "misses": misses,
        "false": false,
        "per_rule": per_rule,
        "findings": found,
    }


def test_corpus_is_large_enough(scored) -> None:
    assert scored["cases"] >= MINIMUM_CASES
    assert {code for code in scored["per_rule"]} >= {
        "SEC001", "SEC002", "SEC003", "SEC004", "SEC005", "SEC006", "SEC008", "OPS001", "OPS002", "OPS003", "OPS004", "OPS006"
    }


def test_precision_and_recall_hold(scored) -> None:
    print(f"\nsecops corpus: {scored['cases']} cases, precision {scored['precision']:.3f}, recall {scored['recall']:.3f}")
    for code, (tp, fp, fn) in sorted(scored["per_rule"].items()):
        print(f"  {code}: tp {tp} fp {fp} fn {fn}")
    assert scored["precision"] >= PRECISION, f"false positives: {scored['false']}"
    assert scored["recall"] >= RECALL, f"missed: {scored['misses']}"


def test_no_finding_outside_a_case(scored) -> None:
    """Every finding lands in a case of its own rule: nothing fires on scaffolding."""
    cases = _cases()
    stray = []
    for rule, path, line in scored["findings"]:
        inside = any(
            (where.endswith("/") and path.startswith(where)) or (path == where and start <= line <= end)
            for where, start, end, *_ in cases
        )
        if not inside:
            stray.append((rule, path, line))
    assert stray == []


def test_whole_request_logging_is_reported_only_when_asked(tmp_path) -> None:
    from tests.conftest import write_tree

    code = (
        "import logging\n"
        "logger = logging.getLogger(__name__)\n"
        "def hook(request):\n"
        '    logger.debug("incoming headers: %s", dict(request.headers))\n'
    )
    write_tree(tmp_path, {"app/hooks.py": code})
    assert scan_tree(tmp_path, select=("OPS006",)).findings == ()
    config = Config(root=str(tmp_path), options=(("OPS006", (("whole-request", True),)),))
    found = scan_tree(tmp_path, select=("OPS006",), config=config).findings
    assert [(f.rule, f.line) for f in found] == [("OPS006", 4)]


def test_unverified_claims_read_only_for_timing_or_routing_are_not_critical(tmp_path) -> None:
    """SEC001: an unverified decode whose claims are only looked up by `exp` / `iss`-like names
    is reported at medium confidence (so high severity); one whose claims are used whole, or
    looked up by an identity claim, stays critical."""
    from tests.conftest import write_tree

    code = (
        "import jwt\n"
        "def refresh_due(session):\n"
        '    claims = jwt.decode(session.id_token, options={"verify_signature": False})\n'
        '    return claims.get("exp", 0) < time.time() or claims["iat"] < session.created\n'
        "def expiry(token):\n"
        '    return jwt.decode(token, options={"verify_signature": False})["exp"]\n'
        "def current_user(token):\n"
        '    claims = jwt.decode(token, options={"verify_signature": False})\n'
        '    if claims["exp"] < time.time():\n'
        "        return None\n"
        '    return claims["sub"]\n'
        "def claims_of(token):\n"
        '    claims = jwt.decode(token, options={"verify_signature": False})\n'
        '    log(claims["exp"])\n'
        "    return claims\n"
    )
    write_tree(tmp_path, {"app/auth.py": code})
    found = {f.line: (f.severity.value, f.confidence.value) for f in scan_tree(tmp_path, select=("SEC001",)).findings}
    assert found == {3: ("high", "medium"), 6: ("high", "medium"), 8: ("critical", "high"), 13: ("critical", "high")}


def test_a_token_the_server_fetched_from_the_issuer_is_not_critical(tmp_path) -> None:
    """SEC001: an ID token read from the JSON of the server's own call to the token endpoint
    (alerta) or of an OAuth client's token request is reported at medium confidence (so high);
    a token from the client's request stays critical."""
    from tests.conftest import write_tree

    code = (
        "import jwt\nimport requests\nfrom flask import request\n"
        "def login(code):\n"
        '    r = requests.post(TOKEN_ENDPOINT, data={"code": code})\n'
        "    token = r.json()\n"
        '    header = jwt.get_unverified_header(token["id_token"])\n'
        '    return jwt.decode(token["id_token"], options={"verify_signature": False})\n'
        "def callback(client):\n"
        "    resp = client.authorize_access_token()\n"
        '    return jwt.decode(resp.get("id_token"), options={"verify_signature": False})\n'
        "def current_user():\n"
        '    return jwt.decode(request.json["id_token"], options={"verify_signature": False})\n'
    )
    write_tree(tmp_path, {"app/auth.py": code})
    found = {f.line: (f.severity.value, f.confidence.value) for f in scan_tree(tmp_path, select=("SEC001",)).findings}
    assert found == {8: ("high", "medium"), 11: ("high", "medium"), 13: ("critical", "high")}


def test_plural_places_of_a_credential_are_not_the_credential() -> None:
    """`authorization_servers` (OAuth resource metadata) lists where to authorize, not a
    credential; a singular `server_secret` or an `authorization` header still is one."""
    from reviewer.ops.secops import is_sensitive_name

    assert not is_sensitive_name("authorization_servers") and not is_sensitive_name("token_endpoints")
    assert is_sensitive_name("server_secret") and is_sensitive_name("authorization") and is_sensitive_name("api_key")


def test_a_value_spelled_like_its_own_name_is_a_key_not_a_secret() -> None:
    """`_ACCESS_TOKEN = "OS-OAUTH1:access_token"` names a key under a namespace; a value that
    only contains the name's words elsewhere, or another credential, is still judged."""
    from reviewer.ops.secops import looks_like_secret

    assert not looks_like_secret("OS-OAUTH1:access_token", "_ACCESS_TOKEN")
    assert not looks_like_secret("access_token", "ACCESS_TOKEN")
    assert looks_like_secret("access_token_9f3kQ2x", "ACCESS_TOKEN")
    assert looks_like_secret("OS-OAUTH1:access_token", "API_SECRET")


def test_urlopen_of_a_data_uri_made_in_another_module_is_not_reported(tmp_path) -> None:
    """OPS001 reads the project model's summary "returns a `data:` / `file:` URI", so a helper
    of another module (or one wrapping it) that returns segno's data URI opens no connection;
    a helper returning an https URL still does."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "utils.py").write_text(
        "import segno\n"
        "def create_img(data):\n    return segno.make_qr(data).png_data_uri(scale=10)\n"
        "def remote(name):\n    return 'https://example.com/' + name\n"
    )
    (root / "app" / "notify.py").write_text(
        "from urllib.request import urlopen\nfrom app.utils import create_img, remote\nfrom app import utils\n"
        "def qr_image(data):\n    return create_img(data)\n"
        "def attach(data):\n"
        "    local = urlopen(utils.create_img(data)).read()\n"
        "    wrapped = urlopen(qr_image(data)).read()\n"
        "    return local, wrapped, urlopen(remote(data)).read()\n"
    )
    result = scan_tree(root, select=("OPS001",))
    assert [(f.path, f.line) for f in result.findings if f.rule == "OPS001"] == [("app/notify.py", 9)]
