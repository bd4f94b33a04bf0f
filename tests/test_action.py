"""The action's steps (action.yml), run as GitHub runs a composite action's bash steps, against
the fake GitHub API of tests/test_review.py (issue 14, item 6; Why 10): one scan; the review
built from its report; on a pull request from a fork (403 on posting) annotations and the job
summary instead, and a job that passes when the gate passes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, SQL001_CRITICAL, SQL001_HIGH
from tests.gitrepo import commit, git, init_repo, needs_git
from tests.test_review import NEW_QUERY, OLD_QUERY, TOKEN, FakeApi, GitHubState
from tests.test_review_fallbacks import ForkState, _fork_event

pytestmark = [needs_git, pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")]

STEPS = {step.get("name"): step for step in yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))["runs"]["steps"]}


def _step(name: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """One `shell: bash` step the way the runner starts it."""
    script = STEPS[name]["run"]
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    """A checked-out pull request (main plus a feature commit), a runner's environment and a
    `reviewer` on PATH that logs each invocation before running this checkout's reviewer."""
    repo = init_repo(tmp_path / "repo", {".reviewer.yml": "select: [SQL001]\n", "legacy.py": SQL001_HIGH, "db/q.py": OLD_QUERY})
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"db/q.py": OLD_QUERY + NEW_QUERY, "app.py": SQL001_CRITICAL}, "feature work")
    bin_dir, runner = tmp_path / "bin", tmp_path / "runner"
    bin_dir.mkdir()
    runner.mkdir()
    log = tmp_path / "invocations.log"
    shim = bin_dir / "reviewer"
    shim.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{sys.executable}" -m reviewer "$@"\n')
    shim.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(REPO),
        "REVIEWER_CACHE_DIR": str(tmp_path / "cache"),
        "RUNNER_TEMP": str(runner),
        "GITHUB_OUTPUT": str(runner / "output"),
        "GITHUB_STEP_SUMMARY": str(runner / "summary.md"),
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_TOKEN": TOKEN,
    }
    return repo, env, log


def _inputs(**overrides: str) -> dict[str, str]:
    """The steps' `env:` as the runner evaluates it for these inputs on a pull_request event."""
    values = {
        "SCAN_PATH": ".", "BASE": "main", "DIFF_ONLY": "false", "BASELINE": "", "FAIL_ON": "", "FAIL_ON_CONFIDENCE": "",
        "FAIL_UNDER": "", "SARIF_FILE": "reviewer.sarif", "REVIEW": "true",
    }
    values.update(overrides)
    return values


def _run_job(repo: Path, env: dict[str, str], **inputs: str) -> tuple[int, subprocess.CompletedProcess, subprocess.CompletedProcess]:
    env = {**env, **_inputs(**inputs)}
    scan = _step("Scan", env, repo)
    assert scan.returncode == 0, scan.stderr
    code = int(dict(line.split("=", 1) for line in Path(env["GITHUB_OUTPUT"]).read_text().splitlines())["exit-code"])
    review = _step("Post the pull-request review", env, repo)
    gate = _step("Gate", {**env, "CODE": str(code)}, repo)
    return gate.returncode, scan, review


def test_a_fork_pull_request_passes_when_the_gate_passes(workspace, tmp_path: Path) -> None:
    repo, env, log = workspace
    with FakeApi(None) as api:
        api.route = ForkState().route(api.url)
        env = {**env, "GITHUB_API_URL": api.url, "GITHUB_EVENT_PATH": str(_fork_event(tmp_path, "someone/shop"))}
        job, scan, review = _run_job(repo, env, FAIL_UNDER="1")
        assert ("POST", "/repos/acme/shop/pulls/7/reviews") in api.calls()
    assert job == 0 and review.returncode == 0, review.stderr
    assert [line.split()[0] for line in log.read_text().splitlines()] == ["scan", "review"]  # one scan
    assert "--report" in log.read_text().splitlines()[1]
    assert "::error file=app.py,line=7," in review.stdout and "from a fork" in review.stdout
    assert "::error" not in scan.stdout  # annotations come once, from the review
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.count("### reviewer:") == 2  # the scan's summary, then the review that could not be posted
    assert json.loads((repo / "reviewer.sarif").read_text())["version"] == "2.1.0"


def test_the_job_fails_on_the_gate_and_posts_the_review_when_it_can(workspace, tmp_path: Path) -> None:
    repo, env, log = workspace
    state = GitHubState()
    with FakeApi(None) as api:
        api.route = state.route(api.url)
        event = tmp_path / "own.json"
        event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"sha": "feedface"}}}))
        env = {**env, "GITHUB_API_URL": api.url, "GITHUB_EVENT_PATH": str(event)}
        job, _, review = _run_job(repo, env, FAIL_ON="critical")
    assert job == 1  # the scan's gate: a critical finding
    assert review.returncode == 0 and "review of 2 new comment(s)" in review.stderr  # the Gate step decides the job
    assert len(state.reviews) == 1 and [c["path"] for c in state.comments[3:]] == ["app.py", "db/q.py"]
    invocations = log.read_text().splitlines()
    assert [line.split()[0] for line in invocations] == ["scan", "review"] and "--report" in invocations[1]  # one scan
