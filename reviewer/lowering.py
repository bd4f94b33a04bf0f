"""The lowering of a file the interpreter's parser rejects (reviewer.parsing): libcst reads it,
each construct newer than the interpreter's grammar is rewritten in place into an older
equivalent of the same byte layout, and the few rewrites that need a node of their own are
restored on the tree the interpreter parses from the lowered text. Imported only for such a
file: a scan of files the interpreter reads imports no libcst for their `ast` trees."""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import ByteSpanPositionProvider, MetadataWrapper

from reviewer.parsing import INTERPRETER
from reviewer.walk import walk

TEMPLATE = "<t-string>"  # the callee of a lowered t-string: no project or library name
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_LOWERED = (
    cst.ConcatenatedString, cst.FormattedString, cst.TemplatedString, cst.TypeAlias, cst.FunctionDef, cst.ClassDef,
    cst.ExceptHandler, cst.ExceptStarHandler, cst.Index, cst.Annotation,
)


def lowered_tree(module: cst.Module, filename: str = "<unknown>") -> ast.Module:
    """The `ast` tree of a libcst module, read from its lowering (whatever syntax it uses).
    Raises SyntaxError when the lowered text does not parse: an error libcst tolerates."""
    lowering = _Lowering(module)
    try:
        tree = ast.parse(lowering.text, filename=filename)
    except SyntaxError as error:
        error.msg = f"{error.msg} (read with Python {INTERPRETER}'s parser after lowering the newer syntax the file uses)"
        raise error from None
    return lowering.restore(tree)


@dataclass
class _Hole:
    """One `{expression}` of an f- or t-string, as the lowered call's arguments give it back."""

    arguments: int  # an unparenthesised tuple gives one argument per element
    tuple: bool
    conversion: int
    debug_text: str  # the `expression=` text of a debug hole, else ""
    format_spec: list[str | _Hole] | None


@dataclass
class _Group:
    """A string expression (an f-string, or a concatenation holding one) lowered to a call."""

    template: bool
    parts: list[str | _Hole] = field(default_factory=list)


