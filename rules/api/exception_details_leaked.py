from __future__ import annotations

import libcst as cst

from reviewer.apicheck import RESPONSES, code, simple_name, subtree
from reviewer.model import Category, Confidence, Severity
from reviewer.routes import HandlerScope
from reviewer.rule import Example, PythonRule

# Calls that carry text to the client.
# (Not `ValidationError`: validators wrap the parse error of the client's own input on purpose.)
CLIENT_SINKS = frozenset({*RESPONSES, "HTTPException", "abort", "APIException", "HttpResponseBadRequest"})
# Exceptions whose text is written for clients.
CLIENT_SAFE = ("ValidationError", "ValueError", "HTTPException", "APIException", "ClientError", "UserError", "ApiError",
               "APIError", "BadRequest", "PermissionDenied", "NotFound", "Http404")
SAFE_ATTRIBUTES = frozenset({"errors", "messages", "detail", "message_dict", "normalized_messages", "description",
                             "code", "status_code"})
TRACEBACKS = frozenset({"traceback.format_exc", "traceback.format_exception", "traceback.format_tb",
                        "traceback.print_exc", "sys.exc_info"})


class ExceptionDetailsLeaked(HandlerScope, PythonRule):
    """An exception's text or a traceback is put in a response to the client. Exception
    messages carry SQL, hostnames, file paths, internal ids and library versions; tracebacks
    carry the code itself. They help attackers and confuse users, and the real error belongs
    in the log with the request id.

    Inside an `except ... as e:` block, `str(e)`, `repr(e)`, `e.args`, `f"{e}"` or a traceback
    (`traceback.format_exc()`) that reaches `HTTPException(detail=...)`, `abort(...)`,
    `JSONResponse`/`jsonify`/`Response`/`JsonResponse` or a dict the handler returns is
    reported. Exceptions whose messages are client-facing by design (validation errors, the
    project's own API error classes, `HTTPException`) and their `.errors()`/`.messages`/`.detail`
    are allowed."""

    code = "API007"
    name = "exception-details-leaked"
    category = Category.API
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "`{leak}` sends the text of the caught `{exception}` to the client"
    fix = (
        'Log the exception (`logger.exception("charge failed")`) and return a fixed message: '
        '`{"error": {"code": "INTERNAL", "message": "Something went wrong", "request_id": ...}}`'
    )
    seed = 'S1:111 "User-friendly error message"; S5:513; Zalando #177 "MUST not expose stack traces"'
    references = ("https://cwe.mitre.org/data/definitions/209.html", "https://opensource.zalando.com/restful-api-guidelines/#177")
    triggers = ("except",)
    index_sections = ("routes", "error_shapes")
    invalid = (
        Example(
            "from fastapi.responses import JSONResponse\n"
            "\n"
            "def charge(body):\n"
            "    try:\n"
            "        return gateway.charge(body.amount)\n"
            "    except Exception as e:\n"
            '        return JSONResponse({"error": {"code": "INTERNAL", "message": str(e)}}, status_code=500)\n',
            lines=(7,),
        ),
        Example(
            "import traceback\n"
            "from flask import jsonify\n"
            "\n"
            "def report():\n"
            "    try:\n"
            "        return build()\n"
            "    except Exception:\n"
            '        return jsonify({"error": traceback.format_exc()}), 500\n',
            lines=(8,),
            note="a traceback: high severity",
        ),
        Example(
            "from fastapi import HTTPException\n"
            "\n"
            "def pay(order):\n"
            "    try:\n"
            "        charge(order)\n"
            "    except PaymentError as e:\n"
            '        raise HTTPException(status_code=502, detail=f"gateway said {e}")\n',
            lines=(7,),
        ),
    )
    valid = (
        Example(
            "from fastapi.responses import JSONResponse\n"
            "\n"
            "def charge(body):\n"
            "    try:\n"
            "        return gateway.charge(body.amount)\n"
            "    except Exception:\n"
            '        logger.exception("charge failed")\n'
            '        return JSONResponse({"error": {"code": "INTERNAL", "message": "Something went wrong"}}, status_code=500)\n',
        ),
        Example(
            "from flask import jsonify\n"
            "from marshmallow import ValidationError\n"
            "\n"
            "def create():\n"
            "    try:\n"
            "        data = schema.load(request.json)\n"
            "    except ValidationError as err:\n"
            '        return jsonify({"error": {"code": "INVALID", "details": err.messages}}), 400\n',
            note="near-miss: validation messages are written for clients",
        ),
        Example(
            "def sync():\n"
            "    try:\n"
            "        pull()\n"
            "    except Exception as e:\n"
            '        logger.warning("pull failed: %s", str(e))\n',
            note="near-miss: the text goes to the log, not the client",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.excepts: list[tuple[str | None, str]] = []
        self.functions: list[bool] = []
        self.seen: set[int] = set()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        name = node.name.name.value if node.name is not None and isinstance(node.name.name, cst.Name) else None
        caught = code(self.context, node.type, 80) if node.type is not None else "Exception"
        self.excepts.append((name, caught))

    def leave_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.excepts.pop()

    def visit_Call(self, node: cst.Call) -> None:
        if not self.excepts:
            return
        name = simple_name(self.context, node.func)
        if name not in CLIENT_SINKS and name not in self._helpers():
            return
        self._check(node)

    def visit_Return(self, node: cst.Return) -> None:
        if self.excepts and self.handler is not None and isinstance(node.value, (cst.Dict, cst.Tuple)):
            self._check(node.value)

    def _helpers(self) -> set[str]:
        """The project's error helpers (`api_error(code, message, status)`): they reach the client too."""
        if not hasattr(self, "_helper_names"):
            sites = (self.context.index.section("error_shapes") or {}).get("sites", [])
            self._helper_names = {site["helper"] for site in sites if site.get("helper")}
        return self._helper_names

    def _check(self, container: cst.CSTNode) -> None:
        exception, caught = self.excepts[-1]
        safe = any(part in caught for part in CLIENT_SAFE)
        for item in subtree(container):
            if id(item) in self.seen:
                continue
            leak = self._leak(item, exception)
            if leak is None:
                continue
            traceback = leak == "traceback"
            if safe and not traceback:
                continue
            self.seen.add(id(item))
            self.report(
                item,
                leak=code(self.context, item, 50),
                exception=caught,
                severity=Severity.HIGH if traceback else None,
                fix=self.fix,
            )
            return

    def _leak(self, item: cst.CSTNode, exception: str | None) -> str | None:
        if isinstance(item, cst.Call) and isinstance(item.func, (cst.Name, cst.Attribute)):
            qualified = self.context.resolve(item.func) or ""
            if qualified in TRACEBACKS:
                return "traceback"
            if exception and isinstance(item.func, cst.Name) and item.func.value in ("str", "repr") and item.args:
                if self._is_exception(item.args[0].value, exception):
                    return "text"
        if exception and isinstance(item, cst.FormattedString):
            for part in item.parts:
                if isinstance(part, cst.FormattedStringExpression) and self._is_exception(part.expression, exception):
                    return "text"
        if exception and isinstance(item, cst.Attribute) and item.attr.value == "args":
            if self._is_exception(item.value, exception):
                return "text"
        return None

    @staticmethod
    def _is_exception(expr: cst.BaseExpression, exception: str) -> bool:
        return isinstance(expr, cst.Name) and expr.value == exception
