from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, Needs, PythonRule
from reviewer.ops.secops import is_dev_path
from reviewer.ops.nodes import is_true, keyword, string_value

CORS_MIDDLEWARE = frozenset({"starlette.middleware.cors.CORSMiddleware", "fastapi.middleware.cors.CORSMiddleware"})
FLASK_CORS = frozenset({"flask_cors.CORS", "flask_cors.cross_origin"})
ANY_ORIGIN_REGEX = frozenset({".*", "^.*$", ".+", "^.+$", "(.*)", "https?://.*", "^https?://.*$", "https://.*", "http.*"})
ALLOW_ALL_SETTINGS = ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL")


class CorsWildcardWithCredentials(PythonRule):
    """CORS allows any origin and credentials at once, so every website can send requests
    with the user's cookies and read the answers.

    Browsers refuse `Access-Control-Allow-Origin: *` with credentials, so Starlette,
    flask-cors and django-cors-headers answer such a configuration by echoing the caller's
    `Origin` back: any page the user visits can then call the API as the user and read the
    response. List the trusted origins explicitly. A wildcard without credentials (a public
    read-only API) is not reported, nor are development settings."""

    code = "SEC005"
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
            credentials = keyword(node, "supports_credentials")
            if credentials is None or not is_true(credentials.value) or keyword(node, "resources") is not None:
                return
            origins = keyword(node, "origins")
            if origins is None or self._has_star(origins.value):
                self.report(node, what="flask-cors with every origin (its default) and `supports_credentials=True`")

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
