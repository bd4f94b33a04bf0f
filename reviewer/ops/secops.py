"""Shared facts for the security and operations rules: settings modules, sensitive names,
literal values and keyword arguments of calls.

A secret *name* is judged word by word (`card_token` has the word `token`, `tokenizer` does
not). It names a credential when it has a credential word (`password`, `secret`, `token`,
`apikey`, ...) or pair (`api key`, `signing key`, ...), unless another word makes it data
about a credential (`token_type`, `password_reset_url`, `max_tokens`), or the word before
`token` names a token that is no credential: a position in a stream or a page
(`since_token`, `next_page_token`, `sync_token`) or an anti-forgery token (`csrf_token`).

A secret *value* is a literal that could be a real credential: not a placeholder (`changeme`,
`<secret>`), not a redaction marker (`"[REDACTED]"`, `"***"`, `"<hidden>"`), not a word or
an identifier, not a reference (`env:`, a URL, a path).
"""

from __future__ import annotations

import re

# Module-path words that mark development, test or example configuration.
DEV_WORDS = frozenset(
    {"dev", "devel", "develop", "development", "local", "test", "tests", "testing", "ci", "example", "examples",
     "sample", "samples", "demo", "docs", "doc", "debug", "sandbox", "fixture", "fixtures", "conftest", "tutorial"}
)
# Words of a name that hold a credential.
SECRET_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "credential", "credentials"})
SECRET_PAIRS = (("api", "key"), ("private", "key"), ("secret", "key"), ("signing", "key"), ("access", "key"), ("auth", "key"))
# Words before `token` that make it a position or an anti-forgery value, not a credential:
# pagination and stream tokens (`since_token`, `next_page_token`, `nextToken`), CSRF tokens.
NON_CREDENTIAL_TOKEN = frozenset(
    {"since", "next", "prev", "previous", "page", "pagination", "paging", "continuation", "cursor", "sync",
     "stream", "from", "to", "start", "end", "resume", "batch", "position", "last", "csrf", "xsrf",
     # the identity of a slot, lease or operation, not a login
     "reservation", "lease", "lock", "slot", "fencing", "idempotency", "correlation", "cancel", "cancellation",
     "concurrency"}
)
# Words before `token` that make it a login. A bare `token` variable is as often a limiter
# slot, a lexer token or a token model object as a credential, so a log line is judged on
# qualified names only (`access_token`, `refresh_token`, `api_token`); a literal assigned to
# a bare `token` is still judged by its value (SEC004).
CREDENTIAL_TOKEN = frozenset(
    {"access", "refresh", "auth", "authentication", "bearer", "api", "session", "jwt", "oauth", "oauth2",
     "reset", "confirmation", "verification", "activation", "magic", "login", "personal", "service", "bot",
     "secret", "private", "signing", "client", "app", "github", "gitlab", "slack", "stripe", "webhook", "card",
     "payment"}
)
# Words of a redaction marker: the literal stands for a value that was removed.
REDACTION_WORDS = frozenset(
    {"redacted", "redact", "hidden", "hide", "masked", "mask", "filtered", "removed", "omitted", "censored",
     "obfuscated", "sanitized", "sanitised", "scrubbed", "elided", "withheld", "snip", "snipped", "secret",
     "sensitive", "private", "password", "token", "value", "not", "shown", "set"}
)
# Characters that only mask a value (`"********"`, `"xxxx"`, `"••••"`).
MASK_CHARS = frozenset("*xX#•●·-_.")
# Other words of sensitive data that must not reach logs.
SENSITIVE_WORDS = SECRET_WORDS | frozenset({"authorization", "cookie", "cookies", "ssn", "cvv", "cvc"})
SENSITIVE_PAIRS = SECRET_PAIRS + (("card", "number"), ("credit", "card"))
# Words that make a credential-named value something else: its type, length, a URL, a flag.
DERIVED_WORDS = frozenset(
    {"age", "alg", "algorithm", "algorithms", "arn", "audience", "backend", "cache", "change", "changed", "char",
     "chars", "charset", "alphabet", "characters", "class", "count", "days", "digest", "dir", "disabled", "duration", "enabled", "endpoint", "env", "envvar",
     "error", "errors", "exp", "expiration", "expired", "expires", "expiry", "field", "fields", "file",
     "filename", "form", "format", "generator", "has", "hash", "hashed", "hasher", "hashers", "header", "help",
     "id", "ids", "index", "input", "is", "issuer", "kid", "kind", "label", "len", "length", "lifetime",
     "limit", "limits", "location", "manager", "max", "message", "min", "minutes", "mode", "name", "names",
     "param", "parameter", "path", "pattern", "permission", "permissions", "placeholder", "policy", "prefix",
     "provider", "re", "ref", "reference", "regex", "required", "reset", "resource", "scope", "scopes", "seconds", "serializer",
     "set", "source", "status", "storage", "store", "strength", "suffix", "template", "text", "timeout", "ttl",
     "type", "types", "uri", "url", "used", "valid", "validator", "validators", "verified", "version", "view",
     "widget",
     # plural places: where a credential is sent or checked (OAuth's `authorization_servers`
     # metadata), not one; a singular `server` stays out (`server_secret` is a secret)
     "servers", "endpoints", "urls", "uris", "hosts"}
)
PLACEHOLDERS = re.compile(
    r"^(|x+|\*+|\.+|-+|changeme|change[-_ ]?me|secret|password|passwd|token|dummy|fake|test|testing|example|"
    r"sample|placeholder|your[-_ ].*|<.*>|\{.*\}|\$\{.*\}|%\(.*\)s|todo|none|null|default|insecure|redacted|\*\*\*.*)$",
    re.IGNORECASE,
)
CHANGE_ME = re.compile(r"change[-_ ]?(me|it|this)|replace[-_ ]?me|not[-_ ]?a[-_ ]?secret", re.IGNORECASE)
# Letters and word separators only: a word or an identifier, not a generated secret.
WORDISH = re.compile(r"^[A-Za-z_\-:.]+$")
DOTTED = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$")
# Passwords of documentation DSNs and vendors' well-known defaults.
DEFAULT_PASSWORDS = frozenset(
    {"password", "pass", "passwd", "secret", "postgres", "admin", "root", "guest", "demo", "test", "masterkey",
     "taosdata", "mysql", "sa", "oracle", "changeme", "example", "user", "pwd"}
)
# Calls that sign a JWT: their result is a bearer token, their key a signing secret.
JWT_ENCODERS = frozenset({"jwt.encode", "jose.jwt.encode", "authlib.jose.jwt.encode"})
TOKEN_PREFIXES = ("sk_live_", "rk_live_", "AKIA", "ghp_", "gho_", "github_pat_", "xoxb-", "xoxp-", "glpat-", "AIza")


