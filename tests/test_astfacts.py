"""The shared `ast` walk of the index providers (reviewer.astfacts.walk): the nodes and order
of ast.walk, each node's children read once per file, and a copied-then-changed subtree
walked afresh."""

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


def test_walk_gives_ast_walks_nodes_in_its_order() -> None:
    tree = ast.parse(CODE)
    for node in [tree, *ast.walk(tree)]:
        assert list(astfacts.walk(node)) == list(ast.walk(node))


def test_each_nodes_children_are_read_once(monkeypatch) -> None:
    tree = ast.parse(CODE)
    read: list[ast.AST] = []
    original = ast.iter_child_nodes

    def counting(node):
        read.append(node)
        return original(node)

    monkeypatch.setattr(ast, "iter_child_nodes", counting)
    first = astfacts.walk(tree)
    for node in first:
        astfacts.walk(node)
    assert astfacts.walk(tree) is first  # a module's list is kept on it
    # Once per node; nodes without fields (`Load()`, `Or()`) are shared by every tree of the
    # process, and read by whichever walk came first.
    own = {id(node) for node in first if node._fields}
    assert len(read) == len({id(node) for node in read}) and own <= {id(node) for node in read}


def test_a_changed_copy_is_walked_afresh() -> None:
    tree = ast.parse("total = price * count\n")
    statement = tree.body[0]
    astfacts.walk(statement)
    changed = copy.deepcopy(statement)  # copies what walk kept on the nodes too
    changed.value.left = ast.Constant(3)
    assert not any(isinstance(node, ast.Constant) for node in astfacts.walk(changed))  # stale
    astfacts.forget_walks(changed)
    assert [type(node).__name__ for node in astfacts.walk(changed)] == [type(node).__name__ for node in ast.walk(changed)]
    assert any(isinstance(node, ast.Constant) for node in astfacts.walk(changed))


def test_nodes_of_is_the_walk_filtered_by_type() -> None:
    tree = ast.parse(CODE)
    for kinds in [(ast.Call,), (ast.FunctionDef, ast.AsyncFunctionDef, ast.Call), (ast.stmt,), (ast.expr, ast.keyword), (ast.Global,)]:
        assert list(astfacts.nodes_of(tree, *kinds)) == [node for node in ast.walk(tree) if isinstance(node, kinds)]
