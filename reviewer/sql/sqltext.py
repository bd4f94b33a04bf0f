"""SQL text: lifting SQL out of Python expressions, parsing it with sqlglot, placing its holes.

Python side: an expression that builds a string (literal, f-string, `%`, `.format()`, `+`,
`str.join`, a local variable holding one of those) becomes a `Template`: literal text and
*holes*. Holes whose value is known to be safe (constants, `int()` casts, placeholder lists)
are filled in; the others become marker identifiers `__dynN__` so sqlglot can parse the
template and tell, for each hole, whether it stands for a value, an identifier or sits inside
a quoted literal. Driver placeholders (`%s`, `%(name)s`, `?`, `$1`) are normalised to
`:pN` first, which every dialect parses (reviewer.sql.sqllex, which lexes SQL for everyone).
"""

from __future__ import annotations

import logging
import re
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from reviewer.sql import sqllex
from reviewer.flow import exclusive
from reviewer.names import dotted
from reviewer.project.receivers import member_summaries
from reviewer.project.symbols import ORIGIN_CONSTANT
from reviewer.project.values import NUMERIC_CONVERSIONS, PLACEHOLDER_ELEMENTS, SAFE_ANNOTATIONS, percent_fields
from reviewer.sql.sqllex import FORMAT, NAMED, NUMERIC, QMARK

if TYPE_CHECKING:  # pragma: no cover
    from reviewer.context import FileContext

# sqlglot logs a warning for each statement it falls back to parsing as a command; those are
# expected here (templates, vendor syntax) and would flood the user's terminal.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

MAX_LIFT_DEPTH = 6
# The text before the number of a numbered named placeholder (`f":val_{i}"`).
NAMED_PREFIX = re.compile(r":[A-Za-z_]\w*")
MARKER = "__dyn{}__"
SAFE_MARKER = "__const{}__"
# Calls whose result cannot carry SQL syntax.
# Methods whose result is a quoted, escaped identifier or literal (Django's quote_name,
# SQLAlchemy's IdentifierPreparer.quote, psycopg's sql.Identifier ...).
QUOTING_CALLS = frozenset({"quote", "quote_name", "quote_ident", "quote_identifier", "quote_literal", "Identifier", "Literal"})
# Attribute chains that name a table the ORM defined, not data.
ORM_TABLE_NAMES = ("_meta.db_table", "__tablename__", "__table__.name", "_meta.model_name")
COERCIONS = frozenset(
    {"int", "float", "bool", "len", "abs", "round", "uuid.UUID", "decimal.Decimal", "datetime.date", "datetime.datetime"}
)
ARITHMETIC = (cst.Multiply, cst.Subtract, cst.Divide, cst.FloorDivide, cst.Power)
# Operators that raise on text with a number on the other side (`"5" + 1`, `"5" - 1`): with a
# number literal for an operand, the result is a number. Not `*` (`"ab" * 2` repeats text)
# nor `%` (`fmt % 2` formats text).
NUMERIC_WITH_NUMBER = (cst.Add, cst.Subtract, cst.Divide, cst.FloorDivide, cst.Power)
# Builtins that return one of their arguments: with a number among them (and no `key=`), the
# others are compared with it, which raises for text, so the result is a number.
BOUNDING = frozenset({"min", "max"})
# First keywords of statements worth treating as SQL.
STATEMENT_TOKENS = frozenset(
    {
        TokenType.SELECT, TokenType.INSERT, TokenType.UPDATE, TokenType.DELETE, TokenType.WITH,
        TokenType.CREATE, TokenType.ALTER, TokenType.DROP, TokenType.MERGE, TokenType.TRUNCATE,
        TokenType.REPLACE, TokenType.SET, TokenType.COMMAND, TokenType.VALUES, TokenType.COPY,
    }
)


# --------------------------------------------------------------------------------------------
# Templates lifted from Python


@dataclass
class Hole:
    """An interpolated expression whose value is not known to be safe."""

    expr: cst.BaseExpression
    marker: str = ""


@dataclass
class Template:
    parts: list = field(default_factory=list)  # str | Hole

    def add(self, other: "Template") -> "Template":
        return Template([*self.parts, *other.parts])

    @property
    def holes(self) -> list[Hole]:
        return [part for part in self.parts if isinstance(part, Hole)]

    @property
    def literal_text(self) -> str:
        return "".join(part for part in self.parts if isinstance(part, str))

    def render(self) -> str:
        """The SQL text with markers for holes; assigns each hole its marker."""
        out: list[str] = []
        count = 0
        for part in self.parts:
            if isinstance(part, Hole):
                part.marker = MARKER.format(count)
                count += 1
                out.append(part.marker)
            else:
                out.append(part)
        return "".join(out)


def literal(text: str) -> Template:
    return Template([text])


def opaque(expr: cst.BaseExpression) -> Template:
    return Template([Hole(expr)])


