from __future__ import annotations

import re

import libcst as cst
from sqlglot import exp

from reviewer.web.apicheck import chain, code, simple_name, sql_of
from reviewer.model import Category, Confidence, Severity
from reviewer.web.handlers import HandlerScope
from reviewer.rule import Example, Needs, PythonRule

# Method names that write through an ORM session or a model instance.
SESSION_WRITES = frozenset({"commit", "add", "add_all", "merge", "bulk_save_objects", "bulk_insert_mappings", "flush"})
MODEL_WRITES = frozenset({"save", "delete"})
QUERYSET_WRITES = frozenset({"create", "update", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"})
TASKS = frozenset({"delay", "apply_async", "send_mail", "send_task"})
# GETs that write by necessity (links in emails, OAuth redirects) or only count views.
BY_NECESSITY = re.compile(r"(^|[/_\-])(verify|confirm|callback|unsubscribe|activate|oauth|login|logout|authorize|redirect)", re.I)


class UnsafeGetMutatesState(HandlerScope, PythonRule):
    """A GET handler writes: it commits, saves, deletes, creates rows, runs `INSERT`/`UPDATE`/
    `DELETE` or enqueues a task. GET is safe by contract: browsers prefetch it, crawlers follow
    it, caches and proxies replay it and clients retry it freely, so the write happens when
    nobody asked for it, and CSRF protection (which skips safe methods) does not cover it.

    GET handlers come from the route index: FastAPI/Flask `get` routes (and `route` without
    `methods`), DRF `@api_view(["GET"])`, `@action(methods=["get"])`, `get`/`list`/`retrieve`
    of class-based views, and Django views under `require_GET`. Paths for email verification,
    OAuth callbacks and unsubscribe links are not reported.

    Opt-in: its field precision on the ecosystem check's tuned projects is 0.83 (strict 0.67)
    over 3 judged of 3 findings (`bench/ecosystem/verdicts.tsv`, scan `apiorm-4`), under the
    0.85 a default rule needs: the debatable one marks a notification read on a click-through
    GET."""

    code = "API009"
    opt_in = True
    name = "unsafe-get-mutates-state"
    summary = "A GET handler writes: it commits, saves, deletes, creates rows or enqueues a task."
    category = Category.API
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "GET handler `{handler}` writes state: `{write}`"
    fix = (
        'Move the write to a POST/PUT/PATCH route (`@router.post("/orders/{order_id}/refresh", status_code=204)`) '
        "and keep the GET read-only"
    )
    seed = 'S1:90 "Use proper HTTP verbs (GET, POST, PUT, PATCH, DELETE)"; S2:167'
    references = ("https://www.rfc-editor.org/rfc/rfc9110#name-safe-methods",)
    needs = Needs.words("get", "GET")
    index_sections = ("routes",)
    invalid = (
        Example(
            "from fastapi import FastAPI, Depends\n"
            "app = FastAPI()\n"
            "\n"
            '@app.get("/users/{uid}/deactivate")\n'
            "def deactivate(uid: int, db=Depends(get_db)):\n"
            "    db.get(User, uid).active = False\n"
            "    db.commit()\n",
            lines=(4,),
        ),
        Example(
            "from flask import Blueprint, jsonify\n"
            'bp = Blueprint("reports", __name__)\n'
            "\n"
            '@bp.get("/reconcile/<int:account_id>")\n'
            "def reconcile(account_id):\n"
            "    cur = get_conn().cursor()\n"
            '    cur.execute("UPDATE entries SET reconciled = true WHERE account_id = %s", (account_id,))\n'
            '    return jsonify({"ok": True})\n',
            lines=(4,),
            note="raw SQL UPDATE",
        ),
        Example(
            "from rest_framework import viewsets\n"
            "from rest_framework.decorators import action\n"
            "\n"
            "class ProductViewSet(viewsets.ModelViewSet):\n"
            '    @action(detail=True, methods=["get"])\n'
            "    def stock_check(self, request, pk=None):\n"
            "        product = self.get_object()\n"
            "        product.is_active = False\n"
            '        product.save(update_fields=["is_active"])\n',
            lines=(5,),
        ),
    )
    valid = (
        Example(
            "from fastapi import FastAPI, Depends\n"
            "app = FastAPI()\n"
            "\n"
            '@app.post("/users/{uid}/deactivate", status_code=204)\n'
            "def deactivate(uid: int, db=Depends(get_db)):\n"
            "    db.get(User, uid).active = False\n"
            "    db.commit()\n",
        ),
        Example(
            "from fastapi import FastAPI, Depends\n"
            "app = FastAPI()\n"
            "\n"
            '@app.get("/email/verify/{token}")\n'
            "def verify_email(token: str, db=Depends(get_db)):\n"
            "    db.get(Token, token).used = True\n"
            "    db.commit()\n",
            note="near-miss: verification links are GETs by necessity",
        ),
        Example(
            "from flask import Blueprint, jsonify\n"
            'bp = Blueprint("reports", __name__)\n'
            "\n"
            '@bp.get("/orders/<int:order_id>")\n'
            "def show(order_id):\n"
            '    row = cache.get(f"order:{order_id}")\n'
            "    return jsonify(row)\n",
            note="near-miss: reads only",
        ),
        Example(
            "from django.views import View\n"
            "\n"
            "class PreviewView(View):\n"
            "    def get(self, request, *args, **kwargs):\n"
            "        form = self.get_form(request.GET)\n"
            "        obj = form.save(commit=False)\n"
            '        return render(request, "preview.html", {"object": obj})\n',
            note="near-miss: `save(commit=False)` builds the instance without writing it",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.reported: set[int] = set()

    def visit_Call(self, node: cst.Call) -> None:
        handler = self.handler
        if handler is None or not handler.only_get or id(handler.node) in self.reported:
            return
        if BY_NECESSITY.search(handler.path or "") or BY_NECESSITY.search(handler.node.name.value):
            return
        if not self._writes(node):
            return
        self.reported.add(id(handler.node))
        self.report(handler.anchor, handler=handler.node.name.value, write=code(self.context, node, 50), fix=self.fix)

    def _writes(self, node: cst.Call) -> bool:
        if self.context.sink(node) is not None:
            tree = sql_of(self.context, node)
            return isinstance(tree, (exp.Insert, exp.Update, exp.Delete, exp.Merge))
        if not isinstance(node.func, cst.Attribute):
            return simple_name(self.context, node.func) in ("send_mail",)
        method = node.func.attr.value
        links = [name for name, _ in chain(node)]
        receiver = links[-2].lower() if len(links) >= 2 else ""
        if method in SESSION_WRITES:
            return "session" in receiver or receiver in ("db", "conn", "connection", "s") or method == "commit"
        if method in QUERYSET_WRITES and "objects" in links:
            return True
        if method in MODEL_WRITES and len(links) == 2 and receiver not in ("cache", "session", "request", "self", "redis", "r"):
            if method == "save" and any(
                arg.keyword is not None and arg.keyword.value == "commit" and isinstance(arg.value, cst.Name) and arg.value.value == "False"
                for arg in node.args
            ):
                return False  # `form.save(commit=False)` builds an unsaved instance
            return method == "save" or bool(node.args) is False
        return method in TASKS
