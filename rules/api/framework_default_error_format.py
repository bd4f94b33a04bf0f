from __future__ import annotations

from reviewer.web.errorshape import ErrorShapesProvider, FRAMEWORK_FAMILY, majority, signature
from reviewer.model import Category, Confidence, Location, Severity
from reviewer.web.routes import RoutesProvider, service_scope
from reviewer.rule import Example, ProjectRule

STARLETTE_HTTP = ("starlette.exceptions.HTTPException", "StarletteHTTPException")
FASTAPI_HTTP = ("fastapi.HTTPException", "fastapi.exceptions.HTTPException", "HTTPException")
VALIDATION = ("fastapi.exceptions.RequestValidationError", "RequestValidationError")
FLASK_HTTP = ("werkzeug.exceptions.HTTPException", "HTTPException", "Exception", "werkzeug.exceptions.default_exceptions")
DEFAULT_SHAPES = frozenset({"{detail:str}", "{detail:obj}", "{detail:list}"})

APP = (
    "from fastapi import FastAPI\n"
    "from fastapi.responses import JSONResponse\n"
    "app = FastAPI()\n"
    "\n"
    '@app.get("/orders/{oid}")\n'
    "def get_order(oid: int):\n"
    '    return JSONResponse(status_code=404, content={"error": {"code": "NOT_FOUND", "message": "no order"}})\n'
)


FLASK_UI = (
    "from flask import Flask, jsonify, render_template\n"
    "app = Flask(__name__)\n"
    "\n"
    '@app.route("/")\n'
    "def index():\n"
    '    return render_template("index.html")\n'
    "\n"
    '@app.post("/settings/models")\n'
    "def list_models():\n"
    '    return jsonify({"models": [], "error": "no API key"}), 400\n'
)
DRF_SITE = (
    'INSTALLED_APPS = ["django.contrib.auth", "rest_framework", "inventory"]\n'
    'ROOT_URLCONF = "inventory.urls"\n'
    'REST_FRAMEWORK = {"DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination"}\n'
)
CRASH_HANDLER = (
    "import sys\n"
    "from django.http import JsonResponse\n"
    "\n"
    "def api_server_error(request, *args, **kwargs):\n"
    "    type_, error, _ = sys.exc_info()\n"
    '    return JsonResponse({"error": str(error), "exception": type_.__name__}, status=500)\n'
)


FLASK_FACTORY = (
    "from flask import Flask, jsonify\n"
    "from app.errors import ExceptionHandlers\n"
    "handlers = ExceptionHandlers()\n"
    "\n"
    "def create_app():\n"
    "    app = Flask(__name__)\n"
    "    handlers.register(app)\n"
    "\n"
    '    @app.route("/orders/<int:oid>")\n'
    "    def get_order(oid):\n"
    '        return jsonify({"status": "error", "message": "no order"}), 404\n'
    "\n"
    "    return app\n"
)
FLASK_HANDLERS = (
    "from flask import jsonify\n"
    "from werkzeug.exceptions import default_exceptions\n"
    "\n"
    "def handle_http_error(error):\n"
    '    return jsonify({"status": "error", "message": error.description}), error.code\n'
    "\n"
    "class ExceptionHandlers:\n"
    "    def register(self, app):\n"
    "        for code in default_exceptions.keys():\n"
    "            app.register_error_handler(code, handle_http_error)\n"
)


def html_app(routes, scope: str, handlers, non_service) -> bool:
    """Whether a Flask app is a server-rendered HTML app that chose the default error pages: its
    code renders HTML templates and registers no error handler at all. Its JSON bodies are then
    AJAX replies to its own pages, not a JSON API's envelope, and Werkzeug's HTML error pages
    fit its browser pages."""
    pages = any(e.kind == "html-pages" and e.file.startswith(scope) and not non_service(e.file) for e in routes.evidence)
    return pages and not any(h.file.startswith(scope) for h in handlers)


