"""Small helpers over stdlib `ast` trees, shared by the index providers (routes, model graph,
migrations), which read facts with `ast` because it is far cheaper than libcst."""

from __future__ import annotations

import ast
from operator import attrgetter
from typing import Any, Callable, Iterator


def dotted_name(node: ast.AST) -> str | None:
    """`a.b.c` for a Name/Attribute chain, None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted_name(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def tail_name(node: ast.AST | None) -> str | None:
    """`c` of a Name `c` or an Attribute chain `a.b.c` (whatever its head), None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def keyword_value(call: ast.Call, name: str) -> ast.AST | None:
    """The value passed to a call as `name=...`, if it was."""
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


# The attributes walk() and nodes_of() keep on the nodes they visit: a node's children, a
# module's nodes, and their positions in that list by node type.
_CHILDREN = "_reviewer_children"
_NODES = "_reviewer_nodes"
_KINDS = "_reviewer_kinds"
_BELOW = "_reviewer_below"  # a function's or class's walk, less the node itself
STATEMENTS = "_reviewer_statements"  # reviewer.project.queries.function_statements


def children(node: ast.AST) -> tuple[ast.AST, ...]:
    """ast.iter_child_nodes(node) as a tuple, less the expression contexts (the `ctx` of a
    Name, Attribute, Subscript, Starred, List or Tuple: the parser's shared `Load()`,
    `Store()` and `Del()`, leaves that no provider looks for; read `node.ctx` instead), read
    from the node once and kept on it. About a third of a tree's nodes are those contexts."""
    found = node.__dict__.get(_CHILDREN)
    if found is None:
        found = node.__dict__[_CHILDREN] = _child_nodes(node)
    return found


# Each node type's fields read at once (operator.attrgetter, in C), for _child_nodes.
_FIELD_GETTERS: dict[type, Callable[[ast.AST], tuple[Any, ...]]] = {}


def _no_fields(node: ast.AST) -> tuple[Any, ...]:
    return ()


def _one_field(name: str) -> Callable[[ast.AST], tuple[Any, ...]]:
    one = attrgetter(name)  # of one field, the value itself, not a tuple

    def getter(node: ast.AST) -> tuple[Any, ...]:
        return (one(node),)

    return getter


def _field_getter(kind: type) -> Callable[[ast.AST], tuple[Any, ...]]:
    fields = kind._fields  # type: ignore[attr-defined]
    getter = _no_fields if not fields else _one_field(fields[0]) if len(fields) == 1 else attrgetter(*fields)
    _FIELD_GETTERS[kind] = getter
    return getter


def field_values(node: ast.AST) -> tuple[Any, ...]:
    """The values of the node's fields (`_fields`), in their order, read with one call; None
    for a field the node lacks (one built by hand), as getattr(node, name, None) gives."""
    kind = type(node)
    getter = _FIELD_GETTERS.get(kind) or _field_getter(kind)
    try:
        return getter(node)
    except AttributeError:
        return tuple(getattr(node, name, None) for name in kind._fields)  # type: ignore[attr-defined]


_CONTEXTS = frozenset({ast.Load, ast.Store, ast.Del})
# The node types with a `ctx` field, one of _CONTEXTS: a leaf below them that children() skips.
WITH_CONTEXT = frozenset({ast.Name, ast.Attribute, ast.Subscript, ast.Starred, ast.List, ast.Tuple})


def shared_contexts() -> tuple[ast.AST, ...]:
    """The `Load()`, `Store()` and `Del()` nodes the parser puts in every tree it makes (one of
    each, shared), which walk() does not reach: what is set on them must be dropped by hand."""
    statement = ast.parse("del a[a]").body[0]
    return (statement.targets[0].ctx, statement.targets[0].value.ctx, *(  # type: ignore[attr-defined]
        target.ctx for target in ast.parse("a = 0").body[0].targets))  # type: ignore[attr-defined]