class Lifter:
    """Turns a Python expression into a Template, resolving local names through the scope
    facts of the batched visit."""

    def __init__(self, context: "FileContext") -> None:
        self.context = context
        self.scopes = context.scopes
        self._safe_count = 0
        # While a helper's return value is lifted: its parameters -> the caller's arguments.
        self._bindings: dict[str, Template] | None = None
        # While assignment i of a name is lifted, the name means what it held before it.
        self._limits: dict[tuple[int, str], int] = {}
        # Loop variables of a comprehension being lifted (`_safe_elements`): unknown values.
        self._unknown: frozenset[str] = frozenset()

    def lift(self, expr: cst.BaseExpression, depth: int = 0) -> Template:
        if depth > MAX_LIFT_DEPTH:
            return opaque(expr)
        if isinstance(expr, cst.ConcatenatedString):
            return self.lift(expr.left, depth).add(self.lift(expr.right, depth))
        if isinstance(expr, cst.SimpleString):
            value = expr.evaluated_value
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            return literal(value) if isinstance(value, str) else opaque(expr)
        if isinstance(expr, (cst.Integer, cst.Float)):
            return literal(expr.value)
        if isinstance(expr, cst.FormattedString):
            return self._fstring(expr, depth)
        if numeric(expr, self.context):
            return literal("0")  # `int(size)`, `min(int(size), 100)`, `size + 1`: a number
        if isinstance(expr, cst.BinaryOperation):
            if isinstance(expr.operator, cst.Add):
                # Concatenation chains nest one level per `+`; they are not indirections.
                return self.lift(expr.left, depth).add(self.lift(expr.right, depth))
            if isinstance(expr.operator, cst.Modulo):
                left = self.lift(expr.left, depth + 1)
                if not left.holes and left.parts and all(part.strip().isdigit() for part in left.parts):
                    return literal("0")  # `page % n` on numbers
                return self._percent(expr, depth)
            if isinstance(expr.operator, ARITHMETIC):
                left = self.lift(expr.left, depth + 1)
                right = self.lift(expr.right, depth + 1)
                if not left.holes and not right.holes:
                    return literal("0")  # `page * size` on numbers (a str * int repeats text)
                return opaque(expr)
        if isinstance(expr, cst.Call):
            return self._call(expr, depth)
        if isinstance(expr, cst.Name):
            return self._name(expr, depth)
        if isinstance(expr, cst.IfExp):
            return _worst([self.lift(expr.body, depth + 1), self.lift(expr.orelse, depth + 1)])
        if isinstance(expr, cst.Attribute):
            name = dotted(expr) or ""
            if name.endswith(ORM_TABLE_NAMES):
                return self._safe()
            constant = self.context.project_constant(expr)
            if constant is not None:
                return self._constant(constant.parts)
            members = member_summaries(expr, self.context) if self._bindings is None else ()
            if members and all(member.prop for member in members):
                return _worst([self._constant(template) for member in members for template in member.returns])
        if isinstance(expr, cst.Subscript) and self._constant_mapping(expr.value):
            return self._safe()
        return opaque(expr)

    # -- the forms -----------------------------------------------------------------------
    def _fstring(self, expr: cst.FormattedString, depth: int) -> Template:
        parts: list = []
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value.replace("{{", "{").replace("}}", "}"))
            elif _numeric_spec(part):
                parts.append("0")  # `{x:d}` / `{x:.2f}` only formats numbers
            else:
                parts.extend(self.lift(part.expression, depth + 1).parts)
        return Template(parts)

    def _percent(self, expr: cst.BinaryOperation, depth: int) -> Template:
        left = self.lift(expr.left, depth + 1)
        if left.holes or not left.parts:
            return opaque(expr)
        fmt = left.literal_text
        right = expr.right
        positional: list[cst.BaseExpression] = []
        named: dict[str, cst.BaseExpression] = {}
        if isinstance(right, cst.Tuple):
            positional = [element.value for element in right.elements]
        elif isinstance(right, cst.Dict):
            for element in right.elements:
                if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
                    named[str(element.key.evaluated_value)] = element.value
        else:
            positional = [right]
        parts: list = []
        index = 0
        position = 0
        for start, end, key in percent_fields(fmt):
            parts.append(fmt[position:start])
            position = end
            if key == "%":
                parts.append("%")
                continue
            value = named.get(key) if key else (positional[index] if index < len(positional) else None)
            if not key:
                index += 1
            if fmt[end - 1] in NUMERIC_CONVERSIONS:
                parts.append("0")  # `%d` raises on anything but a number
                continue
            parts.extend(self.lift(value, depth + 1).parts if value is not None else [Hole(right)])
        parts.append(fmt[position:])
        return Template(parts)

    def _call(self, expr: cst.Call, depth: int) -> Template:
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value == "format":
            base = self.lift(func.value, depth + 1)
            if base.holes or not base.parts:
                return opaque(expr)
            return self._format(base.literal_text, expr, depth)
        if isinstance(func, cst.Attribute) and func.attr.value == "join" and len(expr.args) == 1:
            separator = self.lift(func.value, depth + 1)
            if separator.holes:
                return opaque(expr)
            placeholder = _is_placeholder_list(expr.args[0].value)
            if placeholder:
                return literal(placeholder if placeholder != "%d" else "%s")
            items = expr.args[0].value
            elements: list[cst.BaseExpression] | None = None
            if isinstance(items, (cst.List, cst.Tuple)):
                if any(isinstance(element, cst.StarredElement) for element in items.elements):
                    return opaque(expr)
                elements = [element.value for element in items.elements]
            elif isinstance(items, cst.Name):
                elements = self._list_items(items)
            if elements is None:
                if self._constant_items(items) or self._safe_elements(items, depth):
                    return self._safe()  # `", ".join(COLUMNS)`, `", ".join(f"{c} = %s" for c in row)`
                return opaque(expr)
            joined = Template()
            for position, element in enumerate(elements):
                if position:
                    joined = joined.add(separator)
                joined = joined.add(self.lift(element, depth + 1))
            return joined
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and self._constant_mapping(func.value):
            return self._safe()
        if isinstance(func, (cst.Name, cst.Attribute)):
            leaf = func.attr.value if isinstance(func, cst.Attribute) else func.value
            if isinstance(func, cst.Name):
                bound = self.scopes.binding(func.value)  # `qn = connection.ops.quote_name`
                if isinstance(bound, (cst.Name, cst.Attribute)):
                    leaf = bound.attr.value if isinstance(bound, cst.Attribute) else bound.value
            if leaf in QUOTING_CALLS:
                return self._safe()
            if isinstance(func, cst.Attribute) and func.attr.value in ("strip", "lower", "upper", "rstrip", "lstrip"):
                return self.lift(func.value, depth + 1)
            if _escapes_quotes(expr):
                return self._safe()  # `x.replace("'", "''")`: the quote doubled, as SQL escapes it
            if isinstance(func, cst.Attribute) and func.attr.value == "replace":
                return self._replace(expr, depth)
            helper = self._helper(func)
            if helper is not None:
                return self._summary(helper, func, expr, depth)
            summary = self.context.project_summary(func) if self._bindings is None else None
            if summary is not None:
                return self._project_summary(summary, expr, depth)
            members = member_summaries(func, self.context) if isinstance(func, cst.Attribute) and self._bindings is None else ()
            if members and not any(member.prop for member in members):
                return _worst([self._project_summary(member, expr, depth) for member in members])
        return opaque(expr)

    def _replace(self, call: cst.Call, depth: int) -> Template:
        """`TEMPLATE.replace("{table}", table)`: the value takes the marker's place."""
        args = [arg for arg in call.args if arg.keyword is None and not arg.star]
        if len(args) != 2 or len(call.args) != 2 or not isinstance(args[0].value, cst.SimpleString):
            return opaque(call)
        old = args[0].value.evaluated_value
        base = self.lift(call.func.value, depth + 1)  # type: ignore[attr-defined]
        if not isinstance(old, str) or not old or not base.literal_text or old not in base.literal_text:
            return opaque(call)
        new = self.lift(args[1].value, depth + 1)
        parts: list = []
        for part in base.parts:
            if not isinstance(part, str):
                parts.append(part)
                continue
            pieces = part.split(old)
            for position, piece in enumerate(pieces):
                if position:
                    parts.extend(new.parts)
                parts.append(piece)
        return Template(parts)

    def _project_summary(self, summary, call: cst.Call, depth: int) -> Template:
        """A helper of another module whose returns are text templates over its parameters
        (the project model's summary): the caller's arguments fill the slots."""
        if any(arg.star for arg in call.args):
            return opaque(call)
        bound: dict[str, Template] = {}
        positional = [arg.value for arg in call.args if arg.keyword is None]
        for name, value in zip(summary.parameters, positional):
            bound[name] = self.lift(value, depth + 1)
        for arg in call.args:
            if arg.keyword is not None:
                bound[arg.keyword.value] = self.lift(arg.value, depth + 1)
        results = []
        for parts in summary.returns:
            if any(part.slot is not None and part.slot not in bound for part in parts):
                return opaque(call)
            template = Template()
            for part in parts:
                template = template.add(bound[part.slot] if part.slot is not None else self._constant((part,)))
            results.append(template)
        template = _worst(results)
        return template if template.literal_text.strip() else opaque(call)

    # -- one level of same-module helpers that return SQL text ---------------------------
    def _helper(self, func: cst.BaseExpression):
        if self._bindings is not None:
            return None  # already inside a helper: one level only
        if isinstance(func, cst.Name) and self.scopes.lookup(func.value) is None:
            return self.scopes.functions.get(func.value)
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
            return self.scopes.methods.get(func.attr.value)
        return None

    def _summary(self, helper, func: cst.BaseExpression, call: cst.Call, depth: int) -> Template:
        if not helper.returns or len(helper.returns) > 4 or any(arg.star for arg in call.args):
            return opaque(call)
        names = list(helper.parameters)
        if isinstance(func, cst.Attribute) and names:
            names = names[1:]  # self / cls
        bound: dict[str, Template] = {}
        positional = [arg.value for arg in call.args if arg.keyword is None]
        for name, value in zip(names, positional):
            bound[name] = self.lift(value, depth + 1)
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in helper.parameters:
                bound[arg.keyword.value] = self.lift(arg.value, depth + 1)
        saved = self.scopes.stack
        self.scopes.stack = [self.scopes.module, helper]
        self._bindings = bound
        try:
            for name in names:
                default = helper.parameters[name].default
                if name not in bound and default is not None:
                    bound[name] = self.lift(default, depth + 1)
            results = [self.lift(value, depth + 1) for value in helper.returns]
        finally:
            self.scopes.stack = saved
            self._bindings = None
        template = _worst(results)
        if not template.literal_text.strip():
            return opaque(call)
        return template

    def _guarded(self, name: str) -> cst.BaseExpression | None:
        """The collection `name` was checked against before this point, in the scope that
        binds it or in a function nested in that scope (a closure reads the checked value)."""
        for scope in reversed(self.scopes.stack):
            if name in scope.guarded:
                return scope.guarded[name]
            if scope.kind == "function" and (name in scope.parameters or name in scope.assignments):
                return None
        return None

    def _constant_collection(self, expr: cst.BaseExpression) -> bool:
        """A literal collection of constants (nested ones too), a constant one of the project,
        `.keys()` / `.values()` / `.items()` of one, or the keys of a local dict literal."""
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in ("keys", "values", "items"):
            if expr.func.attr.value == "keys" and self._local_dict_keys(expr.func.value):
                return True
            expr = expr.func.value
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            return all(not isinstance(e, cst.StarredElement) and self._constant_element(e.value) for e in expr.elements)
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value in ("sorted", "frozenset", "set", "tuple", "list"):
            return len(expr.args) == 1 and self._constant_collection(expr.args[0].value)
        if isinstance(expr, (cst.Name, cst.Attribute)):
            constant = self.context.project_constant(expr)
            if constant is not None and constant.collection:
                return True
        if isinstance(expr, cst.Name) and self._local_literal_collection(expr):
            return True
        return self._constant_mapping(expr)

    def _local_literal_collection(self, name: cst.Name) -> bool:
        """A local name only ever bound to literal collections of constants, never appended
        to: `plugins = {"audit", "payment"}`."""
        found = self.scopes.lookup(name.value)
        if found is None or not found[1] or found[0] is self.scopes.module:
            return False
        scope, assignments = found
        if name.value in scope.appends or name.value in scope.stores:
            return False
        return all(
            assignment.op == "=" and isinstance(assignment.value, (cst.List, cst.Tuple, cst.Set)) and self._constant_collection(assignment.value)
            for assignment in assignments
        )

    def _constant_element(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            return self._constant_collection(expr)
        return not self.lift(expr, MAX_LIFT_DEPTH).holes

    def _constant_items(self, items: cst.BaseExpression) -> bool:
        """Items of a constant collection, or a comprehension over one that reads nothing but
        its loop variables and constants."""
        if isinstance(items, (cst.GeneratorExp, cst.ListComp)):
            comp = items.for_in
            if comp.inner_for_in is not None or not (self._constant_collection(comp.iter) or self._local_dict_keys(comp.iter)):
                return False
            targets = {node.value for node in _name_nodes(comp.target)}
            return all(
                node.value in targets or not self.lift(node, MAX_LIFT_DEPTH).holes
                for node in _name_nodes(items.elt)
                if node.value not in ("join", "format")
            )
        return self._constant_collection(items) or self._local_dict_keys(items)

    def _safe_elements(self, items: cst.BaseExpression, depth: int) -> bool:
        """A comprehension each of whose elements is safe text whatever it iterates:
        `", ".join([quote_ident(c) for c in columns])`. Its loop variables count as unknown
        values, so only a quoting call, a number or a constant makes an element safe."""
        if not isinstance(items, (cst.GeneratorExp, cst.ListComp)) or items.for_in.inner_for_in is not None:
            return False
        targets = {node.value for node in _name_nodes(items.for_in.target)}
        saved = self._unknown
        self._unknown = saved | targets
        try:
            return not self.lift(items.elt, depth + 1).holes
        finally:
            self._unknown = saved

    def _local_dict_keys(self, expr: cst.BaseExpression) -> bool:
        """A local dict whose every assignment is a literal with constant keys, and whose
        later `d[key] = ...` stores use constant keys: its keys are the code's own names."""
        if not isinstance(expr, cst.Name):
            return False
        found = self.scopes.lookup(expr.value)
        if found is None or not found[1] or found[0] is self.scopes.module:
            return False
        scope, assignments = found
        for assignment in assignments:
            value = assignment.value
            if assignment.op != "=" or not isinstance(value, cst.Dict):
                return False
            for element in value.elements:
                if not isinstance(element, cst.DictElement) or self.lift(element.key, MAX_LIFT_DEPTH).holes:
                    return False
        return all(not self.lift(key, MAX_LIFT_DEPTH).holes for key in scope.stores.get(expr.value, ()))

    def _loop_value(self, iterable: cst.BaseExpression) -> Template | None:
        """A loop variable over a constant collection is a constant."""
        if self._constant_collection(iterable) or self._local_dict_keys(iterable):
            return self._safe()
        return None

    def _list_items(self, name: cst.Name) -> list[cst.BaseExpression] | None:
        """The elements a local list holds: its literal plus what was appended or `+=`-ed."""
        found = self.scopes.lookup(name.value)
        if found is None or not found[1]:
            return None
        scope, assignments = found
        last = max((i for i, a in enumerate(assignments) if a.op == "="), default=None)
        if last is None or not isinstance(assignments[last].value, (cst.List, cst.Tuple)):
            return None
        items: list[cst.BaseExpression] = []
        for element in assignments[last].value.elements:
            if isinstance(element, cst.StarredElement):
                return None
            items.append(element.value)
        for assignment in assignments[last + 1 :]:
            if not isinstance(assignment.value, (cst.List, cst.Tuple)):
                return None
            items.extend(element.value for element in assignment.value.elements)
        for count, value in scope.appends.get(name.value, ()):
            if count > last:
                items.append(value)
        return items

    def _format(self, fmt: str, call: cst.Call, depth: int) -> Template:
        positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
        named = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
        if any(arg.star for arg in call.args):
            return opaque(call)
        parts: list = []
        auto = 0
        try:
            fields = list(string.Formatter().parse(fmt))
        except ValueError:
            return opaque(call)
        for text, field_name, spec, _conversion in fields:
            parts.append(text)
            if field_name is None:
                continue
            if spec and spec[-1] in "dfeEgGxXob%n" and not _conversion:
                parts.append("0")  # `{:d}` / `{:.2f}` only formats numbers
                if field_name == "":
                    auto += 1
                continue
            key = field_name.split(".")[0].split("[")[0]
            if key == "":
                value = positional[auto] if auto < len(positional) else None
                auto += 1
            elif key.isdigit():
                value = positional[int(key)] if int(key) < len(positional) else None
            else:
                value = named.get(key)
            if value is None:
                # A field with no argument raises (IndexError / KeyError): no text is built.
                return literal("")
            if key and key != field_name:  # {obj.attr} / {obj[0]}: not the argument itself
                parts.append(Hole(value))
            else:
                parts.extend(self.lift(value, depth + 1).parts)
        return Template(parts)

    def _constant_mapping(self, expr: cst.BaseExpression) -> bool:
        """A module-level UPPER_CASE dict or list of literals (a lookup table of fragments)."""
        if not isinstance(expr, cst.Name) or not _looks_constant(expr.value):
            return False
        value = self.scopes.module_constant(expr.value)
        if value is None:
            return self.scopes.lookup(expr.value) is None  # imported constant
        if (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Name)
            and value.func.value in ("frozenset", "set", "tuple", "list", "dict")
            and len(value.args) == 1
        ):
            value = value.args[0].value
        if isinstance(value, cst.Dict):
            return all(
                isinstance(element, cst.DictElement) and not self.lift(element.value, MAX_LIFT_DEPTH).holes
                for element in value.elements
            )
        if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
            return all(not self.lift(element.value, MAX_LIFT_DEPTH).holes for element in value.elements)
        return False

    def _name(self, expr: cst.Name, depth: int) -> Template:
        if self._bindings is not None and expr.value in self._bindings:
            return self._bindings[expr.value]
        if expr.value in self._unknown:
            return opaque(expr)
        found = self.scopes.lookup(expr.value)
        if found is None:
            constant = self.context.project_constant(expr)
            if constant is not None:
                return self._constant(constant.parts)
            if _looks_constant(expr.value):
                return self._safe()
            return opaque(expr)
        scope, assignments = found
        guard = self._guarded(expr.value)
        if guard is not None and self._constant_collection(guard):
            return self._safe()  # checked against a constant allowlist before this point
        if not assignments:  # a parameter
            parameter = self.scopes.parameter(expr.value)
            if parameter is not None and _safe_annotation(parameter.annotation, self.context):
                return literal("0")
            if expr.value in scope.converted:
                return literal("0")
            if self._bindings is None and self.context.parameter_origin(expr.value) == ORIGIN_CONSTANT:
                return self._safe()  # every call of its function in the project passes a constant
            return opaque(expr)
        if scope is self.scopes.module:
            constant = self.context.project_constant(expr)
            if constant is not None:
                return self._constant(constant.parts)
        if scope is self.scopes.module and _looks_constant(expr.value) and len(assignments) == 1:
            lifted = self.lift(assignments[0].value, depth + 1)
            return self._balanced(lifted) if not lifted.holes else self._safe()
        key = (id(scope), expr.value)
        assignments = assignments[: self._limits.get(key, len(assignments))]
        if not assignments:
            return opaque(expr)
        # The chain from the last plain assignment, with the `+=` that follow it; when that
        # assignment sits in an if/else arm, the chains of the other arms are alternatives
        # and the one with the most holes decides.
        plain = [i for i, a in enumerate(assignments) if a.op in ("=", "for")]
        if not plain:
            starts = [-1]
        else:
            last = plain[-1]
            starts = [last] + [i for i in reversed(plain[:-1]) if exclusive(assignments[i], assignments[last])][:3]
        templates = []
        for start in starts:
            template = Template() if start >= 0 else opaque(expr)
            for index in range(max(start, 0), len(assignments)):
                assignment = assignments[index]
                if index != start and (assignment.op != "+=" or (start >= 0 and exclusive(assignment, assignments[start]))):
                    continue
                previous = self._limits.get(key)
                self._limits[key] = index
                try:
                    if assignment.op == "for":
                        lifted = self._loop_value(assignment.value) or opaque(expr)
                    else:
                        lifted = self.lift(assignment.value, depth + 1)
                finally:
                    if previous is None:
                        del self._limits[key]
                    else:
                        self._limits[key] = previous
                template = template.add(lifted)
            templates.append(template)
        template = _worst(templates)
        if len(template.parts) == 1 and isinstance(template.parts[0], Hole):
            return opaque(expr)  # name the variable, not what it was computed from
        return template

    def _safe(self) -> Template:
        self._safe_count += 1
        return literal(SAFE_MARKER.format(self._safe_count))

    def _constant(self, parts) -> Template:
        """A project constant's template: its text where known, a safe marker elsewhere."""
        template = Template()
        for part in parts:
            template = template.add(literal(part.text) if part.text is not None else self._safe())
        return self._balanced(template)

    def _balanced(self, template: Template) -> Template:
        """Constant text with an unmatched quote (`"it's"`) stands as one safe marker: spliced
        in as text, it would shift every quote after it and hide the real holes."""
        text = template.literal_text
        if text.count("'") % 2 or text.count('"') % 2:
            return self._safe()
        return template


