"""Rate limiting in a project: where a limiter is configured, used or answered with a 429.

The `ratelimit` section of the project index lists, per file, the evidence that requests are
throttled somewhere: an import of a limiter library (slowapi, Flask-Limiter, fastapi-limiter,
django-ratelimit, django-axes, django-defender, asgi-ratelimit, DRF's throttling, `limits`),
a DRF throttle setting or `throttle_classes` / `throttle_scope` on a view, a limiter app or
middleware named in `INSTALLED_APPS` / `MIDDLEWARE`, Flask-Limiter's `RATELIMIT_*` keys or
Flask-AppBuilder's `AUTH_RATE_LIMITED`, and a response the service itself builds with status
429 (a home-grown limiter: `HTTPException(status_code=429)`, `abort(429)`, `return body, 429`).
Comparing a status with 429 (a client retrying an upstream's 429) is not evidence.
A project's own throttling of credential guessing is (`login_throttle`): in a module on the
login path (one that defines or calls an `authenticate` / `login` / `check_password`-like
function), a failure counter that is both incremented and compared, either a persisted field
or setting (`failcount`, `failed_auth_count`, `lockout_failure_attempts`, `max_fail`: a
lockout) or a counter in a cache (`cache.incr(key)` and `cache.get(key) > LIMIT`).

Outside the Python files, `edge_evidence` reads the project's dependency lists and an API
gateway's configuration at the scanned root (nginx `limit_req`, Kong's `rate-limiting`
plugins, Traefik's `rateLimit` middleware).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any, Callable, Container, Iterable, Mapping

from reviewer.astfacts import dotted_name, keyword_value, nodes_of, own_nodes, tail_name, walk
from reviewer.lines import split_lines
from reviewer.model import FileKind
from reviewer.names import module_name_for
from reviewer.provider import IndexProvider
from reviewer.discovery import Deployment

SECTION = "ratelimit"

# Import names of limiter libraries (a module or a package prefix).
LIMITER_MODULES = (
    "slowapi", "flask_limiter", "fastapi_limiter", "django_ratelimit", "axes", "defender", "limits",
    "rest_framework.throttling", "ratelimit.decorators", "ratelimit.mixins", "ratelimit.core", "ratelimit.middleware",
)
# asgi-ratelimit is imported as `ratelimit`, like the client-side `ratelimit` decorator package:
# only its middleware names it.
ASGI_RATELIMIT_NAMES = frozenset({"RateLimitMiddleware", "Rule"})
# Distributions (PEP 503 names) that throttle requests, as a dependency list names them.
LIMITER_DISTRIBUTIONS = frozenset(
    {"slowapi", "flask-limiter", "fastapi-limiter", "django-ratelimit", "django-axes", "django-defender", "asgi-ratelimit"}
)
# Flask-Limiter's configuration keys and Flask-AppBuilder's switch for its login limiter.
LIMITER_SETTINGS = frozenset(
    {"RATELIMIT_ENABLED", "RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_STORAGE_URI", "RATELIMIT_STORAGE_URL",
     "AUTH_RATE_LIMITED"}
)
THROTTLE_ATTRIBUTES = frozenset({"throttle_classes", "throttle_scope"})
# Settings that limit every request, or the login (evidence kinds other than "limiter-setting").
GLOBAL_SETTINGS = {"RATELIMIT_DEFAULT": "global-limit", "RATELIMIT_APPLICATION": "global-limit", "AUTH_RATE_LIMITED": "auth-limit"}
GLOBAL_LIMIT_KEYWORDS = ("default_limits", "application_limits")
APP_CLASSES = frozenset({"FastAPI", "APIRouter"})
# Decorators that limit the function they decorate: slowapi / Flask-Limiter `@limiter.limit(...)`,
# `@limiter.shared_limit(...)`, django-ratelimit `@ratelimit(...)`, DRF `@throttle_classes([...])`.
LIMIT_DECORATORS = frozenset({"limit", "shared_limit", "ratelimit", "throttle_classes"})
STATUS_KEYWORDS = ("status_code", "status", "code")
# Callables whose first positional argument is the response status.
STATUS_FIRST = frozenset({"abort", "HTTPException", "HttpResponse", "HTTPError"})
TOO_MANY = 429
TRIGGERS = ("limit", "Limit", "LIMIT", "throttl", "THROTTL", "axes", "defender", "429", "TOO_MANY", "TooMany",
            # a failure counter or a cache counter (login_throttle)
            "failcount", "fail_count", "failed_count", "failure_count", "failed_auth_count", "ttempts", ".incr(")
# Functions on the login path: the module that defines or calls one checks credentials.
LOGIN_FUNCTION = re.compile(r"authenticat|login|log_in|sign_?in|check_?pass|verify_?pass|checkpass", re.I)
# Words of a login in a counter's name (`login_attempts`, `signin_attempts`, `password_attempts`).
LOGIN_WORDS = ("login", "logon", "signin", "password", "passwd", "auth")

NGINX_FILES = ("nginx.conf", "nginx/nginx.conf", "deploy/nginx.conf", "docker/nginx.conf", "docker/nginx/nginx.conf")
GATEWAY_FILES = ("kong.yml", "kong.yaml", "kong/kong.yml", "kong/kong.yaml", "traefik.yml", "traefik.yaml",
                 "traefik/dynamic.yml", "traefik/dynamic.yaml")
DEPENDENCY_FILES = ("pyproject.toml", "requirements.txt", "requirements/base.txt", "requirements/production.txt",
                    "requirements/prod.txt")
KONG_PLUGINS = frozenset({"rate-limiting", "rate-limiting-advanced", "response-ratelimiting"})


@dataclass(frozen=True)
class LimiterEvidence:
    """One place that shows requests are throttled: its file, line, kind and what is there."""

    file: str
    line: int
    kind: str  # library, drf-throttle, limiter-app, limiter-setting, too-many-requests, login-throttle, dependency, gateway
    text: str


@dataclass(frozen=True)
class ThrottleScope:
    """A DRF throttle scope that needs an entry in `DEFAULT_THROTTLE_RATES`: a throttle class's
    `scope`, a view's `throttle_scope` (read by `ScopedRateThrottle`), or DRF's own `user` /
    `anon` scope of a `UserRateThrottle` / `AnonRateThrottle` the project names."""

    file: str
    line: int
    scope: str
    owner: str  # the class (or the setting) that sets or names the scope
    kind: str  # "throttle" (a throttle class's scope), "view" (throttle_scope), "builtin"


@dataclass(frozen=True)
class TooManyRequests:
    """A 429 response the project builds, in a function that sets no `Retry-After`."""

    file: str
    line: int
    call: str
    function: str  # qualified in the module; "" at module level


@dataclass(frozen=True)
class RateLimitFacts:
    evidence: tuple[LimiterEvidence, ...] = ()
    # Functions and view classes a limiter guards, by qualified name (`app.auth.login`), as the
    # route index names handlers; sorted, so the section's digest is the same in every run.
    guarded: tuple[str, ...] = ()
    # DRF throttle rates: the scopes `DEFAULT_THROTTLE_RATES` gives a rate, None when a
    # setting builds them in a way that cannot be read (from the environment, `**other`), or
    # when no file sets them; whether `ScopedRateThrottle` is in use anywhere.
    throttle_rates: frozenset[str] | None = None
    throttle_scopes: tuple[ThrottleScope, ...] = ()
    scoped_throttle: bool = False
    without_retry_after: tuple[TooManyRequests, ...] = ()


def _is_limiter_module(name: str) -> bool:
    return any(name == module or name.startswith(module + ".") for module in LIMITER_MODULES)


def _too_many(node: ast.AST | None) -> bool:
    """429, or a name for it (`status.HTTP_429_TOO_MANY_REQUESTS`, `HTTPStatus.TOO_MANY_REQUESTS`)."""
    if isinstance(node, ast.Constant):
        return node.value == TOO_MANY and not isinstance(node.value, bool)
    name = dotted_name(node) if node is not None else None
    return bool(name) and ("TOO_MANY_REQUESTS" in name or "HTTP_429" in name)  # type: ignore[operator]


def _non_empty(node: ast.AST | None) -> bool:
    """A value that switches something on: not an empty collection, None, False or ''."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return bool(node.elts)
    if isinstance(node, ast.Dict):
        return bool(node.keys)
    if isinstance(node, ast.Constant):
        return bool(node.value)
    return node is not None


