from __future__ import annotations

from http import HTTPStatus

import libcst as cst
from sqlglot import exp

from reviewer.apicheck import chain, code, response_parts, simple_name, sql_of
from reviewer.model import Category, Confidence, Severity
from reviewer.names import module_name_for
from reviewer.routes import HandlerScope, section, status_of
from reviewer.rule import Example, PythonRule

REGISTERED = frozenset(int(s) for s in HTTPStatus)
CLIENT_FAULTS = ("DoesNotExist", "NoResultFound", "ValidationError", "ValueError", "KeyError", "ObjectDoesNotExist",
                 "Http404", "NotFound", "MultipleObjectsReturned", "JSONDecodeError", "TypeError")
STATUS_KEYWORDS = frozenset({"status_code", "status", "code"})
# Action-style POSTs: no collection is created, 200 is right.
ACTIONS = frozenset({"login", "logout", "search", "cancel", "pay", "ship", "refresh", "token", "verify", "confirm",
                     "import", "export", "upload", "bulk", "batch", "query", "preview", "validate", "callback"})


class StatusCodeMisuse(HandlerScope, PythonRule):
    """A status code contradicts what the handler does: a 500 for a client fault (a missing
    row, invalid input), a status code that HTTP does not define, or a POST that creates a
    resource and answers 200 instead of 201. Clients, retries and alerts act on the status: a
    500 for "not found" pages the on-call engineer and makes clients retry a request that can
    never succeed.

    500s are reported inside `if x is None:` branches and `except DoesNotExist/NoResultFound/
    ValidationError/ValueError/KeyError` blocks (warning); unregistered codes such as 299 or
    420 everywhere (warning); POST handlers on a collection path (`/orders`) that insert a row
    (`session.add`, `objects.create`, SQL `INSERT`) with no 201 anywhere, as info. DRF's
    `CreateModelMixin` already answers 201 and is not reported."""

    code = "API008"
    name = "status-code-misuse"
    summary = "A status code contradicts what the handler does (a 500 for a client fault, a 200 for a create)."
    category = Category.API
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "{problem}"
    fix = (
        "Use the status that matches the outcome: 201 (with `status_code=201`) for a create, 404 for a missing "
        "row, 400/422 for invalid input, 204 for an empty delete; only registered codes"
    )
    seed = 'S1:80 "Use proper HTTP status codes"; S1:92; S4:412; S5:508'
    references = ("https://www.rfc-editor.org/rfc/rfc9110#name-status-codes", "https://opensource.zalando.com/restful-api-guidelines/#243")
    triggers = ("status", "abort", "post", "POST", "HTTPException", "jsonify", "Response")
    index_sections = ("routes",)
    invalid = (
        Example(
            "from fastapi import APIRouter, Depends\n"
            "router = APIRouter()\n"
            "\n"
            '@router.post("/users")\n'
            "def create_user(body: UserIn, db=Depends(get_db)):\n"
            "    user = User(email=body.email)\n"
            "    db.add(user)\n"
            "    db.commit()\n"
            "    return user\n",
            lines=(4,),
            note="create answered with the default 200 (info)",
        ),
        Example(
            "from fastapi import APIRouter, Depends, HTTPException\n"
            "router = APIRouter()\n"
            "\n"
            '@router.get("/users/{uid}")\n'
            "def get_user(uid: int, db=Depends(get_db)):\n"
            "    user = db.get(User, uid)\n"
            "    if user is None:\n"
            '        raise HTTPException(status_code=500, detail="user not found")\n'
            "    return user\n",
            lines=(8,),
        ),
        Example(
            "from flask import jsonify\n"
            "\n"
            "def partial():\n"
            '    return jsonify({"done": False}), 299\n',
            lines=(4,),
        ),
    )
    valid = (
        Example(
            "from fastapi import APIRouter, Depends\n"
            "router = APIRouter()\n"
            "\n"
            '@router.post("/users", status_code=201)\n'
            "def create_user(body: UserIn, db=Depends(get_db)):\n"
            "    db.add(User(email=body.email))\n"
            "    db.commit()\n",
        ),
        Example(
            "from fastapi import APIRouter, Depends, HTTPException\n"
            "router = APIRouter()\n"
            "\n"
            '@router.post("/auth/login")\n'
            "def login(body: LoginIn, db=Depends(get_db)):\n"
            "    db.add(Session(user_id=body.user_id))\n"
            "    db.commit()\n",
            note="near-miss: an action-style POST, not a collection create",
        ),
        Example(
            "from fastapi import HTTPException\n"
            "\n"
            "def charge(order):\n"
            "    try:\n"
            "        gateway.charge(order)\n"
            "    except GatewayDown:\n"
            '        raise HTTPException(status_code=502, detail="payment gateway unavailable")\n',
            note="near-miss: an upstream failure is a server-side status",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.fault_blocks: set[int] = set()
        self.fault_depth = 0
        self.state: dict | None = None

    # -- (b) client-fault branches -------------------------------------------------------
    def visit_If(self, node: cst.If) -> None:
        if _none_check(node.test):
            self.fault_blocks.add(id(node.body))

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self.fault_blocks:
            self.fault_depth += 1

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self.fault_blocks:
            self.fault_depth -= 1

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.visit_IndentedBlock(node)  # type: ignore[arg-type]

    def leave_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.leave_IndentedBlock(node)  # type: ignore[arg-type]

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.type is not None and any(name in code(self.context, node.type, 200) for name in CLIENT_FAULTS):
            self.fault_blocks.add(id(node.body))

    # -- handlers: (a) -------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        handler = self.handler
        if handler is not None and handler.node is node and handler.methods == ["POST"]:
            created = handler.status_code is not None and handler.status_code != 200
            self.state = {"handler": handler, "insert": None, "created": created, "last_return": None}

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        state = self.state
        if state is not None and state["handler"].node is node:
            self.state = None
            if state["insert"] is not None and not state["created"] and self._collection(state["handler"]):
                handler = state["handler"]
                anchor = handler.anchor if handler.kind != "method" else (state["last_return"] or handler.anchor)
                self.report(
                    anchor,
                    problem=f"POST handler `{node.name.value}` creates a resource (`{state['insert']}`) and answers 200, not 201",
                    severity=Severity.INFO,
                    fix=self.fix,
                )
        super().leave_FunctionDef(node)

    def visit_Return(self, node: cst.Return) -> None:
        if self.state is not None:
            self.state["last_return"] = node
        if isinstance(node.value, cst.Tuple) and len(node.value.elements) >= 2:
            self._status(node.value.elements[1].value, node.value.elements[1].value)

    def visit_Call(self, node: cst.Call) -> None:
        name = simple_name(self.context, node.func)
        status_node = None
        if name in ("HTTPException", "abort") and node.args:
            first = node.args[0]
            status_node = first.value if first.keyword is None or first.keyword.value == "status_code" else None
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value == "status_code":
                    status_node = arg.value
        else:
            parts = response_parts(self.context, node)
            if parts is not None:
                status_node = parts[2]
        if status_node is not None:
            self._status(status_node, node)
        if self.state is not None and self.state["insert"] is None and self._inserts(node):
            self.state["insert"] = code(self.context, node, 40)

    def _status(self, status_node: cst.BaseExpression, at: cst.CSTNode) -> None:
        value = status_of(self.context, status_node)
        if value is None:
            return
        if self.state is not None and 200 < value < 300:
            self.state["created"] = True
        if 100 <= value <= 599 and value not in REGISTERED:
            self.report(at, problem=f"`{value}` is not a registered HTTP status code", fix=self.fix)
        elif value == 500 and self.fault_depth > 0:
            self.report(
                at,
                problem="500 answers a client fault (a missing row or invalid input); use 404, 400 or 422",
                fix=self.fix,
            )

    def _inserts(self, node: cst.Call) -> bool:
        if self.context.sink(node) is not None:
            return isinstance(sql_of(self.context, node), exp.Insert)
        if not isinstance(node.func, cst.Attribute):
            return False
        links = [name for name, _ in chain(node)]
        method = node.func.attr.value
        receiver = links[-2].lower() if len(links) >= 2 else ""
        if method in ("add", "add_all") and ("session" in receiver or receiver == "db"):
            return True
        return method in ("create", "bulk_create") and "objects" in links

    def _collection(self, handler) -> bool:
        path = handler.path
        wanted = f"{module_name_for(self.context.path)}.{handler.node.name.value}"
        for route in section(self.context.index)["routes"]:
            if route["file"] == self.context.path and (route["handler"] == wanted or route["handler"].rsplit(".", 1)[0] == wanted.rsplit(".", 1)[0] and handler.kind == "method"):
                path = route["path"]
                break
        segments = [s for s in path.split("/") if s]
        if not segments:
            return False
        last = segments[-1]
        if last.startswith(("{", "<")) or last.lower() in ACTIONS or any(a in last.lower() for a in ACTIONS):
            return False
        return last.endswith("s")


def _none_check(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        return isinstance(target.operator, cst.Is) and isinstance(target.comparator, cst.Name) and target.comparator.value == "None"
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return isinstance(test.expression, (cst.Name, cst.Attribute))
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        return _none_check(test.left)
    return False
