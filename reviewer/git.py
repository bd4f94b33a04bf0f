"""Running git: one way for every feature that asks it something (`--diff`, the released
migration history). Never prompts, never fetches; a failure is a GitError whose message says
what went wrong."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_TIMEOUT = 120


class GitError(Exception):
    """git could not answer; the message says what to do."""


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            timeout=GIT_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"`git {' '.join(args)}` took longer than {GIT_TIMEOUT} s") from None
    if check and done.returncode != 0:
        raise GitError(f"`git {' '.join(args)}` failed: {done.stderr.strip()}")
    return done


def is_shallow(cwd: Path) -> bool:
    return git(cwd, "rev-parse", "--is-shallow-repository", check=False).stdout.strip() == "true"


def top_level(cwd: Path) -> Path | None:
    """The work tree's top folder, or None when `cwd` is not inside a git work tree (or git is
    missing)."""
    try:
        done = git(cwd, "rev-parse", "--show-toplevel", check=False)
    except GitError:
        return None
    if done.returncode != 0 or not done.stdout.strip():
        return None
    return Path(done.stdout.strip()).resolve()