def _strings(node: ast.AST | None) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _assigned_name(target: ast.AST) -> str | None:
    """`NAME = ...`, `app.config["NAME"] = ...`, `REST_FRAMEWORK["NAME"] = ...`: the name set."""
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str):
        return target.slice.value
    return None


# The node types collect_evidence reads (_answers_429: calls and returns), read from the
# module's index of its nodes by type (astfacts.nodes_of, in the walk's order); the same for
# login_throttle and throttle_facts.
_EVIDENCE_NODES = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.ClassDef, ast.Call, ast.Return)
_LOGIN_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Call, ast.BinOp, ast.AugAssign, ast.Assign, ast.Compare)
_THROTTLE_NODES = (ast.Dict, ast.Assign, ast.ClassDef, ast.List, ast.Tuple, ast.Name, ast.Attribute, ast.Constant, ast.alias)


def answers_429(tree: ast.Module) -> dict[int, str]:
    """What builds a 429 response (_answers_429) at each call and return of the module that
    does, by the node's id: read once for collect_evidence and missing_retry_after."""
    return {id(node): answer for node in nodes_of(tree, ast.Call, ast.Return) if (answer := _answers_429(node))}


def collect_evidence(tree: ast.Module, answers: Mapping[int, str] | None = None) -> list[dict[str, Any]]:
    """The rate-limiting evidence of one module (JSON-able, for the index cache); `answers`:
    its answers_429, when read already."""
    found: list[dict[str, Any]] = []
    if answers is None:
        answers = answers_429(tree)

    def add(node: ast.AST, kind: str, text: str) -> None:
        found.append({"line": getattr(node, "lineno", 1), "kind": kind, "text": text})

    for node in nodes_of(tree, *_EVIDENCE_NODES):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_limiter_module(alias.name):
                    add(node, "library", alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if _is_limiter_module(node.module):
                add(node, "library", node.module)
            elif node.module == "ratelimit" and any(a.name in ASGI_RATELIMIT_NAMES for a in node.names):
                add(node, "library", "ratelimit (asgi-ratelimit)")
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                _assignment(_assigned_name(target), node.value, node, add)
        elif isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and _non_empty(stmt.value):
                    for target in stmt.targets:
                        if isinstance(target, ast.Name) and target.id in THROTTLE_ATTRIBUTES:
                            add(stmt, "drf-throttle", f"{node.name}.{target.id}")
        elif isinstance(node, ast.Call):
            callee = (dotted_name(node.func) or "").rsplit(".", 1)[-1]
            if callee == "Limiter" and any(_non_empty(keyword_value(node, k)) for k in GLOBAL_LIMIT_KEYWORDS):
                add(node, "global-limit", "Limiter(default_limits=...)")
            if callee in APP_CLASSES and _limiter_dependency(keyword_value(node, "dependencies")):
                add(node, "global-limit", f"{callee}(dependencies=[... RateLimiter ...])")
        answer = answers.get(id(node))
        if answer:
            add(node, "too-many-requests", answer)
    throttle = login_throttle(tree)
    if throttle is not None:
        add(throttle[0], "login-throttle", throttle[1])
    return found


def _failure_counter(name: str) -> bool:
    """A name for a count of failed attempts: `failcount`, `failed_auth_count`,
    `login_failure_count`, `lockout_failure_attempts`, `max_failed_attempts` (and the common
    misspelling `login_failed_attemps`, zou's column), or a count of login attempts that the
    login resets on success (`login_attempts`, `MAX_LOGIN_ATTEMPTS`: pgAdmin's column)."""
    flat = name.lower().replace("_", "")
    if "fail" in flat:
        return "count" in flat or "attemp" in flat or flat.startswith("maxfail") or flat.endswith("maxfail")
    return "attemp" in flat and any(word in flat for word in LOGIN_WORDS)



def _counted(node: ast.AST) -> set[str]:
    """The failure counters (by name) and cache keys (`key:` + the key's dump, from `x.get(key)`)
    an expression reads."""
    names: set[str] = set()
    for part in walk(node):
        name = tail_name(part)
        if name and _failure_counter(name):
            names.add(name)
        if isinstance(part, ast.Call) and isinstance(part.func, ast.Attribute) and part.func.attr == "get" and part.args:
            names.add("key:" + ast.dump(part.args[0]))
    return names


def login_throttle(tree: ast.Module) -> tuple[ast.AST, str] | None:
    """Where a module on the login path throttles credential guessing itself, and how: a failure
    counter it increments (`x.failcount += 1`, `x.failcount = x.failcount + 1`, `failcount + 1`
    handed to the function that stores it, a cache's `incr(key)`) and compares with a limit (`x.failcount < x.maxfail`, `cache.get(key) > LIMIT`).
    A word in a comment or a setting nobody checks is not enough: both the count and the check
    must be there."""
    login = False
    incremented: dict[str, ast.AST] = {}  # counter name or `incr` key -> where it is counted
    compared: list[tuple[ast.Compare, set[str]]] = []
    aliases: dict[str, set[str]] = {}  # local name -> the counters its value reads
    stepped: list[tuple[str, ast.AST]] = []  # `name + 1`
    # What the counters are read from, for a module on the login path (most are not): a
    # local bound to a value, a comparison.
    bound: list[tuple[str, ast.AST]] = []
    ordered: list[ast.Compare] = []
    for node in nodes_of(tree, *_LOGIN_NODES):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and LOGIN_FUNCTION.search(node.name):
            login = True
        elif isinstance(node, ast.Call):
            callee = dotted_name(node.func) or ""
            if LOGIN_FUNCTION.search(callee.rsplit(".", 1)[-1]):
                login = True
            if isinstance(node.func, ast.Attribute) and node.func.attr == "incr" and node.args:
                incremented.setdefault("key:" + ast.dump(node.args[0]), node)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            # `attempts + 1` handed to the function that stores it (zou's
            # `update_login_failed_attempts(person_id, attempts + 1)`)
            for counter, step in ((node.left, node.right), (node.right, node.left)):
                name = tail_name(counter)
                if name and isinstance(step, ast.Constant) and step.value == 1:
                    stepped.append((name, node))  # a counter, or a local standing for one
        elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
            name = tail_name(node.target)
            if name and _failure_counter(name):
                incremented.setdefault(name, node)
        elif isinstance(node, ast.Assign):
            if isinstance(node.value, ast.BinOp) and isinstance(node.value.op, ast.Add):
                for target in node.targets:
                    name = tail_name(target)
                    operands = {tail_name(part) for part in (node.value.left, node.value.right)}
                    if name and _failure_counter(name) and name in operands:
                        incremented.setdefault(name, node)
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                bound.append((node.targets[0].id, node.value))
        elif isinstance(node, ast.Compare) and not all(isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot, ast.In, ast.NotIn)) for op in node.ops):
            ordered.append(node)
    if not login:
        return None
    for name, value in bound:  # `attempts = user.failed_auth_count or 0`: the local stands for the counter
        aliases.setdefault(name, set()).update(_counted(value))
    for compare in ordered:
        compared.append((compare, _counted(compare) | {part.id for part in walk(compare) if isinstance(part, ast.Name)}))
    for name, node in stepped:
        for counter in ({name} if _failure_counter(name) else set()) | aliases.get(name, set()):
            incremented.setdefault(counter, node)
    for compare, names in compared:
        names = names | {counter for name in names for counter in aliases.get(name, ())}
        counted = sorted(name for name in names if name in incremented)
        if counted:
            name = counted[0]
            return compare, ("cache counter" if name.startswith("key:") else f"failure counter `{name}`") + " checked against a limit"
    return None


