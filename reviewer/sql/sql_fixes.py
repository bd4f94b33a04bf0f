"""The SQL001 fix: a query built with an f-string, `%`, `.format` or `+` whose holes are all
values becomes the driver's own placeholders plus a parameters argument.

    cur.execute(f"SELECT id FROM users WHERE email = '{email}' AND org = {org}")
    cur.execute("SELECT id FROM users WHERE email = %s AND org = %s", (email, org))

Offered only where it is exact: the SQL argument is written in the call itself (not through a
variable), every interpolated expression is a hole the rule classified as a value (a quoted
literal counts when the hole is all of it: its quotes go), the statement takes parameters (a
query or DML, not `SET` or DDL), the call passes no parameters yet, and the file's imports
name one driver style (`%s` psycopg / MySQL / Django, `?` sqlite3,
`$1` asyncpg); SQLAlchemy's `text()` gets `:name` placeholders and `.bindparams(name=...)`,
wherever the statement is then run. Identifier and clause holes are never turned into parameters (a table name
cannot be bound). Safe with a driver that binds client-side (psycopg2, MySQL drivers,
sqlite3, Django): the same values reach the database, bound instead of spliced. Unsafe where
the database binds them (asyncpg, psycopg 3, SQLAlchemy `text()` whatever its driver): it
types each parameter, and a value of another type than its column's is refused.
"""

from __future__ import annotations

from typing import Iterable

import libcst as cst
from sqlglot import exp

from reviewer.fixnodes import with_argument
from reviewer.rule import Autofix, Change
from reviewer.sql.sqllex import FORMAT, NAMED, NUMERIC, QMARK, lex
from reviewer.sql.sqltext import DRIVER_STYLES, LITERAL, STYLE_PREFERENCE, VALUE

# Drivers that send the values apart from the SQL (server-side binding): the database then types
# each parameter, and a value of another type than its column's is refused where the spliced
# literal was cast. Their fixes are unsafe; the client-side drivers' are safe.
SERVER_SIDE = frozenset({"asyncpg", "psycopg"})
STATEMENTS_THAT_BIND = (exp.Query, exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Values)
# Calls that take the SQL then its parameters (DB-API `execute`, asyncpg's `fetch*`).
PARAMETER_SINKS = frozenset({"execute", "fetch", "fetchrow", "fetchval"})
# How the SQL argument may be built for the fix to redo it.
BUILT = (cst.FormattedString, cst.BinaryOperation, cst.Call, cst.ConcatenatedString)


def file_driver(import_targets: Iterable[str]) -> str | None:
    """The database driver a file's imports name, when they name drivers of one placeholder
    style only (`django.db` for Django's connection)."""
    drivers = set()
    for target in import_targets:
        head = target.split(".")[0]
        if head in DRIVER_STYLES:
            drivers.add(head)
        elif target.startswith(("django.db.connection", "django.db.connections")):
            drivers.add("django.db")
    if len({DRIVER_STYLES[driver] for driver in drivers}) != 1:
        return None
    return sorted(drivers)[0]


def binds(statement: exp.Expression | None, fragment: bool) -> bool:
    """Whether the database accepts parameters in this SQL: queries and DML do; utility
    statements (`SET`, `SHOW`, DDL) take none, so their values cannot be bound. A fragment
    (`text("x = ...")` inside a `where`) binds unless it is itself such a statement."""
    if statement is None:
        return False
    if fragment:
        return not isinstance(statement, (exp.DDL, exp.Command, exp.Set, exp.Transaction))
    return isinstance(statement, STATEMENTS_THAT_BIND)


def parameterised(call: cst.Call, argument: cst.BaseExpression, holes, positions: dict[str, str], driver: str | None) -> Autofix | None:
    """The fix of `call`, whose SQL `argument` has the rule's `holes` at `positions`."""
    func = call.func
    if driver is None or not isinstance(func, cst.Attribute) or func.attr.value not in PARAMETER_SINKS:
        return None
    if len(call.args) != 1 or call.args[0].value is not argument or call.args[0].keyword is not None:
        return None
    if not isinstance(argument, BUILT):
        return None
    style = next((s for s in STYLE_PREFERENCE if s in DRIVER_STYLES[driver] and s in (FORMAT, QMARK, NUMERIC)), None)
    if style is None or (style == NUMERIC) != (driver == "asyncpg"):
        return None
    literal, values = _with_placeholders(argument, holes, positions, style)
    if literal is None:
        return None
    fixed = call.with_changes(args=[call.args[0].with_changes(value=literal)])
    if style == NUMERIC:
        for value in values:
            fixed = with_argument(fixed, cst.Arg(value))
    else:
        elements = [cst.Element(v) for v in values]
        if len(elements) == 1:
            elements[0] = elements[0].with_changes(comma=cst.Comma())
        fixed = with_argument(fixed, cst.Arg(cst.Tuple(elements)))
    shown = {FORMAT: "%s", QMARK: "?", NUMERIC: "$1"}[style]
    return Autofix(f"Bind the values as parameters (`{shown}` placeholders)", (Change(call, fixed),), safe=driver not in SERVER_SIDE)


