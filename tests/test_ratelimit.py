"""The rate-limiting facts SEC007 reads: limiter evidence in Python code, in dependency lists
and in gateway configs at the scanned root."""

from __future__ import annotations

import ast

from reviewer.web.ratelimit import collect_evidence, edge_evidence, guarded_functions, login_throttle, web_framework_optional


def _kinds(code: str) -> list[tuple[str, str]]:
    return [(item["kind"], item["text"]) for item in collect_evidence(ast.parse(code))]


def _reader(files: dict[str, str]):
    return files.get


def test_a_429_the_service_builds_is_a_limiter_and_a_429_it_compares_is_not() -> None:
    assert _kinds("from flask import abort\n\ndef view():\n    abort(429)\n") == [("too-many-requests", "abort")]
    assert _kinds("def view():\n    return {'error': 'slow down'}, 429\n") == [("too-many-requests", "return ..., 429")]
    assert _kinds("from starlette import status\nJSONResponse({}, status_code=status.HTTP_429_TOO_MANY_REQUESTS)\n") == [
        ("too-many-requests", "JSONResponse")
    ]
    assert _kinds("RETRY = {429, 503}\n\ndef retry(r):\n    return r.status_code == 429\n") == []


def test_client_side_ratelimit_package_is_not_a_limiter() -> None:
    assert _kinds("from ratelimit import limits, sleep_and_retry\n") == []
    assert _kinds("from ratelimit import RateLimitMiddleware, Rule\n") == [("library", "ratelimit (asgi-ratelimit)")]


def test_settings_and_global_limits() -> None:
    assert _kinds("RATELIMIT_ENABLED = False\nREST_FRAMEWORK = {'DEFAULT_THROTTLE_CLASSES': []}\n") == []
    assert _kinds("MIDDLEWARE = ['axes.middleware.AxesMiddleware']\n") == [("limiter-app", "axes.middleware.AxesMiddleware")]
    assert ("global-limit", "Limiter(default_limits=...)") in _kinds(
        "from slowapi import Limiter\nlimiter = Limiter(key_func=k, default_limits=['100/minute'])\n")


def test_guarded_handlers() -> None:
    code = (
        "@bp.post('/login')\n@limiter.limit('5/minute')\ndef login(): ...\n\n"
        "@bp.post('/logout')\ndef logout(): ...\n\n"
        "class Token(APIView):\n    throttle_scope = 'token'\n\n"
        "async def reset(x=Depends(RateLimiter(times=2, seconds=60))): ...\n"
    )
    assert guarded_functions(ast.parse(code)) == ["login", "Token", "reset"]


def test_dependency_lists() -> None:
    files = {
        "requirements.txt": "# web\nDjango>=5.0\ndjango_ratelimit==4.1.0  # login\n-r base.txt\n",
        "pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.12"\nFlask-Limiter = "^3.5"\n',
    }
    assert sorted((item.file, item.text) for item in edge_evidence(_reader(files))) == [
        ("pyproject.toml", "flask-limiter"),
        ("requirements.txt", "django-ratelimit"),
    ]


def test_gateways() -> None:
    kong = "_format_version: '3.0'\nservices:\n- name: api\n  url: http://api:8000\n  plugins:\n  - name: rate-limiting\n    config:\n      minute: 60\n"
    traefik = "http:\n  middlewares:\n    api-limit:\n      rateLimit:\n        average: 100\n        burst: 50\n"
    assert [item.kind for item in edge_evidence(_reader({"kong.yml": kong}))] == ["gateway"]
    assert [item.kind for item in edge_evidence(_reader({"traefik/dynamic.yml": traefik}))] == ["gateway"]
    assert edge_evidence(_reader({"nginx.conf": "# limit_req zone=api;\nserver { listen 80; }\n", "kong.yml": "services: [\n"})) == []