def _answers_429(node: ast.AST) -> str | None:
    """What builds a 429 response at this node (the callee, or `return ..., 429`), if it does."""
    if isinstance(node, ast.Call):
        callee = (dotted_name(node.func) or "").rsplit(".", 1)[-1]
        if any(_too_many(keyword_value(node, name)) for name in STATUS_KEYWORDS) or (
            callee in STATUS_FIRST and node.args and _too_many(node.args[0])
        ) or callee in ("TooManyRequests", "HttpResponseTooManyRequests"):
            return callee or "429"
    elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and len(node.value.elts) >= 2:
        if _too_many(node.value.elts[1]):
            return "return ..., 429"
    return None


RETRY_AFTER = "retry-after"


def _sets_retry_after(nodes: Iterable[ast.AST]) -> bool:
    """A `Retry-After` header name, or werkzeug's `retry_after=` / a `retry_after` attribute
    set, among the nodes: the response carries the header."""
    for node in nodes:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip().lower() == RETRY_AFTER:
            return True
        if isinstance(node, ast.keyword) and node.arg == "retry_after":
            return True
        if isinstance(node, ast.Attribute) and node.attr == "retry_after" and isinstance(node.ctx, ast.Store):
            return True
    return False


# Evidence that a limit is about time, so that waiting helps and `Retry-After` has a value to
# give: a clock read or a duration built, or a name of a time span or deadline.
CLOCK_CALLS = frozenset({"now", "utcnow", "today", "time", "monotonic", "perf_counter", "timedelta", "relativedelta"})
TIME_WORDS = re.compile(r"window|period|interval|second|minute|hour|day|week|month|year|ttl|expir|until|reset|cooldown"
                        r"|timeout|elapsed|delay|duration|retry", re.IGNORECASE)