def _with_placeholders(argument: cst.BaseExpression, holes, positions: dict[str, str], style: str, namer=None):
    """The SQL argument rewritten as one literal (or an implicit concatenation of literals)
    with placeholders of `style`, and the hole expressions in order; (None, []) when the
    argument is not one this can redo exactly."""
    # An implicit concatenation keeps its pieces (and the lines they sit on): each literal is
    # rewritten in place; anything else becomes one literal.
    leaves = _leaves(argument) if isinstance(argument, cst.ConcatenatedString) else [argument]
    tagged = [(n, piece) for n, leaf in enumerate(leaves) for piece in (_pieces(leaf) or [None])]
    if any(piece is None for _, piece in tagged):
        return None, []
    expressions = [piece for _, piece in tagged if not isinstance(piece, str)]
    by_expression = {id(hole.expr): hole for hole in holes}
    if not expressions or len(expressions) != len(holes) or any(id(e) not in by_expression for e in expressions):
        return None, []
    texts, values = _render(tagged, [positions.get(by_expression[id(e)].marker) for e in expressions], style, namer)
    if texts is None:
        return None, []
    literals = [_string(texts.get(n, "")) for n in range(len(leaves))]
    if any(literal is None for literal in literals):
        return None, []
    literal = literals[0] if len(leaves) == 1 else argument.visit(_Leaves(dict(zip(map(id, leaves), literals))))
    return literal, values


def bound_text(call: cst.Call, argument: cst.BaseExpression, holes, positions: dict[str, str]) -> Autofix | None:
    """SQLAlchemy `text(f"... = '{email}'")` -> `text("... = :email").bindparams(email=email)`:
    each value hole becomes a named bind parameter (named after the expression where it is a
    plain name, attribute or string key, else `p1`, `p2`, never a name the SQL already binds).
    Unsafe: behind SQLAlchemy the driver may bind server-side (asyncpg, psycopg 3), where a
    value of another type than its column's is refused instead of cast."""
    if len(call.args) != 1 or call.args[0].value is not argument or call.args[0].keyword is not None:
        return None
    if not isinstance(argument, BUILT):
        return None
    names: list[str] = []
    taken = _bound_names(argument)

    def namer(expression: cst.BaseExpression) -> str:
        name = base = _bind_name(expression) or f"p{len(names) + 1}"
        while name in taken:
            name = f"{base}_{len(names) + 1}" if name == base else f"{name}_"
        taken.add(name)
        names.append(name)
        return name

    literal, values = _with_placeholders(argument, holes, positions, NAMED, namer)
    if literal is None:
        return None
    fixed = call.with_changes(args=[call.args[0].with_changes(value=literal)])
    bound = cst.Call(
        func=cst.Attribute(value=fixed, attr=cst.Name("bindparams")),
        args=[cst.Arg(value, keyword=cst.Name(name), equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
              for name, value in zip(names, values)],
    )
    return Autofix("Bind the values as parameters (`:name` placeholders and `.bindparams(...)`)", (Change(call, bound),))


def _bind_name(expression: cst.BaseExpression) -> str | None:
    if isinstance(expression, cst.Name):
        name = expression.value
    elif isinstance(expression, cst.Attribute):
        name = expression.attr.value
    elif isinstance(expression, cst.Subscript) and len(expression.slice) == 1 and isinstance(expression.slice[0].slice, cst.Index):
        key = expression.slice[0].slice.value
        name = key.evaluated_value if isinstance(key, cst.SimpleString) else None
    else:
        name = None
    return name if isinstance(name, str) and name.isidentifier() and not name.startswith("_") else None


def _bound_names(argument: cst.BaseExpression) -> set[str]:
    """Names the SQL already binds (`:name`, read by sqlglot's tokenizer with each hole taken
    as `NULL`), so that a new parameter never takes one."""
    leaves = _leaves(argument) if isinstance(argument, cst.ConcatenatedString) else [argument]
    text = "".join(p if isinstance(p, str) else "NULL" for leaf in leaves for p in (_pieces(leaf) or []))
    lexed = lex(text, "postgres")
    return {p.name for p in lexed.placeholders if p.style == NAMED and p.name} if lexed else set()

def _pieces(node: cst.BaseExpression) -> list | None:
    """The argument as literal text and interpolated expressions, in order; None when it is
    built some other way (or with escapes, format specs or conversions this does not redo)."""
    if isinstance(node, cst.FormattedString):
        if "r" in node.prefix.lower() or "b" in node.prefix.lower():
            return None
        out: list = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                if "\\" in part.value:
                    return None
                out.append(part.value.replace("{{", "{").replace("}}", "}"))
            elif part.conversion is None and part.format_spec is None and part.equal is None:
                out.append(part.expression)
            else:
                return None
        return out
    if isinstance(node, cst.SimpleString):
        text = node.evaluated_value
        return [text] if isinstance(text, str) and "\\" not in node.value else None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left, right = _pieces(node.left), _pieces(node.right)
        if left is None or right is None:
            return None
        return left + right
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo) and isinstance(node.left, cst.SimpleString):
        template = _pieces(node.left)
        values = [e.value for e in node.right.elements] if isinstance(node.right, cst.Tuple) else [node.right]
        if template is None or any(isinstance(e, cst.StarredElement) for e in getattr(node.right, "elements", ())):
            return None
        parts = template[0].split("%s")
        if "%" in "".join(parts) or len(parts) != len(values) + 1:
            return None
        return _interleave(parts, values)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format":
        if not isinstance(node.func.value, cst.SimpleString) or any(a.keyword is not None or a.star for a in node.args):
            return None
        template = _pieces(node.func.value)
        if template is None:
            return None
        parts = template[0].split("{}")
        if any(c in "".join(parts) for c in "{}") or len(parts) != len(node.args) + 1:
            return None
        return _interleave(parts, [a.value for a in node.args])
    if isinstance(node, cst.ConcatenatedString):
        left, right = _pieces(node.left), _pieces(node.right)
        return left + right if left is not None and right is not None else None
    if isinstance(node, (cst.BaseExpression,)) and not isinstance(node, cst.BaseString):
        return [node]
    return None


