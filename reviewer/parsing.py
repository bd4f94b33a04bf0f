"""Python source to the interpreter's `ast` tree, whatever grammar from 3.8 to 3.14 the file is
written in.

The syntax gate, bandit's tests and the project index read CPython's `ast`, which knows only
the grammar of the interpreter running reviewer: on Python 3.11, PEP 701 f-strings
(`f"{row["id"]}"`, `f"{'\\n'.join(lines)}"`), PEP 695 type parameters and `type` aliases,
PEP 696 defaults and 3.14's t-strings and unparenthesised `except A, B:` are syntax errors.
libcst's native parser reads all of them. When the interpreter rejects a file and libcst
accepts it, the file is *lowered* (reviewer.lowering): each newer construct is rewritten in place into an older
equivalent of the same byte layout (the interpreter's `ast` then gives every node its true
line and column), and the few rewrites that need a node of their own are restored on the tree:

- an f-string (or an implicit concatenation holding one) becomes `_(hole, hole, ...)` over
  the same span, its holes left where they are, and is rebuilt as the `JoinedStr` CPython
  makes of it (literal text, conversions, format specs, `=` debug text);
- a t-string becomes an opaque call whose arguments are its text and holes: a template is
  not a string, so it is never mistaken for formatted SQL;
- `type X[T] = v` becomes the assignment `X = v`; type parameter lists (with their bounds
  and defaults) are blanked; `except*` becomes `except`; `*Ts` in a subscript or an
  annotation becomes `Ts`; `except A, B:` gets its parentheses.

The lowered tree uses only node types of Python 3.10 (the oldest interpreter reviewer runs
on), so the same file gives the same tree on every interpreter that needs the lowering. A
file goes to `errors` only when no supported grammar parses it: libcst rejects it too, or the
lowered text still does not parse (a real error libcst tolerates).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass

from reviewer.bounds import MAX_DEPTH, MAX_LIBCST_TOKENS, operator_chain, token_count

INTERPRETER = f"{sys.version_info.major}.{sys.version_info.minor}"
# Errors that no grammar version lifts: reading such a file with libcst would only cost time.
GRAMMAR_INDEPENDENT = ("too many nested parentheses", "null bytes", "too many levels of indentation")


@dataclass(frozen=True)
class ParsedPython:
    tree: ast.Module
    # The interpreter's parser rejected the file and the tree was read from its lowering:
    # the same facts, with the interpreter's node types, but not a tree bandit's tests know.
    lowered: bool = False


class BeyondBounds(Exception):
    """The file needs libcst to be read and is beyond what libcst may be given
    (reviewer.bounds); `kind` is the error kind to record."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def parse(text: str, filename: str = "<unknown>") -> ParsedPython:
    """The file's `ast` tree. Raises SyntaxError when no supported grammar parses it,
    BeyondBounds when it would have to be read with libcst and is too large or too deeply
    nested for it, and what `ast.parse` raises otherwise (ValueError, RecursionError,
    MemoryError)."""
    try:
        return ParsedPython(ast.parse(text, filename=filename))
    except SyntaxError as error:
        if isinstance(error, IndentationError) or any(words in error.msg for words in GRAMMAR_INDEPENDENT):
            raise
        rejected = error
    # The bounds the check pass puts on libcst, measured on tokens since the file has no
    # CPython tree: memory (about 2-4 KB a token), and nesting, as libcst's parse time grows
    # faster than linearly with it (a 1,500-term `+` chain takes 7 s, 3,000 terms 48 s) and
    # its native code cannot be interrupted.
    rejection = f"Python {INTERPRETER}'s parser rejects it (line {rejected.lineno}: {rejected.msg})"
    tokens = token_count(text)
    if tokens is not None and tokens > MAX_LIBCST_TOKENS:
        raise BeyondBounds(
            "too-complex", f"{rejection} and its {tokens:,} tokens are above {MAX_LIBCST_TOKENS:,}, too many for libcst"
        )
    chain = operator_chain(text)
    if chain > MAX_DEPTH:
        raise BeyondBounds(
            "too-deep", f"{rejection} and a statement of {chain:,} operators, above {MAX_DEPTH:,}, is too deep for libcst"
        )
    # libcst, and the lowering, are imported for such a file only.
    import libcst as cst

    from reviewer.lowering import lowered_tree

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        if error.raw_line > (rejected.lineno or 0):
            # The interpreter may have stopped early, at syntax newer than it knows.
            rejected.msg += f"; read as Python 3.12 or later, the first error is at line {error.raw_line}"
        raise rejected from None
    except Exception:  # noqa: BLE001 - libcst raises CSTLogicError on some inputs (concatenated t-strings)
        raise rejected from None
    return ParsedPython(lowered_tree(module, filename), lowered=True)
