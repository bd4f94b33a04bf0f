from __future__ import annotations

import builtins

import libcst as cst

from reviewer.web.apicheck import RESPONSES, code, simple_name, subtree
from reviewer.model import Category, Confidence, Severity
from reviewer.names import module_name_for
from reviewer.web.handlers import HandlerScope
from reviewer.rule import Example, Needs, PythonRule
from reviewer.web.errorshape import ErrorShapesProvider

# Calls that carry text to the client.
# (Not `ValidationError`: validators wrap the parse error of the client's own input on purpose.)
CLIENT_SINKS = frozenset({*RESPONSES, "HTTPException", "abort", "APIException", "HttpResponseBadRequest"})
# Exceptions whose text is written for clients.
CLIENT_SAFE = ("ValidationError", "ValueError", "HTTPException", "APIException", "ClientError", "UserError", "ApiError",
               "APIError", "BadRequest", "PermissionDenied", "NotFound", "Http404")
BUILTIN_EXCEPTIONS = frozenset(name for name in dir(builtins) if name.endswith(("Error", "Exception", "Exit", "Warning")))
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
    are allowed, and so are the project's own exception classes (`DagRunTypeNotAllowed`,
    `HydrationError` defined in the scanned code): their messages are written by the project
    for its callers. What is reported is the text of broad catches (`Exception`), of builtin
    errors (`KeyError`, `OSError`) and of library exceptions (a driver's or an HTTP client's),
    whose text nobody wrote for the client.

    Opt-in: its field precision on the ecosystem check's tuned projects is 0.50 (strict 0.33)
    over 3 judged of 3 findings (`bench/ecosystem/verdicts.tsv`, scan `apiorm-4`), under the
    0.85 a default rule needs: the remaining ones send the text of a `TypeError` raised while
    processing the caller's own input, which is seldom sensitive."""

    code = "API007"
    opt_in = True
    name = "exception-details-leaked"
    summary = "An exception's text or a traceback is put in a response to the client."
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
    needs = Needs(syntax=("ExceptHandler",)) | Needs.words("except")
    index_sections = ("routes", "error_shapes", "files")
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
            "from stripe.error import StripeError\n"
            "\n"
            "def pay(order):\n"
            "    try:\n"
            "        charge(order)\n"
            "    except StripeError as e:\n"
            '        raise HTTPException(status_code=502, detail=f"gateway said {e}")\n',
            lines=(8,),
            note="a library's exception: its text was not written for this API's clients",
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
        Example(
            "from fastapi import HTTPException\n"
            "from app.errors import BackfillConflict\n"
            "\n"
            "def backfill(body):\n"
            "    try:\n"
            "        schedule(body)\n"
            "    except BackfillConflict as e:\n"
            "        raise HTTPException(status_code=409, detail=str(e))\n",
            path="app/routes.py",
            files=(("app/errors.py", "class BackfillConflict(Exception):\n    pass\n"),),
            note="near-miss: the project's own domain exception; its message is written for the caller",
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
        if node.type is not None and self._project_exceptions(node.type):
            name = None  # the project's own exceptions carry messages written for callers
        self.excepts.append((name, caught))

    def _project_exceptions(self, node: cst.BaseExpression) -> bool:
        """Every caught type is an exception class the scanned project defines."""
        types = [e.value for e in node.elements] if isinstance(node, cst.Tuple) else [node]
        if not types or not all(isinstance(t, (cst.Name, cst.Attribute)) for t in types):
            return False
        modules = self._project_modules()
        for item in types:
            qualified = self.context.resolve(item) or ""
            if "." not in qualified:
                if qualified in BUILTIN_EXCEPTIONS or qualified.startswith("_") or not qualified:
                    return False
                continue  # a class of this module
            if qualified.rsplit(".", 1)[0] not in modules:
                return False
        return True

    def _project_modules(self) -> set[str]:
        """Module names of the scanned files, also without a leading source folder
        (`src.airflow.exceptions` is imported as `airflow.exceptions`)."""
        if not hasattr(self, "_modules"):
            found: set[str] = set()
            for item in self.context.index.files if self.context.index is not None else ():
                if item.path.endswith(".py"):
                    parts = module_name_for(item.path).split(".")
                    found.update(".".join(parts[start:]) for start in range(len(parts) - 1))
                    found.add(".".join(parts))
            self._modules = found
        return self._modules

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
            self._helper_names = ErrorShapesProvider.of(self.context.index).helper_names()
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
