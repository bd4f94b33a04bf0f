"""SQL lexing on sqlglot's tokenizer: the statements, driver placeholders, comments and string
literals of a piece of SQL text, in one pass that every part of reviewer shares.

sqlglot's tokenizer already knows dollar quotes (`$$ ... $$`, `$tag$ ... $tag$`), `E'...'`
strings with backslash escapes, doubled quotes, nested block comments and the dialect's
operators (PostgreSQL's `?|` and `?&`); this module only reads its tokens. Placeholders are
sequences of adjacent tokens (`%` `s`, `%` `(` `name` `)` `s`, `$` `1`, `:` `name`, `?`), so a
`%s` inside a string or a comment is never one. A `?` is PostgreSQL's JSONB operator, not a
placeholder, when it stands between two operands (`data ? 'tags'`) or when the text uses the
`%s` or `$1` style (psycopg and asyncpg never bind `?`). Comments carry their line, so SQL
suppression directives (`-- reviewer: ignore[...]`) come from here too.

`lex` returns None when the tokenizer rejects the text (an unterminated quote, a dialect's
syntax it does not know): callers skip the fact they wanted, they never crash.
"""

from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass
from functools import cached_property, lru_cache

import sqlglot
from sqlglot.tokens import Token, TokenType

from reviewer.lines import LINE_BREAK

# sqlglot logs a warning for each statement it keeps as an opaque command; expected here.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

# PEP 249 paramstyles as reviewer names them: `?`, `%s` / `%(name)s`, `$1`, `:name`.
QMARK, FORMAT, NUMERIC, NAMED = "qmark", "format", "numeric", "named"

STRING_TOKENS = frozenset(
    {
        TokenType.STRING, TokenType.NATIONAL_STRING, TokenType.BYTE_STRING, TokenType.HEREDOC_STRING,
        TokenType.HEX_STRING, TokenType.BIT_STRING, TokenType.RAW_STRING, TokenType.UNICODE_STRING,
    }
)
# Tokens that end an operand: after one of these a `?` followed by another operand is the
# JSONB key-exists operator.
OPERAND_END = STRING_TOKENS | {TokenType.VAR, TokenType.IDENTIFIER, TokenType.NUMBER, TokenType.R_PAREN, TokenType.R_BRACKET}
# Tokens that start an operand (what follows the JSONB `?`).
OPERAND_START = STRING_TOKENS | {
    TokenType.VAR, TokenType.IDENTIFIER, TokenType.NUMBER, TokenType.L_PAREN, TokenType.ARRAY, TokenType.MOD,
    TokenType.PARAMETER, TokenType.PLACEHOLDER, TokenType.COLON,
}
# Keywords after which a value follows: a `?` there is a placeholder, whatever comes next.
VALUE_KEYWORDS = frozenset(
    {
        TokenType.SELECT, TokenType.WHERE, TokenType.AND, TokenType.OR, TokenType.NOT, TokenType.ON, TokenType.HAVING,
        TokenType.WHEN, TokenType.THEN, TokenType.ELSE, TokenType.LIMIT, TokenType.OFFSET, TokenType.SET,
        TokenType.VALUES, TokenType.IN, TokenType.IS, TokenType.LIKE, TokenType.ILIKE, TokenType.BETWEEN,
        TokenType.RETURNING, TokenType.DISTINCT, TokenType.CASE, TokenType.ALL, TokenType.ANY, TokenType.SOME,
        TokenType.EXISTS, TokenType.INTERVAL, TokenType.FETCH, TokenType.TOP, TokenType.ESCAPE, TokenType.USING,
        TokenType.ALIAS, TokenType.ORDER_BY, TokenType.GROUP_BY,
    }
)
COMMENT_MARKERS = ("--", "/*", "#", "//")


@dataclass(frozen=True)
class Placeholder:
    """A driver placeholder: its span `[start, end)` in the text, its paramstyle, its spelling
    and its name (`name` of `%(name)s` / `:name`, the digits of `$1`; None for `%s` and `?`)."""

    start: int
    end: int
    style: str
    text: str
    name: str | None = None


