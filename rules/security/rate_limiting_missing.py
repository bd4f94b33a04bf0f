from __future__ import annotations

import re

from reviewer.discovery import Deployment
from reviewer.model import Category, Confidence, Location, Severity
from reviewer.web.ratelimit import RateLimitFacts, RateLimitProvider, SECTION, edge_evidence, web_framework_optional
from reviewer.web.routes import RoutesProvider, RoutesSection, is_service, service_anchor
from reviewer.rule import Example, ProjectRule

FASTAPI_APP = (
    "from fastapi import FastAPI\n"
    "from app.routers import auth, orders\n"
    "\n"
    'app = FastAPI(title="Orders API")\n'
    'app.include_router(auth.router, prefix="/auth")\n'
    "app.include_router(orders.router)\n"
)
DRF_SETTINGS = (
    'INSTALLED_APPS = ["django.contrib.auth", "rest_framework", "shop"]\n'
    'ROOT_URLCONF = "shop.urls"\n'
    "REST_FRAMEWORK = {\n"
    '    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],\n'
    "}\n"
)
PER_ROUTE = (
    "from fastapi import FastAPI, Request\n"
    "from slowapi import Limiter\n"
    "from slowapi.util import get_remote_address\n"
    "\n"
    "limiter = Limiter(key_func=get_remote_address)\n"
    "app = FastAPI()\n"
    "app.state.limiter = limiter\n"
    "\n"
    '@app.post("/auth/login")\n'
    '@limiter.limit("5/minute")\n'
    "async def login(request: Request):\n"
    "    ...\n"
    "\n"
    '@app.post("/reports")\n'
    '@limiter.limit("10/minute")\n'
    "async def create_report(request: Request):\n"
    "    ...\n"
)
RESTFUL = (
    "from flask import Flask\n"
    "from flask_limiter import Limiter\n"
    "from flask_limiter.util import get_remote_address\n"
    "from flask_restful import Api, Resource\n"
    "\n"
    "app = Flask(__name__)\n"
    "api = Api(app)\n"
    "limiter = Limiter(key_func=get_remote_address)\n"
    "\n"
    "class Login(Resource):\n"
    "    def get(self):\n"
    "        ...\n"
    "\n"
    '    @limiter.limit("10/5minute")\n'
    "    def post(self):\n"
    "        ...\n"
    "\n"
    "class Reports(Resource):\n"
    '    @limiter.limit("10/minute")\n'
    "    def post(self):\n"
    "        ...\n"
    "\n"
    'api.add_resource(Login, "/auth/login")\n'
    'api.add_resource(Reports, "/reports")\n'
)
FLASK_FACTORY = (
    "from flask import Flask\n"
    "\n"
    "def create_app():\n"
    "    app = Flask(__name__)\n"
    "    return app\n"
)

DRF_THROTTLES = (
    'INSTALLED_APPS = ["django.contrib.auth", "rest_framework", "shop"]\n'
    'ROOT_URLCONF = "shop.urls"\n'
    "REST_FRAMEWORK = {\n"
    '    "DEFAULT_THROTTLE_CLASSES": [\n'
    '        "rest_framework.throttling.UserRateThrottle",\n'
    '        "rest_framework.throttling.ScopedRateThrottle",\n'
    "    ],\n"
    '    "DEFAULT_THROTTLE_RATES": {"user": "1000/hour"},\n'
    "}\n"
)
THROTTLED_VIEWS = (
    "from rest_framework.throttling import UserRateThrottle\n"
    "from rest_framework.views import APIView\n"
    "\n"
    "\n"
    "class LoginView(APIView):\n"
    '    throttle_scope = "login"\n'
)
WINDOW_LIMITER = (
    "from datetime import datetime, timedelta\n\nfrom fastapi import HTTPException\n\n\n"
    "async def check_quota(user, limit):\n"
    "    used = await user.count_requests(since=datetime.now() - timedelta(days=1))\n"
    "    if used >= limit:\n"
    '        raise HTTPException(status_code=429, detail="Daily limit reached")\n'
)
OWN_LIMITER = (
    "from fastapi import HTTPException, Request\n\n\nasync def throttle(request: Request):\n"
    "    if await too_many(request.client.host):\n"
    '        raise HTTPException(status_code=429, detail="Too Many Requests")\n'
)

