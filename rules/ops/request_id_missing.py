from __future__ import annotations

from collections import Counter

from reviewer.model import Category, Confidence, Location, Severity
from reviewer.web.requestids import RequestIdsProvider, SECTION
from reviewer.web.routes import RoutesProvider, is_service, service_scope
from reviewer.rule import Example, ProjectRule

FASTAPI_APP = (
    "from fastapi import FastAPI\n"
    "from app.routers import orders\n"
    "\n"
    'app = FastAPI(title="Orders")\n'
    "app.include_router(orders.router)\n"
)
ROUTER = (
    "app/routers/orders.py",
    "from fastapi import APIRouter\n"
    "router = APIRouter()\n"
    "\n"
    '@router.get("/orders")\n'
    "def list_orders():\n"
    "    return []\n",
)
DJANGO_SETTINGS = (
    'INSTALLED_APPS = ["django.contrib.contenttypes", "shop"]\n'
    "MIDDLEWARE = [\n"
    '    "django.middleware.security.SecurityMiddleware",\n'
    '    "django.middleware.common.CommonMiddleware",\n'
    "]\n"
    'ROOT_URLCONF = "shop.urls"\n'
)


class RequestIdMissing(ProjectRule):
    """A deployed service generates and propagates no request / correlation id, so its log
    lines and error bodies cannot be tied to the request that produced them.

    When a user reports "my payment failed at 10:42", the id in the error body is what finds
    the log lines of that request among thousands, and the same id forwarded to downstream
    services is what joins their logs to it. Without one, debugging a production incident
    means guessing by timestamp.

    Reported once per project, at the service that serves the most routes (at its Django
    `MIDDLEWARE` setting, or at its FastAPI / Starlette / Flask app, or the factory that builds
    it), when nothing in the project's own
    code gives requests an id: no correlation library (asgi-correlation-id, django-guid,
    django-log-request-id, django-request-id, flask-request-id, flask-log-request-id,
    starlette-context's `RequestIdPlugin`, OpenTelemetry instrumentation, ddtrace), no
    middleware that reads or sets an `X-Request-ID` / `X-Correlation-ID` / `traceparent`
    header, no id put on the request (`request.id = uuid4()`, `g.request_id`) or into error
    bodies and log records (a `request_id` / `correlation_id` / `trace_id` key), no request-id
    middleware named where middleware is loaded (oslo.middleware's `RequestId`, by import, path
    or entry point in a middleware list), and no Sentry
    with tracing. A library (routers or a reusable app without an app object or settings of
    its own), its project templates (`project_template/`), and test, example and docs code, are
    not a deployed service and are not reported.

    An id injected and logged by a gateway or service mesh is invisible to a scan: suppress
    the finding with that reason."""

    code = "OPS008"
    opt_in = True  # field precision 0.62 over 4 judged findings on the tuned projects (label s11)
    project_level = True  # one finding per project, where the fix belongs
    name = "request-id-missing"
    summary = "A service generates no request / correlation id for its logs and error bodies."
    category = Category.OPS
    severity = Severity.INFO
    confidence = Confidence.MEDIUM
    message = "No request / correlation id in {where}: log lines and error bodies cannot be tied to a request"
    fix = (
        "Give each request an id: `app.add_middleware(CorrelationIdMiddleware, header_name=\"X-Request-ID\")` "
        "(asgi-correlation-id), `\"django_guid.middleware.guid_middleware\"` in `MIDDLEWARE` (django-guid) or "
        "flask-log-request-id; put it in log records and in the error envelope (`\"request_id\"`)"
    )
    seed = 'S1:79 "Implement request ID tracking for debugging"; S3:297 "Include request IDs for tracing"'
    references = ("https://github.com/snok/asgi-correlation-id", "https://github.com/snok/django-guid")
    index_sections = ("routes", SECTION)
    invalid = (
        Example(FASTAPI_APP, path="app/main.py", files=(ROUTER,), lines=(4,)),
        Example(DJANGO_SETTINGS, path="shop/settings.py", lines=(2,), note="Django: reported at `MIDDLEWARE`"),
        Example(
            "from flask import Flask\n"
            "\n"
            "def create_app():\n"
            "    app = Flask(__name__)\n"
            "    return app\n",
            path="ledger/app.py",
            files=(("ledger/__init__.py", ""),),
            lines=(3,),
            note="an app built in a factory: reported at the factory, where the middleware goes",
        ),
    )
    valid = (
        Example(
            "import collections\n"
            "from flask import Flask\n"
            "\n"
            '_Middleware = collections.namedtuple("_Middleware", "namespace ep conf")\n'
            "_APP_MIDDLEWARE = (\n"
            '    _Middleware(namespace="ledger.server_middleware", ep="cors", conf={}),\n'
            '    _Middleware(namespace="ledger.server_middleware", ep="request_id", conf={}),\n'
            ")\n"
            "\n"
            "def create_app():\n"
            "    app = Flask(__name__)\n"
            "    return app\n",
            path="ledger/app.py",
            files=(("ledger/__init__.py", ""),),
            note="near-miss: oslo.middleware's `request_id` loaded by its entry point from a middleware list (keystone)",
        ),
        Example(
            "from flask import Flask\n"
            "\n"
            "def create_app():\n"
            "    app = Flask(__name__)\n"
            '    app.config["WSGI_FILTERS"] = ["oslo_middleware:RequestId.factory"]\n'
            "    return app\n",
            path="ledger/app.py",
            files=(("ledger/__init__.py", ""),),
            note="near-miss: a request-id middleware class named by its entry-point path",
        ),
        Example(
            FASTAPI_APP + "from asgi_correlation_id import CorrelationIdMiddleware\n"
            'app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")\n',
            path="app/main.py",
            files=(ROUTER,),
        ),
        Example(
            DJANGO_SETTINGS.replace("MIDDLEWARE = [\n", 'MIDDLEWARE = [\n    "django_guid.middleware.guid_middleware",\n'),
            path="shop/settings.py",
            note="near-miss: the middleware is named by a string in the settings",
        ),
        Example(
            FASTAPI_APP,
            path="app/main.py",
            files=(
                ROUTER,
                (
                    "app/middleware.py",
                    "import uuid\n"
                    "from starlette.middleware.base import BaseHTTPMiddleware\n"
                    "\n"
                    "class RequestIdMiddleware(BaseHTTPMiddleware):\n"
                    "    async def dispatch(self, request, call_next):\n"
                    '        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex\n'
                    "        response = await call_next(request)\n"
                    '        response.headers["X-Request-ID"] = request_id\n'
                    "        return response\n",
                ),
            ),
            note="near-miss: a project middleware reads and sets the header",
        ),
        Example(
            FASTAPI_APP,
            path="app/main.py",
            files=(ROUTER, ("app/telemetry.py", "from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor\n")),
            note="near-miss: OpenTelemetry instrumentation traces each request",
        ),
        Example(
            "from fastapi import APIRouter\nrouter = APIRouter()\n\n@router.get(\"/users/me\")\ndef me():\n    return {}\n",
            path="fastapi_users/router.py",
            files=(("examples/app.py", "from fastapi import FastAPI\napp = FastAPI()\n"),),
            note="near-miss: a library of routers; the app object lives in its examples, not a deployed service",
        ),
    )

    def check(self, index) -> None:
        data, non_service = RoutesProvider.of(index), index.deployment.non_service
        if not is_service(data, index.deployment):
            return
        evidence = RequestIdsProvider.of(index)
        if evidence.evidence:
            return
        anchors: list[tuple[str, int, str]] = []
        settings = data.settings
        for name in ("MIDDLEWARE", "ROOT_URLCONF"):
            if name in settings and not non_service(settings[name].file):
                anchors.append((settings[name].file, settings[name].line, "the Django `MIDDLEWARE`"))
                break
        for app in data.apps:
            if not non_service(app.file):
                anchors.append((app.file, app.factory or app.line, f"`{app.var}`"))
        served = Counter(service_scope(file, index.files) for file in {route.file for route in data.routes})
        scopes: dict[str, tuple[str, int, str]] = {}
        for path, line, where in anchors:
            if any(part.endswith("template") or "{{" in part for part in path.split("/")[:-1]):
                continue  # a project template (`wagtail start`, cookiecutter): generated code, not this service
            if index.local(path):  # a nested service's view also sees the apps around it
                scopes.setdefault(service_scope(path, index.files), (path, line, where))
        if not scopes:
            return
        # Once per project, at the service that serves the most routes (not a harness beside it).
        scope = min(scopes, key=lambda scope: -served[scope])
        path, line, where = scopes[scope]
        self.report(Location(line, 1, line, 1), path=path, fix=self.fix, where=where)
