"""What a line is: Python's definition, `\\n`, `\\r\\n` or `\\r` (the tokenizer's, libcst's and
`ast`'s line numbers). `str.splitlines()` also breaks at U+2028, U+2029, form feed, vertical
tab, NEL and the file/group/record separators, which Python treats as ordinary characters, so
every line number derived from it drifts after such a character. Positions, suppressions,
fingerprints and reports all split source text here."""

from __future__ import annotations

import re

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of `text` without their line breaks; a final break ends the last line rather
    than starting an empty one (as `str.splitlines()` does)."""
    if not text:
        return []
    lines = LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


def count_lines(text: str) -> int:
    """len(split_lines(text)), without making the lines: the line breaks, plus a last line
    that no break ends."""
    if not text:
        return 0
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    return breaks if text[-1] in "\r\n" else breaks + 1
