from __future__ import annotations

import libcst as cst

from reviewer.web.apicheck import RAW_ATTRIBUTES, RAW_CALLS, code, names_in, simple_name, subtree
from reviewer.model import Category, Confidence, Severity
from reviewer.web.handlers import HandlerScope
from reviewer.rule import Example, Needs, PythonRule

VALIDATING_METHODS = frozenset({"model_validate", "model_validate_json", "parse_obj", "parse_raw", "validate",
                                "load", "validate_python", "structure", "from_dict", "is_valid"})
VALIDATING_SUFFIXES = ("Serializer", "Form", "Schema", "In", "Create", "Update", "Request", "Payload", "Input", "Model", "Body", "Params")
VALIDATING_DECORATORS = frozenset({"use_args", "use_kwargs", "arguments", "input", "expects", "validate", "validate_json", "accepts", "body"})


class UnvalidatedRequestBody(HandlerScope, PythonRule):
    """A handler uses the raw request payload without passing it through a schema. Whatever the
    client sends then reaches business logic and the database as it is: missing keys become
    500s, wrong types become corrupt rows, extra keys slip through, and every handler re-does
    (or forgets) the same checks.

    Raw payloads are `await request.json()`/`form()` (FastAPI/Starlette), Flask
    `request.json`/`get_json()`/`form`/`values`, DRF `request.data` and Django `request.POST`/
    `request.body`. A handler is clean when the payload goes through a validator: a pydantic
    model (`Model(**data)`, `model_validate`), a marshmallow schema `load`, a DRF serializer or
    Django form (`data=...` then `is_valid()`), or a validating decorator (webargs `use_args`,
    flask-smorest `arguments`, APIFlask `input`). Reported once per handler, at the first raw
    read.

    Opt-in: its field precision on the ecosystem check's tuned projects is 0.10 (strict 0.10)
    over 10 judged of 19 findings (`bench/ecosystem/verdicts.tsv`, scan `apiorm-4`), under the
    0.85 a default rule needs: the false ones hand the request data to a Django form, a
    serializer in a callee, or check a redirect target with `url_has_allowed_host_and_scheme`."""

    code = "API010"
    opt_in = True
    name = "unvalidated-request-body"
    summary = "A handler uses the raw request payload without passing it through a schema."
    category = Category.API
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "Raw request payload `{read}` is used in `{handler}` without a schema"
    fix = (
        "Validate at the boundary: a pydantic body model (`def create(body: OrderIn)`), "
        "`OrderIn.model_validate(request.get_json())`, a marshmallow `schema.load(...)`, or a DRF serializer "
        "(`s = OrderSerializer(data=request.data); s.is_valid(raise_exception=True)`)"
    )
    seed = 'S1:74 "Always validate and sanitize input data"; S3:299; S4:450'
    references = ("https://cheatsheetseries.owasp.org/cheatsheets/Input_Validation_Cheat_Sheet.html",)
    needs = Needs.words("request")
    index_sections = ("routes",)
    invalid = (
        Example(
            "from fastapi import FastAPI, Request\n"
            "app = FastAPI()\n"
            "\n"
            '@app.post("/orders")\n'
            "async def create_order(request: Request, db=Depends(get_session)):\n"
            "    data = await request.json()\n"
            '    db.add(Order(user_id=data["user_id"], total=data["total"]))\n',
            lines=(6,),
        ),
        Example(
            "from flask import Blueprint, request, jsonify\n"
            'bp = Blueprint("accounts", __name__)\n'
            "\n"
            '@bp.post("/accounts")\n'
            "def create_account():\n"
            "    data = request.get_json()\n"
            '    insert_account(data["holder_name"], data.get("email"))\n'
            '    return jsonify({"ok": True}), 201\n',
            lines=(6,),
        ),
        Example(
            "from rest_framework.decorators import api_view\n"
            "from rest_framework.response import Response\n"
            "\n"
            '@api_view(["POST"])\n'
            "def checkout(request):\n"
            '    cart = request.data.get("items", [])\n'
            "    return Response(place(cart), status=201)\n",
            lines=(6,),
        ),
    )
    valid = (
        Example(
            "from flask import Blueprint, request, jsonify\n"
            'bp = Blueprint("accounts", __name__)\n'
            "\n"
            '@bp.post("/accounts")\n'
            "def create_account():\n"
            "    body = AccountIn.model_validate(request.get_json())\n"
            "    insert_account(body.holder_name, body.email)\n"
            '    return jsonify({"ok": True}), 201\n',
        ),
        Example(
            "from rest_framework.decorators import api_view\n"
            "from rest_framework.response import Response\n"
            "\n"
            '@api_view(["POST"])\n'
            "def checkout(request):\n"
            "    serializer = CheckoutSerializer(data=request.data)\n"
            "    serializer.is_valid(raise_exception=True)\n"
            "    return Response(place(serializer.validated_data), status=201)\n",
            note="near-miss: a serializer validates the payload",
        ),
        Example(
            "from flask import request\n"
            "\n"
            "def helper():\n"
            '    return request.get_json().get("x")\n',
            note="near-miss: not a handler",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.state: dict | None = None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        handler = self.handler
        if handler is None or handler.node is not node:
            return
        validated = False
        for decorator in node.decorators:
            target = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            if simple_name(self.context, target) in VALIDATING_DECORATORS:
                validated = True
        self.state = {"handler": handler, "raw": None, "tainted": set(), "validated": validated}

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        state = self.state
        if state is not None and state["handler"].node is node:
            if state["raw"] is not None and not state["validated"]:
                self.report(state["raw"], read=code(self.context, state["raw"], 40), handler=node.name.value, fix=self.fix)
            self.state = None
        super().leave_FunctionDef(node)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        self.tests = getattr(self, "tests", 0) + 1

    def leave_Comparison(self, node: cst.Comparison) -> None:
        self.tests -= 1

    def visit_Attribute(self, node: cst.Attribute) -> None:
        # `"save" in request.POST`, `request.POST.get("action") == ...`: dispatch on a
        # submit button, not payload reaching the business logic.
        if self.state is None or self.state["raw"] is not None or getattr(self, "tests", 0):
            return
        if node.attr.value in RAW_ATTRIBUTES and self._is_request(node.value):
            self.state["raw"] = node

    def visit_Call(self, node: cst.Call) -> None:
        state = self.state
        if state is None:
            return
        func = node.func
        if (
            state["raw"] is None
            and not getattr(self, "tests", 0)
            and isinstance(func, cst.Attribute)
            and func.attr.value in RAW_CALLS
            and self._is_request(func.value)
        ):
            state["raw"] = node
        name = simple_name(self.context, func)
        if name in VALIDATING_METHODS and name != "load" or (name == "load" and not self._is_json_module(func)):
            if name == "is_valid" or any(self._carries_raw(arg.value) for arg in node.args):
                state["validated"] = True
        elif name[:1].isupper() and name.endswith(VALIDATING_SUFFIXES):
            if any(self._carries_raw(arg.value) for arg in node.args):
                state["validated"] = True

    def leave_Assign(self, node: cst.Assign) -> None:
        if self.state is None:
            return
        if self._carries_raw(node.value):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.state["tainted"].add(target.target.value)

    def _carries_raw(self, expr: cst.BaseExpression) -> bool:
        state = self.state
        assert state is not None
        if names_in(expr) & state["tainted"]:
            return True
        for item in subtree(expr):
            if isinstance(item, cst.Attribute) and item.attr.value in RAW_ATTRIBUTES | RAW_CALLS and self._is_request(item.value):
                return True
        return False

    def _is_request(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Name):
            if self.context.resolve(expr) in ("flask.request", "quart.request"):
                return True
            parameter = self.context.scopes.parameter(expr.value)
            return parameter is not None and (expr.value in ("request", "req") or _annotated_request(parameter.annotation))
        return False

    def _is_json_module(self, func: cst.BaseExpression) -> bool:
        return isinstance(func, cst.Attribute) and (self.context.resolve(func.value) or "") in ("json", "yaml", "pickle", "orjson", "ujson")


def _annotated_request(annotation: cst.BaseExpression | None) -> bool:
    return isinstance(annotation, (cst.Name, cst.Attribute)) and (
        (annotation.value if isinstance(annotation, cst.Name) else annotation.attr.value) in ("Request", "HttpRequest", "WSGIRequest")
    )