def _escapes_quotes(call: cst.Call, depth: int = 0) -> bool:
    """`value.replace('"', '""')` or `value.replace("'", "''")`, also when other replacements
    that put no quote in follow it (`s.replace("'", "''").replace("\0", "")`, ckan's
    `literal_string`)."""
    func = call.func
    if depth > 4 or not (isinstance(func, cst.Attribute) and func.attr.value == "replace" and len(call.args) == 2):
        return False
    old, new = (arg.value for arg in call.args)
    if not (isinstance(old, cst.SimpleString) and isinstance(new, cst.SimpleString)):
        return False
    old_text, new_text = old.evaluated_value, new.evaluated_value
    if old_text in ("'", '"', "`") and new_text == old_text * 2:
        return True
    inner = func.value
    quoteless = isinstance(new_text, str) and not any(quote in new_text for quote in "'\"`")
    return quoteless and isinstance(inner, cst.Call) and _escapes_quotes(inner, depth + 1)


def numeric(expr: cst.BaseExpression, context: "FileContext", depth: int = 0) -> bool:
    """The expression's value is a number, whatever flows into it (or it raises): a number
    literal, a numeric conversion (`int(x)`, `float(x)`, `len(x)`), `min`/`max` with a number
    among their arguments (`min(int(size), 100)`: comparing text with a number raises), or
    `+`, `-`, `/`, `//`, `**` with a number literal operand (`size + 1`). A number carries no
    SQL syntax: it is a sanitiser for an interpolated value."""
    if depth > MAX_LIFT_DEPTH:
        return False
    if isinstance(expr, (cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.Minus, cst.Plus)):
        return isinstance(expr.expression, (cst.Integer, cst.Float))
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, NUMERIC_WITH_NUMBER):
        return any(isinstance(side, (cst.Integer, cst.Float)) for side in (expr.left, expr.right))
    if isinstance(expr, cst.Call) and isinstance(expr.func, (cst.Name, cst.Attribute)):
        name = context.resolve(expr.func)
        if name in COERCIONS:
            return True
        if name in BOUNDING and len(expr.args) >= 2 and all(arg.keyword is None and not arg.star for arg in expr.args):
            return any(numeric(arg.value, context, depth + 1) for arg in expr.args)
    return False


