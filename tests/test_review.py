"""`reviewer review --base REV` against fake GitHub and GitLab APIs served on 127.0.0.1: the
exact requests, pagination of existing comments, re-runs that update or skip by fingerprint,
an API error, `--dry-run`, and a token that never shows in output or logs."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from reviewer.integrations import REVIEW_MARKER, fingerprint_of
from tests.conftest import SQL001_CRITICAL, SQL001_HIGH, run_cli
from tests.gitrepo import commit, git, init_repo, needs_git

pytestmark = needs_git

TOKEN = "s3cr3t-t0ken-value"
OLD_QUERY = "def one(cur, a):\n    cur.execute(\"SELECT 1 FROM t WHERE a = '%s'\" % a)\n"
NEW_QUERY = "def two(cur, b):\n    cur.execute(\"SELECT 1 FROM t WHERE b = '%s'\" % b)\n"
PAGE = 2  # the fake APIs page by 2 so a handful of comments spans several pages


class FakeApi:
    """A threaded HTTP server on 127.0.0.1:0 whose `route(method, path, query, body)` returns
    (status, json, headers); every request is recorded as (method, path?query, headers, body)."""

    def __init__(self, route) -> None:
        self.route = route
        self.requests: list[tuple[str, str, dict, object]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                api.requests.append((self.command, self.path, dict(self.headers), body))
                split = urlsplit(self.path)
                status, data, headers = api.route(self.command, split.path, parse_qs(split.query), body)
                payload = data if isinstance(data, bytes) else json.dumps(data).encode()  # bytes: a raw, maybe malformed body
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = _serve

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeApi":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def calls(self) -> list[tuple[str, str]]:
        return [(method, path) for method, path, _, _ in self.requests]

    def reset(self) -> None:
        self.requests.clear()


def _page(items: list, query: dict) -> tuple[list, int | None]:
    page = int(query.get("page", ["1"])[0])
    chunk = items[(page - 1) * PAGE : page * PAGE]
    return chunk, (page + 1 if page * PAGE < len(items) else None)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: legacy.py (a finding, untouched by the change) and db/q.py. The feature branch adds a
    finding to db/q.py (line 4; its line-2 finding is outside the change) and a new app.py."""
    repo = init_repo(tmp_path / "repo", {"legacy.py": SQL001_HIGH, "db/q.py": OLD_QUERY + "def two(cur, b):\n    return b\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"db/q.py": OLD_QUERY + NEW_QUERY, "app.py": SQL001_CRITICAL}, "feature work")
    return repo


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("GITHUB_ACTIONS", "GITHUB_EVENT_PATH", "GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_API_URL", "GITLAB_CI",
                 "CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID", "GITLAB_TOKEN", "REVIEWER_GITLAB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _review(repo: Path, *args: str):
    return run_cli("review", "--base", "main", "--no-cache", "--select", "SQL001", *args, cwd=repo)


def _no_token(result, caplog) -> None:
    assert TOKEN not in result.output and TOKEN not in (result.stderr or "")
    assert TOKEN not in caplog.text


# ----------------------------------------------------------------------------------------------
# GitHub


class GitHubState:
    def __init__(self) -> None:
        # Three comments by people or other bots come first, so ours sit on later pages.
        self.comments = [{"id": n, "body": f"human remark {n}", "path": "db/q.py", "line": 1} for n in (1, 2, 3)]
        self.reviews: list[dict] = []
        self.next_id = 100
        self.fail_post = False

    def route(self, base: str):
        def route(method: str, path: str, query: dict, body):
            prefix = "/repos/acme/shop/pulls"
            if (method, path) == ("GET", f"{prefix}/7"):
                return 200, {"number": 7, "head": {"sha": "feedface"}}, None
            if (method, path) in (("GET", f"{prefix}/7/comments"), ("GET", f"{prefix}/7/reviews")):
                items = self.comments if path.endswith("comments") else self.reviews
                chunk, following = _page(items, query)
                link = {"Link": f'<{base}{path}?per_page=100&page={following}>; rel="next"'} if following else None
                return 200, chunk, link
            if method == "PATCH" and path.startswith(f"{prefix}/comments/"):
                comment = next(c for c in self.comments if c["id"] == int(path.rsplit("/", 1)[1]))
                comment["body"] = body["body"]
                return 200, comment, None
            if (method, path) == ("POST", f"{prefix}/7/reviews"):
                if self.fail_post:
                    return 422, {"message": f"Validation Failed (token {TOKEN} echoed by a proxy)"}, None
                self.next_id += 1
                self.reviews.append({"id": self.next_id, "body": body["body"]})
                for comment in body["comments"]:
                    self.next_id += 1
                    self.comments.append({"id": self.next_id, **comment})
                return 200, {"id": self.next_id}, None
            if method == "PUT" and path.startswith(f"{prefix}/7/reviews/"):
                review = next(r for r in self.reviews if r["id"] == int(path.rsplit("/", 1)[1]))
                review["body"] = body["body"]
                return 200, review, None
            return 404, {"message": "Not Found"}, None

        return route


def _github_env(env: pytest.MonkeyPatch, url: str) -> None:
    env.setenv("GITHUB_TOKEN", TOKEN)
    env.setenv("GITHUB_REPOSITORY", "acme/shop")
    env.setenv("GITHUB_API_URL", url)


def test_github_review_then_reruns_skip_and_update(repo: Path, clean_env, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    state = GitHubState()
    with FakeApi(None) as api:
        api.route = state.route(api.url)
        _github_env(clean_env, api.url)
        first = _review(repo, "--platform", "github", "--pr", "7", "--fail-on", "high")
        assert first.exit_code == 1, first.output  # two high/critical findings on changed lines
        p = "/repos/acme/shop/pulls/7"
        assert api.calls() == [
            ("GET", p),
            ("GET", f"{p}/comments?per_page=100"),
            ("GET", f"{p}/comments?per_page=100&page=2"),
            ("GET", f"{p}/reviews?per_page=100"),
            ("POST", f"{p}/reviews"),
        ]
        headers = api.requests[0][2]
        assert headers["Authorization"] == f"Bearer {TOKEN}" and headers["Accept"] == "application/vnd.github+json"
        posted = api.requests[-1][3]
        assert posted["commit_id"] == "feedface" and posted["event"] == "COMMENT"
        assert [(c["path"], c["line"], c["side"]) for c in posted["comments"]] == [("app.py", 7, "RIGHT"), ("db/q.py", 4, "RIGHT")]
        assert all(fingerprint_of(c["body"]) for c in posted["comments"])
        assert "**SQL001** `sql-injection-dynamic-query`" in posted["comments"][0]["body"]
        body = posted["body"]
        assert REVIEW_MARKER in body and "gate ❌ failed" in body and "2 new finding(s) at or above high (fail-on)" in body
        assert "1 finding(s) elsewhere in the changed files" in body and "`db/q.py:2`" in body
        assert "legacy.py" not in body  # a file the change does not touch
        assert "2 new comment(s), 0 updated, 0 unchanged; summary posted" in first.stderr
        _no_token(first, caplog)

        # A re-run with nothing changed: everything is found (ours on page 3) and skipped.
        api.reset()
        second = _review(repo, "--platform", "github", "--pr", "7", "--fail-on", "high")
        assert second.exit_code == 1
        assert api.calls() == [
            ("GET", p),
            ("GET", f"{p}/comments?per_page=100"),
            ("GET", f"{p}/comments?per_page=100&page=2"),
            ("GET", f"{p}/comments?per_page=100&page=3"),
            ("GET", f"{p}/reviews?per_page=100"),
        ]
        assert "0 new comment(s), 0 updated, 2 unchanged; summary unchanged" in second.stderr
        assert len(state.comments) == 5 and len(state.reviews) == 1

        # An earlier version of a comment's text is updated in place, not duplicated; a new
        # finding is posted in a new review.
        ours = state.comments[3]
        ours["body"] = ours["body"].replace("**Fix:**", "Fix (old wording):")
        (repo / "db/extra.py").write_text(SQL001_HIGH)
        api.reset()
        third = _review(repo, "--platform", "github", "--pr", "7", "--fail-on", "high")
        assert third.exit_code == 1
        assert api.calls()[-3:] == [("PATCH", f"/repos/acme/shop/pulls/comments/{ours['id']}"), ("GET", f"{p}/reviews?per_page=100"), ("POST", f"{p}/reviews")]
        assert "**Fix:**" in api.requests[-3][3]["body"]
        assert [(c["path"], c["line"]) for c in api.requests[-1][3]["comments"]] == [("db/extra.py", 2)]
        assert "1 new comment(s), 1 updated, 1 unchanged; summary posted" in third.stderr
        assert len({fingerprint_of(c["body"]) for c in state.comments if fingerprint_of(c["body"])}) == 3
        _no_token(third, caplog)


def test_github_summary_is_updated_when_only_the_body_changes(repo: Path, clean_env) -> None:
    state = GitHubState()
    with FakeApi(None) as api:
        api.route = state.route(api.url)
        _github_env(clean_env, api.url)
        assert _review(repo, "--platform", "github", "--pr", "7").exit_code == 0
        api.reset()
        again = _review(repo, "--platform", "github", "--pr", "7", "--fail-on", "critical")  # new verdict text
        assert again.exit_code == 1
        review_id = state.reviews[0]["id"]
        assert api.calls()[-1] == ("PUT", f"/repos/acme/shop/pulls/7/reviews/{review_id}")
        assert "1 new finding(s) at or above critical (fail-on)" in state.reviews[0]["body"]
        assert "summary updated" in again.stderr


def test_github_pr_and_head_from_the_event_file(repo: Path, clean_env, tmp_path: Path) -> None:
    state = GitHubState()
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"sha": "cafebabe"}}}))
    with FakeApi(None) as api:
        api.route = state.route(api.url)
        _github_env(clean_env, api.url)
        clean_env.setenv("GITHUB_ACTIONS", "true")
        clean_env.setenv("GITHUB_EVENT_PATH", str(event))
        result = _review(repo)
        assert result.exit_code == 0, result.output
        assert ("GET", "/repos/acme/shop/pulls/7") not in api.calls()
        assert api.requests[-1][3]["commit_id"] == "cafebabe"