def words(name: str) -> list[str]:
    """`cardToken` / `CARD_TOKEN` / `card-token` -> ["card", "token"]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def _has(
    parts: list[str], singles: frozenset[str], pairs: tuple[tuple[str, str], ...], bare_token: bool = True
) -> bool:
    # A `token` qualified as a page or stream position, a slot or a CSRF token is no
    # credential; without `bare_token`, only one qualified as a login is.
    parts = [
        ""
        if part == "token"
        and (
            (index and parts[index - 1] in NON_CREDENTIAL_TOKEN)
            or (not bare_token and not (index and parts[index - 1] in CREDENTIAL_TOKEN))
        )
        else part
        for index, part in enumerate(parts)
    ]
    if any(part in singles for part in parts):
        return True
    return any(a == x and b == y for a, b in pairs for x, y in zip(parts, parts[1:]))


def is_secret_name(name: str) -> bool:
    """A name that holds a credential itself: `SECRET_KEY`, `db_password`, `api_key`."""
    parts = words(name)
    return _has(parts, SECRET_WORDS, SECRET_PAIRS) and not any(part in DERIVED_WORDS for part in parts)


def is_sensitive_name(name: str) -> bool:
    """A name whose value must not be logged: secrets, auth headers, cookies, card numbers, and
    tokens named as logins (`access_token`, not a bare `token`)."""
    parts = words(name)
    return _has(parts, SENSITIVE_WORDS, SENSITIVE_PAIRS, bare_token=False) and not any(
        part in DERIVED_WORDS for part in parts
    )


def is_password_name(name: str) -> bool:
    parts = words(name)
    return any(part in ("password", "passwd", "pwd", "passphrase") for part in parts) and not any(
        part in DERIVED_WORDS for part in parts
    )


def is_dev_path(path: str) -> bool:
    """A file of development, test or example configuration, by its path's words."""
    stem = path[:-3] if path.endswith(".py") else path
    return any(word in DEV_WORDS for part in stem.split("/") for word in words(part))