def _worst(templates: list[Template]) -> Template:
    """The alternative with the most holes (the first one on a tie)."""
    best = templates[0]
    for template in templates[1:]:
        if len(template.holes) > len(best.holes):
            best = template
    return best


def _numeric_spec(part: cst.FormattedStringExpression) -> bool:
    spec = part.format_spec
    if not spec or not all(isinstance(piece, cst.FormattedStringText) for piece in spec):
        return False
    text = "".join(piece.value for piece in spec)  # type: ignore[union-attr]
    return bool(text) and text[-1] in "dfeEgGxXob%n" and part.conversion is None


def _safe_annotation(annotation: cst.BaseExpression | None, context: "FileContext") -> bool:
    """Parameters typed as numbers, UUIDs, dates, booleans or `Literal[...]` cannot carry
    SQL syntax (FastAPI and pydantic coerce and reject anything else)."""
    if annotation is None:
        return False
    if isinstance(annotation, cst.Subscript):
        name = context.resolve(annotation.value) or ""
        return name.rsplit(".", 1)[-1] == "Literal"
    if isinstance(annotation, (cst.Name, cst.Attribute)):
        return (context.resolve(annotation) or "") in SAFE_ANNOTATIONS
    return False


def _looks_constant(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return bool(letters) and name.upper() == name


def _is_placeholder_list(items: cst.BaseExpression) -> str:
    """`["%s"] * n`, `"?" * n`, `("%s" for _ in ids)`, `["?" for _ in ids]`: the placeholder
    repeated, or "" when the items are something else."""

    def is_placeholder(node: cst.BaseExpression) -> str:
        if isinstance(node, cst.SimpleString) and node.evaluated_value in PLACEHOLDER_ELEMENTS:
            return str(node.evaluated_value)
        return ""

    if isinstance(items, cst.BinaryOperation) and isinstance(items.operator, cst.Multiply):
        for side in (items.left, items.right):
            if is_placeholder(side):
                return is_placeholder(side)
            if isinstance(side, cst.List) and len(side.elements) == 1 and is_placeholder(side.elements[0].value):
                return is_placeholder(side.elements[0].value)
    if isinstance(items, (cst.GeneratorExp, cst.ListComp)):
        return is_placeholder(items.elt) or _numbered_placeholder(items)
    if isinstance(items, cst.Call) and dotted(items.func) in ("itertools.repeat", "repeat") and items.args:
        return is_placeholder(items.args[0].value)  # `itertools.repeat("%s", n)`
    return ""


def _numbered_placeholder(items: cst.GeneratorExp | cst.ListComp) -> str:
    """`f"${i + 1}" for i in range(n)` (asyncpg) or `f":p{i}" for i, _ in enumerate(x)`."""
    comp = items.for_in
    if comp.inner_for_in is not None or not isinstance(items.elt, cst.FormattedString):
        return ""
    iterable = comp.iter
    if not (isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) and iterable.func.value in ("range", "enumerate")):
        return ""
    targets = {node.value for node in _name_nodes(comp.target)}
    text = ""
    for part in items.elt.parts:
        if isinstance(part, cst.FormattedStringText):
            if part.value not in ("$", ":p", ":", "@p", "?") and not NAMED_PREFIX.fullmatch(part.value):
                return ""
            text = ":p" if NAMED_PREFIX.fullmatch(part.value) else text + part.value
        else:
            used = _name_nodes(part.expression)
            if not used or any(node.value not in targets for node in used):
                return ""
            if not isinstance(part.expression, (cst.Name, cst.BinaryOperation)):
                return ""
    return (text or "$") + "1" if text in ("$", ":p", "@p") else ""


