from __future__ import annotations

import libcst as cst

from reviewer.web.apicheck import names_in
from reviewer.flow import leaves_block
from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, Needs, PythonRule
from reviewer.ops.secops import words
from reviewer.ops.nodes import is_false_or_none, keyword, positional, string_value

DECODERS = frozenset({"jwt.decode", "jwt.api_jwt.decode", "jose.jwt.decode", "jwt.PyJWT.decode"})
# Words of a setting that turns signature verification on or off.
VERIFY_WORDS = frozenset({"verify", "verification", "validate", "validation"})
# authlib's decode always checks the signature against the key it is given; so does
# python_jwt's verify_jwt.
VERIFYING_DECODERS = frozenset({"authlib.jose.jwt.decode", "authlib.jose.JsonWebToken.decode", "python_jwt.verify_jwt"})
# Readers that never check the signature and are meant to come before a check (python_jwt's
# process_jwt reads the header and claims so the caller can pick the key for verify_jwt): a
# finding only when the function never verifies, or hands the claims on.
PRE_CHECK_READERS = frozenset({"python_jwt.process_jwt"})
# Registered claims that say when a token is valid (`exp`, `nbf`, `iat`) or where it came from
# and how it is signed (`iss`, `kid`, `alg`, `typ`): reading only these from unverified claims
# times a refresh or routes the token, and says nothing about who the caller is.
ROUTING_CLAIMS = frozenset({"exp", "nbf", "iat", "iss", "kid", "alg", "typ"})
UNVERIFIED_READERS = frozenset(
    {"jose.jwt.get_unverified_claims", "jose.jwt.get_unverified_header", "jwt.get_unverified_header"}
)
# Where a token comes over the server's own back channel: the response of an outbound HTTP
# call (`requests.post(token_endpoint, ...).json()["id_token"]`) or of an OAuth client's
# token request (authlib's `authorize_access_token()`, requests-oauthlib's `fetch_token()`).
HTTP_CLIENTS = ("requests.", "httpx.", "aiohttp.", "urllib3.")
TOKEN_REQUESTS = frozenset({"authorize_access_token", "fetch_token", "fetch_access_token", "refresh_token"})