CAP_PREDICATE = re.compile(r"(limit|quota).*(reached|exceeded)", re.IGNORECASE)
ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _about_time(scopes: Iterable[ast.AST]) -> bool:
    """Whether anything in these scopes reads the clock, builds a duration or names a time
    span or deadline (`window`, `reset`, `blocked_until`, `timedelta(...)`, `time.time()`)."""
    for scope in scopes:
        for node in walk(scope):
            if isinstance(node, ast.Call) and (dotted_name(node.func) or "").rsplit(".", 1)[-1] in CLOCK_CALLS:
                return True
            word = (node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute)
                    else node.arg if isinstance(node, (ast.arg, ast.keyword)) else
                    node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else None)
            if word and TIME_WORDS.search(word):
                return True
    return False


def _capped(test: ast.AST) -> bool:
    """Whether a condition caps an amount: an ordering comparison (`count + n > limit`,
    `len(images) > max_images`) or a `*limit*_reached()` / `*quota*_exceeded()` predicate."""
    for node in walk(test):
        if isinstance(node, ast.Compare) and any(isinstance(op, ORDERING) for op in node.ops):
            return True
        if isinstance(node, ast.Call) and CAP_PREDICATE.search((dotted_name(node.func) or "").rsplit(".", 1)[-1]):
            return True
    return False