@dataclass(frozen=True)
class Comment:
    """A comment as written (with its `--` or `/* */`), where it starts (1-based), and whether
    it is alone on its line (nothing but blanks before it)."""

    line: int
    column: int
    text: str
    alone: bool

    @property
    def body(self) -> str:
        """The text without its markers."""
        text = self.text
        if text.startswith("/*"):
            return text[2:-2] if text.endswith("*/") else text[2:]
        for marker in COMMENT_MARKERS:
            if text.startswith(marker):
                return text[len(marker) :]
        return text


@dataclass(frozen=True)
class StringLiteral:
    """A quoted literal: its span `[start, end)` with the quotes, its value as the tokenizer
    reads it (escapes resolved) and its kind (`string`, `byte_string` for `E'...'`,
    `heredoc_string` for dollar quotes, ...)."""

    start: int
    end: int
    value: str
    kind: str


@dataclass(frozen=True)
class Statement:
    """One statement: its text from first to last token, where it starts (1-based line and
    column, and offset in the lexed text) and its tokens."""

    text: str
    line: int
    column: int
    start: int
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class Lexed:
    text: str
    dialect: str
    tokens: tuple[Token, ...]
    placeholders: tuple[Placeholder, ...]
    comments: tuple[Comment, ...]
    strings: tuple[StringLiteral, ...]
    # Spans `[start, end)` of `%%` outside strings: psycopg's escaped percent sign.
    percent_escapes: tuple[tuple[int, int], ...]
    line_starts: tuple[int, ...]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        return _position(self.line_starts, offset)

    @property
    def statements(self) -> list[Statement]:
        """The statements, split on the tokenizer's semicolons (so dollar-quoted bodies and
        strings stay whole)."""
        found: list[Statement] = []
        current: list[Token] = []
        for token in (*self.tokens, None):
            if token is None or token.token_type == TokenType.SEMICOLON:
                if current:
                    start, end = current[0].start, current[-1].end + 1
                    line, column = self.position(start)
                    found.append(Statement(self.text[start:end], line, column, start, tuple(current)))
                current = []
                continue
            current.append(token)
        return found

    def styles(self) -> dict[str, str]:
        """Paramstyle -> its first spelling in the text."""
        found: dict[str, str] = {}
        for placeholder in self.placeholders:
            found.setdefault(placeholder.style, placeholder.text)
        return found

    @cached_property
    def code_lines(self) -> list[int]:
        """The lines where a token starts, in order."""
        return sorted({self.position(token.start)[0] for token in self.tokens})

    def next_code_line(self, line: int) -> int | None:
        """The first line after `line` where a token starts (None when none does)."""
        index = bisect.bisect_right(self.code_lines, line)
        return self.code_lines[index] if index < len(self.code_lines) else None


def lex(text: str, dialect: str) -> Lexed | None:
    """The text lexed in `dialect`, or None when sqlglot's tokenizer rejects it."""
    lexed = _lex(text, dialect)
    return lexed if isinstance(lexed, Lexed) else None


def lex_failure(text: str, dialect: str) -> str:
    """Why the tokenizer rejects the text ("" when it does not)."""
    lexed = _lex(text, dialect)
    return lexed if isinstance(lexed, str) else ""


@lru_cache(maxsize=512)
def _lex(text: str, dialect: str) -> Lexed | str:
    try:
        tokens = tuple(sqlglot.Dialect.get_or_raise(dialect).tokenize(text))
    except Exception as error:  # noqa: BLE001 - TokenError, and IndexError and others on odd input
        return " ".join(str(error).split()) or type(error).__name__
    placeholders, escapes = _placeholders(tokens)
    starts = (0, *(match.end() for match in LINE_BREAK.finditer(text)))
    strings = tuple(
        StringLiteral(token.start, token.end + 1, token.text, token.token_type.name.lower())
        for token in tokens
        if token.token_type in STRING_TOKENS
    )
    return Lexed(text, dialect, tokens, tuple(placeholders), _comments(text, tokens, starts), strings, tuple(escapes), starts)


