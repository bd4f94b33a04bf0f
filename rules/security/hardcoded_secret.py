from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, Needs, PythonRule
from reviewer.ops.secops import JWT_ENCODERS, dsn_password, has_token_prefix, is_dev_path, is_secret_name, looks_like_secret
from reviewer.ops.nodes import keyword, positional, string_value, target_name

# Names whose literal value is certainly a deployed secret (Django, Flask, SimpleJWT).
EXACT = frozenset({"SECRET_KEY", "secret_key", "SIGNING_KEY", "JWT_SECRET_KEY", "PASSWORD"})
ENV_READERS = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault"})
LOCAL_HOSTS = ("@localhost", "@127.0.0.1", "@0.0.0.0", "@db:", "@db/", "@postgres:", "@postgres/", "@mysql:")


class HardcodedSecret(PythonRule):
    """A secret key, signing key, password, API token or a DSN with a password is written as
    a literal in code that gets deployed.

    Whoever can read the repository (every developer, every CI job, every fork, the backup)
    holds the secret, and rotating it means a code change and a deploy. A leaked Django or
    Flask `SECRET_KEY` forges sessions and password-reset tokens; a JWT key forges logins.
    Read secrets from the environment or a secret manager. Placeholders (`changeme`,
    `<secret>`), redaction markers (`"[REDACTED]"`, `"***"`), tokens that are positions in a
    page or stream (`since_token`, `next_page_token`) or CSRF tokens, SQLite and template DSNs,
    test code and settings named for development are not reported (see `reviewer.ops.secops`
    for what a secret name and a secret value are); a literal default of `os.environ.get(...)` is reported as low severity.
    Bandit's B105/B106 report the same line with less context and are dropped when this rule
    fires.

    Opt-in (select `SEC004`) by the field-precision rule: on the ecosystem check's tuned
    projects its one remaining finding, a literal `SECRET_KEY` in the config of legacy
    Python 2 maintenance scripts that read only the database URI, is judged false (0.00 over
    1 judged; 0.00 over 2 before the fix for key alphabets). One finding is no evidence either way;
    the lead decides whether the threshold needs a minimum sample."""

    code = "SEC004"
    name = "hardcoded-secret"
    summary = "A secret, password, API token or DSN with a password is a literal in deployed code."
    category = Category.SECURITY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    message = "Secret written in the source: {what}"
    fix = 'Read it from the environment or a secret manager: `SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]`'
    seed = 'S4:435 "API Key Management: Secure key storage and rotation"; S5:526 "Never store sensitive data in plain text"'
    references = (
        "https://cwe.mitre.org/data/definitions/798.html",
        "https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html",
    )
    supersedes = ("B105", "B106", "B107")
    opt_in = True
    needs = Needs.words("SECRET", "secret", "KEY", "key", "PASSWORD", "password", "TOKEN", "token") | Needs(string_parts=("://", "_live_", "AKIA", "ghp_"))
    invalid = (
        Example('SECRET_KEY = "django-insecure-7$k2h9x0q!m4v8"\n', path="shop/settings.py", lines=(1,)),
        Example(
            'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql",\n'
            '                         "PASSWORD": "Sh0pPr0d-2023-x91"}}\n',
            path="shop/settings.py",
            lines=(2,),
        ),
        Example(
            "from sqlalchemy import create_engine\n"
            'DATABASE_URL = "postgresql+psycopg2://orders:Pk7vR2mQx9sT@orders-db.internal:5432/orders"\n'
            "engine = create_engine(DATABASE_URL)\n",
            path="app/db.py",
            lines=(2,),
        ),
        Example(
            "import jwt\n"
            "def issue(claims):\n"
            '    return jwt.encode(claims, "s3cr3t-signing-key", algorithm="HS256")\n',
            path="app/auth.py",
            lines=(3,),
        ),
        Example(
            "import psycopg\n"
            "def connect():\n"
            '    return psycopg.connect(host="db.internal", user="app", password="9f8Ka7r2Xq")\n',
            path="app/db.py",
            lines=(3,),
        ),
        Example('STRIPE_KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"\n', path="app/billing.py", lines=(1,)),
    )
    valid = (
        Example('import os\nSECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\n', path="shop/settings.py"),
        Example('SECRET_KEY = "changeme"\n', path="shop/settings.py", note="near-miss: a placeholder"),
        Example('SECRET_KEY = "django-insecure-7$k2h9x0q!m4v8"\n', path="shop/settings/local.py", note="near-miss: local settings"),
        Example('DATABASE_URL = "sqlite:///./app.db"\nTOKEN_URL = "https://auth.example.com/token"\n', path="app/config.py"),
        Example(
            'PASSWORD_RESET_TIMEOUT = 3600\nPASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]\n',
            path="shop/settings.py",
            note="near-miss: password-named settings that hold no password",
        ),
        Example('DSN = "postgresql://{user}:{password}@{host}/{db}"\n', path="app/db.py", note="near-miss: a template"),
        Example(
            "def scrub(event):\n"
            '    event["password"] = "[REDACTED]"\n'
            '    event["api_key"] = "********"\n'
            '    event.setdefault("headers", {})["authorization"] = "<hidden>"\n'
            "    return event\n",
            path="app/log_filters.py",
            note="near-miss: redaction markers stand for a removed secret",
        ),
        Example(
            'DEFAULT_SINCE_TOKEN = "s72594_4483_1934"\n'
            "def next_page(client, page_token=\"CAEQAA-2x\"):\n"
            "    return client.list(page_token=page_token, csrf_token=\"7f3a9c2e1b\")\n",
            path="app/sync.py",
            note="near-miss: stream, page and CSRF tokens are positions or form values, not credentials",
        ),
        Example(
            "SECRET_KEY_CHARSET = \"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*(-_=+)\"\n"
            'PASSWORD_ENV = "PGQ_DASHBOARD_PASSWORD_2"\n',
            path="app/secret_key.py",
            note="near-miss: the alphabet of a generated key, the name of the variable that holds a password",
        ),
        Example(
            "class Manager:\n"
            '    _ACCESS_TOKEN = "OS-OAUTH1:access_token"\n'
            '    _REQUEST_TOKEN = "OS-OAUTH1:request_token"\n',
            path="app/oauth1/core.py",
            note="near-miss: a key spelled like its own name after a namespace, not a secret (keystone)",
        ),
        Example(
            'RESPONSES = {200: {"content": {"application/json": {"example": {"access_token": "eyJhbGciOiJIUzI1NiJ9.e30.x1"}}}}}\n',
            path="app/docs.py",
            note="near-miss: an OpenAPI example",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.in_example = 0  # inside an `"example": {...}` value (OpenAPI docs, fixtures)

    def _skip(self) -> bool:
        return self.in_example > 0 or is_dev_path(self.context.path)

    def leave_DictElement(self, node: cst.DictElement) -> None:
        if _is_example_key(string_value(node.key)):
            self.in_example -= 1

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and _is_example_key(node.keyword.value):
            self.in_example += 1

    def leave_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and _is_example_key(node.keyword.value):
            self.in_example -= 1

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._named_value(target_name(target.target), node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._named_value(target_name(node.target), node.value)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = string_value(node.key)
        if _is_example_key(key):
            self.in_example += 1
        self._named_value(key, node.value)

    def visit_Call(self, node: cst.Call) -> None:
        if self._skip():
            return
        func = node.func
        qualified = self.context.resolve(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        if qualified in JWT_ENCODERS:
            key = keyword(node, "key") or positional(node, 1)
            value = string_value(key.value) if key is not None else None
            if value is not None and looks_like_secret(value):
                self.report(key.value, what="the JWT signing key passed to `jwt.encode`")
            return
        if qualified in ENV_READERS:
            default = positional(node, 1)
            value = string_value(default.value) if default is not None else None
            name = positional(node, 0)
            env_name = string_value(name.value) if name is not None else None
            if value is not None and env_name and is_secret_name(env_name) and looks_like_secret(value):
                self.report(
                    default.value,
                    "Possible default secret: `{name}` falls back to a literal",
                    severity=Severity.LOW,
                    confidence=Confidence.MEDIUM,
                    fix=f'Fail when it is missing: `os.environ["{env_name}"]`',
                    name=env_name,
                )
            return
        for arg in node.args:
            if arg.keyword is not None:
                self._named_value(arg.keyword.value, arg.value, keyword_arg=True)
            else:
                self._named_value(None, arg.value)

    def _named_value(self, name: str | None, value_node: cst.BaseExpression, keyword_arg: bool = False) -> None:
        if self._skip():
            return
        value = string_value(value_node)
        if value is None:
            return
        if has_token_prefix(value):
            self.report(value_node, what=f"an API token (`{value[:8]}...`)")
            return
        if self._dsn(value_node):
            return
        if name is None or not is_secret_name(name) or not looks_like_secret(value, name):
            return
        exact = name in EXACT or name.upper().endswith(("SECRET_KEY", "_PASSWORD", "SIGNING_KEY"))
        self.report(
            value_node,
            what=f"`{name}`" + (" (keyword argument)" if keyword_arg else ""),
            confidence=Confidence.HIGH if exact else Confidence.MEDIUM,
        )

    def _dsn(self, value_node: cst.BaseExpression) -> bool:
        value = string_value(value_node)
        if value is None or self._skip() or dsn_password(value) is None:
            return False
        local = any(host in value for host in LOCAL_HOSTS)
        self.report(
            value_node,
            "Possible development DSN with an inline password" if local else self.message,
            severity=Severity.LOW if local else Severity.HIGH,
            confidence=Confidence.MEDIUM if local else Confidence.HIGH,
            what="a DSN with an inline password",
        )
        return True


def _is_example_key(key: str | None) -> bool:
    return key in ("example", "examples", "sample", "json_schema_extra", "openapi_examples")
