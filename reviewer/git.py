"""Running git: one way for every feature that asks it something (`--diff`, the released
migration history). Never prompts, never fetches; a failure is a GitError whose message says
what went wrong."""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

GIT_TIMEOUT = 120


class GitError(Exception):
    """git could not answer; the message says what to do."""


# git's answers within `answers_kept()`: (folder, arguments) -> the finished process.
_KEPT: dict[tuple[str, tuple[str, ...]], subprocess.CompletedProcess] | None = None


@contextmanager
def answers_kept() -> Iterator[None]:
    """Within the body (one command's run: `scan`, `review`), the same question asked in the
    same folder is asked of git once. Every question reviewer asks is read-only and the run
    changes no file git tracks, and the parts of a `--diff` scan ask some of the same
    (the top level for the diff, the release history and the report's paths; whether the
    clone is shallow): each is a process started (a few milliseconds each)."""
    global _KEPT
    outer = _KEPT
    if outer is None:
        _KEPT = {}
    try:
        yield
    finally:
        _KEPT = outer


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    key = (str(cwd), args)
    done = _KEPT.get(key) if _KEPT is not None else None
    if done is None:
        done = _run(cwd, args)
        if _KEPT is not None:
            _KEPT[key] = done
    if check and done.returncode != 0:
        raise GitError(f"`git {' '.join(args)}` failed: {done.stderr.strip()}")
    return done


def ask_together(cwd: Path, *questions: tuple[str, ...]) -> None:
    """Within answers_kept(), ask git the `questions` in `cwd` side by side (a thread waits for
    each process), so that git() finds their answers kept: the questions a `--diff` scan asks
    that do not depend on each other's answers (the merge base and the top level, then the
    diff and the untracked files) cost the longest one's time, not their sum. Outside
    answers_kept(), or for a question already answered, nothing is asked; a question that
    fails to start is asked again by git(), which reports it."""
    import threading

    kept = _KEPT
    if kept is None:
        return
    missing = [args for args in questions if (str(cwd), args) not in kept]
    if len(missing) < 2:
        return

    def ask(args: tuple[str, ...]) -> None:
        try:
            kept[(str(cwd), args)] = _run(cwd, args)
        except GitError:
            pass

    threads = [threading.Thread(target=ask, args=(args,), name="reviewer-git", daemon=True) for args in missing]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _run(cwd: Path, args: tuple[str, ...]) -> subprocess.CompletedProcess:
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
    return done


def is_shallow(cwd: Path) -> bool:
    return git(cwd, "rev-parse", "--is-shallow-repository", check=False).stdout.strip() == "true"


def no_work_tree(cwd: Path) -> bool:
    """Whether git would find no work tree from `cwd`: it looks for `.git` (a folder, or a file
    naming one) in `cwd` and each of its parents, unless GIT_DIR names the repository or
    GIT_WORK_TREE the tree (a bare repository, found without a `.git`, has no work tree)."""
    if "GIT_DIR" in os.environ or "GIT_WORK_TREE" in os.environ:
        return False
    folder = cwd.absolute()
    return not any(os.path.lexists(os.path.join(parent, ".git")) for parent in (folder, *folder.parents))


def in_repository(cwd: Path) -> bool:
    """Whether `cwd` is inside a git repository (asked with is_shallow's question, so that a
    run asking both starts one process)."""
    return git(cwd, "rev-parse", "--is-shallow-repository", check=False).returncode == 0


def top_level(cwd: Path) -> Path | None:
    """The work tree's top folder, or None when `cwd` is not inside a git work tree (or git is
    missing). git is not asked when it could find no repository (`no_work_tree`): every scan
    asks this of the folder it scanned (its reports' paths), and a process costs a few
    milliseconds."""
    if no_work_tree(cwd):
        return None
    try:
        done = git(cwd, "rev-parse", "--show-toplevel", check=False)
    except GitError:
        return None
    if done.returncode != 0 or not done.stdout.strip():
        return None
    return Path(done.stdout.strip()).resolve()