def test_a_web_framework_only_in_extras_makes_a_library() -> None:
    library = '[project]\ndependencies = ["asyncpg"]\n[project.optional-dependencies]\nweb = ["fastapi>=0.110"]\n'
    service = '[project]\ndependencies = ["FastAPI[standard]>=0.110"]\n'
    assert web_framework_optional(_reader({"pyproject.toml": library}))
    assert not web_framework_optional(_reader({"pyproject.toml": service}))
    assert not web_framework_optional(_reader({}))


def test_drf_throttle_scopes_and_rates() -> None:
    from reviewer.web.ratelimit import UNKNOWN_RATES, throttle_facts

    settings = (
        "BASE_RATES = {'user': '100/h'}\n"
        "REST_FRAMEWORK = {\n"
        "    'DEFAULT_THROTTLE_CLASSES': ['rest_framework.throttling.AnonRateThrottle'],\n"
        "    'DEFAULT_THROTTLE_RATES': BASE_RATES,\n"
        "}\n"
    )
    facts = throttle_facts(ast.parse(settings))
    assert facts == {"rates": [["user"]], "scopes": [[3, "anon", "AnonRateThrottle", "builtin"]], "scoped": False}
    changed = settings + "REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['anon'] = '10/m'\n"
    assert UNKNOWN_RATES in throttle_facts(ast.parse(changed))["rates"]
    assert throttle_facts(ast.parse("REST_FRAMEWORK = {'DEFAULT_THROTTLE_RATES': env.dict('RATES')}\n"))["rates"] == [UNKNOWN_RATES]
    views = (
        "from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle\n"
        "class Base(SimpleRateThrottle):\n    cache_format = 'x'\n"
        "class Burst(Base):\n    scope = 'burst'\n"
        "class Dynamic(SimpleRateThrottle):\n    scope = 'dynamic'\n    def get_rate(self):\n        return '1/s'\n"
        "class Login(APIView):\n    throttle_scope = 'login'\n"
    )
    facts = throttle_facts(ast.parse(views))
    assert facts["scopes"] == [[5, "burst", "Burst", "throttle"], [11, "login", "Login", "view"]]
    assert facts["scoped"] is True


def test_429_responses_without_retry_after() -> None:
    from reviewer.web.ratelimit import missing_retry_after

    code = (
        "def a():\n    raise HTTPException(status_code=429)\n"
        "def b():\n    r = JSONResponse({}, status_code=429)\n    r.headers['Retry-After'] = '30'\n    return r\n"
        "class V:\n    def get(self):\n        return {}, 429\n"
        "def c(resp):\n    return resp.status_code == 429\n"
    )
    assert missing_retry_after(ast.parse(code)) == [[2, "HTTPException", "a"], [9, "return ..., 429", "V.get"]]


def test_a_quota_429_needs_no_retry_after_and_a_windowed_one_does() -> None:
    """A 429 answering a cap on an amount, with nothing about time in its function or class,
    is a quota (no retry time exists); a time word, clock read or duration anywhere in the
    scope (the class's `window` included), or a guard that is no cap, keeps it a rate limit."""
    from reviewer.web.ratelimit import missing_retry_after

    code = (
        "def watches(store, urls):\n"
        "    if store.count + len(urls) > store.limit:\n        return 'full', 429\n"
        "def add(store):\n"
        "    if store.watch_limit_reached():\n        return 'full', 429\n"
        "class Images:\n"
        "    def __call__(self, body):\n"
        "        if len(body.images) > self.max_images:\n            raise HTTPException(status_code=429)\n"
        "class Windowed:\n"
        "    def __init__(self, window):\n        self.window = window\n"
        "    def __call__(self, user):\n"
        "        if user.hits >= self.limit:\n            raise HTTPException(status_code=429)\n"
        "def daily(user):\n"
        "    if user.used(since=time.time() - 86400) > LIMIT:\n        raise HTTPException(status_code=429)\n"
        "def busy(queue, op):\n"
        "    try:\n        queue.put_nowait(op)\n    except QueueFull:\n        raise HTTPException(status_code=429)\n"
        "def flagged(user):\n"
        "    if user.blocked:\n        raise HTTPException(status_code=429)\n"
    )
    assert [line for line, _, _ in missing_retry_after(ast.parse(code))] == [16, 19, 24, 27]


