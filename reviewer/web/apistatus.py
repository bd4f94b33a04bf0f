"""Status codes a route handler answers with, shared by API008 (a status that contradicts the
outcome) and API015 (a create answered with 200)."""

from __future__ import annotations

import re
from http import HTTPStatus

import libcst as cst
from sqlglot import exp

from reviewer.web.apicheck import chain, code, response_parts, simple_name, sql_of
from reviewer.model import Severity
from reviewer.names import module_name_for
from reviewer.web.routes import RoutesProvider
from reviewer.web.handlers import HandlerScope, status_of

REGISTERED = frozenset(int(s) for s in HTTPStatus)
# Unregistered codes a client library the module speaks to gives a meaning: htmx stops polling
# on 286 (https://htmx.org/docs/#polling); a module that reads or sets an `HX-` header speaks htmx.
CLIENT_CONVENTIONS = {286: re.compile(r"""["']HX-[A-Za-z-]+["']|\.htmx\b""")}
CLIENT_FAULTS = ("DoesNotExist", "NoResultFound", "ValidationError", "ValueError", "KeyError", "ObjectDoesNotExist",
                 "Http404", "NotFound", "MultipleObjectsReturned", "JSONDecodeError", "TypeError")
# Calls whose None / empty answer means "no such row or item" (a client fault when the key came
# from the client).
LOOKUPS = frozenset({"get", "get_or_none", "find_one", "fetchrow", "fetch_one", "fetchval"})
LOOKUP_PREFIXES = ("get_", "find_", "lookup_", "load_")
ROW_FETCHES = frozenset({"first", "one_or_none", "scalar", "scalar_one_or_none", "fetchone", "one", "get"})
NOT_KEYS = frozenset({"request", "self", "cls", "session", "db", "conn", "connection", "cursor", "settings"})
# Action-style POSTs: no collection is created, 200 is right.
ACTIONS = frozenset({"login", "logout", "search", "cancel", "pay", "ship", "refresh", "token", "verify", "confirm",
                     "import", "export", "upload", "bulk", "batch", "query", "preview", "validate", "callback"})


class StatusChecks(HandlerScope):
    """The walk both rules share; `creates` picks which findings a rule reports."""

    creates = False

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.fault_blocks: set[int] = set()
        self.fault_depth = 0
        self.state: dict | None = None

    # -- (b) client-fault branches -------------------------------------------------------
    def visit_If(self, node: cst.If) -> None:
        checked = _none_checked(node.test)
        if checked is not None and self._looked_up_by_client(checked):
            self.fault_blocks.add(id(node.body))

    def _looked_up_by_client(self, name: str) -> bool:
        """`name` holds the result of a lookup keyed by client data (`user = db.get(User, uid)`
        with `uid` a path parameter): its absence is the client's fault. A value missing for
        any other reason (a system row, a registered callback, an upstream answer) is a
        server-side failure, where 500 is right."""
        found = self.context.scopes.lookup(name)
        if found is None or found[0] is self.context.scopes.module:
            return False
        for assignment in found[1]:
            value = assignment.value.expression if isinstance(assignment.value, cst.Await) else assignment.value
            fetches_a_row = False
            while (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
                   and value.func.attr.value in ROW_FETCHES and isinstance(value.func.value, cst.Call)):
                fetches_a_row = True  # `...filter_by(id=uid).first()`: the key is inside
                value = value.func.value
            if not isinstance(value, cst.Call) or not (fetches_a_row or _lookup_name(value.func)):
                continue
            calls = [call for _, call in chain(value) if call is not None]
            if any(self._client_key(arg.value) for call in calls for arg in call.args):
                return True
        return False

    def _client_key(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Name) and expr.value in NOT_KEYS:
            return False
        return self.context.is_request_data(expr)

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
            if self.creates and state["insert"] is not None and not state["created"] and self._collection(state["handler"]):
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
        if self.creates:
            return
        convention = CLIENT_CONVENTIONS.get(value)
        if convention is not None and convention.search(self.context.text):
            return
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
        for route in RoutesProvider.of(self.context.index).routes:
            if route.file == self.context.path and (route.handler == wanted or route.handler.rsplit(".", 1)[0] == wanted.rsplit(".", 1)[0] and handler.kind == "method"):
                path = route.path
                break
        segments = [s for s in path.split("/") if s]
        if not segments:
            return False
        last = segments[-1]
        if last.startswith(("{", "<")) or last.lower() in ACTIONS or any(a in last.lower() for a in ACTIONS):
            return False
        return last.endswith("s")


def _none_checked(test: cst.BaseExpression) -> str | None:
    """The local name a `x is None` / `not x` test checks."""
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        if isinstance(target.operator, cst.Is) and isinstance(target.comparator, cst.Name) and target.comparator.value == "None":
            return test.left.value if isinstance(test.left, cst.Name) else None
        return None
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return test.expression.value if isinstance(test.expression, cst.Name) else None
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        return _none_checked(test.left)
    return None


def _lookup_name(func: cst.BaseExpression) -> bool:
    """A call that fetches one row or item by a key: `get`, `first`, `get_user`, `find_by_email`..."""
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    return name in LOOKUPS or name.startswith(LOOKUP_PREFIXES)