def _quota(site: ast.AST, scope: ast.AST | None, owner_class: ast.ClassDef | None) -> bool:
    """Whether a 429 is a quota, where waiting never helps and `Retry-After` has nothing to
    say: the `if` it answers caps an amount (a count of stored items, a request's size), and
    nothing in its function or that function's class is about time (no window, clock or
    reset). A limiter that counts requests in a window is about time and stays a rate limit."""
    guard = _guard(site, scope)
    if guard is None or not _capped(guard.test):
        return False
    return not _about_time([scope] + ([owner_class] if owner_class is not None else []))


def _guard(site: ast.AST, scope: ast.AST | None) -> ast.If | None:
    """The innermost `if` of `scope` whose body holds `site`."""
    guard = None
    for node in walk(scope) if scope is not None else ():
        if isinstance(node, ast.If) and any(site is inner for part in node.body for inner in walk(part)):
            guard = node  # walk goes outside in: the last one found is the innermost
    return guard


def _no_wait_known(site: ast.AST, scope: ast.AST | None) -> bool:
    """Whether a 429 answers a condition that says nothing of when to come back: a status the
    code received compared with 429 (an upstream's 429 relayed: `if exc.status == 429`), or a
    lock or semaphore found taken (`if lock.locked()`: busy until work in flight ends)."""
    guard = _guard(site, scope)
    if guard is None:
        return False
    for node in walk(guard.test):
        if isinstance(node, ast.Compare) and any(isinstance(op, ast.Eq) for op in node.ops):
            if any(_too_many(part) for part in (node.left, *node.comparators)):
                return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "locked" and not node.args:
            return True
    return False


# Calls that render a template into an HTML page for a person: a browser shows the page and
# never reads `Retry-After` (arches' login form, re-rendered with a "too many attempts" note).
HTML_RENDERS = frozenset({"render", "render_template", "render_to_response", "TemplateResponse", "render_to_string"})


def _html_page(node: ast.AST) -> bool:
    """Whether the 429 at this node is an HTML page rendered from a template (`render(request,
    "login.html", ..., status=429)`, `return render_template("login.html"), 429`)."""
    if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and node.value.elts:
        node = node.value.elts[0]
    return isinstance(node, ast.Call) and (dotted_name(node.func) or "").rsplit(".", 1)[-1] in HTML_RENDERS


def missing_retry_after(tree: ast.Module, answers: Mapping[int, str] | None = None) -> list[list[Any]]:
    """[line, call, function] of each 429 response built in a function (or at module level)
    that nowhere in its body names a `Retry-After` header (RULES.md SEC007 (d)). A quota's 429
    (`_quota`: a cap on an amount, nothing about time) is left out: no retry time exists; so
    is one relaying an upstream's 429 or answering a taken lock (`_no_wait_known`), and an
    HTML page rendered for a person (`_html_page`): browsers never read the header.
    `answers`: the module's answers_429, when read already."""
    found: list[list[Any]] = []
    if answers is None:
        answers = answers_429(tree)
    if not answers:
        return found  # no 429 (most modules)

    def visit(body: list[ast.stmt], owner: str, scope: ast.AST | None, owner_class: ast.ClassDef | None) -> None:
        own = list(own_nodes(body))
        sites = [(node, answers[id(node)]) for node in own if id(node) in answers]
        sites = [(node, answer) for node, answer in sites
                 if not _html_page(node) and not _quota(node, scope, owner_class)
                 and not _no_wait_known(node, scope)]
        if sites and not _sets_retry_after(walk(scope) if scope is not None else own):
            found.extend([node.lineno, answer, owner] for node, answer in sites)
        for node in own:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{owner}.{node.name}" if owner else node.name
                if isinstance(node, ast.ClassDef):
                    visit(node.body, name, None, node)
                else:
                    visit(node.body, name, node, owner_class if scope is None else None)

    visit(tree.body, "", None, None)
    return sorted(found)