class _Lowering:
    """The lowered text of a libcst module and what to restore on the tree parsed from it."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.data = bytearray(module.code.encode("utf-8"))
        self.spans = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ByteSpanPositionProvider)
        self.line_starts = [0] + [match.end() for match in _LINE_BREAK.finditer(self.data)]
        self.groups: dict[tuple[int, int], _Group] = {}
        self.aliases: set[tuple[int, int]] = set()
        self.insertions: list[tuple[int, bytes]] = []
        self.grouped: set[int] = set()  # ids of strings inside a concatenation already lowered
        self.erased: list[tuple[int, int]] = []  # blanked type parameter lists
        walk(module, self._enter, lambda node: None)
        for offset, inserted in sorted(self.insertions, reverse=True):
            self.data[offset:offset] = inserted
        self.text = self.data.decode("utf-8")
        self.shifts = self._shifts()

    # -- positions -----------------------------------------------------------------------

    def _span(self, node: cst.CSTNode) -> tuple[int, int]:
        span = self.spans[node]
        return span.start, span.start + span.length

    def _position(self, offset: int) -> tuple[int, int]:
        """(1-based line, byte column) of an offset of the original text."""
        line = bisect_left(self.line_starts, offset + 1)
        return line, offset - self.line_starts[line - 1]

    def _shifts(self) -> dict[int, list[int]]:
        """Per line, the columns (in the lowered text) of the bytes that were inserted."""
        shifts: dict[int, list[int]] = {}
        for offset, inserted in sorted(self.insertions):
            line, column = self._position(offset)
            columns = shifts.setdefault(line, [])
            columns.append(column + len(columns))
        return shifts

    # -- rewrites ------------------------------------------------------------------------

    def _blank(self, start: int, end: int, keep: list[tuple[int, int]] = ()) -> None:
        """Spaces over [start, end) outside the `keep` spans; line breaks stay where they are."""
        kept = sorted(keep)
        index = 0
        for offset in range(start, end):
            while index < len(kept) and kept[index][1] <= offset:
                index += 1
            if index < len(kept) and kept[index][0] <= offset:
                continue
            if self.data[offset] not in b"\r\n":
                self.data[offset] = 0x20

    def _erase(self, start: int, end: int) -> None:
        """Blank code that sits between tokens of a statement (type parameters): a line break
        inside it gets a backslash, so the statement stays one logical line."""
        self.erased.append((start, end))
        self._blank(start, end)
        for offset in range(start, end):
            if self.data[offset] in b"\r\n" and not (self.data[offset] == 0x0A and offset > start and self.data[offset - 1] == 0x0D):
                if offset > start and self.data[offset - 1] == 0x20:
                    self.data[offset - 1] = 0x5C
                else:
                    self.insertions.append((offset, b"\\"))

    def _enter(self, node: cst.CSTNode) -> None:
        if not isinstance(node, _LOWERED) or id(node) in self.grouped:
            return
        start, _ = self._span(node)
        if any(first <= start < last for first, last in self.erased):
            return  # inside a blanked type parameter list
        if isinstance(node, (cst.ConcatenatedString, cst.FormattedString, cst.TemplatedString)):
            self._string(node)
        elif isinstance(node, cst.TypeAlias):
            start, _ = self._span(node)
            self.data[start : start + 4] = b"_ = "
            self.aliases.add(self._position(start))
            if node.type_parameters is not None:
                self._erase(*self._span(node.type_parameters))
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node.type_parameters is not None:
            self._erase(*self._span(node.type_parameters))
        elif isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler)):
            self._handler(node)
        elif isinstance(node, cst.Index) and node.star is not None:
            self._blank_star(self._span(node)[0])
        elif isinstance(node, cst.Annotation) and isinstance(node.annotation, cst.StarredElement):
            self._blank_star(self._span(node.annotation)[0])

    def _blank_star(self, offset: int) -> None:
        if self.data[offset] == 0x2A:  # `*`
            self.data[offset] = 0x20

    def _handler(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        start, _ = self._span(node)
        if isinstance(node, cst.ExceptStarHandler):
            self._blank_star(start + len("except") + len(self.module.code_for_node(node.whitespace_after_except).encode()))
        kind = node.type
        if isinstance(kind, cst.Tuple) and not kind.lpar:  # PEP 758: `except A, B:`
            first, last = self._span(kind)
            self.insertions += [(first, b"("), (last, b")")]

    # -- f- and t-strings ----------------------------------------------------------------

    def _string(self, node: cst.BaseExpression) -> None:
        pieces = list(_pieces(node, self.grouped))
        if not any(isinstance(piece, (cst.FormattedString, cst.TemplatedString)) for piece in pieces):
            return
        start, end = self._span(pieces[0])[0], self._span(pieces[-1])[1]
        group = _Group(template=any(isinstance(piece, cst.TemplatedString) for piece in pieces))
        holes: list[tuple[int, int, bool]] = []  # expression spans, and whether they end with a comma
        for piece in pieces:
            if isinstance(piece, cst.SimpleString):
                group.parts.append(_literal(piece.prefix, piece.quote, piece.raw_value))
            else:
                group.parts.extend(self._parts(piece.parts, piece, holes))  # type: ignore[union-attr]
        self._blank(start, end, [(first, last) for first, last, _ in holes])
        self.data[start : start + 2] = b"_("
        self.data[end - 1] = 0x29  # `)`
        for _, last, trailing_comma in holes:
            if not trailing_comma:
                separator = next((o for o in range(last, end - 1) if self.data[o] == 0x20), None)
                if separator is None:
                    raise SyntaxError("no room to lower an f-string")
                self.data[separator] = 0x2C  # `,`
        self.groups[self._position(start)] = group

    def _parts(self, parts, piece, holes: list[tuple[int, int, bool]]) -> list[str | _Hole]:
        out: list[str | _Hole] = []
        prefix = piece.prefix.lower().replace("f", "").replace("t", "")
        for part in parts:
            if isinstance(part, (cst.FormattedStringText, cst.TemplatedStringText)):
                out.append(_literal(prefix, piece.quote, part.value.replace("{{", "{").replace("}}", "}")))
                continue
            expression = part.expression
            first, last = self._span(expression)
            # With its parentheses (a span leaves them out): `{(a, b)}` is one value.
            first -= sum(len(self.module.code_for_node(paren).encode()) for paren in expression.lpar)
            last += sum(len(self.module.code_for_node(paren).encode()) for paren in expression.rpar)
            bare_tuple = isinstance(expression, cst.Tuple) and not expression.lpar
            trailing = bare_tuple and isinstance(expression.elements[-1].comma, cst.Comma)
            holes.append((first, last, trailing))
            debug = ""
            if part.equal is not None:
                debug = "".join(
                    self.module.code_for_node(item)
                    for item in (part.whitespace_before_expression, expression, part.whitespace_after_expression, part.equal)
                )
            conversion = ord(part.conversion) if part.conversion else (ord("r") if debug and part.format_spec is None else -1)
            spec = self._parts(part.format_spec, piece, holes) if part.format_spec is not None else None
            out.append(_Hole(len(expression.elements) if bare_tuple else 1, bare_tuple, conversion, debug, spec))
        return out

    # -- the tree ------------------------------------------------------------------------

    def restore(self, tree: ast.Module) -> ast.Module:
        if self.shifts:
            _unshift(tree, self.shifts)
        tree = _Restorer(self.groups, self.aliases).visit(tree)
        return ast.fix_missing_locations(tree)


def _pieces(node: cst.BaseExpression, seen: set[int]):
    """The string literals of an implicit concatenation, in source order; every node of the
    concatenation goes into `seen`."""
    seen.add(id(node))
    if isinstance(node, cst.ConcatenatedString):
        yield from _pieces(node.left, seen)
        yield from _pieces(node.right, seen)
    else:
        yield node


def _literal(prefix: str, quote: str, body: str) -> str:
    """The value of literal text written between `quote`s with `prefix` (escapes decoded)."""
    try:
        value = ast.literal_eval(f"{prefix}{quote}{body}{quote}")
    except (SyntaxError, ValueError):
        return body
    return value if isinstance(value, str) else body


def _unshift(tree: ast.AST, shifts: dict[int, list[int]]) -> None:
    """Columns of the lowered text back to the file's, on lines where bytes were inserted."""
    for node in ast.walk(tree):
        for line_name, column_name in (("lineno", "col_offset"), ("end_lineno", "end_col_offset")):
            line = getattr(node, line_name, None)
            if line in shifts:
                column = getattr(node, column_name)
                setattr(node, column_name, column - bisect_left(shifts[line], column))


