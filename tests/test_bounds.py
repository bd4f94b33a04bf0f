"""reviewer.bounds: each file's function runs in a thread with a deep stack, kept for the
next file of the same process (starting one per file cost about 0.4 ms of waiting each)."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from reviewer import bounds
from reviewer.bounds import FileTimeout, run_bounded


def _depth(levels: int) -> int:
    return 0 if levels == 0 else 1 + _depth(levels - 1)


def _where() -> tuple[int, str]:
    return threading.get_ident(), threading.current_thread().name


def test_the_file_thread_is_kept_for_the_next_file() -> None:
    first = run_bounded(_where, 10.0)
    assert first != (threading.get_ident(), threading.current_thread().name)
    assert first[1] == "reviewer-file"
    assert run_bounded(_where, 10.0) == first
    # The depth a file may reach is the same each time (the function runs at the top of the
    # thread's stack), far above the interpreter's default limit.
    assert run_bounded(_depth, 10.0, 30_000) == 30_000
    assert run_bounded(_depth, 10.0, 30_000) == 30_000
    assert run_bounded(_where, 10.0) == first


def test_a_timeout_does_not_reach_the_next_file() -> None:
    def spin() -> None:
        while True:
            pass

    started = time.monotonic()
    with pytest.raises(FileTimeout):
        run_bounded(spin, 0.2)
    assert time.monotonic() - started < 5
    # The thread is free again, and nothing of the interrupt is left pending in it.
    assert run_bounded(sum, 10.0, range(1000)) == sum(range(1000))
    assert run_bounded(_depth, 10.0, 100) == 100
    with pytest.raises(ValueError, match="raised"):
        run_bounded(_raise, 10.0)


def _raise() -> None:
    raise ValueError("raised in the file thread")


def test_a_bounded_function_may_run_another() -> None:
    """A bounded function that runs one itself (the index entry of a `--diff` scan read while
    a file is checked) gets another thread: its own is busy."""

    def outer() -> tuple[tuple[int, str], tuple[int, str]]:
        return _where(), run_bounded(_where, 10.0)

    mine, inner = run_bounded(outer, 10.0)
    assert mine != inner and inner[1] == "reviewer-file"


def _in_child(queue: multiprocessing.Queue) -> None:
    queue.put(run_bounded(_depth, 10.0, 1000))


def test_a_forked_process_starts_its_own_thread() -> None:
    """Threads do not survive a fork: a worker forked after the parent ran a bounded function
    must not hand its files to the parent's thread (it would wait for ever)."""
    run_bounded(_where, 10.0)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_in_child, args=(queue,))
    child.start()
    assert queue.get(timeout=30) == 1000
    child.join(30)
    assert child.exitcode == 0


def test_stop_threads_ends_the_idle_threads() -> None:
    run_bounded(_where, 10.0)
    bounds.stop_threads()
    assert not [thread for thread in threading.enumerate() if thread.name == "reviewer-file"]
    assert run_bounded(_depth, 10.0, 10) == 10  # and the next run starts another
