from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, PythonRule
from reviewer.secops import is_false_or_none, keyword, string_value

DECODERS = frozenset({"jwt.decode", "jwt.api_jwt.decode", "jose.jwt.decode", "jwt.PyJWT.decode"})
UNVERIFIED_READERS = frozenset(
    {"jose.jwt.get_unverified_claims", "jose.jwt.get_unverified_header", "jwt.get_unverified_header"}
)


class JwtUnverifiedOrAlgConfusion(PythonRule):
    """A JWT is decoded without checking its signature, accepts the `none` algorithm, or takes
    its algorithm from the token's own header.

    Anyone can write a token that says `{"sub": "admin"}`; only the signature check tells a
    token the server issued from one a client made up. `verify_signature: False` (PyJWT) or
    reading claims with python-jose's `get_unverified_claims` trusts the client's word, and an
    algorithm taken from the unverified header lets an attacker pick `none` or sign with the
    public key as an HMAC secret. Reading the header only to pick a key (`kid`) is fine when
    the same function then decodes with verification, and is not reported."""

    code = "SEC001"
    name = "jwt-unverified-or-alg-confusion"
    category = Category.SECURITY
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    message = "JWT accepted without a valid signature check: {what}"
    fix = 'Verify with a fixed algorithm list: `jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"], audience="api")`'
    seed = 'S1:64 "Authentication: JWT"; S2:183 "Implement JWT-based authentication with proper token lifecycle"'
    references = (
        "https://pyjwt.readthedocs.io/en/stable/api.html#jwt.decode",
        "https://cwe.mitre.org/data/definitions/347.html",
        "https://auth0.com/blog/critical-vulnerabilities-in-json-web-token-libraries/",
    )
    triggers = ("jwt", "jose")
    invalid = (
        Example(
            "import jwt\n"
            "def current_user(token):\n"
            '    claims = jwt.decode(token, options={"verify_signature": False})\n'
            '    return claims["sub"]\n',
            path="app/auth.py",
            lines=(3,),
        ),
        Example(
            "import jwt\n"
            "def current_user(token, key):\n"
            '    alg = jwt.get_unverified_header(token)["alg"]\n'
            "    return jwt.decode(token, key, algorithms=[alg])\n",
            path="app/auth.py",
            lines=(4,),
            note="algorithm chosen by the token",
        ),
        Example(
            "import jwt\n"
            "def current_user(token, key):\n"
            '    return jwt.decode(token, key, algorithms=["HS256", "none"])\n',
            path="app/auth.py",
            lines=(3,),
        ),
        Example(
            "from jose import jwt\n"
            "def current_user(token):\n"
            '    return jwt.get_unverified_claims(token)["sub"]\n',
            path="app/auth.py",
            lines=(3,),
        ),
    )
    valid = (
        Example(
            "import jwt\n"
            "def current_user(token):\n"
            '    return jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"], audience="api")["sub"]\n',
            path="app/auth.py",
        ),
        Example(
            "import jwt\n"
            "def current_user(token):\n"
            '    kid = jwt.get_unverified_header(token)["kid"]\n'
            '    return jwt.decode(token, KEYS[kid], algorithms=["RS256"])["sub"]\n',
            path="app/auth.py",
            note="near-miss: the header only picks the key; the decode verifies",
        ),
        Example(
            "import jwt\n"
            "def token_expiry(token):\n"
            '    claims = jwt.decode(token, options={"verify_signature": False})\n'
            '    payload = jwt.decode(token, KEY, algorithms=["HS256"])\n'
            '    return claims["exp"]\n',
            path="app/auth.py",
            note="near-miss: the same function verifies the token too",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        # Per enclosing function: (unverified findings pending, a verified decode seen).
        self.frames: list[list] = [[[], False]]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.frames.append([[], False])

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._flush(self.frames.pop())

    def finish(self) -> None:
        self._flush(self.frames[0])

    def _flush(self, frame: list) -> None:
        pending, verified = frame
        for call, what, soft in pending:
            if soft and verified:
                continue
            self.report(call, what=what)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        qualified = self.context.resolve(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        frame = self.frames[-1]
        if qualified in UNVERIFIED_READERS:
            if qualified.endswith("get_unverified_claims"):
                frame[0].append((node, "claims read with `get_unverified_claims()`", True))
            return
        if qualified not in DECODERS:
            return
        problem = self._unverified(node)
        if problem:
            frame[0].append((node, problem, True))
            return
        algorithms = keyword(node, "algorithms")
        if algorithms is not None:
            if self._from_header(algorithms.value):
                frame[0].append((node, "`algorithms` taken from the token's unverified header", False))
                return
            if isinstance(algorithms.value, (cst.List, cst.Tuple)) and any(
                (string_value(e.value) or "").lower() == "none" for e in algorithms.value.elements
            ):
                frame[0].append((node, '`algorithms` accepts `"none"`', False))
                return
        frame[1] = True

    def _unverified(self, call: cst.Call) -> str | None:
        verify = keyword(call, "verify")
        if verify is not None and is_false_or_none(verify.value):
            return "`verify=False`"
        options = keyword(call, "options")
        if options is None:
            return None
        value = options.value
        if isinstance(value, cst.Name):
            found = self.context.scopes.lookup(value.value)
            if found and len(found[1]) == 1:
                value = found[1][0].value
        if isinstance(value, cst.Dict):
            for element in value.elements:
                if isinstance(element, cst.DictElement) and string_value(element.key) == "verify_signature":
                    if is_false_or_none(element.value):
                        return '`options={"verify_signature": False}`'
        return None

    def _from_header(self, expr: cst.BaseExpression, depth: int = 0) -> bool:
        if depth > 3:
            return False
        found = False

        context = self.context
        rule = self

        class Finder(cst.CSTVisitor):
            def visit_Call(self, node: cst.Call) -> None:
                nonlocal found
                if isinstance(node.func, (cst.Name, cst.Attribute)) and (context.resolve(node.func) or "").endswith(
                    "get_unverified_header"
                ):
                    found = True

            def visit_Name(self, node: cst.Name) -> None:
                nonlocal found
                lookup = context.scopes.lookup(node.value)
                if lookup and lookup[0] is not context.scopes.module:
                    if any(rule._from_header(a.value, depth + 1) for a in lookup[1]):
                        found = True

        expr.visit(Finder())
        return found
