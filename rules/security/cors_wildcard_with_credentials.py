from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, Needs, PythonRule
from reviewer.ops.nodes import is_true, keyword, string_value
from reviewer.ops.secops import is_dev_path
from reviewer.web import corsconfig
from reviewer.web.corsconfig import ANY, ANY_ORIGIN_REGEX, TRUE, CorsConfigProvider

CORS_MIDDLEWARE = frozenset({"starlette.middleware.cors.CORSMiddleware", "fastapi.middleware.cors.CORSMiddleware"})
FLASK_CORS = frozenset({"flask_cors.CORS", "flask_cors.cross_origin"})
ALLOW_ALL_SETTINGS = ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL")


class CorsWildcardWithCredentials(PythonRule):
    """CORS allows any origin and credentials at once, so every website can send requests
    with the user's cookies and read the answers.

    Browsers refuse `Access-Control-Allow-Origin: *` with credentials, so Starlette,
    flask-cors and django-cors-headers answer such a configuration by echoing the caller's
    `Origin` back: any page the user visits can then call the API as the user and read the
    response. List the trusted origins explicitly. A wildcard without credentials (a public
    read-only API) is not reported, nor are development settings.

    flask-cors's options are resolved as flask-cors does: the call's keyword arguments, else
    the app config's `CORS_*` keys the project sets (a settings module or config class that
    `from_object` loads, `app.config["CORS_ORIGINS"] = ...`, `config.update(...)`, in any
    module), else its defaults (every origin, no credentials). A `CORS_ORIGINS` of listed
    origins restricts every `@cross_origin()` and `CORS(app)` without `origins=`; one whose
    value the source does not show (read from the environment, a helper's result) is the
    deployment's choice and is not reported; a `CORS_RESOURCES` setting (per-path options) is
    not read, and nothing is reported then. Config files outside the code (`from_pyfile`, the
    environment) are not seen: without a `CORS_ORIGINS` in the code, the default applies."""

    code = "SEC005"
    # Opt-in until the field has judged 5 of its findings (reviewer.precision.MIN_EVIDENCE); first findings on held-out cohorts: 0 true of 10 (c6, cause fixed).
    opt_in = True
    name = "cors-wildcard-with-credentials"
    summary = "CORS allows any origin and credentials at once."
    category = Category.SECURITY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    message = "CORS allows any origin with credentials: {what}"
    fix = (
        'List the trusted origins: `allow_origins=["https://app.example.com"], allow_credentials=True` '
        '(django-cors-headers: `CORS_ALLOWED_ORIGINS = ["https://app.example.com"]`)'
    )
    seed = 'S1:57 "Add security headers and CORS configuration"'
    references = (
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS#credentialed_requests_and_wildcards",
        "https://www.starlette.io/middleware/#corsmiddleware",
        "https://github.com/adamchainz/django-cors-headers#cors_allow_credentials-bool",
    )
    needs = Needs(names=("CORSMiddleware", "flask_cors", *ALLOW_ALL_SETTINGS, "CORS_ALLOWED_ORIGIN_REGEXES"))
    index_sections = (corsconfig.SECTION,)
    invalid = (
        Example(
            "from fastapi import FastAPI\n"
            "from fastapi.middleware.cors import CORSMiddleware\n"
            "app = FastAPI()\n"
            "app.add_middleware(\n"
            "    CORSMiddleware,\n"
            '    allow_origins=["*"],\n'
            "    allow_credentials=True,\n"
            ")\n",
            path="app/main.py",
            lines=(4,),
        ),
        Example(
            "from flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\nCORS(app, supports_credentials=True)\n",
            path="app/__init__.py",
            lines=(4,),
            note="flask-cors defaults to every origin",
        ),
        Example(
            "from flask import Blueprint\nfrom flask_cors import cross_origin\nauth = Blueprint('auth', __name__)\n\n"
            "@auth.route('/login', methods=['POST'])\n@cross_origin()\ndef login():\n    return {}\n",
            path="app/auth/login.py",
            lines=(6,),
            files=(("app/settings.py", 'CORS_ORIGINS = "*"\nCORS_SUPPORTS_CREDENTIALS = True\n'),),
            note="the decorator takes both options from the app config that the settings module sets",
        ),
        Example("CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n", path="shop/settings.py", lines=(1,)),
        Example(
            "from starlette.middleware import Middleware\n"
            "from starlette.middleware.cors import CORSMiddleware\n"
            'middleware = [Middleware(CORSMiddleware, allow_origin_regex=".*", allow_credentials=True)]\n',
            path="app/main.py",
            lines=(3,),
        ),
    )
    valid = (
        Example(
            "from fastapi import FastAPI\n"
            "from fastapi.middleware.cors import CORSMiddleware\n"
            "app = FastAPI()\n"
            'app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])\n',
            path="app/main.py",
            note="near-miss: a public API, wildcard without credentials",
        ),
        Example(
            "from fastapi import FastAPI\n"
            "from fastapi.middleware.cors import CORSMiddleware\n"
            "app = FastAPI()\n"
            "app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True)\n",
            path="app/main.py",
        ),
        Example(
            'CORS_ALLOWED_ORIGINS = ["https://shop.example.com"]\nCORS_ALLOW_CREDENTIALS = True\n',
            path="shop/settings.py",
        ),
        Example("CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n", path="shop/settings/dev.py", note="near-miss: dev settings"),
        Example(
            "from flask import Blueprint\nfrom flask_cors import cross_origin\nauth = Blueprint('auth', __name__)\n\n"
            "@auth.route('/login', methods=['POST'])\n@cross_origin(supports_credentials=True)\ndef login():\n    return {}\n",
            path="app/auth/login.py",
            files=(("app/settings.py", 'CORS_ORIGINS = ["http://localhost", "https://console.example.com"]\n'),),
            note="near-miss: flask-cors merges the app config's `CORS_ORIGINS` (set in the settings module "
                 "`from_object` loads) into the decorator's options (alerta)",
        ),
        Example(
            "import os\nfrom flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\n"
            'app.config["CORS_ORIGINS"] = os.environ["CORS_ORIGINS"].split(",")\n'
            "CORS(app, supports_credentials=True)\n",
            path="app/__init__.py",
            note="near-miss: origins read from the environment are the deployment's choice, not flask-cors's default",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.allow_all: cst.Assign | None = None
        self.credentials = False

    def visit_Call(self, node: cst.Call) -> None:
        if is_dev_path(self.context.path):
            return
        qualified = self._resolve(node.func)
        if qualified in CORS_MIDDLEWARE or any(self._resolve(arg.value) in CORS_MIDDLEWARE for arg in node.args if arg.keyword is None):
            credentials = keyword(node, "allow_credentials")
            if credentials is None or not is_true(credentials.value):
                return
            origins = keyword(node, "allow_origins")
            regex = keyword(node, "allow_origin_regex")
            if origins is not None and self._has_star(origins.value):
                self.report(node, what='`allow_origins=["*"]` with `allow_credentials=True`')
            elif regex is not None and string_value(regex.value) in ANY_ORIGIN_REGEX:
                self.report(node, what=f"`allow_origin_regex={string_value(regex.value)!r}` with `allow_credentials=True`")
        elif qualified in FLASK_CORS:
            self._flask_cors(node)

    def _flask_cors(self, node: cst.Call) -> None:
        """flask-cors's own resolution: keyword arguments, else the app config's `CORS_*`
        (reviewer.web.corsconfig), else its defaults."""
        if keyword(node, "resources") is not None:
            return
        config = CorsConfigProvider.of(self.context.index)
        if config.of("CORS_RESOURCES"):
            return
        credentials = keyword(node, "supports_credentials")
        if credentials is not None:
            if not is_true(credentials.value):
                return
            said = "`supports_credentials=True`"
        else:
            found = self._config(config, "CORS_SUPPORTS_CREDENTIALS")
            if not found or any(item.value != TRUE for item in found):
                return  # the default: no credentials
            said = f"`CORS_SUPPORTS_CREDENTIALS = True` ({found[0].path}:{found[0].line})"
        origins = keyword(node, "origins")
        if origins is not None:
            if self._has_star(origins.value):
                self.report(node, what=f"`origins` allows every origin, with {said}")
            return
        found = self._config(config, "CORS_ORIGINS")
        if not found:
            self.report(node, what=f"flask-cors with every origin (its default) and {said}")
        elif all(item.value == ANY for item in found):
            self.report(node, what=f"`CORS_ORIGINS` allows every origin ({found[0].path}:{found[0].line}), with {said}")

    @staticmethod
    def _config(config, key: str):
        """The project's settings of one app-config key, development settings aside."""
        return tuple(item for item in config.of(key) if not is_dev_path(item.path))

    def visit_Assign(self, node: cst.Assign) -> None:
        if self.context.scopes.current is not self.context.scopes.module or is_dev_path(self.context.path):
            return
        for target in node.targets:
            if not isinstance(target.target, cst.Name):
                continue
            name = target.target.value
            if name in ALLOW_ALL_SETTINGS and is_true(node.value):
                self.allow_all = node
            elif name == "CORS_ALLOWED_ORIGIN_REGEXES" and isinstance(node.value, (cst.List, cst.Tuple)):
                if any(string_value(e.value) in ANY_ORIGIN_REGEX for e in node.value.elements):
                    self.allow_all = node
            elif name == "CORS_ALLOW_CREDENTIALS" and is_true(node.value):
                self.credentials = True

    def finish(self) -> None:
        if self.allow_all is not None and self.credentials:
            self.report(self.allow_all, what="django-cors-headers allows every origin and `CORS_ALLOW_CREDENTIALS = True`")

    def _resolve(self, node: cst.BaseExpression) -> str | None:
        return self.context.resolve(node) if isinstance(node, (cst.Name, cst.Attribute)) else None

    @staticmethod
    def _has_star(value: cst.BaseExpression) -> bool:
        if string_value(value) == "*":
            return True
        if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
            return any(string_value(element.value) == "*" for element in value.elements)
        return False
