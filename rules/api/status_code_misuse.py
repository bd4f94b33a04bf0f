from __future__ import annotations

from reviewer.web.apistatus import StatusChecks
from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, Needs, PythonRule


class StatusCodeMisuse(StatusChecks, PythonRule):
    """A status code contradicts what the handler does: a 500 for a client fault (a missing
    row, invalid input) or a status code that HTTP does not define. Clients, retries and alerts
    act on the status: a 500 for "not found" pages the on-call engineer and makes clients retry
    a request that can never succeed.

    500s are reported inside `except DoesNotExist/NoResultFound/ValidationError/ValueError/
    KeyError` blocks, and inside `if x is None:` / `if not x:` branches when `x` is a lookup
    keyed by client data (`db.get(User, uid)` with `uid` from the path, `...filter_by(email=
    body.email).first()`); a value missing for another reason (a system row, a registered
    callback, an upstream answer) is a server fault, where 500 is right. Unregistered codes such
    as 299 or 420 are reported everywhere, except htmx's 286 ("stop polling") in a module that
    reads or sets htmx's `HX-` headers. A create answered with 200 is API015's (opt-in)."""

    code = "API008"
    opt_in = True  # field precision below 0.85 on the tuned projects (reviewer/field_precision.json)
    name = "status-code-misuse"
    summary = "A status code contradicts what the handler does: a 500 for a client fault, or a code HTTP does not define."
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
    needs = Needs.words("status", "abort", "post", "POST", "HTTPException", "jsonify", "Response")
    index_sections = ("routes",)
    invalid = (
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
            "from flask import Blueprint, abort, request\n"
            "bp = Blueprint('orders', __name__)\n"
            "\n"
            "@bp.get('/orders/<int:order_id>')\n"
            "def show(order_id):\n"
            "    order = db.session.execute(select(Order).where(Order.id == order_id)).scalar_one_or_none()\n"
            "    if not order:\n"
            "        abort(500)\n"
            "    return order.to_dict()\n",
            lines=(8,),
            note="the key comes from the path: a missing order is the client's fault (404)",
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
            "from fastapi import APIRouter, Depends, HTTPException\n"
            "router = APIRouter()\n"
            "\n"
            '@router.post("/api-keys")\n'
            "async def create_system_key(db=Depends(get_db)):\n"
            "    system_user_id = await get_system_user_id(db)\n"
            "    if system_user_id is None:\n"
            '        raise HTTPException(status_code=500, detail="System user not found")\n',
            note="near-miss: a row the server itself needs is missing: a server fault, 500 is right",
        ),
        Example(
            "from fastapi import HTTPException\n"
            "\n"
            "async def invoke(request: dict):\n"
            "    if _invoke_function is None:\n"
            '        raise HTTPException(status_code=500, detail="No invoke function registered")\n',
            note="near-miss: a missing server-side registration, not a client fault",
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
        Example(
            "from django.http import HttpResponse\n"
            "\n"
            "def sending_status(request):\n"
            "    if not still_sending(request):\n"
            "        response = HttpResponse(status=286)\n"
            '        response["HX-Trigger"] = "updateSidebarCount"\n'
            "        return response\n"
            "    return HttpResponse(render_progress(request))\n",
            note="near-miss: 286 is htmx's documented \"stop polling\" status, in a module that speaks htmx (pretalx)",
        ),
    )
