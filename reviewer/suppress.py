"""Suppression comments: `# reviewer: ignore[CODE,...] reason` (Python) and
`-- reviewer: ignore[CODE,...] reason` (SQL), on the flagged line or alone on the line(s)
above it; `reviewer: ignore-file[CODE,...] reason` anywhere for the whole file.

Directives are read from comment tokens (Python's tokenizer; for SQL, `--` comments outside
quotes), so text inside strings never counts.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from reviewer.lines import split_lines

DIRECTIVE = re.compile(r"reviewer:\s*(?P<kind>ignore-file|ignore)\b(?:\[(?P<codes>[^\]]*)\])?(?P<reason>.*)$")


@dataclass(frozen=True)
class Directive:
    line: int  # where the comment is
    target: int  # the line it applies to (0 for the whole file)
    codes: tuple[str, ...]
    reason: str
    column: int = 1

    @property
    def file_level(self) -> bool:
        return self.target == 0

    def to_cache(self) -> list:
        return [self.line, self.target, list(self.codes), self.reason, self.column]

    @classmethod
    def from_cache(cls, data: list) -> "Directive":
        return cls(data[0], data[1], tuple(data[2]), data[3], data[4])


def python_comments(text: str) -> list[tuple[int, int, str, bool]]:
    """(line, column, comment text, alone on its line) for each comment of Python source."""
    comments = []
    code_lines: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                comments.append((token.start[0], token.start[1] + 1, token.string))
            elif token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
                for line in range(token.start[0], token.end[0] + 1):
                    code_lines.add(line)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return [(line, column, body, line not in code_lines) for line, column, body in comments]


def sql_comments(text: str) -> list[tuple[int, int, str, bool]]:
    """(line, column, comment text, alone on its line) for each `--` comment of SQL text."""
    comments = []
    for number, line in enumerate(split_lines(text), start=1):
        quote = ""
        for index, char in enumerate(line):
            if quote:
                if char == quote:
                    quote = ""
            elif char in ("'", '"'):
                quote = char
            elif line.startswith("--", index):
                comments.append((number, index + 1, line[index:], not line[:index].strip()))
                break
    return comments


def parse_directives(text: str, is_sql: bool) -> list[Directive]:
    comments = sql_comments(text) if is_sql else python_comments(text)
    lines = split_lines(text)
    directives = []
    for line, column, body, alone in comments:
        match = DIRECTIVE.search(body)
        if match is None:
            continue
        codes = tuple(code.strip().upper() for code in (match.group("codes") or "").split(",") if code.strip())
        reason = match.group("reason").strip(" \t:-—#")
        if match.group("kind") == "ignore-file":
            target = 0
        elif alone:
            target = _next_code_line(lines, line, is_sql)
        else:
            target = line
        directives.append(Directive(line, target, codes, reason, column))
    return directives


def _next_code_line(lines: list[str], line: int, is_sql: bool) -> int:
    marker = "--" if is_sql else "#"
    for number in range(line + 1, len(lines) + 1):
        stripped = lines[number - 1].strip()
        if stripped and not stripped.startswith(marker):
            return number
    return line


def covers(directive: Directive, code: str, line: int) -> bool:
    return code in directive.codes and (directive.file_level or directive.target == line)
