"""Suppression comments: `# reviewer: ignore[CODE,...] reason` (Python) and
`-- reviewer: ignore[CODE,...] reason` (SQL), on the flagged line or alone on the line(s)
above it; `reviewer: ignore-file[CODE,...] reason` anywhere for the whole file.

Directives are read from comment tokens (Python's tokenizer; for SQL, the comments
reviewer.sql.sqllex finds with sqlglot's tokenizer), so text inside strings never counts. SQL the
tokenizer rejects has no directives (its statements are not checked either).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from reviewer.lines import LINE_BREAK, split_lines
from reviewer.model import Edit

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


def parse_directives(text: str, is_sql: bool, dialect: str = "postgres") -> list[Directive]:
    """The directives of a Python file, or of an SQL file lexed in `dialect`."""
    if is_sql:
        from reviewer.sql.sqllex import lex  # sqlglot: loaded when an SQL file is read, not by a warm scan

        lexed = lex(text, dialect)
        if lexed is None:
            return []
        comments = [(comment.line, comment.column, comment.body, comment.alone) for comment in lexed.comments]
        next_code_line = lexed.next_code_line
    else:
        comments = python_comments(text)
        lines = split_lines(text)

        def next_code_line(line: int) -> int | None:
            for number in range(line + 1, len(lines) + 1):
                stripped = lines[number - 1].strip()
                if stripped and not stripped.startswith("#"):
                    return number
            return None

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
            target = next_code_line(line) or line
        else:
            target = line
        directives.append(Directive(line, target, codes, reason, column))
    return directives


def covers(directive: Directive, code: str, line: int) -> bool:
    return code in directive.codes and (directive.file_level or directive.target == line)


def removal(text: str, directive: Directive, code: str) -> Edit | None:
    """The edit that takes `code` out of a directive of `text` (the whole comment, and its
    line when the comment stands alone, when no other code is left). None when the comment
    holds more than the directive (`# noqa: E501  # reviewer: ...`), or is a block comment."""
    lines = split_lines(text)
    if not 0 < directive.line <= len(lines):
        return None
    line = lines[directive.line - 1]
    comment = line[directive.column - 1 :]
    match = DIRECTIVE.search(comment)
    if match is None or not comment.startswith(("#", "--")) or comment[: match.start()].lstrip("#-").strip():
        return None
    rest = [c for c in directive.codes if c != code.upper()]
    if rest:
        start, end = match.span("codes")
        joiner = ", " if ", " in match.group("codes") else ","
        return Edit("", directive.line, directive.column + start, directive.line, directive.column + end, joiner.join(rest))
    code_before = line[: directive.column - 1].rstrip()
    if code_before:
        return Edit("", directive.line, len(code_before) + 1, directive.line, len(line) + 1, "")
    if directive.line < len(lines) or LINE_BREAK.match(text[-1:]):
        return Edit("", directive.line, 1, directive.line + 1, 1, "")
    return Edit("", directive.line, 1, directive.line, len(line) + 1, "")