# Path segments of authentication endpoints (RULES.md SEC007 (b)).
AUTH_SEGMENT = re.compile(r"login|logon|sign[-_]?in|sign[-_]?up|register|password|passwd|reset|token|otp|totp|mfa|2fa|verify", re.I)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "ANY"})
# Libraries that limit the routes they decorate or depend on, one by one.
PER_ROUTE_LIBRARIES = ("slowapi", "flask_limiter", "fastapi_limiter", "django_ratelimit", "ratelimit.decorators")
# Evidence of limits on every request or on the login, or of a limiter whose reach is unknown
# (the service's own 429s, a gateway, DRF default throttles): no route is reported then.
COVERING = frozenset({"global-limit", "auth-limit", "limiter-setting", "limiter-app", "too-many-requests", "gateway", "login-throttle"})


def deployed(data: RoutesSection, deployment: Deployment) -> bool:
    """A service that is deployed as it is: it builds an app, or has the Django settings of a
    site (`ROOT_URLCONF`). An `INSTALLED_APPS` list alone is what a reusable Django app ships
    for its host project (django-oscar's `oscar/__init__.py`)."""
    return is_service(data, deployment, settings=("ROOT_URLCONF",))


AUTH_MESSAGE = "Authentication route `{method} {route}` is not rate limited, while the service limits other routes with {library}"
AUTH_FIX = 'Limit it like the others, tighter: `@limiter.limit("5/minute")` (slowapi, Flask-Limiter), `@ratelimit(key="ip", rate="5/m")`, or set a default limit for every route'


SCOPE_MESSAGE = (
    "DRF throttle scope `{scope}` (`{owner}`) has no rate in `DEFAULT_THROTTLE_RATES`: "
    "the first request it throttles raises `ImproperlyConfigured`"
)
SCOPE_FIX = 'Give the scope a rate: `"DEFAULT_THROTTLE_RATES": {{..., "{scope}": "5/minute"}}`, or set `rate = "5/minute"` on the throttle class'
RETRY_MESSAGE = "`{call}` in {where} answers 429 without a `Retry-After` header: clients cannot tell when to retry, and retry at once"
RETRY_FIX = (
    'Say when to come back: `HTTPException(status_code=429, headers={"Retry-After": str(seconds)})`, '
    '`response["Retry-After"] = str(seconds)`, werkzeug `TooManyRequests(retry_after=seconds)`'
)


