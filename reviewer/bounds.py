"""Bounds on the work one file may cause: stack depth, memory (by structure) and time.

Deep but valid code (a 600-branch `elif` chain, a few hundred adjacent string literals, `and`
or `+` terms or chained calls, SQL nested 45 parentheses deep) recurses in libcst's code
generation and metadata, in sqlglot's parser and in bandit's visitor. With the interpreter's
default limit of 1,000 frames such a file failed, and it failed or not depending on how deep
the calling process already was (the CLI's main process and a pool worker differ), so results
depended on `--jobs`. Every file is therefore analysed in a fresh thread with a large stack
and a high recursion limit: the depth a file may reach is the same in every process and
depends on the file alone. The threads are kept and reused (one per process, unless a bounded
function runs another): starting a thread with such a stack cost about 0.4 ms of waiting per
file, twice per file for a cold scan's two passes.

Memory is bounded by structure, not by time: libcst needs about 2-4 KB per token (measured:
a 587 KB module of 76k tokens peaked at 357 MB with positions; a 1.98 MB `x = [1, 1, ...]`
of 1.32M tokens at 2.6 GB), so files above MAX_LIBCST_TOKENS are not given to libcst, and
files above MAX_TOKENS (CPython's `ast` needs about 0.5 KB per token) are not parsed at all.
Tokens are counted only for files large enough to exceed the first bound.

The wall-clock `file-timeout` remains as a last resort; it is one budget per file, shared by
the index pass and the check pass.
"""

from __future__ import annotations

import io
import os
import queue
import re
import sys
import threading
import tokenize
from typing import Callable, TypeVar

# A 3,000-deep chain needs about 12,000 frames; C frames of libcst and sqlglot take some
# kilobytes each, so the stack is sized well above the limit's need. The stack is virtual
# memory: only the pages a deep file touches are ever resident.
RECURSION_LIMIT = 40_000
STACK_BYTES = 512 * 1024 * 1024
# Structure bounds, in tokens of the file (see the module docstring for the measurements):
# about 400 MB for libcst, 250 MB for `ast`.
MAX_LIBCST_TOKENS = 100_000
MAX_TOKENS = 500_000
RESEND_SECONDS = 0.05
# Nesting depth of CPython's tree above which libcst is not used: its code generation and
# metadata grow faster than linearly with depth (3,000 chained calls, depth 6,000: 30 s for
# positions alone; 20,000 `+` terms did not finish in minutes). A 600-branch `elif` chain is
# about 600 deep, 340 chained calls about 700.
MAX_DEPTH = 1500
# A token takes at least one character, so smaller files cannot exceed MAX_LIBCST_TOKENS.
COUNT_TOKENS_FROM = MAX_LIBCST_TOKENS

T = TypeVar("T")


class FileTimeout(BaseException):
    """Raised in the analysing thread when the file's time budget is spent. Not an Exception:
    sqlglot and our own parse helpers catch Exception, and would turn the timeout into a parse
    error and carry on."""


