"""Which project classes an expression of the walked file is an instance of (libcst side of
reviewer.project.instances), and the summaries of the member it reads on them.

`self` / `cls` in a method, a parameter annotated with a class (`Connection`, `Connection |
None`, `Optional[Connection]`), a local bound only to instances (`database = conn or db`), or a
module-level instance of this or another module (`db = Database(...)`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from reviewer.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from reviewer.context import FileContext
    from reviewer.project.symbols import ClassSymbol

MAX_DEPTH = 3
# Annotations that wrap the class of the value (`Optional[Connection]`, `Union[A, B]`).
WRAPPERS = frozenset({"Optional", "Union", "typing.Optional", "typing.Union"})


def receiver_classes(expr: cst.BaseExpression, context: "FileContext", depth: int = 0) -> tuple["ClassSymbol", ...]:
    """The project classes `expr` is an instance of, every one it may be; () when one of its
    possible values is not known to be an instance of a project class."""
    symbols = context.symbols
    if symbols is None or depth > MAX_DEPTH:
        return ()
    if isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.Or):
        return _all((expr.left, expr.right), context, depth)
    if isinstance(expr, cst.IfExp):
        return _all((expr.body, expr.orelse), context, depth)
    if not isinstance(expr, cst.Name):
        return ()
    name = expr.value
    scopes = context.scopes
    if name in ("self", "cls") and scopes.function is not None and scopes.parameter(name) is not None:
        owner = scopes.enclosing_class
        found = symbols.class_symbol(context.path, owner) if owner else None
        return (found,) if found is not None else ()
    parameter = scopes.parameter(name)
    if parameter is not None:
        return _annotated(parameter.annotation, context) if parameter.annotation is not None else ()
    located = scopes.lookup(name)
    if located is not None and located[0] is not scopes.module:
        assignments = located[1]
        if not assignments or any(assignment.op != "=" for assignment in assignments):
            return ()
        return _all(tuple(assignment.value for assignment in assignments), context, depth)
    found = symbols.instance_class(context.path, name)
    return (found,) if found is not None else ()


def _all(values: tuple[cst.BaseExpression, ...], context: "FileContext", depth: int) -> tuple["ClassSymbol", ...]:
    found: list = []
    for value in values:
        if isinstance(value, cst.Name) and value.value == "None":
            continue
        classes = receiver_classes(value, context, depth + 1)
        if not classes:
            return ()
        found.extend(cls for cls in classes if cls not in found)
    return tuple(found)


def _annotated(annotation: cst.BaseExpression, context: "FileContext") -> tuple["ClassSymbol", ...]:
    """The classes an annotation admits, `None` aside: `A`, `A | None`, `Optional[A]`,
    `Union[A, B]`; () when it admits anything else."""
    symbols = context.symbols
    if isinstance(annotation, cst.Name) and annotation.value == "None":
        return ()
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        sides = [side for side in (annotation.left, annotation.right) if not (isinstance(side, cst.Name) and side.value == "None")]
        return _union(sides, context)
    if isinstance(annotation, cst.Subscript) and dotted(annotation.value) in WRAPPERS:
        elements = [element.slice.value for element in annotation.slice if isinstance(element.slice, cst.Index)]
        return _union([e for e in elements if not (isinstance(e, cst.Name) and e.value == "None")], context)
    name = dotted(annotation)
    found = symbols.class_symbol(context.path, name) if name and symbols is not None else None
    return (found,) if found is not None else ()


def _union(members: list[cst.BaseExpression], context: "FileContext") -> tuple["ClassSymbol", ...]:
    found: list = []
    for member in members:
        classes = _annotated(member, context)
        if not classes:
            return ()
        found.extend(cls for cls in classes if cls not in found)
    return tuple(found)


def member_summaries(attribute: cst.Attribute, context: "FileContext") -> tuple:
    """The summaries (reviewer.project.symbols.Summary) of `obj.name` on every project class
    `obj` may be an instance of: its method or property `name`, or a class constant the
    instance does not rebind (as a summary without parameters). () when one class has neither."""
    symbols = context.symbols
    if symbols is None:
        return ()
    classes = receiver_classes(attribute.value, context)
    name = attribute.attr.value
    found = []
    for cls in classes:
        summary = symbols.member_summary(cls, name)
        if summary is None:
            summary = symbols.constant_summary(cls, name)
        if summary is None:
            return ()
        found.append(summary)
    return tuple(found)