def _position(line_starts: tuple[int, ...], offset: int) -> tuple[int, int]:
    index = bisect.bisect_right(line_starts, offset) - 1
    return index + 1, offset - line_starts[index] + 1


# --------------------------------------------------------------------------------------------
# Placeholders


def _adjacent(tokens: tuple[Token, ...], index: int, count: int) -> bool:
    """Tokens index .. index + count - 1 exist and touch each other (no blank between)."""
    if index + count > len(tokens):
        return False
    return all(tokens[i + 1].start == tokens[i].end + 1 for i in range(index, index + count - 1))


def _placeholders(tokens: tuple[Token, ...]) -> tuple[list[Placeholder], list[tuple[int, int]]]:
    found: list[Placeholder] = []
    escapes: list[tuple[int, int]] = []
    questions: list[int] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        kind = token.token_type
        if kind == TokenType.MOD:
            if _adjacent(tokens, index, 2) and tokens[index + 1].token_type == TokenType.MOD:
                escapes.append((token.start, tokens[index + 1].end + 1))
                index += 2
                continue
            if _adjacent(tokens, index, 2) and tokens[index + 1].text == "s":
                found.append(Placeholder(token.start, token.end + 2, FORMAT, "%s"))
                index += 2
                continue
            if (
                _adjacent(tokens, index, 5)
                and tokens[index + 1].token_type == TokenType.L_PAREN
                and tokens[index + 2].text.isidentifier()
                and tokens[index + 3].token_type == TokenType.R_PAREN
                and tokens[index + 4].text == "s"
            ):
                name = tokens[index + 2].text
                found.append(Placeholder(token.start, tokens[index + 4].end + 1, FORMAT, f"%({name})s", name))
                index += 5
                continue
        elif kind == TokenType.PARAMETER and token.text == "$" and _adjacent(tokens, index, 2) and tokens[index + 1].token_type == TokenType.NUMBER:
            digits = tokens[index + 1].text
            found.append(Placeholder(token.start, tokens[index + 1].end + 1, NUMERIC, "$" + digits, digits))
            index += 2
            continue
        elif kind == TokenType.VAR and token.text.startswith("$") and token.text[1:].isdigit():
            found.append(Placeholder(token.start, token.end + 1, NUMERIC, token.text, token.text[1:]))  # sqlite's one token
        elif kind == TokenType.COLON and _adjacent(tokens, index, 2) and tokens[index + 1].text.isidentifier():
            previous = tokens[index - 1] if index else None
            if previous is None or previous.end + 1 < token.start or previous.token_type not in OPERAND_END:
                name = tokens[index + 1].text
                found.append(Placeholder(token.start, tokens[index + 1].end + 1, NAMED, ":" + name, name))
                index += 2
                continue
        elif kind == TokenType.PLACEHOLDER and token.text == "?":
            questions.append(index)
        index += 1
    if not any(placeholder.style in (FORMAT, NUMERIC) for placeholder in found):
        # With `%s` or `$1` in the text every `?` is an operator (psycopg, asyncpg).
        for index in questions:
            if not _jsonb_operator(tokens, index):
                token = tokens[index]
                end = token.end + 1
                if _adjacent(tokens, index, 2) and tokens[index + 1].token_type == TokenType.NUMBER:
                    end = tokens[index + 1].end + 1  # sqlite's `?1`
                found.append(Placeholder(token.start, end, QMARK, "?" if end == token.end + 1 else "?" + tokens[index + 1].text))
    found.sort(key=lambda placeholder: placeholder.start)
    return found, escapes


def _jsonb_operator(tokens: tuple[Token, ...], index: int) -> bool:
    """`data ? 'tags'`, `data ?| array[...]` in a dialect that does not tokenize `?|` itself."""
    if index == 0 or index + 1 >= len(tokens):
        return False
    previous, following = tokens[index - 1], tokens[index + 1]
    after_operand = previous.token_type in OPERAND_END or (
        previous.text.isidentifier() and previous.token_type not in VALUE_KEYWORDS
    )
    if not after_operand:
        return False
    if following.token_type in (TokenType.PIPE, TokenType.AMP) and _adjacent(tokens, index, 2):
        return True
    return following.token_type in OPERAND_START


