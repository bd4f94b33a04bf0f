"""`reviewer review` where it used to stop (issue 14, item 6; Why 10): a dry run outside CI
needs no platform; a pull request from a fork, whose token cannot post (403), gets annotations
and a job summary and the gate's exit code; `--report` builds the review from the scan's JSON
report, so the action scans once. Against the fake GitHub API of tests/test_review.py."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.gitrepo import needs_git
from tests.test_review import TOKEN, FakeApi, GitHubState, _github_env, _review, clean_env, repo  # noqa: F401 (fixtures)

pytestmark = needs_git


def test_dry_run_needs_no_platform(repo: Path, clean_env) -> None:
    result = _review(repo, "--dry-run")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["platform"] is None and "--platform github" in data["note"]
    assert [(c["path"], c["line"]) for c in data["review"]["comments"]] == [("app.py", 7), ("db/q.py", 4)]
    assert "cannot tell the platform" in _review(repo).output  # posting still needs one


class ForkState(GitHubState):
    """GitHub as a fork's pull request sees it: reading works, writing is refused."""

    def route(self, base: str):
        inner = super().route(base)

        def route(method: str, path: str, query: dict, body):
            if method != "GET":
                return 403, {"message": "Resource not accessible by integration"}, None
            return inner(method, path, query, body)

        return route


def _fork_event(tmp_path: Path, head_repo: str) -> Path:
    event = tmp_path / "event.json"
    pull = {"number": 7, "head": {"sha": "cafebabe", "repo": {"full_name": head_repo}}, "base": {"repo": {"full_name": "acme/shop"}}}
    event.write_text(json.dumps({"pull_request": pull}))
    return event


def test_a_fork_pull_request_falls_back_to_annotations_and_the_job_summary(repo: Path, clean_env, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    with FakeApi(None) as api:
        api.route = ForkState().route(api.url)
        _github_env(clean_env, api.url)
        clean_env.setenv("GITHUB_ACTIONS", "true")
        clean_env.setenv("GITHUB_EVENT_PATH", str(_fork_event(tmp_path, "someone/shop")))
        clean_env.setenv("GITHUB_STEP_SUMMARY", str(summary))
        gated = _review(repo, "--fail-on", "critical")
        assert ("POST", "/repos/acme/shop/pulls/7/reviews") in api.calls()  # it tried
        lines = gated.stdout.splitlines()
        assert lines[0].startswith("::warning title=reviewer review::The review was not posted: this pull request comes from a fork")
        assert any(line.startswith("::error file=app.py,line=7,") for line in lines)
        assert any(line.startswith("::error file=db/q.py,line=4,") for line in lines)
        assert not any("legacy.py" in line for line in lines)  # only what the change touches
        assert "reviewer:review" in summary.read_text() and "from a fork" in summary.read_text()
        assert TOKEN not in gated.output
        assert gated.exit_code == 1 and "1 new finding(s) at or above critical" in gated.stderr  # the gate decides
        no_gate = _review(repo)
        assert no_gate.exit_code == 0, no_gate.output  # a passing gate passes the job
        # The same refusal on a pull request from the repository itself is a real error.
        clean_env.setenv("GITHUB_EVENT_PATH", str(_fork_event(tmp_path, "acme/shop")))
        own = _review(repo)
        assert own.exit_code == 2 and "returned 403" in own.output


def test_review_from_the_scans_report_equals_a_fresh_review(repo: Path, clean_env, tmp_path: Path) -> None:
    report = tmp_path / "reviewer.json"
    scan = run_cli("scan", ".", "--no-cache", "--select", "SQL001", "-o", f"json:{report}", cwd=repo)
    assert scan.exit_code == 0, scan.output
    fresh = _review(repo, "--platform", "github", "--pr", "7", "--dry-run", "--fail-on", "high")
    reused = _review(repo, "--platform", "github", "--pr", "7", "--dry-run", "--fail-on", "high", "--report", str(report))
    assert reused.exit_code == fresh.exit_code == 1
    assert json.loads(reused.stdout) == json.loads(fresh.stdout)
    (tmp_path / "bad.json").write_text('{"tool": {"name": "other"}}')
    bad = _review(repo, "--dry-run", "--report", str(tmp_path / "bad.json"))
    assert bad.exit_code == 2 and "not a JSON report of `reviewer scan -o json:FILE`" in bad.output
    both = _review(repo, "--dry-run", "--report", str(report), "--baseline", str(report))
    assert both.exit_code == 2 and "--baseline with --report" in both.output


def test_review_report_that_does_not_exist(repo: Path, clean_env) -> None:
    result = _review(repo, "--dry-run", "--report", "nosuch.json")
    assert result.exit_code == 2 and "--report nosuch.json: cannot be read" in result.output