class JwtUnverifiedOrAlgConfusion(PythonRule):
    """A JWT is decoded without checking its signature, accepts the `none` algorithm, or takes
    its algorithm from the token's own header.

    Anyone can write a token that says `{"sub": "admin"}`; only the signature check tells a
    token the server issued from one a client made up. `verify_signature: False` (PyJWT) or
    reading claims with python-jose's `get_unverified_claims` trusts the client's word, and an
    algorithm taken from the unverified header lets an attacker pick `none` or sign with the
    public key as an HMAC secret.

    Each decode is judged on its own. An unverified read (a decode with verification off,
    `get_unverified_claims`, python_jwt's `process_jwt`) is not reported when its result only serves to pick the key or
    the verifier: the same function also verifies the token (a verified `decode`, or a call
    to a function of the same file that holds one), and nothing derived from the unverified
    claims is returned, yielded or stored in an attribute or item. Reading `kid` or `iss`
    to choose a key, then `jwt.decode(token, key, algorithms=[...])`, is that case. An
    unverified read whose claims are returned or stored is reported even when the function
    verifies the token elsewhere: the caller gets the unverified claims. Verification that is
    on by default and that the operator can turn off (`config.get("verify_signature", True)`)
    is a product setting, like `requests.get(url, verify=settings.VERIFY_SSL)`: claims
    returned only on the path where that setting is off are not reported; with a default of
    `False`, or none, they are.

    Which claims are read weighs too. An unverified read whose claims are only ever looked up
    by timing or routing names (`exp`, `nbf`, `iat`, `iss`, `kid`, `alg`, `typ`), never used
    whole, is reported at medium confidence, so at high severity rather than critical: peeking
    at `exp` to refresh a stored session early, or at `iss` to pick a provider, decides when or
    where, not who. It is still a finding, since a decision rests on a claim nobody checked
    (`return claims["exp"] > time.time()` as an authentication test would be a bypass).

    So does where the token comes from. An ID token the server fetched itself from the
    issuer's token endpoint (the JSON of its own `requests.post(...)`, an OAuth client's
    `authorize_access_token()`) came over TLS from the issuer, which OpenID Connect Core
    (3.1.3.7) accepts in place of the signature check: not verifying it is weaker defence in
    depth, not a token a client forged. It is reported at medium confidence, so at high
    severity rather than critical."""

    code = "SEC001"
    opt_in = True  # field precision 0.50 over 3 judged findings on the tuned projects (label s11)
    name = "jwt-unverified-or-alg-confusion"
    summary = "A JWT is decoded without checking its signature, or with an algorithm the token picks."
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
    needs = Needs(name_parts=("jwt", "jose"))  # in the roots of what it checks: jwt, jose, authlib.jose, python_jwt
    invalid = (
        Example(
            "import python_jwt\n"
            "def current_user(token):\n"
            "    header, claims = python_jwt.process_jwt(token)\n"
            '    return claims["sub"]\n',
            path="app/auth.py",
            lines=(3,),
            note="python_jwt's process_jwt never checks the signature",
        ),
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

        Example(
            "import jwt\n"
            "def session_info(access_token, refresh_token):\n"
            '    refresh = jwt.decode(refresh_token, KEY, algorithms=["HS256"])\n'
            '    claims = jwt.decode(access_token, options={"verify_signature": False})\n'
            '    return {"user": claims["sub"], "refresh_expires": refresh["exp"]}\n',
            path="app/auth.py",
            lines=(4,),
            note="the function verifies too, but returns the unverified claims",
        ),
        Example(
            "import jwt\n"
            "def login(token, key):\n"
            '    claims = jwt.decode(token, options={"verify_signature": False})\n'
            '    jwt.decode(token, key, algorithms=["RS256"], issuer=claims["iss"])\n'
            '    return claims["sub"]\n',
            path="app/login.py",
            lines=(3,),
            note="checking one claim against the verifying decode does not verify the others",
        ),
        Example(
            "import jwt\n"
            "class Provider:\n"
            "    def claims(self, id_token):\n"
            '        if self.settings.get("verify_signature", False):\n'
            "            return self._verified(id_token)\n"
            '        return jwt.decode(id_token, options={"verify_signature": False})\n'
            "    def _verified(self, id_token):\n"
            '        return jwt.decode(id_token, self.key, algorithms=["RS256"], audience=self.client_id)\n',
            path="app/oauth.py",
            lines=(6,),
            note="verification that is off unless the operator turns it on",
        ),
        Example(
            "import jwt\n"
            'OPTIONS = {"verify_signature": False}\n'
            "def peek(token, key):\n"
            '    jwt.decode(token, key, options={"verify_signature": True})\n'
            "    insecure = False\n"
            '    options = {"verify_signature": insecure}\n'
            "    return jwt.decode(token, key, options=options)\n",
            path="app/auth.py",
            lines=(7,),
            note="a verified decode elsewhere in the function does not excuse this one",
        ),
        Example(
            "import jwt\n"
            "def refresh_due(session):\n"
            "    expires_at = session.expires_at\n"
            '    exp = jwt.decode(session.id_token, options={"verify_signature": False}).get("exp")\n'
            "    if exp is not None:\n"
            "        expires_at = min(expires_at, int(exp))\n"
            "    return time.time() + 300 >= expires_at\n",
            path="app/oauth.py",
            lines=(4,),
            note="near-miss for critical: only `exp` is read, to time a refresh (open-webui); "
            "reported at medium confidence, so high severity",
        ),
        Example(
            "import jwt\nimport requests\n"
            "def login(code):\n"
            '    r = requests.post(TOKEN_ENDPOINT, data={"code": code, "grant_type": "authorization_code"})\n'
            "    token = r.json()\n"
            '    return jwt.decode(token["id_token"], options={"verify_signature": False})\n',
            path="app/auth/oidc.py",
            lines=(6,),
            note="an ID token the server fetched from the issuer's token endpoint: reported at medium confidence, "
                 "so high rather than critical (alerta)",
        ),
    )
    valid = (
        Example(
            "import python_jwt\n"
            "def current_user(token, key):\n"
            "    header, _ = python_jwt.process_jwt(token)\n"
            '    _, claims = python_jwt.verify_jwt(token, KEYS[header["kid"]], ["RS256"])\n'
            '    return claims["sub"]\n',
            path="app/auth.py",
            note="near-miss: python_jwt's process_jwt reads the header before verify_jwt checks the token",
        ),
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
            "def verify(token):\n"
            '    unverified = jwt.decode(token, options={"verify_signature": False})\n'
            '    issuer = unverified["iss"]\n'
            "    if issuer not in ISSUERS:\n"
            '        raise PermissionError(f"unknown issuer {issuer}")\n'
            "    key = signing_key_for(issuer)\n"
            '    return jwt.decode(token, key, algorithms=["RS256"], issuer=issuer)\n',
            path="app/auth.py",
            note="near-miss: the unverified claims only pick the key of the verifying decode",
        ),
        Example(
            "import jwt\n"
            "def authenticate(token):\n"
            '    unverified = jwt.decode(token, options={"verify_signature": False})\n'
            '    provider = provider_for_issuer(unverified.get("iss"))\n'
            "    if provider is None:\n"
            "        return None\n"
            "    signing_key = jwks_client(provider).get_signing_key_from_jwt(token)\n"
            "    claims = jwt.decode(token, signing_key.key, algorithms=provider['algorithms'],\n"
            "                        issuer=provider['issuer'], audience=provider['audience'])\n"
            "    return grants_for(provider, claims), claims\n",
            path="app/oidc.py",
            note="near-miss: the provider looked up by the unverified issuer is what the verifying decode checks the token against (pulpcore)",
        ),
        Example(
            "import jwt\n"
            "class Authenticator:\n"
            "    def authenticate(self, token):\n"
            '        claims = jwt.decode(token, options={"verify_signature": False})\n'
            '        if claims.get("iss") == GOOGLE_ISSUER:\n'
            "            return self._verify_google(token)\n"
            "        return self._verify_local(token)\n"
            "    def _verify_google(self, token):\n"
            '        return jwt.decode(token, google_key(token), algorithms=["RS256"], audience=CLIENT_ID)\n'
            "    def _verify_local(self, token):\n"
            '        return jwt.decode(token, SECRET, algorithms=["HS256"])\n',
            path="app/auth.py",
            note="near-miss: the unverified issuer routes the token to the verifying method",
        ),
        Example(
            "import jwt\n"
            "class Provider:\n"
            "    def claims(self, id_token):\n"
            '        me = jwt.decode(id_token, options={"verify_signature": False})\n'
            '        verify = self.settings.get("verify_signature", True)\n'
            "        if verify:\n"
            "            return self._verified(id_token)\n"
            "        else:\n"
            "            return me\n"
            "    def _verified(self, id_token):\n"
            '        return jwt.decode(id_token, self.key, algorithms=["RS256"], audience=self.client_id)\n',
            path="app/oauth.py",
            note="near-miss: unverified claims only when the operator turns off a setting that is on by default",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.frames: list[_Frame] = [_Frame("")]
        self.arms: list[list] = []  # enclosing `if` statements and the arm being walked
        self.done: list[_Frame] = []
        # Decode calls already judged verified, so a verified decode's result is clean.
        self.verified_calls: set[int] = set()
        # Expressions looked up by a constant key (`x["exp"]`, `x.get("exp")`): node id -> key;
        # names an assignment binds (not uses of the claims).
        self.keyed: dict[int, str] = {}
        self.bound: set[int] = set()
        # Decode calls whose token came over the server's own back channel (HTTP_CLIENTS).
        self.back_channel: set[int] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.frames.append(_Frame(node.name.value))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.done.append(self.frames.pop())

    def finish(self) -> None:
        frames = [*self.done, *self.frames]
        # Functions of the file that verify a token, directly or through another of them.
        verifiers = {frame.name for frame in frames if frame.verifies and frame.name}
        while True:
            more = {frame.name for frame in frames if frame.name and frame.name not in verifiers and frame.calls & verifiers}
            if not more:
                break
            verifiers |= more
        for frame in frames:
            verified = frame.verifies or bool(frame.calls & verifiers)
            feeds: set[int] = set()
            out: set[int] = set()
            for kind, reads, via in frame.events:
                if kind == "feed":
                    feeds |= reads if via is None or via in verifiers else set()
                elif kind == "switched-off":
                    feeds |= reads  # returned only when a secure-by-default setting is off
                elif via is not None and via in verifiers:
                    feeds |= reads  # handed to a verifying function of the file
                else:
                    out |= reads
            for index, (call, what) in enumerate(frame.reads):
                if verified and index in feeds and index not in out:
                    continue
                keys = frame.keys.get(index, set())
                if keys and index not in frame.whole and keys <= ROUTING_CLAIMS:
                    only = ", ".join(f"`{key}`" for key in sorted(keys))
                    self.report(call, what=f"{what}, reading only {only}", confidence=Confidence.MEDIUM)
                    continue
                self._report(call, what)
            for call, what in frame.hard:
                self._report(call, what)

    def _report(self, call: cst.Call, what: str) -> None:
        if id(call) in self.back_channel:
            self.report(call, what=f"{what}, on a token the server fetched from the issuer itself", confidence=Confidence.MEDIUM)
        else:
            self.report(call, what=what)

    # -- the walk ------------------------------------------------------------------
    # Which claims an unverified read is used for: `claims["exp"]`, `claims.get("iss")`.
    def visit_Subscript(self, node: cst.Subscript) -> None:
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            key = string_value(node.slice[0].slice.value)
            if key is not None:
                self.keyed[id(node.value)] = key

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.bound.add(id(target.target))

    def visit_Name(self, node: cst.Name) -> None:
        frame = self.frames[-1]
        if node.value not in frame.holds_claims or id(node) in self.bound:
            return
        key = self.keyed.get(id(node))
        for index in frame.derived.get(node.value, ()):
            if key is None:
                frame.whole.add(index)
            else:
                frame.keys.setdefault(index, set()).add(key)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        frame = self.frames[-1]
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and node.args:
            key = string_value(node.args[0].value)
            if key is not None and node.args[0].keyword is None:
                self.keyed[id(func.value)] = key
        local = _local_callee(node)
        if local is not None:
            frame.calls.add(local)
        qualified = self.context.resolve(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        if qualified in UNVERIFIED_READERS:
            if qualified.endswith("get_unverified_claims"):
                frame.add_read(node, "claims read with `get_unverified_claims()`", self.keyed.get(id(node)))
            return
        if qualified in PRE_CHECK_READERS:
            frame.add_read(node, f"claims read with `{qualified.rsplit('.', 1)[-1]}()` and never verified", self.keyed.get(id(node)))
            frame.events.append(("feed", {len(frame.reads) - 1}, None))
            return
        if qualified in VERIFYING_DECODERS:
            frame.verifies = True
            self.verified_calls.add(id(node))
            return
        if qualified not in DECODERS:
            return
        token = keyword(node, "jwt") or keyword(node, "token") or positional(node, 0)
        if token is not None and self._from_back_channel(token.value):
            self.back_channel.add(id(node))
        problem = self._unverified(node)
        if problem:
            frame.add_read(node, problem, self.keyed.get(id(node)))
            return
        algorithms = keyword(node, "algorithms")
        if algorithms is not None:
            if self._from_header(algorithms.value):
                frame.hard.append((node, "`algorithms` taken from the token's unverified header"))
                return
            if isinstance(algorithms.value, (cst.List, cst.Tuple)) and any(
                (string_value(e.value) or "").lower() == "none" for e in algorithms.value.elements
            ):
                frame.hard.append((node, '`algorithms` accepts `"none"`'))
                return
        frame.verifies = True
        self.verified_calls.add(id(node))

    # Where the unverified claims go: into local names (followed), or out of the function.
    def leave_Assign(self, node: cst.Assign) -> None:
        reads = self._reads_in(node.value)
        if not reads:
            return
        frame = self.frames[-1]
        for target in node.targets:
            self._flow_into(frame, target.target, reads, node.value)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        reads = self._reads_in(node.value) if node.value is not None else set()
        if reads:
            self._flow_into(self.frames[-1], node.target, reads)

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        reads = self._reads_in(node.value)
        if reads:
            self._flow_into(self.frames[-1], node.target, reads)

    def leave_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self._leaves_function(node.value)

    def leave_Yield(self, node: cst.Yield) -> None:
        if isinstance(node.value, cst.BaseExpression):
            self._leaves_function(node.value)

    def leave_Call(self, node: cst.Call) -> None:
        frame = self.frames[-1]
        if not frame.reads:
            return
        if id(node) in self.verified_calls:
            # Claims that pick the key, issuer or audience of a verifying decode.
            for arg in node.args:
                frame.events.append(("feed", self._reads_in(arg.value), None))
            # A value looked up from a claim (a provider picked by `iss`, its signing key) that
            # the verifying decode checks the token against is bound by that check from here
            # on; the unverified claims themselves are not (`issuer=claims["iss"]` verifies
            # one claim, not the others).
            for arg in node.args:
                for name in names_in(arg.value):
                    if name not in frame.holds_claims:
                        frame.derived.pop(name, None)
            return
        local = _local_callee(node)
        if local is not None:
            reads = set().union(*[self._reads_in(arg.value) for arg in node.args]) if node.args else set()
            if reads:
                frame.events.append(("feed", reads, local))

    # A branch on the claims routes the token or rejects it; it hands no claims onward.
    def visit_If(self, node: cst.If) -> None:
        if self.arms and self.arms[-1][0].orelse is node:
            self.arms[-1][1] = "orelse"  # an `elif`
        self.arms.append([node, "body"])

    def visit_Else(self, node: cst.Else) -> None:
        for arm in reversed(self.arms):
            if arm[0].orelse is node:
                arm[1] = "orelse"
                break

    def leave_If(self, node: cst.If) -> None:
        self.arms.pop()
        self._tested(node.test)
        if node.orelse is None and leaves_block(node.body) and self._secure_default_setting(node.test):
            self.frames[-1].switched_off = True  # what follows runs only with the setting off

    def _switched_off(self) -> bool:
        """Whether the code being walked runs only when a verification setting that is on by
        default has been turned off (`if verify: ... else: <here>`)."""
        if self.frames[-1].switched_off:
            return True
        return any(arm == "orelse" and self._secure_default_setting(node.test) for node, arm in self.arms)

    def _secure_default_setting(self, test: cst.BaseExpression) -> bool:
        """`verify_signature` read as `config.get("verify_signature", True)`: a setting that
        verifies unless the operator turns it off."""
        if isinstance(test, cst.Name):
            name, test = test.value, self._value(test)
        else:
            name = ""
        if not (isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute) and test.func.attr.value == "get"):
            return False
        args = [arg for arg in test.args if arg.keyword is None]
        if len(args) != 2 or not (isinstance(args[1].value, cst.Name) and args[1].value.value == "True"):
            return False
        key = string_value(args[0].value) or ""
        return bool(VERIFY_WORDS & {*words(key), *words(name)})

    def leave_While(self, node: cst.While) -> None:
        self._tested(node.test)

    def leave_IfExp(self, node: cst.IfExp) -> None:
        self._tested(node.test)

    def leave_Assert(self, node: cst.Assert) -> None:
        self._tested(node.test)

    def _tested(self, test: cst.BaseExpression) -> None:
        frame = self.frames[-1]
        if frame.reads:
            frame.events.append(("feed", self._reads_in(test), None))

    def _leaves_function(self, value: cst.BaseExpression) -> None:
        """Claims in a returned or yielded value reach the caller, unless they only go into
        a call of a function of this file that verifies the token (decided at the end)."""
        frame = self.frames[-1]
        if not frame.reads:
            return
        local = _local_callee(value) if isinstance(value, cst.Call) else None
        kind = "switched-off" if self._switched_off() else "out"
        frame.events.append((kind, self._reads_in(value), local))

    def _flow_into(self, frame: "_Frame", target: cst.BaseExpression, reads: set[int], value: cst.BaseExpression | None = None) -> None:
        if isinstance(target, cst.Name):
            frame.derived.setdefault(target.value, set()).update(reads)
            if value is not None and _is_read_itself(value, frame):
                frame.holds_claims.add(target.value)
                call = value.expression if isinstance(value, cst.Await) else value
                for index, (read, _) in enumerate(frame.reads):
                    if read is call:
                        frame.whole.discard(index)  # bound to a name: its uses decide
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._flow_into(frame, element.value, reads)
        else:  # an attribute or an item: the claims leave the function (`request.user = ...`)
            frame.events.append(("out", reads, None))

    def _reads_in(self, expr: cst.BaseExpression) -> set[int]:
        """The unverified reads of this frame an expression carries, by index; a verified
        decode's result carries none, whatever picked its key."""
        frame = self.frames[-1]
        if not frame.reads:
            return set()
        by_node = {id(call): index for index, (call, _) in enumerate(frame.reads)}
        found: set[int] = set()
        verified = self.verified_calls

        class Finder(cst.CSTVisitor):
            def visit_Call(self, node: cst.Call) -> bool:
                if id(node) in verified:
                    return False
                if id(node) in by_node:
                    found.add(by_node[id(node)])
                return True

            def visit_Name(self, node: cst.Name) -> None:
                found.update(frame.derived.get(node.value, ()))

            def visit_Attribute(self, node: cst.Attribute) -> bool:
                node.value.visit(self)
                return False

            def visit_Lambda(self, node: cst.Lambda) -> bool:
                return False

        expr.visit(Finder())
        return found

    # -- what a decode call does -----------------------------------------------------
    def _unverified(self, call: cst.Call) -> str | None:
        verify = keyword(call, "verify") or positional(call, 2)
        if verify is not None and self._falsy(verify.value):
            return "`verify=False`"
        options = keyword(call, "options")
        if options is None:
            return None
        value = self._value(options.value)
        if isinstance(value, cst.Dict):
            for element in value.elements:
                if isinstance(element, cst.DictElement) and string_value(element.key) == "verify_signature":
                    if self._falsy(element.value):
                        return '`options={"verify_signature": False}`'
        return None

    def _value(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        """A local name's last value assigned so far, else the expression itself."""
        if isinstance(expr, cst.Name):
            bound = self.context.scopes.binding(expr.value)
            if bound is None:
                bound = self.context.scopes.module_constant(expr.value)
            if bound is not None:
                return bound
        return expr

    def _from_back_channel(self, expr: cst.BaseExpression, depth: int = 0) -> bool:
        """A value read from the response of the server's own outbound call: `r.json()["id_token"]`,
        `token.get("id_token")` with `token = r.json()` and `r = requests.post(...)`, or the
        result of an OAuth client's token request (TOKEN_REQUESTS)."""
        if depth > 6:
            return False
        expr = self._value(expr)
        if isinstance(expr, cst.Await):
            expr = expr.expression
        if isinstance(expr, cst.Subscript):
            return self._from_back_channel(expr.value, depth + 1)
        if not isinstance(expr, cst.Call) or not isinstance(expr.func, (cst.Name, cst.Attribute)):
            return False
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("get", "json"):
            if self._from_back_channel(func.value, depth + 1):
                return True
        if isinstance(func, cst.Attribute) and func.attr.value in TOKEN_REQUESTS:
            return True
        return (self.context.resolve(func) or "").startswith(HTTP_CLIENTS)

    def _falsy(self, expr: cst.BaseExpression) -> bool:
        return is_false_or_none(self._value(expr))

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


def _local_callee(call: cst.Call) -> str | None:
    """`helper(...)` or `self.helper(...)`: a function the file may define, by name."""
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
        return func.attr.value
    return None


class _Frame:
    """What one function (or the module body) does with tokens."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.reads: list[tuple[cst.Call, str]] = []  # unverified reads, in order
        self.hard: list[tuple[cst.Call, str]] = []  # findings whatever else the function does
        self.verifies = False
        # After `if verify: ...; return`, the rest runs only with verification switched off.
        self.switched_off = False
        self.calls: set[str] = set()  # names of functions and self/cls methods called
        self.derived: dict[str, set[int]] = {}  # local name -> unverified reads it carries
        self.holds_claims: set[str] = set()  # names bound to an unverified read's result itself
        # Where reads' claims went: ("feed", reads, via) into a key choice or a branch test;
        # ("out", reads, via) returned or stored. `via` names a function of the file the
        # claims were handed to, which counts as a key choice when it verifies the token.
        self.events: list[tuple[str, set[int], str | None]] = []

        # What each read's claims are used for: the constant keys looked up on them, and the
        # reads used whole (returned, passed on, iterated) rather than by key.
        self.keys: dict[int, set[str]] = {}
        self.whole: set[int] = set()

    def add_read(self, call: cst.Call, what: str, key: str | None = None) -> None:
        if key is not None:
            self.keys.setdefault(len(self.reads), set()).add(key)
        else:
            self.whole.add(len(self.reads))  # until it turns out to be bound to a name
        self.reads.append((call, what))


def _is_read_itself(value: cst.BaseExpression, frame: "_Frame") -> bool:
    """`claims = jwt.decode(token, options=...)`, `claims = unverified`: the name holds the
    unverified claims themselves, not a value looked up from one of them."""
    if isinstance(value, cst.Await):
        value = value.expression
    if isinstance(value, cst.Call):
        return any(call is value for call, _ in frame.reads)
    return isinstance(value, cst.Name) and value.value in frame.holds_claims
