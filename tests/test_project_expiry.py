"""The project model's summary "checks a JWT's expiry by hand" (reviewer.project.expiry), per
function, followed across modules: into the helpers a payload is passed to, and back into the
callers a decoding function hands it to."""

from __future__ import annotations

from reviewer.project.expiry import ExpiryFlow, Flow
from tests.test_project_responses import _model

DECODE = 'jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": False})'

TREE = {
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/clock.py": (
        "import time\n"
        "def expired(claims):\n"
        "    return claims.exp <= time.time()\n"
        "def logged(claims):\n"
        "    print(claims.exp, time.time())\n"  # near miss: both read, never compared
    ),
    "app/core/checks.py": (
        "from app.core.clock import expired, logged\n"
        "def validate(payload):\n"
        "    return expired(payload)\n"
        "def only_log(payload):\n"
        "    logged(payload)\n"
    ),
    "app/auth.py": (
        "import jwt\n"
        "from app.core import checks\n"
        "from app.core.checks import only_log\n"
        "def read(token):\n"
        f"    payload = {DECODE}\n"
        "    data = TokenPayload(**payload)\n"
        "    if checks.validate(data):\n"
        "        raise Expired()\n"
        "    return data\n"
        "def read_logged(token):\n"
        f"    payload = {DECODE}\n"
        "    only_log(payload)\n"
        "    return payload\n"
        "def expiry_of(token):\n"
        f"    payload = {DECODE}\n"
        '    return payload.get("exp")\n'
        "class Tokens:\n"
        "    def raw(self, token):\n"
        f"        return {DECODE}\n"
    ),
    "app/tokens.py": (
        "from datetime import datetime, timezone\n"
        "from app.auth import expiry_of\n"
        "def reusable(tokens):\n"
        "    now = datetime.now(timezone.utc).timestamp()\n"
        "    return [t for t in tokens if (expiry_of(t) or 0) > now]\n"
    ),
}


def test_expiry_flow_of_one_function() -> None:
    model = _model(TREE)
    flow = model.files["app/core/clock.py"].expiry["expired"]
    assert isinstance(flow, ExpiryFlow) and flow.parameters == ("claims",)
    assert flow.flows["param:claims:payload"] == Flow(checked=True)
    assert "logged" not in model.files["app/core/clock.py"].expiry  # `exp` and the clock, never compared
    read = model.files["app/auth.py"].expiry["read"].flows["decode:5"]
    assert not read.checked and read.passes == (("checks.validate", (("0", "payload"),)),)


def test_checked_in_a_helper_two_modules_away() -> None:
    model = _model(TREE)
    assert model.expiry_checked("app/auth.py", "read", 5)
    # Near miss: the helper two modules away reads `exp` and the clock but compares nothing.
    assert not model.expiry_checked("app/auth.py", "read_logged", 11)


def test_checked_by_a_caller_in_another_module() -> None:
    model = _model(TREE)
    assert model.expiry_checked("app/auth.py", "expiry_of", 15)
    # Near miss: a method that hands the payload back to nobody who checks it.
    assert not model.expiry_checked("app/auth.py", "Tokens.raw", 19)


def test_depth_is_bounded() -> None:
    files = dict(TREE)
    files["app/core/checks.py"] = files["app/core/checks.py"] + "def deeper(payload):\n    return validate(payload)\n"
    files["app/auth.py"] = files["app/auth.py"].replace("checks.validate(data)", "checks.deeper(data)")
    model = _model(files)
    assert model.expiry_checked("app/auth.py", "read", 5, depth=3)
    assert not model.expiry_checked("app/auth.py", "read", 5, depth=2)


def test_files_that_do_not_mention_expiry_are_not_summarised() -> None:
    model = _model({"app/__init__.py": "", "app/x.py": "import time\ndef f(a):\n    return a.b <= time.time()\n"})
    assert model.files["app/x.py"].expiry == {}


def test_a_caller_hands_the_payload_it_gets_back_to_a_check() -> None:
    """skyvern: `payload = _decode(key)` then `_validate(payload)`, which checks `exp` in a helper;
    the caller itself reads no clock. (A caller in a module that names no `exp` nor expiry is
    not summarised: reviewer.project.expiry.)"""
    files = {
        "app/__init__.py": "",
        "app/auth.py": (
            "import jwt, time\n"
            "def _expired(claims):\n"
            "    return claims.exp <= time.time()\n"
            "def _decode(key):\n"
            f"    return {DECODE}\n"
            "def _validate(payload):\n"
            "    if _expired(TokenPayload(**payload)):\n"
            "        raise Expired()\n"
            "def current(key):\n"
            "    payload = _decode(key)\n"
            "    _validate(payload)\n"
            "    return payload\n"
            "def unchecked(key):\n"
            "    payload = _decode(key)\n"
            "    return payload\n"
        ),
    }
    model = _model(files)
    assert model.expiry_checked("app/auth.py", "_decode", 5)
    files["app/auth.py"] = files["app/auth.py"].replace("    _validate(payload)\n", "")  # near miss: nobody checks
    assert not _model(files).expiry_checked("app/auth.py", "_decode", 5)
