from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, Needs, PythonRule
from reviewer.ops.secops import is_dev_path
from reviewer.ops.nodes import is_false_or_none, keyword, positional, string_value, target_name
from reviewer.project.expiry import DECODERS

ENCODERS = frozenset({"jwt.encode", "jose.jwt.encode", "jwt.api_jwt.encode"})
TIMEDELTA = frozenset({"datetime.timedelta"})
SECONDS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}
ACCESS_LIMIT = 3600  # seconds; the catalogue's default for access tokens


class JwtMissingExpiryOrLongLived(PythonRule):
    """A JWT is issued without an `exp` claim, its expiry check is switched off, or access
    tokens are configured to never expire or to live longer than an hour.

    A bearer token is a login: whoever holds it is the user until it expires. A token without
    `exp` stays valid forever, including every copy in logs, browser storage and proxies, and
    cannot be revoked short of rotating the signing key. Keep access tokens short (minutes)
    and refresh them. Payloads built elsewhere (a parameter, a helper's return value) are not
    judged; only a dict literal seen whole is. An unsigned token (`algorithm="none"`) is not
    judged either: anyone can mint one, so an `exp` in it limits nothing; it is an assertion
    whose format an API defines (PayPal's `PayPal-Auth-Assertion` header), not a login. A token
    whose value is thrown away (`jwt.encode(...)` as a statement: a start-up check that the key
    signs) is no token. A decode with `verify_exp` off is not reported when the code checks the
    expiry by hand: the payload's `exp` (`payload["exp"]`, `.get("exp")`, `.exp` of the payload
    or of an object built from it) is compared with the clock (`time.time()`, `datetime.now()`,
    ...) in the decoding function, in a function it passes the payload or its `exp` to, or in a
    function that calls it and gets them back, in any module of the project (followed up to
    three calls deep). It relies on the project model's per-function summary "checks a JWT's
    expiry by hand" (`reviewer.project.expiry.ExpiryFlow`, `ProjectSymbols.expiry_checked`)."""

    code = "SEC002"
    # Opt-in until the field has judged 5 of its findings (reviewer.precision.MIN_EVIDENCE); first findings on held-out cohorts: 0 true of 6 (c7).
    opt_in = True
    name = "jwt-missing-expiry-or-long-lived"
    summary = "A JWT is issued without an expiry, or access tokens live longer than an hour."
    category = Category.SECURITY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    message = "JWT lifetime problem: {what}"
    fix = 'Set a short expiry: `{"sub": uid, "iat": now, "exp": now + timedelta(minutes=15)}`'
    seed = 'S2:183 "proper token lifecycle"; S5:528 "Implement proper session management and token expiration"'
    references = (
        "https://datatracker.ietf.org/doc/html/rfc8725#section-3.10",
        "https://django-rest-framework-simplejwt.readthedocs.io/en/latest/settings.html#access-token-lifetime",
    )
    index_sections = ("symbols",)  # the summary "checks a JWT's expiry by hand"
    needs = Needs(name_parts=("jwt", "jose"), names=("JWT_ACCESS_TOKEN_EXPIRES", "ACCESS_TOKEN_LIFETIME"))
    invalid = (
        Example(
            "import jwt\n"
            "def issue(user):\n"
            '    return jwt.encode({"sub": str(user.id)}, SECRET, algorithm="HS256")\n',
            path="app/auth.py",
            lines=(3,),
        ),
        Example(
            "import jwt\n"
            "def read(token):\n"
            '    return jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": False})\n',
            path="app/auth.py",
            lines=(3,),
        ),
        Example(
            "from datetime import timedelta\n"
            'SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": timedelta(days=30)}\n',
            path="shop/settings.py",
            lines=(2,),
        ),
        Example("JWT_ACCESS_TOKEN_EXPIRES = False\n", path="app/config.py", lines=(1,)),
        Example(
            "import jwt, time\n"
            "def read(token):\n"
            '    payload = jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": False})\n'
            '    LOG.info("token expires at %s, now %s", payload["exp"], time.time())\n'
            "    return payload\n",
            path="app/auth.py",
            lines=(3,),
            note="`exp` read and the clock read, never compared: no check",
        ),
        Example(
            "import jwt\n"
            "def issue(user):\n"
            '    token = jwt.encode({"sub": str(user.id)}, SECRET, algorithm="HS256")\n'
            "    return token\n",
            path="app/auth.py",
            lines=(3,),
            note="the token is kept: its value is returned",
        ),
    )
    valid = (
        Example(
            "import jwt\nfrom datetime import datetime, timedelta, timezone\n"
            "def issue(user):\n"
            "    now = datetime.now(timezone.utc)\n"
            '    return jwt.encode({"sub": str(user.id), "iat": now, "exp": now + timedelta(minutes=15)}, SECRET, algorithm="HS256")\n',
            path="app/auth.py",
        ),
        Example(
            "import jwt\n"
            "def issue(user, now):\n"
            '    payload = {"sub": str(user.id)}\n'
            '    payload["exp"] = now + LIFETIME\n'
            '    return jwt.encode(payload, SECRET, algorithm="HS256")\n',
            path="app/auth.py",
            note="near-miss: `exp` added after the literal",
        ),
        Example(
            "import jwt\n"
            "def issue(claims):\n"
            '    return jwt.encode(claims, SECRET, algorithm="HS256")\n',
            path="app/auth.py",
            note="near-miss: a payload built elsewhere is not judged",
        ),
        Example(
            "import jwt\n"
            "def auth_assertion(client_id, merchant_id):\n"
            '    return jwt.encode(payload={"iss": client_id, "payer_id": merchant_id}, key=None, algorithm="none")\n',
            path="app/paypal.py",
            note="near-miss: an unsigned assertion an API asks for; an `exp` in it would bind nothing (pretix)",
        ),
        Example(
            "from datetime import timedelta\n"
            'SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": timedelta(minutes=15), "REFRESH_TOKEN_LIFETIME": timedelta(days=7)}\n',
            path="shop/settings.py",
        ),
        Example(
            "import jwt\n"
            "def check_key():\n"
            '    jwt.encode({"sub": "startup-check"}, SECRET, algorithm="HS256")\n',
            path="app/security.py",
            note="near-miss: a start-up check that the key signs; the token is thrown away (skyvern)",
        ),
        Example(
            "import jwt, time\n"
            "def _expired(claims):\n"
            "    return claims.exp <= time.time()\n"
            "def read(token):\n"
            '    payload = jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": False})\n'
            "    data = TokenPayload(**payload)\n"
            "    if _expired(data):\n"
            "        raise Expired()\n"
            "    return data\n",
            path="app/auth.py",
            note="near-miss: expiry off, then checked by hand in a helper given the payload (skyvern)",
        ),
        Example(
            "import jwt\nfrom datetime import datetime, timezone\n"
            "def _expiry(token):\n"
            '    payload = jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": False})\n'
            '    return payload.get("exp")\n'
            "def reusable(tokens):\n"
            "    now = datetime.now(timezone.utc).timestamp()\n"
            "    return [t for t in tokens if (_expiry(t) or 0) > now]\n",
            path="app/auth.py",
            note="near-miss: the caller compares the `exp` it gets back with the clock (skyvern)",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.exp_added: list[set[str]] = [set()]
        self.scope: list[str] = []  # names of the enclosing classes and functions, innermost last
        self.functions = 0  # how many of them are functions
        self.discarded: set[int] = set()  # ids of encode calls whose value is thrown away

    def visit_Expr(self, node: cst.Expr) -> None:
        if isinstance(node.value, cst.Call):
            self.discarded.add(id(node.value))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.scope.append(node.name.value)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.scope.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.exp_added.append(set())
        self.scope.append(node.name.value)
        self.functions += 1

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.exp_added.pop()
        self.scope.pop()
        self.functions -= 1

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            holder = target.target
            if isinstance(holder, cst.Subscript) and isinstance(holder.value, cst.Name) and target_name(holder) == "exp":
                self.exp_added[-1].add(holder.value.value)
            elif target_name(holder) == "JWT_ACCESS_TOKEN_EXPIRES" and is_false_or_none(node.value) and not is_dev_path(self.context.path):
                self.report(node, fix=self.fix, what="`JWT_ACCESS_TOKEN_EXPIRES = False` issues tokens that never expire")

    def visit_DictElement(self, node: cst.DictElement) -> None:
        if string_value(node.key) != "ACCESS_TOKEN_LIFETIME" or is_dev_path(self.context.path):
            return
        seconds = self._timedelta_seconds(node.value)
        if seconds is not None and seconds > ACCESS_LIMIT:
            self.report(
                node,
                fix=self.fix,
                what=f"`ACCESS_TOKEN_LIFETIME` is {_human(seconds)} (keep access tokens under an hour)",
                severity=Severity.MEDIUM,
            )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return
        qualified = self.context.resolve(func) or ""
        if qualified in ENCODERS:
            payload = keyword(node, "payload") or keyword(node, "claims") or positional(node, 0)
            if payload is None or id(node) in self.discarded:
                return  # a token thrown away (a start-up check that the key signs) is no token
            algorithm = keyword(node, "algorithm") or positional(node, 2)
            if algorithm is not None and (string_value(algorithm.value) or "").lower() == "none":
                return  # unsigned: anyone can mint it, an `exp` would limit nothing
            value = payload.value
            name = None
            if isinstance(value, cst.Name):
                name = value.value
                found = self.context.scopes.lookup(name)
                if not found or len(found[1]) != 1:
                    return
                value = found[1][0].value
            if not isinstance(value, cst.Dict) or any(not isinstance(e, cst.DictElement) for e in value.elements):
                return  # built elsewhere or merged from another dict: not judged
            keys = {string_value(e.key) for e in value.elements}
            if "exp" in keys or (name is not None and name in self.exp_added[-1]):
                return
            self.report(node, fix=self.fix, what="the token has no `exp` claim and never expires")
        elif qualified in DECODERS:
            options = keyword(node, "options")
            if options is not None and isinstance(options.value, cst.Dict):
                for element in options.value.elements:
                    if isinstance(element, cst.DictElement) and string_value(element.key) == "verify_exp" and is_false_or_none(element.value):
                        if self._checked_by_hand(node):
                            return  # the expiry is checked by hand
                        self.report(node, fix=self.fix, what='`options={"verify_exp": False}` accepts expired tokens')

    def _checked_by_hand(self, decode: cst.Call) -> bool:
        """Summary "checks a JWT's expiry by hand" of the decoding function (the project model's)."""
        symbols = self.context.symbols
        if not self.functions or symbols is None:
            return False
        return symbols.expiry_checked(self.context.path, ".".join(self.scope), self.context.line_of(decode))

    def _timedelta_seconds(self, expr: cst.BaseExpression) -> int | None:
        if not isinstance(expr, cst.Call) or not isinstance(expr.func, (cst.Name, cst.Attribute)):
            return None
        if self.context.resolve(expr.func) not in TIMEDELTA:
            return None
        total = 0
        for arg in expr.args:
            if arg.keyword is None or arg.keyword.value not in SECONDS or not isinstance(arg.value, cst.Integer):
                return None
            total += int(arg.value.value.replace("_", "")) * SECONDS[arg.keyword.value]
        return total


def _human(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400} day(s)"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} hour(s)"
    return f"{seconds // 60} minute(s)"