RATES_SETTING = "DEFAULT_THROTTLE_RATES"
SCOPED = frozenset({"ScopedRateThrottle"})
# DRF's throttles that read a rate for their scope from DEFAULT_THROTTLE_RATES, and the scope
# the built-in ones use.
RATE_THROTTLES = frozenset({"SimpleRateThrottle", "UserRateThrottle", "AnonRateThrottle", "ScopedRateThrottle"})
BUILTIN_SCOPES = {"UserRateThrottle": "user", "AnonRateThrottle": "anon"}
# A throttle class that sets one of these finds its rate without DEFAULT_THROTTLE_RATES.
OWN_RATE = frozenset({"rate", "THROTTLE_RATES", "get_rate", "__init__"})
UNKNOWN_RATES = "unknown"


def _literal_keys(value: ast.AST | None, constants: Mapping[str, ast.AST]) -> list[str] | str:
    """The string keys of a dict literal (or of a module constant bound to one); UNKNOWN_RATES
    when the value is built in a way that cannot be read (`env.dict(...)`, `**base`)."""
    if isinstance(value, ast.Name) and value.id in constants:
        value = constants[value.id]
    if not isinstance(value, ast.Dict):
        return UNKNOWN_RATES
    keys = [key.value for key in value.keys if isinstance(key, ast.Constant) and isinstance(key.value, str)]
    return keys if len(keys) == len(value.keys) else UNKNOWN_RATES


def throttle_facts(tree: ast.Module) -> dict[str, Any]:
    """DRF throttle facts of one module (JSON-able): `rates`, the scopes each
    `DEFAULT_THROTTLE_RATES` the module sets gives a rate (a list of lists; UNKNOWN_RATES
    when one cannot be read, or when the module changes the setting in place), `scopes`
    ([line, scope, owner, kind], see ThrottleScope) and `scoped` (ScopedRateThrottle named)."""
    constants = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)}
    rates: list[Any] = []
    read: set[int] = set()  # the ids of the `DEFAULT_THROTTLE_RATES` constants read as a setting
    scopes: list[list[Any]] = []
    scoped = False
    for node in nodes_of(tree, *_THROTTLE_NODES):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == RATES_SETTING:
                    rates.append(_literal_keys(value, constants))
                    read.add(id(key))
        elif isinstance(node, ast.Assign) and any(_assigned_name(t) == RATES_SETTING for t in node.targets):
            rates.append(_literal_keys(node.value, constants))
            read.update(id(t.slice) for t in node.targets if isinstance(t, ast.Subscript))
        elif isinstance(node, ast.ClassDef):
            scopes.extend(_class_scopes(node, tree))
        elif isinstance(node, (ast.List, ast.Tuple)):
            for item in node.elts:
                simple = _last_part(item, BUILTIN_SCOPES)
                if simple in BUILTIN_SCOPES:
                    scopes.append([item.lineno, BUILTIN_SCOPES[simple], simple, "builtin"])
        if _last_part(node, SCOPED):
            scoped = True
        if isinstance(node, ast.alias) and node.name.rsplit(".", 1)[-1] == "ScopedRateThrottle":
            scoped = True
    # The setting named anywhere else (`REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["x"] = ...`,
    # `.update(...)`): its scopes cannot be listed.
    if any(n.value == RATES_SETTING and id(n) not in read for n in nodes_of(tree, ast.Constant)):
        rates.append(UNKNOWN_RATES)
    return {"rates": rates, "scopes": sorted(scopes), "scoped": scoped}


def _last_part(node: ast.AST, among: Container[str]) -> str:
    """The last part of a dotted name (`throttling.ScopedRateThrottle`) or of a string's dotted
    text, when it is one of `among`; "" for anything else (a call's attribute, `f().X`, is no
    name). The whole name is read only when its last part is one of them."""
    kind = type(node)
    if kind is ast.Name:
        part = node.id  # type: ignore[attr-defined]
    elif kind is ast.Attribute:
        part = node.attr  # type: ignore[attr-defined]
        if part in among and not dotted_name(node):
            return ""
    elif kind is ast.Constant and isinstance(node.value, str):  # type: ignore[attr-defined]
        part = node.value.rsplit(".", 1)[-1]  # type: ignore[attr-defined]
    else:
        return ""
    return part if part in among else ""


def _class_scopes(node: ast.ClassDef, tree: ast.Module) -> list[list[Any]]:
    """A view's `throttle_scope`, or a rate throttle's own `scope` when it does not find its
    rate itself (`rate = ...`, `get_rate`, its own `THROTTLE_RATES`)."""
    found: list[list[Any]] = []
    assigned: dict[str, ast.Assign] = {}
    for stmt in node.body:
        if isinstance(stmt, ast.Assign):
            assigned.update({t.id: stmt for t in stmt.targets if isinstance(t, ast.Name)})
    defined = set(assigned) | {stmt.name for stmt in node.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))}
    view_scope = assigned.get("throttle_scope")
    if view_scope is not None and isinstance(view_scope.value, ast.Constant) and isinstance(view_scope.value.value, str):
        found.append([view_scope.lineno, view_scope.value.value, node.name, "view"])
    own = assigned.get("scope")
    if own is not None and isinstance(own.value, ast.Constant) and isinstance(own.value.value, str) and _rate_throttle(node, tree) and not (
            defined & OWN_RATE):
        found.append([own.lineno, own.value.value, node.name, "throttle"])
    return found