# --------------------------------------------------------------------------------------------
# Comments


def _comments(text: str, tokens: tuple[Token, ...], line_starts: tuple[int, ...]) -> tuple[Comment, ...]:
    """sqlglot keeps each comment's text on a neighbouring token, without its position; a
    comment lies in a gap between tokens (which holds nothing but blanks and comments), so it
    is found there by its text. Comments come in text order, so the search goes on from the
    gap of the previous one."""
    bounds = [-1, *(edge for token in tokens for edge in (token.start, token.end)), len(text)]
    gaps = [
        (low, high)
        for low, high in ((bounds[i] + 1, bounds[i + 1]) for i in range(0, len(bounds), 2))
        if high - low >= 2 and any(marker in text[low:high] for marker in COMMENT_MARKERS)
    ]
    taken: set[int] = set()
    found: list[tuple[int, str]] = []
    cursor = 0
    for body in (comment for token in tokens for comment in token.comments):
        placed = _place(text, gaps, cursor, taken, body) or _place(text, gaps, 0, taken, body)
        if placed is not None:
            cursor, start, written = placed
            taken.add(start)
            found.append((start, written))
    comments = []
    for start, written in sorted(found):
        line, column = _position(line_starts, start)
        comments.append(Comment(line, column, written, not text[line_starts[line - 1] : start].strip()))
    return tuple(comments)


def _place(text: str, gaps: list[tuple[int, int]], first: int, taken: set[int], body: str) -> tuple[int, int, str] | None:
    """(gap index, start, comment as written) of the first free occurrence of the comment
    from gap `first` on."""
    for index in range(first, len(gaps)):
        low, high = gaps[index]
        for marker in COMMENT_MARKERS:
            written = marker + body + ("*/" if marker == "/*" else "")
            at = text.find(written, low, high)
            while at >= 0 and at in taken:
                at = text.find(written, at + 1, high)
            if at >= 0:
                if marker != "/*":
                    end = LINE_BREAK.search(text, at)
                    written = text[at : end.start() if end else len(text)]
                return index, at, written
    return None


# --------------------------------------------------------------------------------------------
# What callers ask


def normalise_placeholders(sql: str, dialect: str) -> str:
    """Driver placeholders rewritten to `:pN` (`%(name)s` to `:name`), which every dialect
    parses, and psycopg's `%%` to `%`. Text the tokenizer rejects is returned as it is."""
    lexed = lex(sql, dialect)
    if lexed is None:
        return sql
    edits: list[tuple[int, int, str]] = [(start, end, "%") for start, end in lexed.percent_escapes]
    count = 0
    for placeholder in lexed.placeholders:
        if placeholder.style == NAMED:
            continue
        if placeholder.style == NUMERIC:
            replacement = f":p{placeholder.name}"
        elif placeholder.name is not None and placeholder.style == FORMAT:
            replacement = f":{placeholder.name}"
        else:
            count += 1
            replacement = f":p{count}"
        edits.append((placeholder.start, placeholder.end, replacement))
    out: list[str] = []
    position = 0
    for start, end, replacement in sorted(edits):
        out.append(sql[position:start])
        out.append(replacement)
        position = end
    out.append(sql[position:])
    return "".join(out)


def placeholder_styles(sql: str, dialect: str) -> dict[str, str]:
    """The driver placeholder styles an SQL string uses -> the first spelling seen ({} when
    the tokenizer rejects the text)."""
    lexed = lex(sql, dialect)
    return lexed.styles() if lexed is not None else {}


def quoted(sql: str, dialect: str, needles: list[str]) -> set[str]:
    """The needles that occur inside a string literal of the text."""
    lexed = lex(sql, dialect)
    if lexed is None or any(token.token_type == TokenType.COMMAND for token in lexed.tokens):
        return set()  # the tokenizer keeps a command's rest (`EXPLAIN ...`) as one string token
    return {needle for needle in needles if any(needle in literal.value for literal in lexed.strings)}
