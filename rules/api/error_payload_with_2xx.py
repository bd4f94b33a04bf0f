from __future__ import annotations

import libcst as cst

from reviewer.web.apicheck import code, is_error_body, is_errors_document, is_graphql_module, response_parts
from reviewer.model import Category, Confidence, Severity
from reviewer.web.handlers import HandlerScope, status_of
from reviewer.rule import Example, Needs, PythonRule


PROJECT_RESPONSE = (
    "from django.http import HttpResponse\n"
    "\n"
    "class JSONResponse(HttpResponse):\n"
    "    def __init__(self, content=b\"\", *args, **kwargs):\n"
    "        kwargs[\"content_type\"] = \"application/json\"\n"
    "        super().__init__(json.dumps(content), *args, **kwargs)\n"
)
NOTIFICATIONS = (
    "from django.views.generic import View\n"
    "from shop.utils.response import JSONResponse\n"
    "\n"
    "class NotificationView(View):\n"
    "    def get(self, request):\n"
    "        if not request.user.is_authenticated:\n"
    "            return JSONResponse({\"error\": \"Access denied\"}, status=401)\n"
    "        return JSONResponse({\"notifications\": []})\n"
)


class ErrorPayloadWith2xx(HandlerScope, PythonRule):
    """A handler sends an error body with a success status, usually the framework's default
    200. Clients, caches, retries and monitoring read the status line, not the body: the
    failure is counted as a success, cached, and never alerted on.

    An error body is a dict literal with an `error`/`errors` member, `success: False`,
    `ok: False` or `status: "error"`. It is reported when a handler returns it bare (200 in
    FastAPI and Flask), through `jsonify(...)` without a status, `JSONResponse`/`Response`/
    `JsonResponse` without a status, or with an explicit 2xx. Bodies that also carry `data`
    (GraphQL, partial results) are not reported, nor GraphQL `{"errors": [...]}` responses in a
    module that imports a GraphQL library: GraphQL over HTTP sends them with 200.

    Opt-in: its field precision on the ecosystem check's tuned projects is 0.50 (strict 0.00)
    over 2 judged of 2 findings (`bench/ecosystem/verdicts.tsv`, scan `apiorm-4`), under the
    0.85 a default rule needs: the findings are admin AJAX protocols that re-render a form with
    `success: False` and 200, a matter of taste.

    A response class of the project's own is read as the framework response it derives from,
    across modules: arches' `JSONResponse(HttpResponse)` takes Django's `status=`."""

    code = "API006"
    opt_in = True
    name = "error-payload-with-2xx"
    summary = "A handler sends an error body with a success status."
    category = Category.API
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    message = "Error body `{body}` is sent with status {status}"
    fix = (
        "Send the error with a 4xx/5xx status: `return JSONResponse(status_code=402, content={...})`, "
        "`return jsonify({...}), 409`, `Response({...}, status=status.HTTP_409_CONFLICT)`, or raise the "
        "project's API exception"
    )
    seed = 'S1:80 "Use proper HTTP status codes"; S1:92; S2:167'
    references = ("https://www.rfc-editor.org/rfc/rfc9110#name-status-codes",)
    needs = Needs.words("error", "success", "ok")
    index_sections = ("routes",)
    invalid = (
        Example(
            "from fastapi import FastAPI\n"
            "app = FastAPI()\n"
            "\n"
            '@app.post("/charges")\n'
            "def charge(body: ChargeIn):\n"
            "    try:\n"
            "        return gateway.charge(body.amount)\n"
            "    except CardDeclined:\n"
            '        return {"error": {"code": "CARD_DECLINED", "message": "Card was declined"}}\n',
            lines=(9,),
        ),
        Example(
            "from flask import Blueprint, jsonify\n"
            'bp = Blueprint("accounts", __name__)\n'
            "\n"
            '@bp.post("/transfers")\n'
            "def transfer():\n"
            '    return jsonify({"error": "insufficient funds"})\n',
            lines=(6,),
        ),
        Example(
            "from rest_framework.decorators import api_view\n"
            "from rest_framework.response import Response\n"
            "\n"
            '@api_view(["POST"])\n'
            "def checkout(request):\n"
            '    return Response({"success": False, "reason": "out of stock"}, status=200)\n',
            lines=(6,),
        ),
        Example(
            NOTIFICATIONS.replace(", status=401)", ")"),
            path="shop/views.py",
            files=(("shop/__init__.py", ""), ("shop/utils/__init__.py", ""), ("shop/utils/response.py", PROJECT_RESPONSE),
                   ("shop/urls.py", "from django.urls import path\nfrom shop.views import NotificationView\n"
                    "urlpatterns = [path(\"notifications/\", NotificationView.as_view())]\n")),
            lines=(7,),
            note="the project's own JSONResponse (a Django HttpResponse) without a status: 200",
        ),
    )
    valid = (
        Example(
            "from fastapi import FastAPI\n"
            "from fastapi.responses import JSONResponse\n"
            "app = FastAPI()\n"
            "\n"
            '@app.post("/charges")\n'
            "def charge(body: ChargeIn):\n"
            '    return JSONResponse(status_code=402, content={"error": {"code": "CARD_DECLINED", "message": "Declined"}})\n',
        ),
        Example(
            "from flask import Blueprint, jsonify\n"
            'bp = Blueprint("accounts", __name__)\n'
            "\n"
            '@bp.post("/transfers")\n'
            "def transfer():\n"
            '    return jsonify({"error": "insufficient funds"}), 409\n',
            note="near-miss: the tuple carries the status",
        ),
        Example(
            "from flask import Blueprint, jsonify\n"
            'bp = Blueprint("imports", __name__)\n'
            "\n"
            '@bp.post("/imports")\n'
            "def run_import():\n"
            '    return jsonify({"imported": 3, "errors": []})\n',
            note="near-miss: an empty `errors` list is a success report",
        ),
        Example(
            "from flask import Blueprint, jsonify, request\n"
            "from graphql import graphql_sync\n"
            'bp = Blueprint("graphql", __name__)\n'
            "\n"
            '@bp.post("/graphql")\n'
            "def graphql_view():\n"
            "    result = graphql_sync(schema, request.json[\"query\"])\n"
            "    if result.errors:\n"
            '        return jsonify({"errors": [e.formatted for e in result.errors]})\n'
            '    return jsonify({"data": result.data})\n',
            note="near-miss: a GraphQL response; GraphQL over HTTP sends errors with 200",
        ),
        Example(
            NOTIFICATIONS,
            path="shop/views.py",
            files=(("shop/__init__.py", ""), ("shop/utils/__init__.py", ""), ("shop/utils/response.py", PROJECT_RESPONSE),
                   ("shop/urls.py", "from django.urls import path\nfrom shop.views import NotificationView\n"
                    "urlpatterns = [path(\"notifications/\", NotificationView.as_view())]\n")),
            note="near-miss: the project's own JSONResponse derives from Django's HttpResponse, whose status keyword is "
            "`status=` (not Starlette's `status_code=`) (arches)",
        ),
    )

    def visit_Return(self, node: cst.Return) -> None:
        handler = self.handler
        if handler is None or node.value is None:
            return
        value = node.value
        status = handler.status_code or 200
        if isinstance(value, cst.Tuple):
            if len(value.elements) < 2:
                return
            explicit = status_of(self.context, value.elements[1].value)
            if explicit is None:
                return
            status = explicit
            value = value.elements[0].value
        if isinstance(value, cst.Dict):
            if handler.kind in ("route",) and is_error_body(value) and 200 <= status < 300:
                self._report(value, status)
            return
        if isinstance(value, cst.Call):
            parts = response_parts(self.context, value)
            if parts is None:
                return
            _, body, status_node = parts
            if status_node is not None:
                explicit = status_of(self.context, status_node)
                if explicit is None:
                    return
                status = explicit
            elif node.value is value:
                status = 200
            if is_error_body(body) and 200 <= status < 300:
                self._report(body, status)

    def _report(self, body: cst.BaseExpression, status: int) -> None:
        if is_errors_document(body) and is_graphql_module(self.context):
            return
        self.report(body, body=code(self.context, body, 50), status=status, fix=self.fix)