def timed_out(error: BaseException) -> bool:
    """Whether `error` is the file's timeout, or was raised while the timeout was being handled
    (its `__context__` chain holds one): a `finally` or `except` clause in a parser or a rule
    that runs on the way out (libcst's metadata visitors pop their state in one) can raise an
    exception of its own that replaces the timeout. Such an error is the timeout, not a bug."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, FileTimeout):
            return True
        seen.add(id(current))
        current = current.__context__
    return False


# Each token but the layout ones (NEWLINE or NL, INDENT, DEDENT: at most three a line, and
# ENDMARKER) holds an identifier, a digit or another visible character, so these matches bound
# the number of tokens from above (a string or a number gives several), some ten times faster
# than the tokenizer counts them.
_TOKEN_STARTS = re.compile(r"[^\W\d]\w*|\d|[^\w\s]")


def token_count(text: str) -> int | None:
    """Tokens of a large Python file (streamed, constant memory); None for small files, whose
    size or count of visible pieces (_TOKEN_STARTS) already bounds them under
    COUNT_TOKENS_FROM, and for text the tokenizer rejects (the parser reports it)."""
    if len(text) < COUNT_TOKENS_FROM:
        return None
    lines = text.count("\n") + text.count("\r") - text.count("\r\n") + 1
    if 3 * lines + 2 + len(_TOKEN_STARTS.findall(text)) < COUNT_TOKENS_FROM:
        return None
    count = 0
    try:
        for _ in tokenize.generate_tokens(io.StringIO(text).readline):
            count += 1
            if count > MAX_TOKENS:
                break
    except (tokenize.TokenError, SyntaxError):
        return None
    return count


# Tokens that join the terms of a chain nested one level per term (`a + b + ...`, `a and b
# and ...`, `a.b.c...`, `x if c else y if ...`); brackets, commas and assignment do not nest,
# except a call or subscript right after another (`f()()()`, `a[0][0]`).
_FLAT_OPERATORS = frozenset({"(", ")", "[", "]", "{", "}", ",", ":", ";", "=", "->", "...", "@"})
_WORD_OPERATORS = frozenset({"and", "or", "not", "if", "else", "in", "is", "await", "lambda"})


def operator_chain(text: str) -> int:
    """The most operators in one logical line of Python source: a bound on the nesting of its
    expressions without a parse (for files only libcst can read). The tokenizer of an older
    Python splits some newer f-strings differently; operators outside them count the same."""
    most = count = 0
    previous = ""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NEWLINE:
                most, count = max(most, count), 0
            elif (
                (token.type == tokenize.OP and token.string not in _FLAT_OPERATORS)
                or (token.type == tokenize.NAME and token.string in _WORD_OPERATORS)
                or (token.string in ("(", "[") and previous in (")", "]"))
            ):
                count += 1
            if token.type not in (tokenize.NL, tokenize.COMMENT):
                previous = token.string
    except (tokenize.TokenError, SyntaxError):
        pass
    return max(most, count)


def run_bounded(function: Callable[..., T], seconds: float, *args: object) -> T:
    """`function(*args)` in a thread with a deep stack and RECURSION_LIMIT, interrupted with
    FileTimeout after `seconds`. Exceptions propagate to the caller."""
    if seconds <= 0:
        raise FileTimeout()  # the budget was spent by an earlier pass over the file
    state = _Run(function, args)
    if sys.unraisablehook is not _quiet_timeouts:
        _quiet_timeouts.previous = sys.unraisablehook  # type: ignore[attr-defined]
        sys.unraisablehook = _quiet_timeouts
    previous_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous_limit, RECURSION_LIMIT))
    worker = _FileThread.take()
    try:
        worker.jobs.put(state)
        if not state.done.wait(max(seconds, 0.0)):
            while not state.done.wait(RESEND_SECONDS):
                # Again until it ends: an exception raised inside a weakref callback or a __del__
                # is printed and dropped by the interpreter.
                state.interrupt()
    finally:
        sys.setrecursionlimit(previous_limit)
        if state.done.is_set():
            worker.give_back()
    if state.error is not None:
        if not isinstance(state.error, FileTimeout) and timed_out(state.error):
            raise FileTimeout() from state.error
        raise state.error
    return state.value  # type: ignore[return-value]


class _FileThread:
    """A thread with the deep stack that runs bounded functions one after another, at the same
    depth each time (the top of its stack). Idle ones are kept for the next run_bounded of this
    process; a function that calls run_bounded itself is given another. A forked process has
    none (threads do not survive a fork); `stop` ends the idle ones (before forking, so that no
    thread of ours runs while a pool's workers fork)."""

    idle: list["_FileThread"] = []
    guard = threading.Lock()

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[_Run | None] = queue.SimpleQueue()
        previous_size = threading.stack_size(STACK_BYTES)
        try:
            self.thread = threading.Thread(target=self.serve, name="reviewer-file", daemon=True)
            self.thread.start()
        finally:
            threading.stack_size(previous_size)

    @classmethod
    def take(cls) -> "_FileThread":
        with cls.guard:
            if cls.idle:
                return cls.idle.pop()
        return cls()

    def give_back(self) -> None:
        with self.guard:
            self.idle.append(self)

    def serve(self) -> None:
        while (state := self.jobs.get()) is not None:
            try:
                state.run()
            except FileTimeout:
                pass  # an interrupt that missed its run (_Run.run absorbs them): never this loop's
            finally:
                state.done.set()

    @classmethod
    def stop(cls) -> None:
        with cls.guard:
            stopping, cls.idle[:] = list(cls.idle), []
        for worker in stopping:
            worker.jobs.put(None)
            worker.thread.join()

    @classmethod
    def forget(cls) -> None:
        cls.idle = []
        cls.guard = threading.Lock()


os.register_at_fork(after_in_child=_FileThread.forget)


def stop_threads() -> None:
    """End this process's idle file threads (run_bounded starts others when next called)."""
    _FileThread.stop()


class _Run:
    def __init__(self, function: Callable, args: tuple) -> None:
        self.function = function
        self.args = args
        self.value: object = None
        self.error: BaseException | None = None
        self.lock = threading.Lock()
        self.inside = False
        self.ident: int | None = None
        self.done = threading.Event()

    def run(self) -> None:
        try:
            try:
                with self.lock:
                    self.inside = True
                    self.ident = threading.get_ident()
                self.value = self.function(*self.args)
            except BaseException as error:  # noqa: BLE001 - handed to the calling thread
                self.error = error
            with self.lock:
                self.inside = False
            # The interrupt is sent only while `inside`; if it arrives after the function
            # returned, it arrives at one of the calls above, and is caught here.
            _checkpoint()
        except FileTimeout as late:
            self.error = late

    def interrupt(self) -> None:
        """Raise FileTimeout in the thread at its next Python instruction (a native call in
        progress, such as libcst's parser, finishes first)."""
        import ctypes  # here: a scan whose every file is cached analyses none (a few ms of its start)

        with self.lock:
            if self.inside and self.ident is not None:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.ident), ctypes.py_object(FileTimeout))


def _checkpoint() -> None:
    """A Python call: pending asynchronous exceptions are delivered at calls."""


def _quiet_timeouts(unraisable) -> None:
    """A timeout delivered inside a weakref callback or a __del__ is dropped by the
    interpreter (and sent again, see run_bounded): not a traceback for the user."""
    if not isinstance(unraisable.exc_value, FileTimeout):
        _quiet_timeouts.previous(unraisable)  # type: ignore[attr-defined]
