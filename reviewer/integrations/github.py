"""One GitHub pull-request review with inline comments (REST API). Re-runs update or skip the
comments they made before, found by the fingerprint marker in each comment body."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from reviewer.integrations import REVIEW_MARKER, ApiError, Comment, Outcome, ReviewPlan, fingerprint_of
from reviewer.integrations.http import Client, identifier

DEFAULT_API = "https://api.github.com"
PER_PAGE = 100


class Settings:
    """From the Actions environment: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL and the
    PR number from GITHUB_EVENT_PATH (or --pr)."""

    def __init__(self, env: dict[str, str], pr: int | None) -> None:
        self.token = env.get("GITHUB_TOKEN", "")
        self.repository = env.get("GITHUB_REPOSITORY", "")
        self.api_url = env.get("GITHUB_API_URL") or DEFAULT_API
        self.head_sha: str | None = None
        event = _event(env.get("GITHUB_EVENT_PATH"))
        pull = event.get("pull_request") if isinstance(event.get("pull_request"), dict) else {}
        self.pr = pr if pr is not None else pull.get("number") or None
        self.from_fork = False
        if pull and pr in (None, pull.get("number")):
            head, base = pull.get("head") or {}, pull.get("base") or {}
            self.head_sha = head.get("sha")
            # A pull request from a fork runs with a read-only token: posting is refused (403).
            head_repo, base_repo = head.get("repo") or {}, base.get("repo") or {}
            self.from_fork = bool(head_repo.get("full_name")) and head_repo.get("full_name") != base_repo.get("full_name")

    def missing(self) -> list[str]:
        gaps = [name for name, value in (("GITHUB_TOKEN", self.token), ("GITHUB_REPOSITORY", self.repository)) if not value]
        if not self.pr:
            gaps.append("the pull-request number (--pr, or GITHUB_EVENT_PATH of a pull_request event)")
        return gaps


def _event(path: str | None) -> dict:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _next(response: requests.Response, _query: dict) -> tuple[str, dict] | None:
    link = response.links.get("next", {}).get("url")
    return (link, {}) if link else None


def post(plan: ReviewPlan, settings: Settings, session: requests.Session | None = None) -> Outcome:
    client = Client(
        settings.api_url,
        {"Authorization": f"Bearer {settings.token}", "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
        settings.token,
        session,
    )
    pulls = f"/repos/{settings.repository}/pulls/{settings.pr}"
    head = settings.head_sha
    if not head:
        pull = client.object("GET", pulls)
        head = pull["head"].get("sha") if isinstance(pull.get("head"), dict) else None
        if not isinstance(head, str) or not head:
            raise ApiError(f"GET {pulls}: the response has no head.sha")
    ours: dict[str, dict] = {}
    for comment in client.pages(f"{pulls}/comments", {"per_page": PER_PAGE}, _next):
        fingerprint = fingerprint_of(_text(comment.get("body")))
        if fingerprint and fingerprint not in ours:
            ours[fingerprint] = comment
    outcome = Outcome(url=f"pull request #{settings.pr}")
    fresh = []
    for comment in plan.comments:
        earlier = ours.get(comment.fingerprint)
        if earlier is None:
            fresh.append(_inline(comment))
        elif earlier.get("body") == comment.body_for("github"):
            outcome.unchanged += 1
        else:
            number = identifier(earlier, f"GET {pulls}/comments")
            client.json("PATCH", f"/repos/{settings.repository}/pulls/comments/{number}", json={"body": comment.body_for("github")})
            outcome.updated += 1
    reviews = [r for r in client.pages(f"{pulls}/reviews", {"per_page": PER_PAGE}, _next) if REVIEW_MARKER in _text(r.get("body"))]
    if fresh or not reviews:
        client.json("POST", f"{pulls}/reviews", json={"commit_id": head, "body": plan.body, "event": "COMMENT", "comments": fresh})
        outcome.created = len(fresh)
        outcome.summary = "posted"
    elif reviews[-1].get("body") != plan.body:
        client.json("PUT", f"{pulls}/reviews/{identifier(reviews[-1], f'GET {pulls}/reviews')}", json={"body": plan.body})
        outcome.summary = "updated"
    else:
        outcome.summary = "unchanged"
    return outcome


def dry_run_payload(plan: ReviewPlan, settings: Settings) -> dict:
    return {
        "platform": "github",
        "request": f"POST /repos/{settings.repository or '<GITHUB_REPOSITORY>'}/pulls/{settings.pr or '<PR>'}/reviews",
        "payload": {
            "commit_id": settings.head_sha or "<head sha of the pull request>",
            "body": plan.body,
            "event": "COMMENT",
            "comments": [_inline(c) for c in plan.comments],
        },
    }


def _inline(comment: Comment) -> dict:
    """A review comment; one with a multi-line suggestion spans its lines."""
    item = {"path": comment.path, "line": comment.line, "side": "RIGHT", "body": comment.body_for("github")}
    if comment.start_line is not None:
        item.update(start_line=comment.start_line, start_side="RIGHT")
    return item