def _interleave(texts: list[str], values: list) -> list:
    out: list = []
    for text, value in zip(texts, [*values, None]):
        out.append(text)
        if value is not None:
            out.append(value)
    return out


def _render(tagged: list, positions: list[str | None], style: str, namer=None) -> tuple[dict[int, str] | None, list]:
    """The SQL text of each literal (by tag) with placeholders, and the values in order; None
    when a hole is not a value, or the literal text holds what the placeholder style would
    misread."""
    pieces = [[tag, piece] for tag, piece in tagged]
    values = []
    for index, (tag, piece) in enumerate(pieces):
        if isinstance(piece, str):
            continue
        position = positions[len(values)]
        if position == LITERAL:
            # The hole is a whole quoted literal (`'{email}'`): its quotes go with it.
            before = next((p for p in reversed(pieces[:index]) if isinstance(p[1], str) and p[1]), None)
            after = next((p for p in pieces[index + 1 :] if isinstance(p[1], str) and p[1]), None)
            if before is None or after is None or not before[1].endswith("'") or before[1].endswith("''"):
                return None, []
            if not after[1].startswith("'") or after[1].startswith("''"):
                return None, []
            before[1], after[1] = before[1][:-1], after[1][1:]
        elif position != VALUE:
            return None, []
        values.append(piece)
        pieces[index][1] = f":{namer(piece)}" if style == NAMED else {FORMAT: "%s", QMARK: "?", NUMERIC: f"${len(values)}"}[style]
    literal_text = "".join(p for (_, p), (_, original) in zip(pieces, tagged) if isinstance(original, str))
    if (style == FORMAT and "%" in literal_text) or (style == QMARK and "?" in literal_text) or (style == NUMERIC and "$" in literal_text):
        return None, []
    texts: dict[int, str] = {}
    for tag, piece in pieces:
        texts[tag] = texts.get(tag, "") + piece
    return texts, values


def _leaves(node: cst.BaseExpression) -> list:
    if isinstance(node, cst.ConcatenatedString):
        return [*_leaves(node.left), *_leaves(node.right)]
    return [node]


class _Leaves(cst.CSTTransformer):
    """Replace the literals of an implicit concatenation, keeping what lies between them."""

    def __init__(self, replacements: dict[int, cst.BaseExpression]) -> None:
        self.replacements = replacements

    def on_leave(self, original_node, updated_node):  # type: ignore[override]
        return self.replacements.get(id(original_node), updated_node)


def _string(text: str) -> cst.BaseExpression | None:
    """A plain string literal of `text`, or None when it would need escapes."""
    if "\\" in text:
        return None
    if "\n" not in text:
        quote = '"' if '"' not in text else "'" if "'" not in text else None
        return cst.SimpleString(f"{quote}{text}{quote}") if quote else None
    if '"""' in text or text.endswith('"'):
        return None
    return cst.SimpleString(f'"""{text}"""')