def test_a_login_that_counts_and_checks_failures_throttles_itself() -> None:
    cache = (
        "from django.contrib.auth import authenticate\nfrom django.core.cache import cache\n"
        "def clean(form):\n"
        "    if (cache.get(form.key) or 0) > 10:\n        raise Limited()\n"
        "    if authenticate(**form.data) is None:\n        cache.incr(form.key)\n"
    )
    lockout = (
        "def authenticate(user, password):\n"
        "    attempts = user.failed_auth_count or 0\n"
        "    if attempts >= CONF.lockout_failure_attempts:\n        return None\n"
        "    user.failed_auth_count += 1\n"
    )
    assert login_throttle(ast.parse(cache))[1] == "cache counter checked against a limit"
    assert login_throttle(ast.parse(lockout))[1] == "failure counter `failed_auth_count` checked against a limit"
    # Counted but never checked; checked for equality only; or not on the login path: no throttle.
    assert login_throttle(ast.parse(lockout.replace("    if attempts >= CONF.lockout_failure_attempts:\n        return None\n", ""))) is None
    assert login_throttle(ast.parse(lockout.replace(">=", "=="))) is None
    assert login_throttle(ast.parse(lockout.replace("def authenticate", "def record"))) is None



def test_a_429_relayed_from_upstream_or_for_a_taken_lock_has_no_wait_to_give() -> None:
    """A 429 answering `status == 429` (an upstream's, relayed) or `lock.locked()` (busy until
    work in flight ends) names no retry time; the same 429 under another guard still needs one."""
    from reviewer.web.ratelimit import missing_retry_after

    code = (
        "def translate(exc):\n"
        "    if exc.status == 429:\n        return HTTPException(status_code=429, detail=exc.message)\n"
        "def register(probes):\n"
        "    if probes.locked():\n        raise HTTPException(status_code=429)\n"
        "def windowed(user):\n"
        "    if user.blocked:\n        raise HTTPException(status_code=429)\n"
        "def other(exc):\n"
        "    if exc.status == 503:\n        raise HTTPException(status_code=429)\n"
    )
    assert [line for line, _, _ in missing_retry_after(ast.parse(code))] == [9, 12]


def test_a_failure_count_handed_on_plus_one_is_counted() -> None:
    """zou: the count read from the row, checked against a ceiling, and `count + 1` handed to the
    function that stores it (the column's name misspelt `attemps`)."""
    code = (
        "def check_login_failed_attempts(person):\n"
        "    attempts = person.login_failed_attemps or 0\n"
        "    if attempts >= MAX_LOGIN_FAILED_ATTEMPS:\n        raise TooMany()\n"
        "    return attempts\n"
        "def check_auth(person, password):\n"
        "    attempts = check_login_failed_attempts(person)\n"
        "    if not password_ok(person, password):\n"
        "        update_login_failed_attempts(person, attempts + 1)\n"
    )
    found = login_throttle(ast.parse(code))
    assert found is not None and found[1].startswith("failure counter")
    assert login_throttle(ast.parse(code.replace("attempts + 1", "attempts + 0"))) is None


def test_a_login_attempt_counter_that_locks_the_account_is_a_throttle() -> None:
    """pgAdmin: `login_attempts` (no "fail" in the name) counted on a failed login and checked
    against `MAX_LOGIN_ATTEMPTS`; a retry counter of another kind is no login throttle."""
    code = (
        "def login():\n"
        "    user = find(form.email)\n"
        "    if user.login_attempts >= config.MAX_LOGIN_ATTEMPTS > 0:\n        return locked()\n"
        "    if not auth.validate():\n        user.login_attempts += 1\n"
    )
    found = login_throttle(ast.parse(code))
    assert found is not None and found[1] == "failure counter `login_attempts` checked against a limit"
    retries = code.replace("login_attempts", "retry_attempts").replace("MAX_LOGIN_ATTEMPTS", "MAX_RETRY_ATTEMPTS")
    assert login_throttle(ast.parse(retries)) is None