def test_github_api_error_is_reported_without_the_token(repo: Path, clean_env, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    state = GitHubState()
    state.fail_post = True
    with FakeApi(None) as api:
        api.route = state.route(api.url)
        _github_env(clean_env, api.url)
        result = _review(repo, "--platform", "github", "--pr", "7")
    assert result.exit_code == 2
    assert f"POST {api.url}/repos/acme/shop/pulls/7/reviews returned 422: Validation Failed (token *** echoed" in result.output
    _no_token(result, caplog)


def test_missing_settings_and_unreachable_api(repo: Path, clean_env, caplog) -> None:
    missing = _review(repo, "--platform", "github")
    assert missing.exit_code == 2 and "GITHUB_TOKEN" in missing.output and "GITHUB_REPOSITORY" in missing.output and "--pr" in missing.output
    unknown = _review(repo)
    assert unknown.exit_code == 2 and "--platform github" in unknown.output
    with FakeApi(lambda *a: (200, {}, None)) as api:
        url = api.url
    _github_env(clean_env, url)  # the server is stopped: nothing listens there any more
    down = _review(repo, "--platform", "github", "--pr", "7")
    assert down.exit_code == 2 and "ConnectionError" in down.output
    _no_token(down, caplog)


def test_dry_run_prints_the_payload_and_posts_nothing(repo: Path, clean_env) -> None:
    clean_env.setenv("GITHUB_TOKEN", TOKEN)
    result = _review(repo, "--platform", "github", "--pr", "7", "--dry-run")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["request"] == "POST /repos/<GITHUB_REPOSITORY>/pulls/7/reviews"
    assert [(c["path"], c["line"]) for c in data["payload"]["comments"]] == [("app.py", 7), ("db/q.py", 4)]
    assert TOKEN not in result.output
    gitlab = json.loads(_review(repo, "--platform", "gitlab", "--pr", "3", "--dry-run").stdout)
    assert [r["request"] for r in gitlab["requests"]] == [
        "POST /projects/<CI_PROJECT_ID>/merge_requests/3/discussions",
        "POST /projects/<CI_PROJECT_ID>/merge_requests/3/discussions",
        "POST /projects/<CI_PROJECT_ID>/merge_requests/3/notes",
    ]


def test_review_honours_the_baseline(repo: Path, clean_env, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    assert run_cli("baseline", "create", baseline, repo, "--no-cache", "--select", "SQL001").exit_code == 0
    result = _review(repo, "--platform", "github", "--pr", "7", "--dry-run", "--baseline", str(baseline), "--fail-on", "high")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["payload"]["comments"] == []
    # Only the changed files are checked: app.py's and db/q.py's two; legacy.py is not read.
    assert "3 baselined finding(s) hidden, 0 baseline entries fixed" in data["payload"]["body"]


# ----------------------------------------------------------------------------------------------
# GitLab


class GitLabState:
    def __init__(self) -> None:
        self.discussions = [{"id": f"d{n}", "notes": [{"id": n, "body": f"human remark {n}"}]} for n in (1, 2, 3)]
        self.next_id = 100

    def route(self, method: str, path: str, query: dict, body):
        mr = "/api/v4/projects/42/merge_requests/3"
        if (method, path) == ("GET", mr):
            return 200, {"iid": 3, "diff_refs": {"base_sha": "b1", "start_sha": "s1", "head_sha": "h1"}}, None
        if (method, path) == ("GET", f"{mr}/discussions"):
            chunk, following = _page(self.discussions, query)
            return 200, chunk, {"X-Next-Page": str(following or "")}
        if (method, path) in (("POST", f"{mr}/discussions"), ("POST", f"{mr}/notes")):
            self.next_id += 1
            note = {"id": self.next_id, "body": body["body"]}
            self.discussions.append({"id": f"d{self.next_id}", "notes": [note]})
            return 201, note, None
        if method == "PUT" and path.startswith(f"{mr}/discussions/"):
            parts = path.split("/")
            note = next(n for d in self.discussions if d["id"] == parts[-3] for n in d["notes"] if n["id"] == int(parts[-1]))
            note["body"] = body["body"]
            return 200, note, None
        if method == "GET" and path == "/api/v4/projects/99/merge_requests/3":
            return 401, {"message": "401 Unauthorized"}, None
        return 404, {"message": "404 Not Found"}, None


def _gitlab_env(env: pytest.MonkeyPatch, url: str, project: str = "42") -> None:
    env.setenv("GITLAB_CI", "true")
    env.setenv("CI_API_V4_URL", f"{url}/api/v4")
    env.setenv("CI_PROJECT_ID", project)
    env.setenv("CI_MERGE_REQUEST_IID", "3")
    env.setenv("GITLAB_TOKEN", TOKEN)


def test_gitlab_discussions_then_rerun_updates_and_skips(repo: Path, clean_env, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    state = GitLabState()
    with FakeApi(state.route) as api:
        _gitlab_env(clean_env, api.url)
        first = _review(repo, "--fail-on", "high")
        assert first.exit_code == 1, first.output
        mr = "/api/v4/projects/42/merge_requests/3"
        assert api.calls() == [
            ("GET", mr),
            ("GET", f"{mr}/discussions?per_page=100&page=1"),
            ("GET", f"{mr}/discussions?per_page=100&page=2"),
            ("POST", f"{mr}/discussions"),
            ("POST", f"{mr}/discussions"),
            ("POST", f"{mr}/notes"),
        ]
        assert api.requests[0][2]["PRIVATE-TOKEN"] == TOKEN
        position = api.requests[3][3]["position"]
        assert position == {
            "position_type": "text", "base_sha": "b1", "start_sha": "s1", "head_sha": "h1",
            "old_path": "app.py", "new_path": "app.py", "new_line": 7,
        }
        assert api.requests[4][3]["position"]["new_line"] == 4
        assert REVIEW_MARKER in api.requests[5][3]["body"]
        _no_token(first, caplog)

        state.discussions[3]["notes"][0]["body"] += "\n(edited by hand)"
        api.reset()
        second = _review(repo, "--fail-on", "high")
        assert second.exit_code == 1
        assert api.calls() == [
            ("GET", mr),
            ("GET", f"{mr}/discussions?per_page=100&page=1"),
            ("GET", f"{mr}/discussions?per_page=100&page=2"),
            ("GET", f"{mr}/discussions?per_page=100&page=3"),
            ("PUT", f"{mr}/discussions/d101/notes/101"),
        ]
        assert "0 new comment(s), 1 updated, 1 unchanged; summary unchanged" in second.stderr
        assert len(state.discussions) == 6


def test_gitlab_api_error(repo: Path, clean_env, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeApi(GitLabState().route) as api:
        _gitlab_env(clean_env, api.url, project="99")
        result = _review(repo)
    assert result.exit_code == 2
    assert "GET" in result.output and "returned 401: 401 Unauthorized" in result.output
    _no_token(result, caplog)


# ----------------------------------------------------------------------------------------------
# Credentials stay with the configured API; malformed answers are one clear error.


def _gitlab_like(route_extra):
    """A GitLab-shaped API whose merge request exists; `route_extra` answers everything else."""

    def route(method: str, path: str, query: dict, body):
        if (method, path) == ("GET", "/api/v4/projects/42/merge_requests/3"):
            return 200, {"diff_refs": {"base_sha": "a", "start_sha": "b", "head_sha": "c"}}, None
        return route_extra(method, path, query, body)

    return route


def test_pagination_link_to_another_host_is_refused(repo: Path, clean_env, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeApi(lambda *a: (200, [], None)) as elsewhere, FakeApi(None) as api:
        def route(method: str, path: str, query: dict, body):
            if path == "/repos/acme/shop/pulls/7":
                return 200, {"number": 7, "head": {"sha": "feedface"}}, None
            return 200, [], {"Link": f'<{elsewhere.url}/steal?page=2>; rel="next"'}

        api.route = route
        _github_env(clean_env, api.url)
        result = _review(repo, "--platform", "github", "--pr", "7")
    assert result.exit_code == 2
    assert "refused" in result.stderr and "outside the API" in result.stderr
    assert elsewhere.requests == []  # the token never reached the other host
    assert ("POST", "/repos/acme/shop/pulls/7/reviews") not in api.calls()
    _no_token(result, caplog)


def test_redirect_to_another_host_is_refused_and_writes_never_follow_redirects(repo: Path, clean_env, caplog) -> None:
    with FakeApi(lambda *a: (200, [], None)) as elsewhere, FakeApi(None) as api:
        api.route = _gitlab_like(lambda *a: (302, {}, {"Location": f"{elsewhere.url}/discussions"}))
        _gitlab_env(clean_env, api.url)
        result = _review(repo, "--platform", "gitlab", "--pr", "3")
        assert result.exit_code == 2 and "refused" in result.stderr
        assert elsewhere.requests == []

        # A 307 on the POST that carries the review is not followed, even to the same host,
        # and the review is not reported as posted.
        def route(method: str, path: str, query: dict, body):
            if method == "POST":
                return 307, {}, {"Location": f"{api.url}/projects/42/merge_requests/3/elsewhere"}
            return 200, [], None

        api.route = _gitlab_like(route)
        api.reset()
        result = _review(repo, "--platform", "gitlab", "--pr", "3")
    assert result.exit_code == 2
    assert "redirect" in result.stderr and "not followed for a write" in result.stderr
    assert "posted" not in result.stderr
    assert [call for call in api.calls() if "elsewhere" in call[1]] == []


def test_same_host_redirect_of_a_read_is_followed(repo: Path, clean_env) -> None:
    state = GitHubState()
    with FakeApi(None) as api:
        real = state.route(api.url)

        def route(method: str, path: str, query: dict, body):
            if path == "/repos/acme/shop/pulls/7" and method == "GET":
                return 301, {}, {"Location": f"{api.url}/repos/acme/shop/pulls/7/moved"}
            if path == "/repos/acme/shop/pulls/7/moved":
                return real("GET", "/repos/acme/shop/pulls/7", query, body)
            return real(method, path, query, body)

        api.route = route
        _github_env(clean_env, api.url)
        result = _review(repo, "--platform", "github", "--pr", "7")
    assert result.exit_code == 0, result.output
    assert state.reviews


@pytest.mark.parametrize(
    "echo",
    [
        lambda token: "x" * 290 + token,  # cut at 300 characters, inside the token
        lambda token: "see /login?token=" + token.replace("-", "%2D"),
        lambda token: "bad credentials: " + __import__("urllib.parse").parse.quote(token + "/=", safe=""),
    ],
    ids=["truncated", "percent-encoded", "url-quoted"],
)
def test_token_is_redacted_in_every_echoed_form(repo: Path, clean_env, caplog, echo) -> None:
    token = TOKEN + "/="  # characters that URL encoding changes
    with FakeApi(_gitlab_like(lambda *a: (401, {"message": echo(token)}, None))) as api:
        _gitlab_env(clean_env, api.url)
        clean_env.setenv("GITLAB_TOKEN", token)
        result = _review(repo, "--platform", "gitlab", "--pr", "3")
    assert result.exit_code == 2 and "returned 401" in result.stderr
    from urllib.parse import quote

    for form in (token, quote(token, safe=""), TOKEN[:12], token[:-3]):
        assert form not in result.output, form
    assert "***" in result.stderr


MALFORMED = [
    ("discussions not JSON", lambda m, p, q, b: (200, b"<html>maintenance</html>", None)),
    ("discussions not a list", lambda m, p, q, b: (200, {"items": []}, None)),
    ("discussion not an object", lambda m, p, q, b: (200, [1, 2], None)),
    ("notes not a list", lambda m, p, q, b: (200, [{"id": "d1", "notes": "text"}], None)),
    ("page header garbage", lambda m, p, q, b: (200, [], {"X-Next-Page": "two"})),
]


@pytest.mark.parametrize("name,answer", MALFORMED, ids=[name for name, _ in MALFORMED])
def test_malformed_api_answers_are_one_clear_error(repo: Path, clean_env, name: str, answer) -> None:
    with FakeApi(_gitlab_like(answer)) as api:
        _gitlab_env(clean_env, api.url)
        result = _review(repo, "--platform", "gitlab", "--pr", "3")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("Error:")][0].startswith("Error: review on gitlab: ")


def test_malformed_github_answers_are_one_clear_error(repo: Path, clean_env) -> None:
    answers = {
        "/repos/acme/shop/pulls/7": (200, ["not", "an", "object"], None),
    }
    with FakeApi(lambda m, p, q, b: answers.get(p, (200, [], None))) as api:
        _github_env(clean_env, api.url)
        result = _review(repo, "--platform", "github", "--pr", "7")
        assert result.exit_code == 2 and "did not return a JSON object" in result.stderr
        answers["/repos/acme/shop/pulls/7"] = (200, {"head": {"sha": "f00"}}, None)
        old = {"body": "<!-- reviewer:fingerprint=abc -->", "path": "x", "line": 1}  # no id
        answers["/repos/acme/shop/pulls/7/comments"] = (200, [old], None)
        result = _review(repo, "--platform", "github", "--pr", "7")
    assert result.exit_code in (0, 1, 2) and "Traceback" not in result.output


# ----------------------------------------------------------------------------------------------
# Fixes as suggestions

PAYMENTS_BEFORE = "import requests\n\n\ndef refund(url):\n    return requests.post(url)\n"
PAYMENTS_AFTER = PAYMENTS_BEFORE + (
    "\n\ndef charge(url, payload):\n"
    "    return requests.post(\n"
    "        url,\n"
    "        json=payload,\n"
    "    )\n"
)
INDEX_MIGRATION = (
    "from django.db import migrations, models\n\n\n"
    "class Migration(migrations.Migration):\n"
    '    dependencies = [("shop", "0001_initial")]\n'
    "    operations = [\n"
    '        migrations.AddIndex(model_name="order", index=models.Index(fields=["user"], name="order_user_idx")),\n'
    "    ]\n"
)


USERS = (
    "import psycopg2\n\n\n"
    "def find(cur, email):\n"
    "    cur.execute(f\"SELECT id FROM users WHERE email = '{email}'\")\n"
    "    return cur.fetchone()\n"
)


@pytest.fixture
def fix_repo(tmp_path: Path) -> Path:
    """The feature branch adds a call without a timeout (a fix on added lines of a multi-line
    call) and a migration building an index without CONCURRENTLY (a fix of several edits, from
    the import to the operation); the old call on line 5 is outside the change."""
    models = dict(_n_plus_one_example().files)  # the Django models of ORM001's first example
    repo = init_repo(tmp_path / "repo", {"app/payments.py": PAYMENTS_BEFORE, **models})
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"app/payments.py": PAYMENTS_AFTER, "shop/migrations/0002_order_idx.py": INDEX_MIGRATION, "app/users.py": USERS,
                  "shop/views.py": _n_plus_one_example().code}, "feature")
    return repo


def _n_plus_one_example():
    from reviewer import registry
    from reviewer.rule import as_example

    return as_example(registry.load().get("ORM001").invalid[0])


SELECTED = "OPS001,MIG003,SQL001,ORM001"


def _suggested(comment_body: str) -> str:
    return comment_body.split("suggestion", 1)[1].split("\n", 1)[1].rsplit("```", 1)[0]


def test_github_review_posts_a_fix_on_changed_lines_as_a_suggestion(fix_repo: Path, clean_env) -> None:
    state = GitHubState()
    with FakeApi(None) as api:
        api.route = state.route(api.url)
        _github_env(clean_env, api.url)
        result = run_cli("review", "--base", "main", "--no-cache", "--select", SELECTED, "--platform", "github", "--pr", "7", cwd=fix_repo)
        assert result.exit_code == 0, result.output
        posted = api.requests[-1][3]["comments"]
        # Nothing on line 5 of app/payments.py, which the change does not touch; the N+1 loop
        # has two findings (customer, tags), each with its eager load.
        assert len(posted) == 5
        by_path = {c["path"]: c for c in posted}
        ops = by_path["app/payments.py"]
        # The fix inserts a line before line 12: the suggestion replaces line 12 with two lines.
        assert (ops["line"], ops.get("start_line")) == (12, None)
        assert "```suggestion\n        timeout=10,\n    )\n```" in ops["body"]
        assert fingerprint_of(ops["body"])
        mig = by_path["shop/migrations/0002_order_idx.py"]
        assert "AddIndexConcurrently" in mig["body"] and "```suggestion" in mig["body"]
        # From the import added below line 1 to the operation on line 7.
        assert mig["start_line"] == 2 and mig["line"] == 7
        assert _suggested(mig["body"]).startswith("from django.contrib.postgres.operations import AddIndexConcurrently\n\n\nclass Migration")
        assert "    atomic = False\n" in _suggested(mig["body"])
        sql = by_path["app/users.py"]
        assert sql["line"] == 5 and _suggested(sql["body"]) == '    cur.execute("SELECT id FROM users WHERE email = %s", (email,))\n'
        loops = sorted(_suggested(c["body"]) for c in posted if c["path"] == "shop/views.py")
        assert loops == [
            '    for o in Order.objects.filter(paid=True).prefetch_related("tags"):\n',
            '    for o in Order.objects.filter(paid=True).select_related("customer"):\n',
        ]
        # A re-run finds its comments unchanged (the suggestion is part of the compared text).
        api.reset()
        again = run_cli("review", "--base", "main", "--no-cache", "--select", SELECTED, "--platform", "github", "--pr", "7", cwd=fix_repo)
        assert "0 new comment(s), 0 updated, 5 unchanged" in again.stderr


def test_gitlab_suggestion_names_the_lines_above_it(fix_repo: Path, clean_env) -> None:
    with FakeApi(GitLabState().route) as api:
        _gitlab_env(clean_env, api.url)
        result = run_cli("review", "--base", "main", "--no-cache", "--select", "MIG003", cwd=fix_repo)
        assert result.exit_code == 0, result.output
        posted = [request[3] for request in api.requests if request[1].endswith("/discussions") and request[0] == "POST"]
        assert len(posted) == 1
        assert posted[0]["position"]["new_line"] == 7
        assert "```suggestion:-5+0\n" in posted[0]["body"]
