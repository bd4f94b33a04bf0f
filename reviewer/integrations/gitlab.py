"""GitLab merge-request discussions: one discussion per finding on a changed line and one
summary note. Re-runs update or skip their earlier notes, found by the fingerprint marker."""

from __future__ import annotations

from urllib.parse import quote

import requests

from reviewer.integrations import REVIEW_MARKER, ApiError, Outcome, ReviewPlan, fingerprint_of
from reviewer.integrations.http import Client, identifier

PER_PAGE = 100
TOKEN_VARIABLES = ("REVIEWER_GITLAB_TOKEN", "GITLAB_TOKEN")


class Settings:
    """CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID (or --pr) and a token with `api`
    scope in REVIEWER_GITLAB_TOKEN or GITLAB_TOKEN (the job token cannot write notes)."""

    def __init__(self, env: dict[str, str], iid: int | None) -> None:
        self.api_url = env.get("CI_API_V4_URL", "")
        self.project = env.get("CI_PROJECT_ID", "")
        self.iid = iid if iid is not None else (env.get("CI_MERGE_REQUEST_IID") or None)
        self.token = next((env[name] for name in TOKEN_VARIABLES if env.get(name)), "")

    def missing(self) -> list[str]:
        gaps = [name for name, value in (("CI_API_V4_URL", self.api_url), ("CI_PROJECT_ID", self.project)) if not value]
        if not self.token:
            gaps.append(" or ".join(TOKEN_VARIABLES))
        if not self.iid:
            gaps.append("the merge-request IID (--pr, or CI_MERGE_REQUEST_IID)")
        return gaps




def post(plan: ReviewPlan, settings: Settings, session: requests.Session | None = None) -> Outcome:
    client = Client(settings.api_url, {"PRIVATE-TOKEN": settings.token}, settings.token, session)
    mr = f"/projects/{quote(str(settings.project), safe='')}/merge_requests/{settings.iid}"
    refs = client.object("GET", mr).get("diff_refs")
    if not isinstance(refs, dict) or not all(isinstance(refs.get(key), str) and refs[key] for key in ("base_sha", "start_sha", "head_sha")):
        raise ApiError(f"GET {mr}: the merge request has no diff_refs yet")
    ours: dict[str, tuple[str, dict]] = {}
    summary: tuple[str, dict] | None = None
    discussions = client.pages(f"{mr}/discussions", {"per_page": PER_PAGE, "page": 1}, _next)
    for discussion in discussions:
        notes = discussion.get("notes") or []
        if not isinstance(notes, list):
            raise ApiError(f"GET {mr}/discussions: a discussion's notes are not a list")
        for note in notes:
            body = note.get("body") if isinstance(note, dict) else None
            if not isinstance(body, str):
                continue
            fingerprint = fingerprint_of(body)
            if fingerprint and fingerprint not in ours:
                ours[fingerprint] = (identifier(discussion, f"GET {mr}/discussions"), note)
            elif REVIEW_MARKER in body:
                summary = (identifier(discussion, f"GET {mr}/discussions"), note)
    outcome = Outcome(url=f"merge request !{settings.iid}")
    for comment in plan.comments:
        earlier = ours.get(comment.fingerprint)
        if earlier is None:
            position = {
                "position_type": "text",
                "base_sha": refs["base_sha"],
                "start_sha": refs["start_sha"],
                "head_sha": refs["head_sha"],
                "old_path": comment.path,
                "new_path": comment.path,
                "new_line": comment.line,
            }
            client.json("POST", f"{mr}/discussions", json={"body": comment.body_for("gitlab"), "position": position})
            outcome.created += 1
        elif earlier[1].get("body") == comment.body_for("gitlab"):
            outcome.unchanged += 1
        else:
            note_id = identifier(earlier[1], f"GET {mr}/discussions")
            client.json("PUT", f"{mr}/discussions/{earlier[0]}/notes/{note_id}", json={"body": comment.body_for("gitlab")})
            outcome.updated += 1
    if summary is None:
        client.json("POST", f"{mr}/notes", json={"body": plan.body})
        outcome.summary = "posted"
    elif summary[1].get("body") != plan.body:
        note_id = identifier(summary[1], f"GET {mr}/discussions")
        client.json("PUT", f"{mr}/discussions/{summary[0]}/notes/{note_id}", json={"body": plan.body})
        outcome.summary = "updated"
    else:
        outcome.summary = "unchanged"
    return outcome


def _next(response: requests.Response, query: dict) -> tuple[str, dict] | None:
    following = response.headers.get("X-Next-Page", "").strip()
    if not following:
        return None
    if not following.isdigit():
        raise ApiError(f"GET {response.url.split('?')[0]}: X-Next-Page {following[:40]!r} is not a page number")
    return response.url.split("?")[0], {**query, "page": int(following)}


def dry_run_payload(plan: ReviewPlan, settings: Settings) -> dict:
    mr = f"/projects/{settings.project or '<CI_PROJECT_ID>'}/merge_requests/{settings.iid or '<IID>'}"
    return {
        "platform": "gitlab",
        "requests": [
            *(
                {
                    "request": f"POST {mr}/discussions",
                    "payload": {"body": c.body_for("gitlab"), "position": {"position_type": "text", "old_path": c.path, "new_path": c.path, "new_line": c.line}},
                }
                for c in plan.comments
            ),
            {"request": f"POST {mr}/notes", "payload": {"body": plan.body}},
        ],
    }