def _rate_throttle(node: ast.ClassDef, tree: ast.Module, depth: int = 0) -> bool:
    """A subclass (directly, or through a class of the same module) of a DRF rate throttle
    other than ScopedRateThrottle, whose scope comes from the view."""
    local = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    for base in node.bases:
        simple = (dotted_name(base) or "").rsplit(".", 1)[-1]
        if simple in RATE_THROTTLES - {"ScopedRateThrottle"}:
            return True
        if simple in local and local[simple] is not node and depth < 3 and _rate_throttle(local[simple], tree, depth + 1):
            return True
    return False


def _limiter_dependency(node: ast.AST | None) -> bool:
    """A fastapi-limiter `RateLimiter(...)` among dependencies (`[Depends(RateLimiter(times=5))]`)."""
    return node is not None and any(
        isinstance(item, ast.Call) and (dotted_name(item.func) or "").rsplit(".", 1)[-1] == "RateLimiter" for item in walk(node))


def guarded_functions(tree: ast.Module) -> list[str]:
    """Qualified names (in the module) of the functions and classes a limiter guards: a limit
    decorator, a `RateLimiter` dependency in the route decorator or a parameter default, or
    DRF `throttle_classes` / `throttle_scope` on a view class."""
    found: list[str] = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{stmt.name}"
                decorators = [d.func if isinstance(d, ast.Call) else d for d in stmt.decorator_list]
                limited = any((dotted_name(d) or "").rsplit(".", 1)[-1] in LIMIT_DECORATORS for d in decorators) or any(
                    _limiter_dependency(keyword_value(d, "dependencies")) for d in stmt.decorator_list if isinstance(d, ast.Call))
                if isinstance(stmt, ast.ClassDef):
                    limited = limited or any(
                        isinstance(item, ast.Assign) and _non_empty(item.value)
                        and any(isinstance(t, ast.Name) and t.id in THROTTLE_ATTRIBUTES for t in item.targets)
                        for item in stmt.body)
                else:
                    limited = limited or _limiter_dependency(stmt.args)  # `Depends(RateLimiter(...))` defaults, `Annotated`
                if limited:
                    found.append(name)
                visit(stmt.body, f"{name}.")

    visit(tree.body, "")
    return found


def _assignment(name: str | None, value: ast.AST | None, node: ast.AST, add: Callable[[ast.AST, str, str], None]) -> None:
    if name is None or value is None:
        return
    if name in LIMITER_SETTINGS and _non_empty(value):
        add(node, GLOBAL_SETTINGS.get(name, "limiter-setting"), name)
    elif name == "DEFAULT_THROTTLE_CLASSES" and _non_empty(value):
        add(node, "drf-throttle", name)
    elif name == "REST_FRAMEWORK" and isinstance(value, ast.Dict):
        for key, item in zip(value.keys, value.values):
            if isinstance(key, ast.Constant) and key.value == "DEFAULT_THROTTLE_CLASSES" and _non_empty(item):
                add(node, "drf-throttle", "REST_FRAMEWORK.DEFAULT_THROTTLE_CLASSES")
    elif name in ("INSTALLED_APPS", "MIDDLEWARE"):
        for entry in _strings(value):
            if _is_limiter_module(entry):
                add(node, "limiter-app", entry)


def edge_evidence(read: Callable[[str], str | None]) -> list[LimiterEvidence]:
    """Evidence outside the Python code, from files at the scanned root that `read` returns:
    a limiter in the dependency lists, nginx `limit_req`, Kong rate-limiting plugins, a
    Traefik `rateLimit` middleware."""
    found: list[LimiterEvidence] = []
    for path in DEPENDENCY_FILES:
        text = read(path)
        if text is None:
            continue
        for name in _dependencies(path, text):
            if name in LIMITER_DISTRIBUTIONS:
                found.append(LimiterEvidence(path, 1, "dependency", name))
    for path in NGINX_FILES:
        text = read(path)
        for number, line in enumerate(split_lines(text or ""), start=1):
            directive = line.split("#", 1)[0].split()
            if directive and directive[0] in ("limit_req", "limit_req_zone"):
                found.append(LimiterEvidence(path, number, "gateway", f"nginx {directive[0]}"))
                break
    for path in GATEWAY_FILES:
        text = read(path)
        if text is None:
            continue
        import yaml  # here: a scan of a tree without gateway files never loads it

        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        if _gateway_limits(document):
            found.append(LimiterEvidence(path, 1, "gateway", path))
    return found


