"""Whether the SQL lifted from a Python file can hold a word a SqlRule needs (`SqlRule.words`):
SQL004 reports nothing on SQL without `NULL`, so a file whose SQL cannot spell it need not be
parsed with libcst for it.

The SQL lifter (reviewer.sql.sqltext) builds a statement by joining pieces of text: the file's
string constants (a plain string's value, an f-string's literal parts as written, escapes and
all), the text of project constants and of helper and member summaries of any module (the
project model, reviewer.project.symbols), and its own fillers (`0`, `%s`, ` AND `, hole
markers), none of which holds a letter of a word next to the text around it. A word is in the
joined text only if one piece holds it, or it runs across pieces: a piece ends with its head,
pieces wholly inside it follow, and a piece starts with its tail. sqlglot reads keywords and
function names in upper case (`str.upper`), so the pieces are compared in upper case.

A word may also be a phrase of tokens: SQL004's `=NULL`, `<>NULL`, `NULL=`, `NULL<>`... Each
piece is compared with a phrase as sqlglot would read it between two tokens (`_reading`):
without whitespace and unary `+` (`x = + NULL` is `x = NULL` to it), so `=NULL` stands for
`= NULL`, `!= \n NULL` and `== +NULL`. Taking characters out only lets more text spell a
phrase, never less (other words are compared as written: `R AND` is not `RAND`). A
comment may also sit between two tokens (`= /* x */ NULL`): when the pieces can spell a
phrase's start up to one of the dialect's comment openers (`=/*`, `NULL--`), a phrase is
spelled by that and its keyword (`NULL`).

The file's own pieces are read from its `ast` tree in the index worker (`own_pieces`); a file
whose own pieces cannot spell a word may still read one from another module, which only the
merged project model says (the `sql_text` section, `ModelText.pieces`: the names through which
the model's text that touches a word can be read, met by the names the file reads,
`read_names`), so that part is decided in the check, before libcst. Each file's part of that
text (`model_text`, made from its symbols' facts) is small and kept in the file's state, so a
`--diff` scan decides it without reading the unchanged files' index entries.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping

from reviewer import astfacts
from reviewer.model import FileKind
from reviewer.project.values import CALL, CHOICE, CONCAT, IMPORTED, REF, TEXT, percent_fields
from reviewer.provider import IndexProvider

# Where an f-string's source splits into pieces that hold its literal parts whole (as libcst
# gives them: the text between its fields and quotes, `{{` kept as written).
_DELIMITERS = re.compile(r"[{}'\"]")
_BRACES = re.compile(r"[{}]")
# What sqlglot reads between two tokens without a trace: whitespace, a unary `+`
# (tests/test_sql_words.py checks SQL004's phrases against sqlglot's tokenizers).
_TRANSPARENT = re.compile(r"[\s+]+")
# The comment openers of each dialect reviewer reads (reviewer.config.DIALECTS), as sqlglot's
# tokenizers have them: the dialects not listed read `--` and `/*` (Pieces.spell without a
# dialect reads all of them).
COMMENT_OPENERS = {"mysql": ("--", "/*", "#"), "bigquery": ("--", "/*", "#"), "snowflake": ("--", "/*", "//")}
_OPENERS = ("--", "/*", "#", "//")
# A phrase's keyword: what is left of it without its operator characters.
_OPERATOR = re.compile(r"[^A-Z0-9_]")
# The end of a piece that a `%` conversion or a `.format` field runs past.
_OPEN_PERCENT = re.compile(r"%(?:\([^)]*\)?)?[#0\- +.*0-9]*$")
_OPEN_BRACE = re.compile(r"\{[^{}]*$")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")


@dataclass
class Pieces:
    """What pieces of text say about some words: which word one holds whole, and the heads
    (a piece ends with `word[:k]`), tails (starts with `word[k:]`) and inner spans (is
    `word[i:j]`) of each word that pieces give."""

    words: tuple[str, ...]
    whole: set[str] = field(default_factory=set)
    heads: dict[str, set[int]] = field(default_factory=dict)
    tails: dict[str, set[int]] = field(default_factory=dict)
    inner: dict[str, set[tuple[int, int]]] = field(default_factory=dict)
    # A piece ended inside a `%` conversion or a `{}` field: a field across pieces, which the
    # lifter would cut out of their joined text, so any word may be spelled.
    open: bool = False
    # The file cuts a constant text out of some text (`.replace`: own_pieces): the text it
    # reads from another module may be cut too, which its pieces do not say.
    cut: bool = False

    def add(self, text: str) -> bool:
        """Record one piece; whether it touches a word (holds one, or a part at an end). The
        lifter splits a piece where a `%` conversion or a `{}` field of `.format` sits (and
        puts the argument's text there), so the parts between fields count as pieces too; a
        piece that ends inside a field (`"... %"`) leaves the joined text unknown (`open`)."""
        if not text:
            return False
        touched = self._add(text)
        if "%" in text or "{" in text or "}" in text:
            if _ends_in_field(text):
                self.open = True
                touched = True
            position = 0
            chunks = []
            for start, end, _key in percent_fields(text):
                chunks.append(text[position:start])
                position = end
            chunks.append(text[position:])
            for chunk in chunks:
                for piece in _BRACES.split(chunk):
                    touched = self._add(piece) or touched
        return touched

    def _add(self, text: str) -> bool:
        plain = text.upper()
        written, read = _sides(self.words)
        touched = self._compare(plain, written)
        if read.words:
            touched = self._compare(_reading(plain), read) or touched
        return touched

    def _compare(self, upper: str, side: "_Side") -> bool:
        """Record what the piece (as `side` compares it) holds of the side's words."""
        if not upper:
            return False
        whole = [word for word in side.words if word in upper]
        self.whole.update(whole)
        touched = bool(whole)
        for word, k in side.heads.get(upper[-1], ()):
            if word not in whole and upper.endswith(word[:k]):
                self.heads.setdefault(word, set()).add(k)
                touched = True
        for word, k in side.tails.get(upper[0], ()):
            if word not in whole and upper.startswith(word[k:]):
                self.tails.setdefault(word, set()).add(k)
                touched = True
        if len(upper) < side.longest:
            for word in side.words:
                if len(upper) < len(word):
                    start = word.find(upper)
                    while start >= 0:
                        self.inner.setdefault(word, set()).add((start, start + len(upper)))
                        touched = True
                        start = word.find(upper, start + 1)
        return touched

    def merge(self, other: "Pieces") -> bool:
        """Add what `other` says (of the same words); whether that added anything."""
        before = self._size()
        self.open |= other.open
        self.cut |= other.cut
        self.whole |= other.whole
        for mine, theirs in ((self.heads, other.heads), (self.tails, other.tails), (self.inner, other.inner)):
            for word, found in theirs.items():
                mine.setdefault(word, set()).update(found)  # type: ignore[arg-type]
        return self._size() != before

    def _size(self) -> int:
        return int(self.open) + len(self.whole) + sum(len(found) for table in (self.heads, self.tails, self.inner) for found in table.values())

    def spell(self, dialect: str | None = None) -> bool:
        """Some word can be in the text these pieces join into, in some order, as `dialect`
        reads it (None: any dialect)."""
        if self.open:
            return True
        openers = COMMENT_OPENERS.get(dialect, _OPENERS[:2]) if dialect else _OPENERS
        for word in self.words:
            if self._spells(word):
                return True
            keyword = _keyword(word)
            if keyword and self._spells(keyword):
                if any(self._spells(variant) for opener in openers for variant in _commented(word, opener)):
                    return True
        return False

    def _spells(self, word: str) -> bool:
        """The pieces can join into text that holds `word` (a followed word)."""
        if word in self.whole:
            return True
        tails = self.tails.get(word, set())
        reached = set(self.heads.get(word, ()))
        frontier = list(reached)
        while frontier:
            at = frontier.pop()
            if at in tails:
                return True
            for start, end in self.inner.get(word, ()):
                if start == at and end not in reached:
                    reached.add(end)
                    frontier.append(end)
        return False


@dataclass(frozen=True)
class _Side:
    """Words compared with pieces one way (as written, or as `_reading` gives them), with the
    ends a piece can give of each, by the character the piece ends or starts with."""

    words: tuple[str, ...]
    heads: dict[str, tuple[tuple[str, int], ...]]  # a piece's last character -> (word, k) of `word[:k]`
    tails: dict[str, tuple[tuple[str, int], ...]]  # its first character -> (word, k) of `word[k:]`
    longest: int

    @classmethod
    def of(cls, words: Iterable[str]) -> "_Side":
        words = tuple(dict.fromkeys(words))
        heads: dict[str, list[tuple[str, int]]] = {}
        tails: dict[str, list[tuple[str, int]]] = {}
        for word in words:
            for k in range(1, len(word)):
                heads.setdefault(word[k - 1], []).append((word, k))
                tails.setdefault(word[k], []).append((word, k))
        return cls(
            words,
            {char: tuple(found) for char, found in heads.items()},
            {char: tuple(found) for char, found in tails.items()},
            max(map(len, words), default=0),
        )


@functools.lru_cache(maxsize=None)
def _sides(words: tuple[str, ...]) -> tuple[_Side, _Side]:
    """The words pieces are followed for, split by how a piece is compared with them: as
    written, `words` and each phrase's keyword; as `_reading` gives it, the phrases and their
    starts up to a comment opener (`=/*`)."""
    phrases = [word for word in words if _keyword(word)]
    commented = [variant for word in phrases for opener in _OPENERS for variant in _commented(word, opener)]
    written = [word for word in words if word not in phrases] + [keyword for keyword in map(_keyword, phrases) if keyword]
    return _Side.of(written), _Side.of([*phrases, *commented])


def _reading(upper: str) -> str:
    """A piece (in upper case) as phrases are compared with it: without what sqlglot reads
    between tokens without a trace."""
    return _TRANSPARENT.sub("", upper)


def _commented(word: str, opener: str) -> tuple[str, ...]:
    """Where a comment may start inside a phrase, as its start up to the comment (`=/*` and
    `NULL/*` of `=NULL` and `NULL=`): `= /* x */ NULL` holds `=/*` and the keyword."""
    keyword = _keyword(word)
    if keyword is None:
        return ()
    at = word.index(keyword)
    return tuple(start + opener for start in (word[:at], word[: at + len(keyword)] if word[at + len(keyword) :] else "") if start)


def _keyword(word: str) -> str | None:
    """A phrase's keyword (`NULL` of `=NULL`); None for a word that is not a phrase."""
    keyword = _OPERATOR.sub("", word)
    return keyword if keyword and keyword != word else None


def words_of(rules: Iterable[Any]) -> tuple[str, ...] | None:
    """The words one of which the SQL must hold for one of `rules` (SqlRules) to report
    anything; None when one of them can report on any SQL."""
    found: list[str] = []
    for rule in rules:
        if rule.words is None:
            return None
        found.extend(word.upper() for word in rule.words)
    return tuple(dict.fromkeys(found))


def own_pieces(tree: ast.Module, text: str, words: tuple[str, ...]) -> Pieces:
    """The pieces of SQL text a Python file holds itself: each string constant's value (bytes
    decoded as the lifter decodes them) and each f-string's source split at its braces and
    quotes (libcst gives its literal parts as written: `f"\\null"` holds `NULL` to sqlglot).
    A `.replace` of a constant text cuts that text out of the pieces (`_cut`)."""
    pieces = Pieces(words)
    texts: list[str] = []
    cuts: list[str] = []
    fstrings: list[ast.JoinedStr] = []
    for node in astfacts.nodes_of(tree, ast.Constant, ast.JoinedStr, ast.Call):  # type: ignore[arg-type]
        kind = type(node)
        if kind is ast.Call:
            # `TEMPLATE.replace("{table}", name)`: the lifter cuts the old text out of any
            # piece it sits in (sqltext.Lifter._replace), joining what was around it.
            func = node.func  # type: ignore[attr-defined]
            if type(func) is ast.Attribute and func.attr == "replace" and node.args and type(node.args[0]) is ast.Constant:  # type: ignore[attr-defined]
                old = node.args[0].value  # type: ignore[attr-defined]
                if isinstance(old, str) and old:
                    cuts.append(old)
        elif kind is ast.Constant:
            value = node.value  # type: ignore[attr-defined]
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            if isinstance(value, str):
                texts.append(value)
        elif kind is ast.JoinedStr:
            fstrings.append(node)  # type: ignore[arg-type]
    if fstrings:
        for source in _sources(text, fstrings):
            texts.extend(_DELIMITERS.split(source))
    texts = list(dict.fromkeys(texts))
    for old in dict.fromkeys(cuts):
        texts = _cut(texts, old)
    pieces.cut = bool(cuts)
    for piece in texts:
        pieces.add(piece)
    return pieces


def read_names(tree: ast.Module) -> frozenset[str]:
    """The names through which the lifter may read the model's text of another module: each
    name and attribute the code reads (`STALE`, `q.STALE`, `self.sql`, `build(...)`). Not the
    names it binds or defines (an assignment's target, a function's name): the model's entries
    for those are this module's, whose text is the file's own pieces."""
    names: set[str] = set()
    for node in astfacts.nodes_of(tree, ast.Name, ast.Attribute):  # type: ignore[arg-type]
        if type(node.ctx) is ast.Load:  # type: ignore[attr-defined]
            names.add(node.id if type(node) is ast.Name else node.attr)  # type: ignore[attr-defined]
    return frozenset(names)


def _cut(texts: list[str], old: str) -> list[str]:
    """The pieces, and what is left of them when the lifter cuts `old` out of the text they
    join into: the parts between its occurrences in a piece, and where it runs across pieces
    (a piece ends with its head, another starts with its tail), a piece without that end.
    Pieces are joined in any order (Pieces.spell), so the parts stand for every cut."""
    found = list(texts)
    for text in texts:
        parts = text.split(old)
        found.extend(parts)
        firsts = [parts[0], *(parts[0][len(old) - k :] for k in range(1, len(old)) if parts[0].startswith(old[k:]))]
        found.extend(firsts[1:])
        for last in firsts if len(parts) == 1 else [parts[-1]]:
            found.extend(last[:-k] for k in range(1, len(old)) if last.endswith(old[:k]))
    return list(dict.fromkeys(found))


def _ends_in_field(text: str) -> bool:
    """A `%` conversion or a `.format` field starts in the piece and runs past its end (an
    escaped `%%` is no field)."""
    end = 0
    for _start, stop, _key in percent_fields(text):
        end = stop
    return bool(_OPEN_PERCENT.search(text, end) or _OPEN_BRACE.search(text))


def _sources(text: str, nodes: list[ast.JoinedStr]) -> Iterator[str]:
    """The source text of each node (`ast.get_source_segment`, with the lines split once)."""
    lines = [line.encode("utf-8") for line in _LINES.findall(text)]
    for node in nodes:
        end_line, end_col = node.end_lineno, node.end_col_offset
        if end_line is None or end_col is None or not 0 < node.lineno <= end_line <= len(lines):
            yield text  # positions we cannot place: the whole file stands for it
            continue
        first, last = node.lineno - 1, end_line - 1
        if first == last:
            chunk = lines[first][node.col_offset : end_col]
        else:
            chunk = lines[first][node.col_offset :] + b"".join(lines[first + 1 : last]) + lines[last][:end_col]
        yield chunk.decode("utf-8", "replace")


# --------------------------------------------------------------------------------------------
# The project model's text


def model_text(data: Mapping[str, Any]) -> dict[str, list[list[Any]]]:
    """What one file's symbols (reviewer.project.symbols, as their JSON) give the model's text,
    for any words: each constant, class attribute, function and method by name (its last part)
    with the text pieces of its value or returns (`texts`), and the names they refer to
    (`refs`), with each import alias and the name it imports. A reference of a name to itself
    is left out (it adds nothing). Small (the texts of Django's package: 120 KB), so a file's
    state keeps them (SqlTextProvider.kept): a `--diff` scan reads no index entry for them."""
    texts: dict[str, list[str]] = {}
    refers: dict[str, list[str]] = {}
    entries: list[tuple[str, list[Any]]] = [(name, [value]) for name, value in data.get("constants", {}).items()]
    for cls in data.get("classes", {}).values():
        entries.extend((name, [value]) for name, value in cls.get("attributes", {}).items() if value is not None)
    for group in ("functions", "methods"):
        entries.extend((name.rsplit(".", 1)[-1], list(function.get("returns", ()))) for name, function in data.get(group, {}).items())
    for name, values in entries:
        found: list[str] = []
        refs: list[str] = []
        for value in values:
            _read(value, found, refs)
        if found:
            texts.setdefault(name, []).extend(found)
        for ref in refs:
            if ref != name:
                refers.setdefault(name, []).append(ref)
    for local, target in data.get("imports", {}).items():
        ref = (target[1] or target[0]).rsplit(".", 1)[-1]
        if ref != local:
            refers.setdefault(local, []).append(ref)
    return {
        "texts": [[name, list(dict.fromkeys(found))] for name, found in texts.items()],
        "refs": [[name, list(dict.fromkeys(refs))] for name, refs in refers.items()],
    }


# The shape of model_text's value (reviewer.cache.conforms), checked when a file's state gives it.
MODEL_TEXT = {"texts": [(str, [str])], "refs": [(str, [str])]}


class ModelText:
    """The `sql_text` section: the model's text of every file (model_text, path -> its value),
    and what it says about some words (`pieces`)."""

    def __init__(self, files: Mapping[str, Mapping[str, Any]]) -> None:
        self.files = files
        self._names: dict[str, tuple[list[str], list[str]]] | None = None
        # words -> name -> the pieces of its own text, None when they touch no word.
        self._direct: dict[tuple[str, ...], dict[str, Pieces | None]] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelText) and dict(self.files) == dict(other.files)

    __hash__ = None  # type: ignore[assignment]

    @property
    def fingerprint(self) -> str:
        """What the section stands for in an index digest (reviewer.index._digestible)."""
        data = json.dumps({path: self.files[path] for path in sorted(self.files)}, sort_keys=True)
        return hashlib.blake2b(data.encode(), digest_size=12).hexdigest()

    def __reduce__(self) -> tuple[Any, ...]:
        return (ModelText, (dict(self.files),))

    def pieces(self, names: Iterable[str], words: tuple[str, ...]) -> dict[str, Pieces]:
        """What the model's text (constants, class attributes, helper and member summaries:
        reviewer.project.symbols) says about `words`, for those of `names` through which code
        can read text that touches a word: a constant, class attribute, function or method
        whose text touches one, one whose value or returns refer to such a name, or an import
        alias of one; each with the pieces of every name it reaches so (the least fixpoint of
        a name taking the pieces of the names it refers to). Names are not told apart by module
        or class: a name's pieces are those of every entry so named. The lifter reaches the
        model only through names the code reads (read_names), so a file that reads none of
        these reads nothing of the model that touches a word. Only the text of the names
        reached from `names` is compared with the words (memoised per words and name)."""
        graph = self._graph()
        direct = self._direct.setdefault(words, {})
        found: dict[str, Pieces] = {}
        for start in names:
            if start not in graph:
                continue
            pieces: Pieces | None = None
            seen = {start}
            stack = [start]
            while stack:
                name = stack.pop()
                texts, refs = graph[name]
                if name not in direct:
                    own = Pieces(words)
                    touched = False
                    for text in texts:
                        touched = own.add(text) or touched
                    direct[name] = own if touched else None
                if direct[name] is not None:
                    if pieces is None:
                        pieces = Pieces(words)
                    pieces.merge(direct[name])  # type: ignore[arg-type]
                for ref in refs:
                    if ref not in seen and ref in graph:
                        seen.add(ref)
                        stack.append(ref)
            if pieces is not None:
                found[start] = pieces
        return found

    def _graph(self) -> dict[str, tuple[list[str], list[str]]]:
        """Every name's text pieces and the names it refers to, over every file (made once)."""
        if self._names is None:
            graph: dict[str, tuple[list[str], list[str]]] = {}
            for data in self.files.values():
                for name, texts in data["texts"]:
                    graph.setdefault(name, ([], []))[0].extend(texts)
                for name, refs in data["refs"]:
                    graph.setdefault(name, ([], []))[1].extend(refs)
            self._names = graph
        return self._names