class FrameworkDefaultErrorFormat(ProjectRule):
    """The app registers no global exception handler for the framework's own errors, so the
    framework's default bodies escape next to the project's error shape: FastAPI/Starlette
    `{"detail": ...}` for `HTTPException`, routing 404/405 and 422 validation errors, Flask's
    HTML error pages for `abort()` and 500s, DRF's `{"detail": ...}` without an
    `EXCEPTION_HANDLER`. Clients then need two error parsers, and the HTML pages are not JSON.

    Reported once per app (at the app constructor, the first error handler or the
    `REST_FRAMEWORK` setting) and only when the project builds its own error bodies in another
    shape that is its convention: a project whose only (or majority, with `error-format: auto`)
    error format is the framework's `{"detail": ...}` is consistent, and its few odd bodies are
    API004's to report. FastAPI needs a handler for Starlette's `HTTPException` (FastAPI's subclass
    misses routing errors) and for `RequestValidationError`; Flask needs
    `errorhandler(HTTPException)` (or `Exception`).

    A body the project sends only with status 500 (the JSON page of a handler for unexpected
    exceptions) is not an error format clients parse next to the framework's 4xx bodies: it
    is what a global handler is for, and it makes no convention. Bodies whose shape a protocol
    fixes (OAuth's `{"error", "error_description"}`, SCIM's `{"schemas", "status"}`, GraphQL's
    `{"errors"}`) are not the project's choice either. A server-rendered Flask app (one that
    renders HTML templates) that registers no error handler at all chose Werkzeug's HTML error
    pages, which match its own pages: its JSON bodies are AJAX replies to those pages, and it is
    not reported; one error handler of its own shows it wants its errors in its shape."""

    code = "API005"
    # Opt-in until the field has judged 5 of its findings (reviewer.precision.MIN_EVIDENCE); first findings on held-out cohorts: 1 true of 3 (c4-c6).
    opt_in = True
    project_level = True  # one finding per project, where the fix belongs
    name = "framework-default-error-format"
    summary = "No global exception handler, so the framework's default error bodies escape."
    category = Category.API
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "{what}: framework-default error bodies ({default}) escape next to the project's `{shape}` bodies"
    fix = (
        "Register global handlers that render the project's envelope: FastAPI "
        "`app.add_exception_handler(starlette.exceptions.HTTPException, http_error)` and "
        "`app.add_exception_handler(RequestValidationError, validation_error)`; Flask "
        "`app.register_error_handler(HTTPException, http_error)`; DRF "
        '`REST_FRAMEWORK["EXCEPTION_HANDLER"] = "app.errors.exception_handler"`'
    )
    seed = 'S1:78; S4:455 "Error Handling: Centralized error handling middleware"'
    references = (
        "https://fastapi.tiangolo.com/tutorial/handling-errors/#override-the-default-exception-handlers",
        "https://flask.palletsprojects.com/en/stable/errorhandling/#generic-exception-handlers",
        "https://www.django-rest-framework.org/api-guide/exceptions/#custom-exception-handling",
    )
    index_sections = ("routes", "error_shapes")
    options = {"error-format": "auto"}
    invalid = (
        Example(APP, path="app/main.py", lines=(3,)),
        Example(
            FLASK_UI + '\n@app.errorhandler(404)\ndef not_found(error):\n    return jsonify({"error": "not found"}), 404\n',
            path="app/main.py",
            lines=(12,),
            note="near-miss: a server-rendered app, but it answers its 404s in its JSON shape, so the other errors' HTML pages break it",
        ),
        Example(
            DRF_SITE,
            path="inventory/settings.py",
            lines=(3,),
            files=(("inventory/api/errors.py", CRASH_HANDLER.replace("status=500", "status=400")),),
            note="the project's own body for a client error, and DRF's `{detail}` for the others",
        ),
        Example(
            FLASK_FACTORY,
            path="app/__init__.py",
            lines=(6,),
            files=(("app/errors.py", FLASK_HANDLERS.replace("default_exceptions.keys()", "(400, 404)")),),
            note="handlers for two codes only: the other HTTP errors get Flask's HTML pages",
        ),
    )
    valid = (
        Example(
            FLASK_UI,
            path="app/main.py",
            note="near-miss: a server-rendered app with no error handler of its own: Werkzeug's HTML error pages match its "
            "pages, and its JSON body is an AJAX reply to one of them (changedetection.io)",
        ),
        Example(
            FLASK_FACTORY,
            path="app/__init__.py",
            files=(("app/errors.py", FLASK_HANDLERS),),
            note="near-miss: a helper class the factory calls registers a handler for every code of werkzeug's "
                 "`default_exceptions` (alerta)",
        ),
        Example(
            DRF_SITE,
            path="inventory/settings.py",
            files=(("inventory/api/errors.py", CRASH_HANDLER),),
            note="near-miss: the project's own body is only its 500 handler's; DRF's bodies are its convention (nautobot)",
        ),
        Example(
            APP.replace('content={"error": {"code": "NOT_FOUND", "message": "no order"}}',
                        'content={"schemas": [SCIM_ERROR], "status": "404", "detail": "no order"}'),
            path="app/main.py",
            note="near-miss: SCIM's error shape is the protocol's (RFC 7644), not the project's choice (open-webui)",
        ),
        Example(
            APP
            + "\nfrom starlette.exceptions import HTTPException as StarletteHTTPException\n"
            "from fastapi.exceptions import RequestValidationError\n"
            "app.add_exception_handler(StarletteHTTPException, http_error)\n"
            "app.add_exception_handler(RequestValidationError, validation_error)\n",
            path="app/main.py",
        ),
        Example(
            "from fastapi import FastAPI, HTTPException\n"
            "app = FastAPI()\n"
            "\n"
            '@app.get("/orders/{oid}")\n'
            "def get_order(oid: int):\n"
            '    raise HTTPException(status_code=404, detail="no order")\n',
            path="app/main.py",
            note="near-miss: the framework's `{detail}` is the project's only error format",
        ),
        Example(
            "from fastapi import FastAPI, HTTPException\n"
            "from fastapi.responses import JSONResponse\n"
            "app = FastAPI()\n"
            "\n"
            '@app.get("/orders/{oid}")\n'
            "def get_order(oid: int):\n"
            '    raise HTTPException(status_code=404, detail="no order")\n'
            "\n"
            '@app.get("/invoices/{iid}")\n'
            "def get_invoice(iid: int):\n"
            '    raise HTTPException(status_code=404, detail="no invoice")\n'
            "\n"
            '@app.get("/api/{rest:path}")\n'
            "def not_found(rest: str):\n"
            '    return JSONResponse(status_code=404, content={"error": "no such route"})\n',
            path="app/main.py",
            note="near-miss: `{detail}` is the project's majority shape; the one odd body is API004's",
        ),
    )

    def check(self, index) -> None:
        routes = RoutesProvider.of(index)
        sites = ErrorShapesProvider.of(index).sites
        non_service = index.deployment.non_service
        custom = [
            site for site in sites
            if signature(site.shape) not in DEFAULT_SHAPES and not site.framework and not non_service(site.file)
            and site.status != 500  # a crash page's body, not a format clients parse
        ]
        if not custom:
            return
        if self.settings.get("error-format", "auto") == "auto":
            found = majority([site for site in sites if not non_service(site.file)])
            if found is not None and found[0] == FRAMEWORK_FAMILY:
                return  # the framework's `{"detail"}` is the project's convention; the odd bodies are API004's
        shape = "{" + ", ".join(f'"{key}"' for key in custom[0].shape) + "}"
        handlers = routes.exception_handlers
        names = {str(h.exception) for h in handlers}
        evidence = [e for e in routes.evidence if e.kind == "json-errors"]
        if evidence:
            return
        for app in routes.apps:
            scope = service_scope(app.file, index.files)
            own = [site for site in custom if site.file.startswith(scope)]
            if non_service(app.file) or not own:
                continue
            shape = "{" + ", ".join(f'"{key}"' for key in own[0].shape) + "}"
            if app.kind == "fastapi-app":
                registered = names | set(app.handlers_kw)
                missing = []
                if not registered & set(STARLETTE_HTTP):
                    only_fastapi = registered & set(FASTAPI_HTTP)
                    missing.append(
                        "a handler only for FastAPI's `HTTPException` (Starlette's routing 404/405 escape)"
                        if only_fastapi
                        else "no handler for `starlette.exceptions.HTTPException`"
                    )
                if not registered & set(VALIDATION):
                    missing.append("no handler for `RequestValidationError` (422)")
                if missing:
                    self.report(
                        Location(app.line, 1, app.line, 1),
                        path=app.file,
                        fix=self.fix,
                        what=f"`{app.var}` has " + " and ".join(missing),
                        default='`{"detail": ...}`',
                        shape=shape,
                    )
            elif app.kind == "flask-app":
                if names & set(FLASK_HTTP):
                    continue
                if html_app(routes, scope, handlers, non_service):
                    continue  # Werkzeug's HTML error pages are of a kind with the app's own pages
                codes = sorted(str(n) for n in names if n.isdigit())
                line, path = app.line, app.file
                first = next((h for h in handlers if h.file == app.file), None)
                if first is not None:
                    line = first.line
                what = (
                    f"`{app.var}` handles only {', '.join(codes)}" if codes else f"`{app.var}` has no `errorhandler(HTTPException)`"
                )
                self.report(
                    Location(line, 1, line, 1),
                    path=path,
                    fix=self.fix,
                    what=what,
                    default="Werkzeug's HTML error pages for other `abort()`s, 405s and 400s",
                    shape=shape,
                )
        rest = routes.settings.get("REST_FRAMEWORK")
        if rest is not None and isinstance(rest.value, dict) and not rest.value.get("EXCEPTION_HANDLER"):
            self.report(
                Location(rest.line, 1, rest.line, 1),
                path=rest.file,
                fix=self.fix,
                what="`REST_FRAMEWORK` sets no `EXCEPTION_HANDLER`",
                default='DRF\'s `{"detail": ...}` and field-error dicts',
                shape=shape,
            )