def is_settings_path(path: str) -> bool:
    """A settings module that may be deployed: `settings.py`, `settings/<anything>.py`,
    `production.py`, `prod.py`; not one named for development, tests or examples."""
    parts = path.split("/")
    name = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
    settings_like = (
        "settings" in words(name)
        or name in ("production", "prod", "prd", "live", "staging")
        or (len(parts) > 1 and parts[-2] in ("settings", "config", "conf") and name not in ("__init__",))
    )
    return settings_like and not is_dev_path(path)


def is_placeholder(value: str) -> bool:
    return bool(PLACEHOLDERS.match(value.strip())) or is_redaction_marker(value)


def is_redaction_marker(value: str) -> bool:
    """A literal that stands for a removed value: mask characters only (`"********"`), or
    redaction words in brackets or not (`"[REDACTED]"`, `"<hidden>"`, `"(not shown)"`)."""
    text = value.strip()
    if text and all(char in MASK_CHARS for char in text):
        return True
    parts = words(text)
    return bool(parts) and all(part in REDACTION_WORDS for part in parts) and any(
        part not in ("password", "token", "value", "secret", "private", "not", "set") for part in parts
    )


def looks_like_secret(value: str, name: str = "") -> bool:
    """A literal that could be a real credential: not a placeholder, not a reference, not a
    word (`"access_token"`, `"Passwords"`, a constant spelled like its own name, alone or after
    a namespace: `_ACCESS_TOKEN = "OS-OAUTH1:access_token"`): real keys
    and passwords carry digits or symbols, or are long mixed-case strings."""
    text = value.strip()
    if is_placeholder(text) or len(text) < 6 or " " in text or CHANGE_ME.search(text):
        return False
    if text.startswith(("env:", "vault:", "secret:", "/", "http://", "https://", "file:")):
        return False
    named = words(name) if name else []
    if named and words(text)[-len(named):] == named:
        return False  # spelled like its own name, maybe under a namespace (`"OS-OAUTH1:access_token"`)
    if WORDISH.match(text) and not (len(text) >= 20 and text.lower() != text and text.upper() != text):
        return False
    return not DOTTED.match(text)


def has_token_prefix(value: str) -> bool:
    return value.startswith(TOKEN_PREFIXES) and len(value) >= 16 and " " not in value


def dsn_password(value: str) -> str | None:
    """The password of a URL-form DSN (`postgresql://user:pw@host/db`), if it has one that is
    not a placeholder or a template hole."""
    match = re.match(r"^[a-z][a-z0-9+.-]*://[^:/@\s]+:(?P<pw>[^@\s]+)@[^\s]+$", value.strip(), re.IGNORECASE)
    if not match or value.lower().startswith("sqlite"):
        return None
    password = match.group("pw")
    user = value.split("://", 1)[1].split(":", 1)[0]
    if is_placeholder(password) or any(c in password for c in "{}$%<>") or password == user:
        return None
    if password.lower() in DEFAULT_PASSWORDS or CHANGE_ME.search(password):
        return None
    return password