def test_a_429_html_page_for_a_person_needs_no_retry_after() -> None:
    """arches: the login form re-rendered with status 429; a browser never reads Retry-After.
    The JSON 429 of the same login's API still needs it."""
    from reviewer.web.ratelimit import missing_retry_after

    code = (
        "class LoginView(View):\n"
        "    def post(self, request):\n"
        "        if request.limited:\n"
        "            return render(request, 'login.htm', {'rate_limited': True}, status=429)\n"
        "def page():\n    return render_template('login.html', limited=True), 429\n"
        "class Login(APIBase):\n"
        "    def post(self, request):\n"
        "        if request.limited:\n"
        "            return JSONErrorResponse(status=429)\n"
    )
    assert [line for line, _, _ in missing_retry_after(ast.parse(code))] == [10]


def test_a_throttle_is_named_by_a_dotted_name_or_text_only() -> None:
    from reviewer.web.ratelimit import throttle_facts

    assert throttle_facts(ast.parse("from rest_framework import throttling\nX = [throttling.ScopedRateThrottle]\n"))["scoped"]
    assert throttle_facts(ast.parse("X = 'rest_framework.throttling.ScopedRateThrottle'\n"))["scoped"]
    # near miss: an attribute of a call's result is no name
    assert not throttle_facts(ast.parse("X = [make().ScopedRateThrottle]\n"))["scoped"]
    facts = throttle_facts(ast.parse("X = [make().UserRateThrottle, throttling.AnonRateThrottle, 'a.UserRateThrottle']\n"))
    assert facts["scopes"] == [[1, "anon", "AnonRateThrottle", "builtin"], [1, "user", "UserRateThrottle", "builtin"]]


def test_the_429_answers_are_read_once_for_evidence_and_retry_after() -> None:
    from reviewer.web.ratelimit import answers_429, missing_retry_after

    code = "def a():\n    raise HTTPException(status_code=429)\ndef b():\n    return {}, 429\ndef c():\n    return {}, 200\n"
    tree = ast.parse(code)
    answers = answers_429(tree)
    assert sorted(answers.values()) == ["HTTPException", "return ..., 429"]
    assert missing_retry_after(tree, answers) == missing_retry_after(tree) == [[2, "HTTPException", "a"], [4, "return ..., 429", "b"]]
    assert [kind for kind, _ in _kinds(code)] == ["too-many-requests", "too-many-requests"]
    assert missing_retry_after(ast.parse("def c():\n    return {}, 200\n")) == []


APACHE_HEADER = """#!/usr/bin/env python
# Licensed to the Apache Software Foundation (ASF) under one
# or more contributor license agreements.  ...  See the License for the
# specific language governing permissions and limitations
# under the License.

"""


def test_a_licence_header_naming_a_trigger_does_not_make_a_file_read() -> None:
    """Apache's licence header says "limitations" on every file of a project: the provider,
    whose facts all come from code naming one of its triggers (`triggers_in_code`), reads a file
    only for a trigger after the leading comments. A provider whose facts need no trigger in
    the code (the routes') still reads it."""
    from reviewer.model import FileKind
    from reviewer.provider import code_start
    from reviewer.web.ratelimit import RateLimitProvider
    from reviewer.web.routes import RoutesProvider

    code = "import os\n\n\ndef handler():\n    return os.environ\n"
    assert code_start(APACHE_HEADER + code) == len(APACHE_HEADER)
    assert (code_start(code), code_start("# only\n\n# comments\n"), code_start("")) == (0, 19, 0)
    assert code_start('"""Docstring"""\n# limit\n') == 0
    limits = RateLimitProvider()
    assert not limits.wants(FileKind.PYTHON, APACHE_HEADER + code)
    assert limits.wants(FileKind.PYTHON, APACHE_HEADER + code + "LIMIT = 5\n")
    assert limits.wants(FileKind.PYTHON, '"""See the limitations."""\n' + code)  # a docstring is code's
    assert RoutesProvider().wants(FileKind.PYTHON, "# a django view\n" + code)