def _name_nodes(node: cst.CSTNode) -> list[cst.Name]:
    found: list[cst.Name] = []

    class Collector(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.append(name)

    node.visit(Collector())
    return found


# --------------------------------------------------------------------------------------------
# Placeholders and parsing


def looks_like_sql(text: str, dialect: str) -> bool:
    """True when the text's first token starts an SQL statement."""
    try:
        tokens = sqlglot.Dialect.get_or_raise(dialect).tokenize(text.lstrip()[:200])
    except (TokenError, ValueError, Exception):  # noqa: BLE001 - tokenizer errors vary
        return False
    return bool(tokens) and tokens[0].token_type in STATEMENT_TOKENS and len(tokens) > 1


# Statements a piece of SQL (a condition, an expression list, an ORDER BY key, a FROM list)
# is wrapped into so that sqlglot can parse it and place its holes.
FRAGMENT_WRAPPERS = (
    "SELECT 1 FROM t WHERE {}",
    "SELECT {} FROM t",
    "SELECT 1 FROM t ORDER BY {}",
    "SELECT 1 FROM {}",
)


# A condition only (`.extra(where=[...])`, a `Query.filter("...")` clause, `text()` in a WHERE).
CONDITION_WRAPPERS = FRAGMENT_WRAPPERS[:1]


def parse_statement(sql: str, dialect: str) -> exp.Expression | None:
    """One statement parsed, or None when sqlglot cannot parse it."""
    try:
        parsed = sqlglot.parse(sql, read=dialect)
    except (ParseError, TokenError):
        return None
    except Exception:  # noqa: BLE001 - sqlglot raises assorted errors on odd input
        return None
    statements = [statement for statement in parsed if statement is not None]
    return statements[0] if len(statements) == 1 else None


# --------------------------------------------------------------------------------------------
# Hole classification


VALUE, IDENTIFIER, LITERAL, FRAGMENT = "value", "identifier", "quoted-literal", "fragment"


def classify_holes(statement: exp.Expression | None, markers: list[str], text: str = "", dialect: str = "postgres") -> dict[str, str]:
    """Where each marker sits in the parsed statement. When the statement does not parse,
    the tokens of `text` still tell a marker inside a quoted literal from the rest."""
    if statement is None or isinstance(statement, exp.Command):
        # Unparsed, or kept by sqlglot as opaque command text: no positions to read.
        quoted = sqllex.quoted(text, dialect, markers) if text else set()
        return {marker: LITERAL if marker in quoted else FRAGMENT for marker in markers}
    positions: dict[str, str] = {}
    for node in statement.walk():
        if isinstance(node, exp.Literal) and node.is_string:
            for marker in markers:
                if marker in node.this:
                    positions[marker] = LITERAL
        elif isinstance(node, exp.Identifier):
            for marker in markers:
                if marker in node.this and marker not in positions:
                    positions[marker] = _identifier_position(node)
    for marker in markers:
        positions.setdefault(marker, FRAGMENT)
    return positions


def _identifier_position(node: exp.Identifier) -> str:
    if node.args.get("quoted"):
        return IDENTIFIER
    parent = node.parent
    if isinstance(parent, exp.Table) or not isinstance(parent, exp.Column):
        return IDENTIFIER
    if parent.args.get("this") is not node:
        return IDENTIFIER  # `{table}."id"`: the qualifier of a column
    column = parent
    if column.find_ancestor(exp.Order, exp.Group) is not None:
        return IDENTIFIER
    holder = column.parent
    if isinstance(holder, exp.Select) and column in holder.expressions:
        return IDENTIFIER
    if isinstance(holder, exp.Binary) and not isinstance(holder, (exp.And, exp.Or)):
        return VALUE if holder.args.get("expression") is column else IDENTIFIER
    if isinstance(holder, exp.Alias):
        return IDENTIFIER
    if isinstance(holder, exp.Update):
        return FRAGMENT  # `SET {assignments}`: a clause, not one value
    return VALUE


# --------------------------------------------------------------------------------------------
# SQL files


@dataclass(frozen=True)
class SqlStatement:
    """One SQL statement, wherever it came from, ready for SqlRules."""

    path: str
    text: str
    dialect: str
    line: int  # 1-based line of the statement's first character in the file
    column: int
    python_node: cst.CSTNode | None = None  # set when the SQL was lifted from Python


# --------------------------------------------------------------------------------------------
# Helpers for SqlRules and the SQL rules' Python side


def has_marker(node: exp.Expression) -> bool:
    """True when a lifted hole (`__dynN__`) or a safe constant (`__constN__`) sits anywhere in
    the node: its text was not known when the SQL was lifted."""
    text = node.sql()
    return "__dyn" in text or "__const" in text


def parse_error(sql: str, dialect: str) -> str | None:
    """The parser's message for SQL that does not parse in `dialect` (None when it parses, or
    when sqlglot keeps it as an opaque command)."""
    try:
        parsed = sqlglot.parse(sql, read=dialect)
    except ParseError as error:
        first = error.errors[0] if error.errors else {}
        description = first.get("description") or str(error).splitlines()[0]
        line = first.get("line")
        near = (first.get("highlight") or "").strip()
        description = description.split(". Line ")[0]
        if " <Token" in description:
            description = description.split(" <Token")[0] + (f" `{near}`" if near else "")
            near = ""
        where = f" (line {line}" + (f", near `{near}`" if near else "") + ")" if line else ""
        return f"{description}{where}"
    except TokenError as error:
        return f"cannot tokenize: {error}"
    except Exception as error:  # noqa: BLE001 - sqlglot raises assorted errors on odd input
        return f"{type(error).__name__}: {error}"
    del parsed
    return None


# The paramstyles each driver accepts (PEP 249 `paramstyle`, plus what the driver also takes).
DRIVER_STYLES = {
    "sqlite3": frozenset({QMARK, NAMED}),
    "aiosqlite": frozenset({QMARK, NAMED}),
    "psycopg2": frozenset({FORMAT}),
    "psycopg": frozenset({FORMAT}),
    "pymysql": frozenset({FORMAT}),
    "MySQLdb": frozenset({FORMAT}),
    "aiomysql": frozenset({FORMAT}),
    "asyncpg": frozenset({NUMERIC}),
    "django.db": frozenset({FORMAT}),
}
STYLE_EXAMPLE = {QMARK: "?", FORMAT: "%s", NUMERIC: "$1", NAMED: ":name"}
STYLE_PREFERENCE = (FORMAT, QMARK, NUMERIC, NAMED)


def display(sql: str) -> str:
    """SQL for a message: lifted holes shown as `{...}`, safe constants as `{CONST}`."""
    out = sql
    for prefix, shown in (("__dyn", "{...}"), ("__const", "{CONST}")):
        while prefix in out:
            start = out.index(prefix)
            end = out.find("__", start + len(prefix))
            if end < 0:
                break
            out = out[:start] + shown + out[end + 2 :]
    return out
