from __future__ import annotations

from reviewer.web.apistatus import StatusChecks
from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, Needs, PythonRule


class CreateAnswers200(StatusChecks, PythonRule):
    """A POST handler on a collection path (`/orders`) inserts a row (`session.add`,
    `objects.create`, SQL `INSERT`) and answers 200, with no 201 anywhere in it. 201 Created
    (with a `Location`) tells clients and caches that a resource now exists.

    Opt-in: measured on real projects, a published API's 200 on create is a compatibility
    choice more often than a slip, and changing it can break clients that test for 200; turn it
    on for new APIs. Action-style POSTs (`/login`, `/search`, `/export`...) and DRF's
    `CreateModelMixin`, which answers 201 itself, are not reported."""

    code = "API015"
    name = "create-answers-200"
    summary = "A POST that creates a row on a collection path answers 200 instead of 201 Created."
    opt_in = True
    category = Category.API
    severity = Severity.INFO
    confidence = Confidence.MEDIUM
    message = "{problem}"
    seed = 'S1:80 "Use proper HTTP status codes"'
    references = ("https://www.rfc-editor.org/rfc/rfc9110#name-201-created",)
    needs = Needs.words("post", "POST")
    index_sections = ("routes",)
    creates = True
    fix = "Answer 201 Created for a create (`status_code=201` on the route, `status=201` in the response), with a `Location` header"
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
            note="create answered with the default 200",
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
    )