class _Restorer(ast.NodeTransformer):
    """Puts back what the lowering stood in for: string expressions and `type` aliases."""

    def __init__(self, groups: dict[tuple[int, int], _Group], aliases: set[tuple[int, int]]) -> None:
        self.groups = groups
        self.aliases = aliases

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        self.generic_visit(node)
        first = node.targets[0]
        if (node.lineno, node.col_offset) in self.aliases and isinstance(first, ast.Name) and first.id == "_" and len(node.targets) > 1:
            node.targets = node.targets[1:]
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        group = self.groups.get((node.lineno, node.col_offset))
        if group is None or not (isinstance(node.func, ast.Name) and node.func.id == "_"):
            return node
        arguments = list(node.args)
        values = _values(group.parts, arguments, node, group.template)
        if arguments:
            raise SyntaxError("a lowered f-string does not match its holes")
        if group.template:
            return ast.copy_location(ast.Call(ast.copy_location(ast.Name(TEMPLATE, ast.Load()), node), values, []), node)
        return ast.copy_location(ast.JoinedStr(values), node)


def _values(parts: list[str | _Hole], arguments: list[ast.expr], where: ast.AST, template: bool = False) -> list[ast.expr]:
    """The `JoinedStr` values of `parts`, taking each hole's expressions from `arguments`:
    adjacent text merged, empty text dropped, as CPython builds them. For a `template`, the
    text and the hole expressions themselves (the arguments of an opaque call)."""
    values: list[ast.expr] = []

    def text(value: str) -> None:
        if not value:
            return
        if values and isinstance(values[-1], ast.Constant):
            values[-1].value += value
        else:
            values.append(ast.copy_location(ast.Constant(value), where))

    for part in parts:
        if isinstance(part, str):
            text(part)
            continue
        taken = arguments[: part.arguments]
        del arguments[: part.arguments]
        if len(taken) != part.arguments:
            raise SyntaxError("a lowered f-string does not match its holes")
        value = taken[0]
        if part.tuple:
            value = ast.Tuple(taken, ast.Load(), lineno=taken[0].lineno, col_offset=taken[0].col_offset,
                              end_lineno=taken[-1].end_lineno, end_col_offset=taken[-1].end_col_offset)
        text(part.debug_text)
        if template:
            values.append(value)
            if part.format_spec is not None:
                values.extend(_values(part.format_spec, arguments, where, template))
            continue
        spec = None
        if part.format_spec is not None:
            spec = ast.copy_location(ast.JoinedStr(_values(part.format_spec, arguments, where)), where)
        values.append(ast.copy_location(ast.FormattedValue(value, part.conversion, spec), where))
    return values
