from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, Needs, PythonRule
from reviewer.ops.secops import is_dev_path
from reviewer.ops.nodes import is_false_or_none, keyword, positional, string_value, target_name

ENCODERS = frozenset({"jwt.encode", "jose.jwt.encode", "jwt.api_jwt.encode"})
DECODERS = frozenset({"jwt.decode", "jose.jwt.decode", "jwt.api_jwt.decode"})
TIMEDELTA = frozenset({"datetime.timedelta"})
SECONDS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}
ACCESS_LIMIT = 3600  # seconds; the catalogue's default for access tokens
# Calls that read the clock: the other side of a hand-made expiry check.
CLOCKS = frozenset({
    "time.time", "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
    "django.utils.timezone.now", "arrow.utcnow", "arrow.now", "pendulum.now",
})
PAYLOAD, EXP, CLOCK = "payload", "exp", "clock"
DEPTH = 3  # calls followed from the decoding function (callees with the payload, callers of it)


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
    ...) in the decoding function, in a function of the module it passes the payload or its
    `exp` to, or in a function of the module that calls it and gets them back (followed up to
    three calls deep, by the module's own definitions)."""

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
        self.functions: list[cst.FunctionDef] = []  # the enclosing functions, innermost last
        self.discarded: set[int] = set()  # ids of encode calls whose value is thrown away
        self._checks: "ExpiryChecks | None" = None

    def visit_Expr(self, node: cst.Expr) -> None:
        if isinstance(node.value, cst.Call):
            self.discarded.add(id(node.value))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.exp_added.append(set())
        self.functions.append(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.exp_added.pop()
        self.functions.pop()

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
                        if self.functions and self._expiry_checks().checked(self.functions[-1], node):
                            return  # the expiry is checked by hand
                        self.report(node, fix=self.fix, what='`options={"verify_exp": False}` accepts expired tokens')

    def _expiry_checks(self) -> "ExpiryChecks":
        if self._checks is None:
            self._checks = ExpiryChecks(self.context)
        return self._checks

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


class ExpiryChecks:
    """Whether a decoded payload's `exp` is compared with the clock by hand, following the
    payload through the module's own functions. Values are tracked by kind: the payload (the
    decode's result, or anything built from it: `TokenPayload(**payload)`), its expiry (`exp`
    read from a payload, or a value built from one: `int(payload["exp"])`) and the clock."""

    def __init__(self, context) -> None:
        self.context = context
        self.defined: dict[str, cst.FunctionDef] = {}  # "name" (module level) or "Class.name"
        self.owner: dict[int, str] = {}  # id(function) -> its class ("" at module level)
        for statement in context.module.body:
            if isinstance(statement, cst.FunctionDef):
                self.defined[statement.name.value] = statement
                self.owner[id(statement)] = ""
            elif isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
                for item in statement.body.body:
                    if isinstance(item, cst.FunctionDef):
                        self.defined[f"{statement.name.value}.{item.name.value}"] = item
                        self.owner[id(item)] = statement.name.value

    def checked(self, function: cst.FunctionDef, decode: cst.Call) -> bool:
        seen: set[tuple[int, str]] = set()
        found, returned = self._walk(function, {}, {id(decode): PAYLOAD}, seen, DEPTH)
        if found:
            return True
        if returned is None:
            return False
        # The payload (or its `exp`) is handed back: its callers in the module may check it.
        for caller in self.defined.values():
            if caller is function:
                continue
            calls = {id(call): returned for call in _calls(caller) if self._target(caller, call) is function}
            if calls and self._walk(caller, {}, calls, seen, DEPTH - 1)[0]:
                return True
        return False

    def _target(self, function: cst.FunctionDef, call: cst.Call) -> cst.FunctionDef | None:
        func = call.func
        if isinstance(func, cst.Name):
            return self.defined.get(func.value)
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
            owner = self.owner.get(id(function))
            return self.defined.get(f"{owner}.{func.attr.value}") if owner else None
        return None

    def _walk(
        self, function: cst.FunctionDef, names: dict[str, str], seeds: dict[int, str], seen: set[tuple[int, str]], depth: int
    ) -> tuple[bool, str | None]:
        """(an expiry check found, the kind of value the function returns)."""
        key = (id(function), repr(sorted(names.items())) + repr(sorted(seeds.values())))
        if key in seen or depth < 0:
            return False, None
        seen.add(key)
        names = dict(names)
        statements = _statements(function)
        for _ in range(2):  # twice: a name bound below its use in a loop
            for statement in statements:
                if isinstance(statement, (cst.Assign, cst.AnnAssign)) and statement.value is not None:
                    kind = self._kind(statement.value, names, seeds)
                    targets = [t.target for t in statement.targets] if isinstance(statement, cst.Assign) else [statement.target]
                    for target in targets:
                        if kind is not None and isinstance(target, cst.Name):
                            names[target.value] = kind
        returned = None
        for statement in statements:
            if isinstance(statement, cst.Return) and statement.value is not None:
                returned = self._kind(statement.value, names, seeds) or returned
        for node in _nodes(function):
            if isinstance(node, cst.Comparison):
                kinds = {self._kind(node.left, names, seeds), *(self._kind(c.comparator, names, seeds) for c in node.comparisons)}
                if EXP in kinds and CLOCK in kinds:
                    return True, returned
            elif isinstance(node, cst.Call) and depth > 0:
                callee = self._target(function, node)
                if callee is None or callee is function:
                    continue
                bound = self._bind(callee, node, names, seeds, function)
                if bound and self._walk(callee, bound, {}, seen, depth - 1)[0]:
                    return True, returned
        return False, returned

    def _bind(self, callee: cst.FunctionDef, call: cst.Call, names, seeds, caller: cst.FunctionDef) -> dict[str, str]:
        """The callee's parameters that receive a payload or an `exp` from `call`."""
        params = [*callee.params.posonly_params, *callee.params.params]
        if params and isinstance(call.func, cst.Attribute) and self.owner.get(id(callee)):
            params = params[1:]  # `self.method(...)`: the first parameter is the instance
        bound: dict[str, str] = {}
        position = 0
        for arg in call.args:
            kind = self._kind(arg.value, names, seeds)
            if arg.keyword is not None:
                if kind in (PAYLOAD, EXP):
                    bound[arg.keyword.value] = kind
            elif not arg.star:
                if kind in (PAYLOAD, EXP) and position < len(params):
                    bound[params[position].name.value] = kind
                position += 1
        return bound

    def _kind(self, expr: cst.BaseExpression, names: dict[str, str], seeds: dict[int, str]) -> str | None:
        if id(expr) in seeds:
            return seeds[id(expr)]
        if isinstance(expr, cst.Name):
            return names.get(expr.value)
        if isinstance(expr, cst.Await):
            return self._kind(expr.expression, names, seeds)
        if isinstance(expr, cst.Attribute):
            if expr.attr.value == "exp" and self._kind(expr.value, names, seeds) == PAYLOAD:
                return EXP
            return None
        if isinstance(expr, cst.Subscript):
            index = expr.slice[0].slice if len(expr.slice) == 1 else None
            if isinstance(index, cst.Index) and string_value(index.value) == "exp" and self._kind(expr.value, names, seeds) == PAYLOAD:
                return EXP
            return None
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, (cst.Name, cst.Attribute)) and self.context.resolve(func) in CLOCKS:
                return CLOCK
            if isinstance(func, cst.Attribute):
                head = self._kind(func.value, names, seeds)
                if func.attr.value == "get" and head == PAYLOAD and expr.args and string_value(expr.args[0].value) == "exp":
                    return EXP
                if func.attr.value == "timestamp" and head == CLOCK:
                    return CLOCK
            kinds = {self._kind(arg.value, names, seeds) for arg in expr.args} - {None}
            return kinds.pop() if len(kinds) == 1 else None  # built from one of them: `TokenPayload(**payload)`
        if isinstance(expr, (cst.BinaryOperation, cst.BooleanOperation)):
            kinds = {self._kind(expr.left, names, seeds), self._kind(expr.right, names, seeds)} - {None}
            return kinds.pop() if len(kinds) == 1 else None
        return None


def _nodes(function: cst.FunctionDef):
    """The nodes of a function's own body (nested functions and classes left out), depth first."""
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed([child for child in node.children if not isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda))]))


def _statements(function: cst.FunctionDef) -> list[cst.BaseSmallStatement]:
    return [node for node in _nodes(function) if isinstance(node, (cst.Assign, cst.AnnAssign, cst.Return))]


def _calls(function: cst.FunctionDef) -> list[cst.Call]:
    return [node for node in _nodes(function) if isinstance(node, cst.Call)]
