from __future__ import annotations

import dataclasses

from reviewer.project.symbols import SymbolsProvider
from reviewer.web.errorshape import (
    DEFAULT_ENVELOPE,
    DRF_SURFACE,
    ErrorShapesProvider,
    conforms,
    expected_text,
    family,
    follows,
    is_protocol,
    majority,
    render,
)
from reviewer.model import Category, Confidence, Location, Severity
from reviewer.web.routes import RoutesProvider
from reviewer.rule import Example, ProjectRule

HELPER = (
    "def api_error(code, message, status, details=None):\n"
    '    return JSONResponse(status_code=status, content={"error": {"code": code, "message": message, "details": details or {}}})\n'
)


# Handlers that re-render the framework's HTTP errors. (A FastAPI / Starlette handler for
# `Exception` only sees 500s: HTTPException keeps its own handler.)
HTTP_EXCEPTIONS = frozenset({"HTTPException", "StarletteHTTPException", "APIException"})


# Whose majority shape a site is compared with, when a project has both surfaces.
SURFACE_NAMES = {DRF_SURFACE: "the DRF API's", "": "the plain (non-DRF) views'"}


def _simple_name(name: object) -> str:
    return str(name or "").rsplit(".", 1)[-1]


class ErrorResponseFormatInconsistent(ProjectRule):
    """An error response's body does not have the project's error shape. Clients parse errors
    in one place; a second shape (`{"message": ...}` next to `{"error": {"code", "message"}}`)
    means error handling that silently misses some failures, and error codes that cannot be
    matched on.

    Every error emission site is collected (`JSONResponse`/`jsonify`/DRF `Response`/
    `JsonResponse` with a 4xx/5xx status and a dict literal body). The expected shape comes from
    the `error-format` config key: `auto` (the default: the project's own majority shape, by
    top-level keys and whether each holds an object, each site weighted by use; an error helper such as `api_error(code, message, status)`
    (the project model's summary "returns an error body of shape S", `ProjectSymbols.error_body`)
    counts once per call the model resolves, and `raise HTTPException(...)` / DRF exceptions vote
    as the framework's `{"detail": ...}` body, or as the body the project's handler of them returns), `envelope` (`{"error": {"code",
    "message", "details"}}`, key paths configurable with `error-envelope`) or `problem+json`
    (RFC 9457). A body that extends the convention with keys of its own (`{"detail", "errors"}`
    next to `{"detail"}`) follows it. A convention is not a defect: a project that answers errors with DRF's or
    FastAPI's `{"detail": ...}` is consistent. Bodies that are not literals are skipped, as are
    protocol-mandated shapes (OAuth2 `error`/`error_description`, GraphQL and JSON:API
    `{"errors": [...]}`, JSON-RPC). Sites built by the project's error helper are not reported.
    A project with a Django REST framework API (modules that import `rest_framework`) beside
    plain views answering JSON has two surfaces with their own clients: under `auto` each is
    compared with its own majority shape.

    Opt-in: its field precision on the ecosystem check's tuned projects is 0.50 (strict 0.38)
    over 21 judged of 24 findings (`bench/ecosystem/verdicts.tsv`, scan `apiorm-4`), under the
    0.85 a default rule needs: the false ones are separate subsystems with their own deliberate
    shapes (an admin AJAX protocol next to a public API, exception handlers answering
    `{"exception_message"}`) and health-probe bodies."""

    code = "API004"
    opt_in = True
    name = "error-response-format-inconsistent"
    summary = "An error response's body does not have the project's error shape."
    category = Category.API
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "Error body `{found}` (status {status}) differs from {expected}{where}"
    fix = (
        "Build every error body with one helper, e.g. `api_error(code, message, status, details)` returning "
        '`{"error": {"code": "NOT_FOUND", "message": "...", "details": {}}}`, or raise an exception that a '
        "global handler turns into that shape"
    )
    seed = 'S1:78 "Return consistent error response formats"; S1:103-115; S3:341-349; S4:416'
    references = (
        "https://www.rfc-editor.org/rfc/rfc9457",
        "https://opensource.zalando.com/restful-api-guidelines/#176",
    )
    index_sections = ("error_shapes", "routes", "symbols")
    options = {"error-format": "auto", "error-envelope": dict(DEFAULT_ENVELOPE)}
    invalid = (
        Example(
            "from flask import jsonify\n"
            "from app.errors import api_error\n"
            "\n"
            "def missing():\n"
            '    return api_error("NOT_FOUND", "no such account", 404)\n'
            "\n"
            "def not_found():\n"
            '    return jsonify({"message": "invalid email"}), 400\n',
            path="app/views.py",
            lines=(8,),
            files=(
                (
                    "app/errors.py",
                    "from flask import jsonify\n"
                    "def api_error(code, message, status):\n"
                    '    return jsonify({"error": {"code": code, "message": message, "details": {}}}), status\n',
                ),
            ),
            note="a second shape next to the project's envelope helper",
        ),
        Example(
            "from rest_framework.response import Response\n"
            "\n"
            "def gone(request):\n"
            '    return Response({"error": "gone"}, status=410)\n',
            path="shop/views.py",
            lines=(4,),
            files=(
                (
                    "shop/api.py",
                    "from rest_framework.response import Response\n"
                    "def a(request):\n"
                    '    return Response({"detail": "Not found."}, status=404)\n'
                    "def b(request):\n"
                    '    return Response({"detail": "Locked."}, status=423)\n',
                ),
            ),
            note="the project answers with DRF's `{\"detail\"}`; this body does not",
        ),
    )
    valid = (
        Example(
            "from fastapi.responses import JSONResponse\n"
            "\n"
            "def gone():\n"
            '    return JSONResponse(status_code=410, content={"error": {"code": "GONE", "message": "Order archived"}})\n',
        ),
        Example(
            "from fastapi.responses import JSONResponse\n" + HELPER + "\n"
            "def missing(order_id):\n"
            '    return api_error("NOT_FOUND", f"Order {order_id} not found", 404)\n',
            note="near-miss: built by the project's error helper",
        ),
        Example(
            "from flask import jsonify\n"
            "\n"
            "def token_error():\n"
            '    return jsonify({"error": "invalid_grant", "error_description": "expired code"}), 400\n',
            note="near-miss: OAuth2 token errors have their own mandated shape",
        ),
        Example(
            "from fastapi import HTTPException\n"
            "from fastapi.responses import JSONResponse\n"
            "\n"
            "def locked(order):\n"
            '    return JSONResponse(status_code=423, content={"detail": "Order is locked"})\n'
            "\n"
            "def missing(order_id):\n"
            '    raise HTTPException(status_code=404, detail="Order not found")\n'
            "\n"
            "def gone(order_id):\n"
            '    raise HTTPException(status_code=410, detail="Order archived")\n',
            note="near-miss: FastAPI's default `{\"detail\"}` body is the project's convention, not the checklist envelope",
        ),
        Example(
            "from django.http import JsonResponse\n"
            "\n"
            "def graphql_view(request):\n"
            '    return JsonResponse({"errors": [{"message": "Syntax Error"}]}, status=400)\n'
            "\n"
            "def order(request):\n"
            '    return JsonResponse({"message": "not found"}, status=404)\n',
            note="near-miss: a GraphQL `{\"errors\"}` response is the protocol's shape, not a second API shape",
        ),
        Example(
            "from rest_framework.response import Response\n"
            "\n"
            "def bulk_create(request):\n"
            '    return Response({"detail": "2 of 5 objects failed validation.", "errors": failures}, status=400)\n'
            "\n"
            "def locked(request):\n"
            '    return Response({"detail": "Locked."}, status=423)\n'
            "\n"
            "def gone(request):\n"
            '    return Response({"detail": "Gone."}, status=410)\n',
            note="near-miss: `{\"detail\", \"errors\"}` extends the project's `{\"detail\"}`; a client reading `detail` reads both",
        ),
        Example(
            "from rest_framework.response import Response\n"
            "\n"
            "def change_state(request):\n"
            '    return Response({"detail": "Invalid state."}, status=400)\n',
            path="conf/api/views.py",
            files=(
                (
                    "conf/orga/views.py",
                    "from django.http import JsonResponse\n"
                    "def reorder(request):\n"
                    '    return JsonResponse({"error": "No order provided"}, status=400)\n'
                    "def field(request):\n"
                    '    return JsonResponse({"error": "Invalid field key"}, status=404)\n',
                ),
            ),
            note="near-miss: the DRF API's `{\"detail\"}` is its own surface's convention beside the HTML views' JSON (pretalx)",
        ),
    )

    def check(self, index) -> None:
        data = ErrorShapesProvider.of(index)
        routes = RoutesProvider.of(index)
        rendered = self._rendered(routes, SymbolsProvider.of(index))
        # `raise HTTPException(...)` renders as {"detail": ...} unless a handler is registered,
        # and as the body that handler returns when the project model knows it; such sites vote
        # for the majority but are API005's to report, never this rule's.
        sites = [
            dataclasses.replace(site, shape=rendered.shape) if site.framework and rendered else site
            for site in data.sites
            if not (site.framework and rendered is False) and not index.deployment.non_service(site.file)
        ]
        mode = self.settings.get("error-format", "auto")
        surfaces = {site.surface for site in sites}
        if mode == "auto" and len(surfaces) > 1:
            # A DRF API and the JSON of plain Django views are two surfaces with their own clients.
            for surface in sorted(surfaces):
                self._check_sites([site for site in sites if site.surface == surface], mode, SURFACE_NAMES[surface])
        else:
            self._check_sites(sites, mode, "the project's")

    @staticmethod
    def _rendered(routes, symbols):
        """What the framework's HTTP exceptions render as: None when no handler re-renders them
        (the framework's `{"detail": ...}`), the error body the project's handler returns
        (summary "returns an error body of shape S", `ProjectSymbols.error_body`), or False when
        a handler re-renders them into a body the model does not know. Only a handler for the
        framework's HTTP exceptions (or DRF's `EXCEPTION_HANDLER`) re-renders them; handlers
        for the project's own exceptions leave the framework body as it is."""
        found = [(h.file, h.function) for h in routes.exception_handlers if _simple_name(h.exception) in HTTP_EXCEPTIONS]
        rest = routes.setting("REST_FRAMEWORK")
        drf = rest.get("EXCEPTION_HANDLER") if isinstance(rest, dict) else None
        if drf:
            found.append((routes.settings["REST_FRAMEWORK"].file, str(drf)))
        if not found:
            return None
        for path, function in found:
            body = symbols.error_body(path, function) if symbols is not None and function else None
            if body is not None and body.shape and not is_protocol(body.shape):
                return body
        return False

    def _check_sites(self, sites, mode: str, owner: str) -> None:
        if not any(not site.framework for site in sites):
            return
        envelope = {**DEFAULT_ENVELOPE, **dict(self.settings.get("error-envelope") or {})}
        if mode == "auto":
            found = majority(sites)
            assert found is not None  # sites is not empty
            convention, model = found
            expected = f"{owner} majority error shape `{render(model.shape)}`"

            def ok(site) -> bool:
                return family(site.shape) == convention or follows(site.shape, model.shape)

        else:
            expected = f"the configured error format {expected_text(mode, envelope)}"
            model = next((site for site in sites if conforms(site.shape, mode, envelope)), None)

            def ok(site) -> bool:
                return conforms(site.shape, mode, envelope)

        where = ""
        if model is not None:
            helper = f" by `{model.helper}()`" if model.helper else ""
            where = f"; that shape is built{helper} at {model.file}:{model.line}"
        for site in sites:
            if ok(site) or site.framework:
                continue
            self.report(
                Location(site.line, 1, site.line, 1),
                path=site.file,
                fix=self.fix,
                found=render(site.shape),
                status=site.status if site.status else "from the caller",
                expected=expected,
                where=where,
            )