def _read(value: Any, texts: list[str], refs: list[str]) -> None:
    """Add the text pieces of an expression (reviewer.project.values.Expr as JSON) to `texts`,
    and the last names of what it refers to to `refs`. Only what the model gives the lifter as
    text counts (ProjectSymbols._parts): not the insides of a collection or of an operation,
    which stand as one unknown part."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind, text = item[0], item[1]
        if kind == TEXT:
            texts.append(text)
        elif kind in (REF, IMPORTED, CALL) and text:
            refs.append(text.rsplit(".", 1)[-1])
        if len(item) > 2 and kind in _TEXT_CARRIERS:
            stack.extend(item[2])


# Expressions whose items' text reaches a template: a concatenation, a choice (of equal
# alternatives), the arguments of a helper's call.
_TEXT_CARRIERS = frozenset({CONCAT, CHOICE, CALL})


class SqlTextProvider(IndexProvider):
    """The `sql_text` section (ModelText): each file's model text (model_text), made from its
    symbols' facts (`derives`), and kept in its state (`kept`)."""

    name = "sql_text"
    shared = True
    derives = "symbols"
    kept = MODEL_TEXT

    def wants(self, kind: FileKind, text: str) -> bool:
        return False  # made from the file's symbols (derive), not from its text

    def derive(self, facts: Any) -> Any:
        return model_text(facts)

    def merge(self, facts: Mapping[str, Any]) -> Any:
        return ModelText(facts)
