"""The shared `ast` walk of the index providers (reviewer.astfacts.walk): the nodes and order
of ast.walk less the expression contexts, each node's children read once per file, a
function's walk kept on it, and a copied-then-changed subtree walked afresh."""

from __future__ import annotations

import ast
import copy

from reviewer import astfacts

CODE = (
    "import os\n"
    "class Orders:\n"
    "    def place(self, lines, *, fast=False):\n"
    "        with open(os.devnull) as f, lock:\n"
    "            return [self.fill(line) for line in lines if line] or {**fast}\n"
    "async def main():\n"
    "    await Orders().place([1, 2])\n"
)


def _walked(node: ast.AST) -> list[ast.AST]:
    """ast.walk(node) less the shared `Load()`, `Store()` and `Del()` leaves."""
    return [item for item in ast.walk(node) if not isinstance(item, ast.expr_context)]


def test_walk_gives_ast_walks_nodes_in_its_order() -> None:
    tree = ast.parse(CODE + "del os\n")
    assert any(isinstance(node, ast.expr_context) for node in ast.walk(tree))
    for node in [tree, *_walked(tree)]:
        assert list(astfacts.walk(node)) == _walked(node)
    assert not any(isinstance(node, ast.expr_context) for node in astfacts.walk(tree))


def test_a_definitions_walk_is_kept_on_it() -> None:
    tree = ast.parse(CODE)
    place = tree.body[1].body[0]
    first = astfacts.walk(place)
    assert astfacts.walk(place) == first == tuple(_walked(place))
    assert place.__dict__[astfacts._BELOW] == first[1:]  # without the node itself: no cycle
    call = place.body[0].items[0].context_expr
    assert astfacts._BELOW not in call.__dict__  # an expression's walk is not kept


def test_each_nodes_children_are_read_once(monkeypatch) -> None:
    tree = ast.parse(CODE)
    read: list[ast.AST] = []
    original = astfacts._child_nodes

    def counting(node):
        read.append(node)
        return original(node)

    monkeypatch.setattr(astfacts, "_child_nodes", counting)
    first = astfacts.walk(tree)
    for node in first:
        astfacts.walk(node)
    assert astfacts.walk(tree) is first  # a module's list is kept on it
    # Once per node; nodes without fields (`Load()`, `Or()`) are shared by every tree of the
    # process, and read by whichever walk came first.
    own = {id(node) for node in first if node._fields}
    assert len(read) == len({id(node) for node in read}) and own <= {id(node) for node in read}


def test_children_are_ast_iter_child_nodes() -> None:
    # Lists holding None and strings (`{**d}`'s keys, `global`'s names), match patterns, type
    # comments off and on, and nodes built by hand without some fields (iter_child_nodes skips
    # a missing field).
    code = CODE + (
        "def f(a, /, b=1, *c, d: int, **e) -> None:\n"
        "    global g\n"
        "    x = {**e, 'k': [i async for i in c]}\n"
        "    match x:\n"
        "        case {'k': [1, *rest]} | Point(x=0, y=_) if rest:\n"
        "            del x[0]\n"
        "    return lambda: (yield from b)\n"
    )
    for tree in (ast.parse(code), ast.parse(code, type_comments=True)):
        for node in ast.walk(tree):
            assert astfacts._child_nodes(node) == _children(node)
    for built in (ast.Call(func=ast.Name("f")), ast.BinOp(left=ast.Constant(1)), ast.Module(), ast.Load(), ast.Name("n", ast.Store())):
        assert astfacts._child_nodes(built) == _children(built)


def _children(node: ast.AST) -> tuple[ast.AST, ...]:
    return tuple(child for child in ast.iter_child_nodes(node) if not isinstance(child, ast.expr_context))


def test_a_changed_copy_is_walked_afresh() -> None:
    tree = ast.parse("total = price * count\n")
    statement = tree.body[0]
    astfacts.walk(statement)
    changed = copy.deepcopy(statement)  # copies what walk kept on the nodes too
    changed.value.left = ast.Constant(3)
    assert not any(isinstance(node, ast.Constant) for node in astfacts.walk(changed))  # stale
    astfacts.forget_walks(changed)
    assert [type(node).__name__ for node in astfacts.walk(changed)] == [type(node).__name__ for node in _walked(changed)]
    assert any(isinstance(node, ast.Constant) for node in astfacts.walk(changed))


def test_nodes_of_is_the_walk_filtered_by_type() -> None:
    tree = ast.parse(CODE)
    for kinds in [(ast.Call,), (ast.FunctionDef, ast.AsyncFunctionDef, ast.Call), (ast.stmt,), (ast.expr, ast.keyword), (ast.Global,)]:
        assert list(astfacts.nodes_of(tree, *kinds)) == [node for node in ast.walk(tree) if isinstance(node, kinds)]


def test_a_functions_statements_are_listed_once() -> None:
    """function_statements is body_statements of the function's body, kept on the node (the
    symbols pass reads it five times per function), and dropped by forget_walks."""
    from reviewer.project.queries import body_statements, function_statements

    function = ast.parse(
        "def f(x):\n    if x:\n        y = 1\n    else:\n        return 2\n    def g():\n        return 3\n    for i in x:\n        pass\n"
    ).body[0]
    listed = function_statements(function)  # type: ignore[arg-type]
    assert list(listed) == body_statements(function.body)  # type: ignore[attr-defined]
    assert [type(s).__name__ for s in listed] == ["If", "Assign", "Return", "FunctionDef", "For", "Pass"]
    assert function_statements(function) is listed  # type: ignore[arg-type]
    changed = astfacts.forget_walks(copy.deepcopy(function))
    changed.body.pop()  # type: ignore[attr-defined]
    assert [type(s).__name__ for s in function_statements(changed)] == ["If", "Assign", "Return", "FunctionDef"]  # type: ignore[arg-type]