class RateLimitingMissing(ProjectRule):
    """The service throttles no request: no rate limiter is configured anywhere in it.

    Without a limiter, one client can try passwords, one-time codes and reset tokens as fast as
    the network allows, enumerate accounts through sign-up and reset endpoints, and exhaust
    workers and database connections with cheap requests (OWASP API4:2023, unrestricted
    resource consumption).

    Reported once per service (a project that builds a FastAPI / Starlette / Flask app or has
    a Django site's settings with `ROOT_URLCONF`; a library, its examples, tests and project
    templates are not a service, nor is an app whose framework `pyproject.toml` lists only as
    an optional extra), at the app (the
    app factory's `def` when a factory builds it) or at the `REST_FRAMEWORK` setting, when nothing in it throttles: no import of slowapi,
    Flask-Limiter, fastapi-limiter, django-ratelimit, django-axes, django-defender,
    asgi-ratelimit, `limits` or DRF's throttling; no `DEFAULT_THROTTLE_CLASSES`, view
    `throttle_classes` / `throttle_scope`, limiter app or middleware in `INSTALLED_APPS` /
    `MIDDLEWARE`, Flask-Limiter `RATELIMIT_*` key or Flask-AppBuilder `AUTH_RATE_LIMITED`; no
    response the service builds with status 429 (a limiter of its own); no throttle of the
    login's own (a failure counter, persisted or in a cache, that a module on the login path
    both increments and checks against a limit: an account lockout, `login_attempts` checked
    against `MAX_LOGIN_ATTEMPTS`, `cache.get(key) > LIMIT`
    after `cache.incr(key)`, or `count + 1` handed to the function that stores it); no limiter in
    `pyproject.toml` / `requirements.txt`; no nginx `limit_req`, Kong rate-limiting plugin or
    Traefik `rateLimit` middleware in the repository. Limits enforced elsewhere (a gateway
    configured outside the repository, Cloudflare) are declared with the option
    `edge-rate-limit: true`.

    In a service that limits routes one by one (slowapi / Flask-Limiter `@limiter.limit`,
    fastapi-limiter `Depends(RateLimiter(...))`, django-ratelimit `@ratelimit`) and sets no
    default limit, each POST / PUT / PATCH authentication route (a path segment naming login,
    sign-in, sign-up, register, password, reset, token, OTP, MFA or verify) that no limiter
    guards is reported at its route; on a class-based view (a Flask-RESTful `Resource`, a
    `MethodView`, a Django view class) the method named after the route's HTTP verb is the
    one a limiter must guard. A limit on every request, Flask-AppBuilder's login
    limiter, django-axes, DRF default throttles, a gateway or a 429 of the service's own (whose
    reach is unknown) silence that check.

    Two more checks, in a service's code (not its tests, examples or scripts): (c) a DRF
    throttle scope with no entry in the `DEFAULT_THROTTLE_RATES` the service sets (a
    `SimpleRateThrottle` / `UserRateThrottle` subclass's `scope` when the class sets no `rate`
    or `get_rate` of its own; a view's `throttle_scope` when `ScopedRateThrottle` is in use;
    DRF's `user` / `anon` scopes of a `UserRateThrottle` / `AnonRateThrottle` the project
    names), which raises `ImproperlyConfigured` on the first request it throttles (medium;
    rates built from the environment or changed in place are not read, and then nothing is
    reported); (d) a 429 response the code builds (`HTTPException(status_code=429)`,
    `abort(429)`, `return body, 429`) in a function that names no `Retry-After` header
    (info, Zalando guideline 153). A quota's 429 is not: one answering an `if` that caps an
    amount (`len(images) > max_images`, `count + n > limit`, `limit_reached()`) in a function
    (and class) where nothing is about time (no clock read, duration, window or reset):
    waiting never frees a watch slot or shrinks an upload, so there is no retry time to give.
    Nor is one relaying an upstream's 429 (answering `if exc.status == 429`) or answering a taken
    lock or semaphore (`if lock.locked()`): the service knows no wait time to give; nor an HTML
    page rendered for a person with 429 (`render(request, "login.html", ..., status=429)`): a
    browser shows it and never reads `Retry-After`."""

    code = "SEC007"
    # Opt-in though its tuned field precision is 0.93: on code nobody had tuned for, its first
    # findings were far less often right: 0.50 over 26 judged on held-out cohorts 4-8 at their
    # own scans (whether a 429 needs Retry-After, and what counts as brute-force protection,
    # depend on conventions each new project has its own of). docs/accuracy.md.
    opt_in = True
    project_level = True  # one finding per service, where the fix belongs
    name = "rate-limiting-missing"
    summary = "The service throttles no request: no rate limiter is configured anywhere in it."
    category = Category.SECURITY
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "No rate limiting anywhere in the service `{app}`: nothing slows down credential guessing or request floods"
    fix = (
        'Add a limiter with a default limit and tighter ones on auth routes: slowapi `Limiter(key_func=get_remote_address, '
        'default_limits=["100/minute"])` + `SlowAPIASGIMiddleware`, Flask-Limiter, or DRF `DEFAULT_THROTTLE_CLASSES` + '
        "`DEFAULT_THROTTLE_RATES`; if a gateway limits requests, set the option `edge-rate-limit: true`"
    )
    seed = 'S1:36 "Design rate limiting and throttling mechanisms"; S5:531 "Implement rate limiting and DDoS protection"'
    references = (
        "https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/",
        "https://www.django-rest-framework.org/api-guide/throttling/",
        "https://slowapi.readthedocs.io/",
    )
    options = {"edge-rate-limit": False}
    index_sections = ("routes", SECTION)
    invalid = (
        Example(FASTAPI_APP, path="app/main.py", lines=(4,)),
        Example(
            THROTTLED_VIEWS,
            path="accounts/views.py",
            lines=(6,),
            files=(("shop/settings.py", DRF_THROTTLES),),
            note="(c) a view's throttle scope that `DEFAULT_THROTTLE_RATES` gives no rate",
        ),
        Example(
            DRF_THROTTLES.replace('"rest_framework.throttling.UserRateThrottle"', '"rest_framework.throttling.AnonRateThrottle"'),
            path="shop/settings.py",
            lines=(5,),
            note="(c) DRF's `anon` scope without a rate: the setting replaces DRF's defaults",
        ),
        Example(
            OWN_LIMITER,
            path="app/limits.py",
            lines=(6,),
            files=(("app/main.py", FASTAPI_APP),),
            note="(d) a 429 without `Retry-After`",
        ),
        Example(
            "from fastapi import HTTPException\n\n\ndef translate(exc):\n"
            "    if exc.status == 503:\n        return HTTPException(status_code=429, detail=exc.message)\n",
            path="app/sheets.py",
            lines=(6,),
            files=(("app/main.py", FASTAPI_APP),),
            note="near-miss: (d) a 429 the service makes of another status: its own choice, its own wait to give",
        ),
        Example(
            WINDOW_LIMITER,
            path="app/limits.py",
            lines=(9,),
            files=(("app/main.py", FASTAPI_APP),),
            note="near-miss: (d) a cap on a count, but of requests in a day: waiting frees it, so `Retry-After` has a value",
        ),
        Example(
            PER_ROUTE.replace('@limiter.limit("5/minute")\nasync def login', "async def login"),
            path="app/main.py",
            lines=(9,),
            note="a limiter on some routes, none on the login and no default limit",
        ),
        Example(DRF_SETTINGS, path="shop/settings.py", lines=(3,), note="DRF without throttle classes: reported at `REST_FRAMEWORK`"),
        Example(
            "def authenticate(user, password):\n"
            "    if not user.check(password):\n        user.failed_attempts += 1\n        user.save()\n        return None\n"
            "    return user\n",
            path="ledger/auth.py",
            files=(("ledger/app.py", FLASK_FACTORY),),
            lines=(3,),
            note="failures are counted but never checked against a limit: nothing is throttled",
        ),
        Example(FLASK_FACTORY, path="ledger/app.py", lines=(3,), note="an app factory: reported at the factory, which should set the limiter up"),
        Example(
            FASTAPI_APP + "\n\ndef retry_later(response):\n    return response.status_code == 429\n",
            path="app/main.py",
            lines=(4,),
            note="comparing an upstream's status with 429 throttles nothing",
        ),
        Example(
            RESTFUL.replace('    @limiter.limit("10/5minute")\n', ""),
            path="app/main.py",
            lines=(22,),
            note="a Flask-RESTful resource whose `post` no limiter guards",
        ),
    )
    valid = (
        Example(PER_ROUTE, path="app/main.py", note="near-miss: the login is limited route by route"),
        Example(
            RESTFUL,
            path="app/main.py",
            note="near-miss: the resource's `post` method, which serves `POST /auth/login`, is limited (lemur)",
        ),
        Example(
            "from fastapi import FastAPI\n"
            "from slowapi import Limiter\n"
            "from slowapi.middleware import SlowAPIASGIMiddleware\n"
            "from slowapi.util import get_remote_address\n"
            "\n"
            'limiter = Limiter(key_func=get_remote_address, default_limits=["100/minute"])\n'
            "app = FastAPI()\n"
            "app.state.limiter = limiter\n"
            "app.add_middleware(SlowAPIASGIMiddleware)\n",
            path="app/main.py",
            note="near-miss: slowapi with global default limits",
        ),
        Example(
            DRF_SETTINGS.replace(
                "}\n",
                '    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],\n'
                '    "DEFAULT_THROTTLE_RATES": {"user": "1000/hour"},\n}\n',
            ),
            path="shop/settings.py",
            note="near-miss: DRF default throttle classes",
        ),
        Example(
            "from rest_framework.views import APIView\n\n\nclass LoginView(APIView):\n"
            '    throttle_scope = "login"\n',
            path="accounts/views.py",
            files=(("shop/settings.py", DRF_SETTINGS),),
            note="near-miss: a throttle scope on a view",
        ),
        Example(
            "from django_ratelimit.decorators import ratelimit\n\n\n"
            '@ratelimit(key="ip", rate="5/m", block=True)\ndef login(request):\n    ...\n',
            path="accounts/views.py",
            files=(("shop/settings.py", DRF_SETTINGS),),
            note="near-miss: django-ratelimit on the login view",
        ),
        Example(
            DRF_SETTINGS.replace('"shop"]', '"shop", "axes"]'),
            path="shop/settings.py",
            note="near-miss: django-axes locks out brute-force logins",
        ),
        Example(
            "from flask import Flask\nfrom flask_limiter import Limiter\nfrom flask_limiter.util import get_remote_address\n\n"
            "limiter = Limiter(get_remote_address)\n\n\ndef create_app():\n    app = Flask(__name__)\n"
            "    limiter.init_app(app)\n    return app\n",
            path="ledger/app.py",
            note="near-miss: Flask-Limiter",
        ),
        Example(
            'AUTH_RATE_LIMITED = True\nAUTH_RATE_LIMIT = "5 per second"\n',
            path="superset_config.py",
            files=(("ledger/app.py", FLASK_FACTORY),),
            note="near-miss: Flask-AppBuilder's login limiter switched on in the config",
        ),
        Example(
            FASTAPI_APP + "\nfrom fastapi_limiter.depends import RateLimiter\n",
            path="app/main.py",
            note="near-miss: fastapi-limiter",
        ),
        Example(
            OWN_LIMITER.replace('detail="Too Many Requests")', 'detail="Too Many Requests", headers={"Retry-After": "60"})'),
            path="app/limits.py",
            files=(("app/main.py", FASTAPI_APP),),
            note="near-miss: a limiter of the service's own answers 429, with `Retry-After`",
        ),
        Example(
            WINDOW_LIMITER.replace("user.count_requests(since=datetime.now() - timedelta(days=1))", "user.count_projects()")
            .replace("Daily limit", "Project limit"),
            path="app/limits.py",
            files=(("app/main.py", FASTAPI_APP),),
            note="near-miss: (d) a quota: a cap on a count with nothing about time, where waiting never helps and no retry time exists",
        ),
        Example(
            "from fastapi import HTTPException\n\n\ndef translate(exc):\n"
            "    if exc.status == 429:\n        return HTTPException(status_code=429, detail=exc.message)\n"
            "    return HTTPException(status_code=502)\n",
            path="app/sheets.py",
            files=(("app/main.py", FASTAPI_APP),),
            note="near-miss: (d) an upstream's 429 relayed: the service knows no wait time (skyvern)",
        ),
        Example(
            "import asyncio\n\nfrom fastapi import HTTPException\n\nPROBES = asyncio.Semaphore(4)\n\n\n"
            "async def register(url):\n"
            "    if PROBES.locked():\n        raise HTTPException(status_code=429, detail=\"Busy, retry shortly\")\n"
            "    async with PROBES:\n        return await probe(url)\n",
            path="app/browsers.py",
            files=(("app/main.py", FASTAPI_APP),),
            note="near-miss: (d) a semaphore found taken: busy until work in flight ends, no wait time known (skyvern)",
        ),
        Example(
            "def check_login_failed_attempts(person):\n"
            "    attempts = person.login_failed_attemps or 0\n"
            "    if attempts >= MAX_LOGIN_FAILED_ATTEMPS:\n        raise Locked()\n"
            "    return attempts\n\n\n"
            "def check_credentials(person, password):\n"
            "    attempts = check_login_failed_attempts(person)\n"
            "    if not person.check(password):\n"
            "        update_login_failed_attempts(person, attempts + 1)\n",
            path="ledger/auth.py",
            files=(("ledger/app.py", FLASK_FACTORY),),
            note="near-miss: an account lockout whose count + 1 is handed to the function that stores it (zou)",
        ),
        Example(
            "from werkzeug.exceptions import TooManyRequests\n\n\ndef check(bucket):\n"
            "    if bucket.empty():\n        raise TooManyRequests(retry_after=bucket.refill_in())\n",
            path="ledger/limits.py",
            files=(("ledger/app.py", FLASK_FACTORY),),
            note="near-miss: (d) werkzeug's `retry_after=` sets the header",
        ),
        Example(
            THROTTLED_VIEWS,
            path="accounts/views.py",
            files=(("shop/settings.py", DRF_THROTTLES.replace('"user": "1000/hour"', '"user": "1000/hour", "login": "5/minute"')),),
            note="near-miss: (c) every scope in use has a rate",
        ),
        Example(
            THROTTLED_VIEWS,
            path="accounts/views.py",
            files=(("shop/settings.py", DRF_THROTTLES.replace('{"user": "1000/hour"}', 'env.dict("THROTTLE_RATES")')),),
            note="near-miss: (c) rates read from the environment are not guessed",
        ),
        Example(
            THROTTLED_VIEWS.replace("throttle_scope", "ordering_scope") + "\n\nclass Burst(UserRateThrottle):\n"
            '    scope = "burst"\n    rate = "60/minute"\n',
            path="accounts/views.py",
            files=(("shop/settings.py", DRF_THROTTLES),),
            note="near-miss: (c) a throttle class with a rate of its own",
        ),
        Example(
            "from rest_framework.throttling import UserRateThrottle\n\n\nclass BurstRateThrottle(UserRateThrottle):\n"
            '    scope = "burst"\n',
            path="drf_extras/throttling.py",
            note="near-miss: (c) a library's throttle class; the host project sets its rate",
        ),
        Example(
            FASTAPI_APP,
            path="app/main.py",
            files=(("pyproject.toml", '[project]\nname = "orders"\ndependencies = ["fastapi>=0.110", "SlowAPI>=0.1.9"]\n'),),
            note="near-miss: a limiter among the project's dependencies",
        ),
        Example(
            FASTAPI_APP,
            path="app/main.py",
            files=((
                "nginx.conf",
                "http {\n    limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s;\n"
                "    server {\n        location / {\n            limit_req zone=api burst=20;\n"
                "            proxy_pass http://app:8000;\n        }\n    }\n}\n",
            ),),
            note="near-miss: nginx limits requests in front of the app",
        ),
        Example(
            "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
            '@router.post("/auth/login")\nasync def login():\n    ...\n',
            path="fastapi_users_lib/router.py",
            note="near-miss: a library of routers builds no app; its host decides",
        ),
        Example(
            FASTAPI_APP,
            path="examples/app/main.py",
            note="near-miss: example code is not the service",
        ),
        Example(
            FASTAPI_APP,
            path="app/main.py",
            files=(("pyproject.toml", '[project]\nname = "jobqueue"\ndependencies = ["asyncpg"]\n\n'
                    '[project.optional-dependencies]\nweb = ["fastapi>=0.110"]\n'),),
            note="near-miss: the app is an optional extra of a library (`jobqueue[web]`); its user deploys it",
        ),
        Example(
            'INSTALLED_APPS = ["shopkit.config.Shop", "shopkit.apps.basket", "shopkit.apps.checkout"]\n',
            path="shopkit/__init__.py",
            note="near-miss: a reusable Django app lists its apps for the host project's settings",
        ),
        Example(
            DRF_SETTINGS,
            path="cms/project_template/project_name/settings/base.py",
            note="near-miss: the `startproject` template a library ships",
        ),
        Example(
            "from django.contrib.auth import authenticate\nfrom django.core.cache import cache\n\nLIMIT = 10\n\n\n"
            "def login_user(request, username, password):\n"
            '    key = f"login-failures:{request.META[\'REMOTE_ADDR\']}"\n'
            "    if (cache.get(key) or 0) > LIMIT:\n        return None\n"
            "    user = authenticate(request, username=username, password=password)\n"
            "    if user is None:\n        cache.add(key, 0, 300)\n        cache.incr(key)\n"
            "    return user\n",
            path="shop/auth.py",
            files=(("shop/settings.py", DRF_SETTINGS),),
            note="near-miss: the login counts failures per address in the cache and refuses past a limit (pretalx)",
        ),
        Example(
            "def authenticate(user, password):\n"
            "    if user.failed_attempts >= MAX_FAILED_ATTEMPTS:\n        raise Locked(user)\n"
            "    if not user.check(password):\n        user.failed_attempts += 1\n        user.save()\n        return None\n"
            "    return user\n",
            path="ledger/auth.py",
            files=(("ledger/app.py", FLASK_FACTORY),),
            note="near-miss: a persisted failure counter locks the account (privacyidea, keystone)",
        ),
        Example(
            "def login():\n"
            "    user = User.query.filter_by(email=form.email).first()\n"
            "    if user.login_attempts >= config.MAX_LOGIN_ATTEMPTS > 0:\n        return locked_page()\n"
            "    if not auth.validate(form):\n        user.login_attempts += 1\n        db.session.commit()\n"
            "        return retry_page()\n"
            "    user.login_attempts = 0\n",
            path="ledger/auth.py",
            files=(("ledger/app.py", FLASK_FACTORY),),
            note="near-miss: a count of login attempts (no \"fail\" in its name) locks the account after a maximum (pgAdmin)",
        ),
        Example(
            "from django.shortcuts import render\nfrom django.views import View\n\n\nclass LoginView(View):\n"
            "    def post(self, request):\n"
            "        if getattr(request, \"limited\", False):\n"
            "            return render(request, \"login.html\", {\"rate_limited\": True}, status=429)\n",
            path="shop/views.py",
            files=(("shop/settings.py", DRF_SETTINGS),),
            note="near-miss: (d) the login form re-rendered for a person with 429: a browser never reads `Retry-After` (arches)",
        ),
    )

    def check(self, index) -> None:
        data = RoutesProvider.of(index)
        facts = RateLimitProvider.of(index)
        self._no_retry_after(facts)
        if not deployed(data, index.deployment):
            return
        self._scopes_without_rate(facts)
        if self.settings.get("edge-rate-limit") or web_framework_optional(index.text):
            return
        evidence = [item for item in facts.evidence if not index.deployment.non_service(item.file)] + edge_evidence(index.text)
        if evidence:
            self._unthrottled_auth_routes(data, facts, evidence, index.deployment)
            return
        anchor = service_anchor(data, ("REST_FRAMEWORK", "INSTALLED_APPS", "ROOT_URLCONF"), factory=True, index=index)
        if anchor is None:
            return
        path, line, name = anchor
        self.report(Location(line, 1, line, 1), path=path, app=name)

    def _scopes_without_rate(self, facts: RateLimitFacts) -> None:
        """(c) A DRF throttle scope that the service's `DEFAULT_THROTTLE_RATES` gives no rate."""
        if facts.throttle_rates is None:
            return
        for use in facts.throttle_scopes:
            if use.scope in facts.throttle_rates or (use.kind == "view" and not facts.scoped_throttle):
                continue
            self.report(
                Location(use.line, 1, use.line, 1),
                SCOPE_MESSAGE,
                severity=Severity.MEDIUM,
                confidence=Confidence.HIGH,
                path=use.file,
                fix=SCOPE_FIX.format(scope=use.scope),
                scope=use.scope,
                owner=use.owner,
            )

    def _no_retry_after(self, facts: RateLimitFacts) -> None:
        """(d) A 429 response the service builds without a `Retry-After` header."""
        for site in facts.without_retry_after:
            where = f"`{site.function}` of `{site.file}`" if site.function else f"`{site.file}`"
            self.report(
                Location(site.line, 1, site.line, 1),
                RETRY_MESSAGE,
                severity=Severity.INFO,
                confidence=Confidence.MEDIUM,
                path=site.file,
                fix=RETRY_FIX,
                call=site.call,
                where=where,
            )

    def _unthrottled_auth_routes(self, data: RoutesSection, facts: RateLimitFacts, evidence: list, deployment: Deployment) -> None:
        """A service that limits routes one by one (slowapi, Flask-Limiter, fastapi-limiter,
        django-ratelimit decorators or dependencies), with no limit on every request: its
        authentication routes that no limiter guards."""
        if any(item.kind in COVERING or (item.kind == "drf-throttle" and "DEFAULT_THROTTLE_CLASSES" in item.text) for item in evidence):
            return
        libraries = [item.text for item in evidence if item.kind == "library"]
        if not libraries or not all(text.startswith(PER_ROUTE_LIBRARIES) for text in libraries):
            return
        library = libraries[0].split(".")[0]
        guarded = set(facts.guarded)
        seen: set[str] = set()
        for route in data.routes:
            handler = route.handler
            if route.method not in WRITE_METHODS or deployment.non_service(route.file) or handler in seen:
                continue
            segments = [part for part in route.path.split("/") if part and not part.startswith(("{", "["))]
            if not any(AUTH_SEGMENT.search(part) for part in segments):
                continue
            parts = handler.split(".")
            if any(".".join(parts[:end]) in guarded for end in range(len(parts), 1, -1)):
                continue
            if f"{handler}.{route.method.lower()}" in guarded:
                continue  # a class-based view's method for the verb (`Login.post`)
            seen.add(handler)
            self.report(
                Location(route.line, 1, route.line, 1),
                AUTH_MESSAGE,
                path=route.file,
                fix=AUTH_FIX,
                method=route.method,
                route=route.path,
                library=library,
            )