def _child_nodes(node: ast.AST) -> tuple[ast.AST, ...]:
    """What ast.iter_child_nodes(node) yields, in its order, as a tuple, less the expression
    contexts (see children), from field_values instead of two generators (the index pass
    reads every node of every file this way, about 430,000 on Django's package)."""
    found: list[ast.AST] = []
    for value in field_values(node):
        if isinstance(value, ast.AST):
            if type(value) not in _CONTEXTS:
                found.append(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    found.append(item)
    return tuple(found)


def walk(node: ast.AST) -> tuple[ast.AST, ...]:
    """The nodes ast.walk(node) yields, in its order (breadth first), as a tuple, less the
    expression contexts (see children).

    The index providers walk the same file's tree some thirty times, and ast.walk reads every
    node's fields again each time, the most expensive step of indexing. Here each node's
    children are read once and kept on the node (`children`), and a module's whole list on the
    module. A tree must not change shape once walked; a copy that is changed is made fresh
    with forget_walks."""
    kind = type(node)
    if kind is ast.Module:
        cached = node.__dict__.get(_NODES)
        if cached is not None:
            return cached
    elif kind in _KEPT_WALKS:
        below = node.__dict__.get(_BELOW)
        if below is not None:
            return (node, *below)
    order = [node]
    for current in order:  # grows as it goes: breadth first, as ast.walk's queue
        found = current.__dict__.get(_CHILDREN)
        order.extend(children(current) if found is None else found)
    nodes = tuple(order)
    if kind is ast.Module:
        node.__dict__[_NODES] = nodes
    elif kind in _KEPT_WALKS:
        node.__dict__[_BELOW] = nodes[1:]
    return nodes


# The definitions whose walks are kept on them: the providers walk each function's and class's
# body several times (its queries, paging, routes, model methods, query sites). Kept without
# the node itself, so that the node and the list make no reference cycle (see release).
_KEPT_WALKS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})


def kinds(tree: ast.Module) -> dict[type, list[int]]:
    """The positions in walk(tree) of the nodes of each type, listed once per module and kept
    on it."""
    by_type = tree.__dict__.get(_KINDS)
    if by_type is None:
        by_type = {}
        for position, node in enumerate(walk(tree)):
            by_type.setdefault(type(node), []).append(position)
        tree.__dict__[_KINDS] = by_type
    return by_type


def nodes_of(tree: ast.Module, *wanted: type[ast.AST]) -> tuple[ast.AST, ...]:
    """The nodes of walk(tree) that are instances of `wanted`, in its order: what a whole-tree
    walk filtered by isinstance gives, without a look at every node (kinds)."""
    nodes = walk(tree)
    by_type = kinds(tree)
    matched = [positions for kind, positions in by_type.items() if issubclass(kind, wanted)]
    if len(matched) == 1:
        return tuple(nodes[position] for position in matched[0])
    return tuple(nodes[position] for position in sorted(position for positions in matched for position in positions))


def release(tree: ast.AST) -> None:
    """Drop the list of its nodes that walk() kept on a module. The list holds the module
    itself, a reference cycle: without it, a file's tree is freed as soon as the scan drops it,
    not at the next full garbage collection, which a scan makes rare (runner.collecting_less).
    The tree can still be walked (again from its nodes' kept children)."""
    tree.__dict__.pop(_NODES, None)
    tree.__dict__.pop(_KINDS, None)


def forget_walks(node: ast.AST) -> ast.AST:
    """`node` with what walk() kept on it and on its descendants dropped: a subtree that was
    copied (copy.deepcopy copies those too) and then changed must be walked afresh."""
    for item in ast.walk(node):
        item.__dict__.pop(_CHILDREN, None)
        item.__dict__.pop(_NODES, None)
        item.__dict__.pop(_KINDS, None)
        item.__dict__.pop(_BELOW, None)
        item.__dict__.pop(STATEMENTS, None)
    return node


SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def own_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes of a body, not descending into the functions, classes and lambdas it defines
    (which are yielded themselves, without their insides)."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, SCOPES):
            stack.extend(children(node))