WEB_FRAMEWORKS = frozenset({"fastapi", "starlette", "flask", "quart", "django", "litestar", "sanic", "aiohttp", "apiflask"})


def web_framework_optional(read: Callable[[str], str | None]) -> bool:
    """Whether the root `pyproject.toml` names a web framework only among its optional
    dependencies (`pgqueuer[web]`, `zenml[server]`): the app is an add-on of a library,
    which the user deploys and configures, not the project's own service."""
    text = read("pyproject.toml")
    if text is None:
        return False
    from reviewer.config import tomllib  # where a TOML file is read (tomli on Python 3.10)

    try:
        project = tomllib.loads(text).get("project", {})
    except tomllib.TOMLDecodeError:
        return False
    required = {_canonical(str(item)) for item in project.get("dependencies", [])}
    optional = {_canonical(str(item)) for extra in project.get("optional-dependencies", {}).values() for item in extra}
    return not required & WEB_FRAMEWORKS and bool(optional & WEB_FRAMEWORKS)


def _gateway_limits(document: Any, depth: int = 0) -> bool:
    """A Kong declarative config with a rate-limiting plugin, or a Traefik dynamic config with a
    `rateLimit` middleware, anywhere in the document."""
    if depth > 12:
        return False
    if isinstance(document, Mapping):
        if document.get("name") in KONG_PLUGINS or "rateLimit" in document:
            return True
        return any(_gateway_limits(value, depth + 1) for value in document.values())
    if isinstance(document, list):
        return any(_gateway_limits(value, depth + 1) for value in document)
    return False


def _canonical(requirement: str) -> str | None:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else None


def _dependencies(path: str, text: str) -> Iterable[str]:
    """Distribution names a dependency file lists (PEP 503 normalised)."""
    if path.endswith(".toml"):
        from reviewer.config import tomllib  # where a TOML file is read (tomli on Python 3.10)

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return []
        project = data.get("project", {})
        listed = list(project.get("dependencies", []))
        for extra in project.get("optional-dependencies", {}).values():
            listed.extend(extra)
        poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
        listed.extend(poetry if isinstance(poetry, dict) else [])
        return [name for name in (_canonical(str(item)) for item in listed) if name]
    return [name for name in (_canonical(line) for line in split_lines(text) if not line.lstrip().startswith(("#", "-"))) if name]


class RateLimitProvider(IndexProvider):
    """The `ratelimit` section: a RateLimitFacts."""

    name = SECTION
    empty = RateLimitFacts()
    triggers = TRIGGERS
    triggers_in_code = True  # each fact is a limiter, throttle, 429 or failure counter the code names
    file_kinds = frozenset({FileKind.PYTHON})

    def collect(self, path: str, kind: FileKind, text: str, tree: ast.Module | None) -> Any:
        if tree is None:
            return None
        answers = answers_429(tree)
        evidence, guarded = collect_evidence(tree, answers), guarded_functions(tree)
        throttles = throttle_facts(tree)
        retry = missing_retry_after(tree, answers)
        if not (evidence or guarded or retry or throttles["rates"] or throttles["scopes"] or throttles["scoped"]):
            return None
        return {"evidence": evidence, "guarded": guarded, "throttles": throttles, "without_retry_after": retry}

    def collect_file(self, source: Any, text: str, tree: ast.Module | None, config: Any) -> Any:
        """The file's facts, and whether it is the service's own code (discovery.Deployment):
        throttle settings of tests and examples are not the service's."""
        facts = self.collect(source.path, source.kind, text, tree)
        return facts and {**facts, "service": not Deployment.of(config).non_service(source.path)}

    def merge(self, facts: Mapping[str, Any]) -> Any:
        service = sorted(path for path in facts if facts[path].get("service", True))
        rates = [keys for path in service for keys in facts[path]["throttles"]["rates"]]
        return RateLimitFacts(
            tuple(LimiterEvidence(path, item["line"], item["kind"], item["text"]) for path in sorted(facts) for item in facts[path]["evidence"]),
            tuple(sorted(f"{module_name_for(path)}.{name}" for path in facts for name in facts[path]["guarded"])),
            throttle_rates=None if not rates or UNKNOWN_RATES in rates else frozenset(key for keys in rates for key in keys),
            throttle_scopes=tuple(ThrottleScope(path, *item) for path in service for item in facts[path]["throttles"]["scopes"]),
            scoped_throttle=any(facts[path]["throttles"]["scoped"] for path in service),
            without_retry_after=tuple(TooManyRequests(path, *item) for path in service for item in facts[path]["without_retry_after"]),
        )
