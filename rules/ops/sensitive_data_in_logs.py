from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, Needs, PythonRule
from reviewer.needs import qualified
from reviewer.names import LOG_LEVELS
from reviewer.ops.secops import JWT_ENCODERS, is_sensitive_name
from reviewer.ops.nodes import string_value

LEVELS = LOG_LEVELS
# Attributes of a request object that hold whole headers or bodies.
WHOLE_REQUEST = frozenset({"headers", "body", "data", "json", "form", "cookies", "COOKIES", "META", "POST"})
REQUEST_NAMES = frozenset({"request", "req", "flask.request", "quart.request"})
# Wrappers that keep a value what it is (`str(token)`); anything else (len, mask, hash) is derived.
TRANSPARENT = frozenset({"str", "repr", "dict", "list", "format", "vars"})


class SensitiveDataInLogs(PythonRule):
    """A password, token, secret, `Authorization` or `Cookie` header, or a whole request
    body or header set is written to a log.

    Logs are copied to aggregators, shared in tickets and kept for months, by people and
    systems that must never hold credentials; a token in a log line is a login for whoever
    reads it. Log what identifies the event (user id, outcome), not the secret. Values
    derived from a secret (`len(token)`, `token[:4]`, `mask(card)`) and names that only
    mention one (`token_type`, `password_reset_url`, `max_tokens`, the plural places of one,
    `authorization_servers`, `token_endpoints`), or name a position in a
    page or stream (`since_token`, `next_page_token`), a slot or a lease, or a CSRF token, are
    not reported. A bare `token` is as often a limiter slot, a lexer token or a model object
    as a login, so it counts only when its value is seen to be one (cut from the
    `Authorization` header, a `jwt.encode(...)` result); names that say which login
    (`access_token`, `api_token`) always count. Whole request bodies and header sets
    (`request.json`, `dict(request.headers)`) are reported only with the option
    `whole-request: true`: on the ecosystem check's tuned projects every one of them was a
    payload without credentials or an unauthenticated caller's own headers (0 true of 3)."""

    code = "OPS006"
    opt_in = True  # field precision 0.83 over 3 judged findings on the tuned projects (label s11)
    name = "sensitive-data-in-logs"
    summary = "A password, token, secret, auth header or whole request is written to a log."
    category = Category.OPS
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "`{value}` is written to the log"
    fix = 'Log an identifier, not the secret: `logger.info("login failed", extra={"user_id": user.id})`'
    seed = 'S4:436 "Audit Logging"; S5:526 "Never store sensitive data in plain text"'
    references = (
        "https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html#data-to-exclude",
        "https://cwe.mitre.org/data/definitions/532.html",
    )
    # A logger method given something to log (every receiver _is_logger accepts is named with
    # "log" in some case: `logger`, `_LOG`, `audit_logger`, an import of logging, structlog or
    # loguru), and a sensitive name or a JWT encoder: what every value _sensitive accepts
    # comes from. With `whole-request`, a whole request body or header set too.
    LOGGING = Needs(arg_calls=tuple(sorted(LEVELS))) & Needs(name_parts_nocase=("log",))
    needs = LOGGING & (Needs.naming(is_sensitive_name) | qualified(*JWT_ENCODERS))
    # Whole request bodies and header sets hold a secret only sometimes: on real code every
    # such finding was a theme payload or an unauthenticated caller's own headers.
    options = {"whole-request": False}
    invalid = (
        Example(
            "import logging\n"
            "logger = logging.getLogger(__name__)\n"
            "def current_user(authorization):\n"
            '    token = authorization.removeprefix("Bearer ").strip()\n'
            '    logger.info("authenticated token=%s", token)\n',
            path="app/auth.py",
            lines=(5,),
            note="a bare `token` cut from the Authorization header",
        ),
        Example(
            "import logging\n"
            "logger = logging.getLogger(__name__)\n"
            "def login(username, password):\n"
            '    logger.info("login user=%s password=%s", username, password)\n',
            path="app/auth.py",
            lines=(4,),
        ),
        Example(
            "from flask import current_app, request\n"
            "def transfer():\n"
            '    current_app.logger.info("auth=%s", request.headers.get("Authorization"))\n',
            path="app/views.py",
            lines=(3,),
        ),
        Example(
            "import logging\n"
            "log = logging.getLogger(__name__)\n"
            "def charge(order, card_token):\n"
            '    log.debug(f"charging {order.id} with {card_token}")\n',
            path="app/payments.py",
            lines=(4,),
        ),
    )
    valid = (
        Example(
            "import logging\n"
            "log = logging.getLogger(__name__)\n"
            "def discover(resource_metadata):\n"
            '    servers = resource_metadata.get("authorization_servers", [])\n'
            '    log.debug("Discovered authorization servers: %s", servers)\n',
            path="app/oauth.py",
            note="near-miss: OAuth's public `authorization_servers` metadata names where to log in, not a credential (open-webui)",
        ),
        Example(
            "import logging\n"
            "logger = logging.getLogger(__name__)\n"
            "def login(username, password):\n"
            '    logger.info("login failed", extra={"user": username, "outcome": "failed"})\n',
            path="app/auth.py",
        ),
        Example(
            "import logging\n"
            "logger = logging.getLogger(__name__)\n"
            "def refresh(token, token_type):\n"
            '    logger.info("refreshed %s token of length %d", token_type, len(token))\n',
            path="app/auth.py",
            note="near-miss: derived values only",
        ),
        Example(
            "def tokenize(tokens, password_reset_url):\n"
            '    print("sending", password_reset_url)\n'
            "    return tokens\n",
            path="app/text.py",
            note="near-miss: a URL named after a password is no password",
        ),
        Example(
            "import logging\n"
            "logger = logging.getLogger(__name__)\n"
            "def sync(since_token, next_page_token, csrf_token):\n"
            '    logger.info("sync since %s, next page %s", since_token, next_page_token)\n'
            '    logger.debug(f"form csrf_token={csrf_token}")\n',
            path="app/sync.py",
            note="near-miss: stream, page and CSRF tokens are not credentials",
        ),
        Example(
            "import logging\n"
            "logger = logging.getLogger(__name__)\n"
            "def delete_secret(client, secret_arn, metadata):\n"
            "    client.delete_secret(SecretId=secret_arn)\n"
            '    logger.debug(f"Deleted secret {secret_arn}")\n'
            '    logger.info("rotated %s", metadata.secret_ref)\n',
            path="app/deploy.py",
            note="near-miss: an ARN or a reference names a secret; it is not its value",
        ),
        Example(
            "import logging\n"
            "from app.settings import PASSWORD_ENV\n"
            "logger = logging.getLogger(__name__)\n"
            "def release(limiter, token, reservation_token):\n"
            "    limiter.release_on_behalf_of(token)\n"
            '    logger.debug("released slot %s (reservation %s)", token, reservation_token)\n'
            '    logger.warning("dashboard open; set %s to protect it", PASSWORD_ENV)\n',
            path="app/limits.py",
            note="near-miss: a bare `token` (a limiter slot here), a reservation token, an env var's name",
        ),
        Example(
            "import logging\n"
            "logger = logging.getLogger(__name__)\n"
            "def hook(request):\n"
            '    logger.debug("incoming headers: %s", dict(request.headers))\n',
            path="app/hooks.py",
            note="near-miss by default: a whole header set is reported only with `whole-request: true`",
        ),
    )

    @classmethod
    def needs_under(cls, settings) -> Needs:
        return cls.LOGGING if settings.get("whole-request") else cls.needs

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in LEVELS or not self._is_logger(func.value):
            return
        for index, arg in enumerate(node.args):
            if arg.keyword is not None and arg.keyword.value in ("exc_info", "stack_info", "stacklevel"):
                continue
            if arg.keyword is not None and arg.keyword.value == "extra" and isinstance(arg.value, cst.Dict):
                for element in arg.value.elements:
                    if isinstance(element, cst.DictElement):
                        key = string_value(element.key)
                        if (key and is_sensitive_name(key) and not _is_constant(element.value)) or self._sensitive(element.value):
                            return self._flag(node, element.value)
                continue
            found = self._in_message(arg.value) if index == 0 else self._sensitive(arg.value)
            if found is not None:
                return self._flag(node, found)

    def _flag(self, node: cst.Call, value: cst.BaseExpression) -> None:
        text = " ".join(self.context.module.code_for_node(value).split())
        text = text if len(text) <= 60 else text[:57] + "..."
        if self._whole_request(value):
            if not self.settings.get("whole-request"):
                return
            # A whole body or header set holds secrets only sometimes.
            self.report(node, "Possible sensitive data in logs: `{value}` (a whole request body or header set) is written to the log",
                        confidence=Confidence.MEDIUM, fix=self.fix, value=text)
        else:
            self.report(node, fix=self.fix, value=text)

    def _whole_request(self, value: cst.BaseExpression) -> bool:
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and len(value.args) == 1:
            value = value.args[0].value
        if isinstance(value, cst.Await):
            value = value.expression
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
            return value.func.attr.value in ("get_json", "get_data")
        return isinstance(value, cst.Attribute) and value.attr.value in WHOLE_REQUEST and self._is_request(value.value)

    def _in_message(self, expr: cst.BaseExpression) -> cst.BaseExpression | None:
        """A sensitive value interpolated into the message itself (f-string, `%`, `.format`)."""
        if isinstance(expr, cst.FormattedString):
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringExpression) and self._sensitive(part.expression):
                    return part.expression
        elif isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo):
            right = expr.right
            items = [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
            for item in items:
                if self._sensitive(item):
                    return item
        elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "format":
            for arg in expr.args:
                if self._sensitive(arg.value):
                    return arg.value
        elif self._sensitive(expr):
            return expr
        return None

    def _sensitive(self, expr: cst.BaseExpression) -> cst.BaseExpression | None:
        if isinstance(expr, cst.Name):
            if is_sensitive_name(expr.value):
                return None if self._constant_name(expr) else expr
            bound = self.context.scopes.binding(expr.value)
            return expr if bound is not None and self._credential_value(bound) else None
        if isinstance(expr, cst.Attribute):
            if expr.attr.value in WHOLE_REQUEST and self._is_request(expr.value):
                return expr
            return expr if is_sensitive_name(expr.attr.value) else None
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
            key = string_value(expr.slice[0].slice.value)
            return expr if key and is_sensitive_name(key) else None
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("get", "getlist", "pop") and expr.args:
                key = string_value(expr.args[0].value)
                return expr if key and is_sensitive_name(key) else None
            if isinstance(func, cst.Attribute) and func.attr.value in ("get_json", "get_data") and self._is_request(func.value):
                return expr
            if isinstance(func, cst.Name) and func.value in TRANSPARENT and len(expr.args) == 1:
                return expr if self._sensitive(expr.args[0].value) is not None else None
        if isinstance(expr, cst.Await):
            return self._sensitive(expr.expression)
        return None

    def _credential_value(self, expr: cst.BaseExpression, depth: int = 0) -> bool:
        """A local value that is a credential whatever it is called: a sensitive value cut or
        cleaned by method calls (`authorization.removeprefix("Bearer ")`,
        `request.headers["Authorization"].split()[1]`), or a `jwt.encode(...)` result."""
        if depth > 4:
            return False
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, (cst.Name, cst.Attribute)) and self.context.resolve(func) in JWT_ENCODERS:
                return True
            if isinstance(func, cst.Attribute) and func.attr.value in ("get", "getlist", "pop"):
                return self._sensitive(expr) is not None
            return isinstance(func, cst.Attribute) and self._credential_value(func.value, depth + 1)
        if isinstance(expr, cst.Subscript):
            return self._sensitive(expr) is not None or self._credential_value(expr.value, depth + 1)
        if isinstance(expr, cst.Name):
            if is_sensitive_name(expr.value):
                return not self._constant_name(expr)
            bound = self.context.scopes.binding(expr.value)
            return bound is not None and self._credential_value(bound, depth + 1)
        if isinstance(expr, cst.Attribute):
            return is_sensitive_name(expr.attr.value)
        return False

    def _is_request(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Name):
            return expr.value in REQUEST_NAMES or self.context.resolve(expr) in REQUEST_NAMES
        return isinstance(expr, cst.Attribute) and expr.attr.value == "request"

    def _is_logger(self, receiver: cst.BaseExpression) -> bool:
        qualified = self.context.resolve(receiver) if isinstance(receiver, (cst.Name, cst.Attribute)) else None
        if qualified and (qualified == "logging" or qualified.startswith(("logging.", "structlog.", "loguru."))):
            return True
        name = receiver.attr.value if isinstance(receiver, cst.Attribute) else receiver.value if isinstance(receiver, cst.Name) else ""
        return name.lower().lstrip("_") in ("logger", "log", "logging", "_log", "audit_log", "audit_logger", "access_log") or name.lower().endswith("logger")

    def _constant_name(self, name: cst.Name) -> bool:
        value = self.context.scopes.module_constant(name.value)
        return value is not None and _is_constant(value)


def _is_constant(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, (cst.SimpleString, cst.Integer, cst.Float)) or (isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"))
