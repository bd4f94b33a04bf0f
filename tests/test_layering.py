"""Layering: the modules of `reviewer/` import no cycle at module level, and each layer imports
only its own layer and the layers below it (issue 12, item 7).

An import inside a function (a command loaded when named, bandit loaded when asked) runs after
every module has loaded and makes no cycle; `if TYPE_CHECKING:` imports never run. Only the
statements at a module's top level are read."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import click

from reviewer.cli import ReviewerGroup, main
from tests.conftest import REPO

PACKAGE = REPO / "reviewer"


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, *([base] if base else [])])
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            graph[name].update(target for target in targets if target in modules and target != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph)))
    try:
        for node in sorted(graph):
            if node not in index:
                visit(node)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_reviewer_modules_import_no_cycle() -> None:
    graph = import_graph()
    assert "reviewer.index" in graph and "reviewer.provider" in graph["reviewer.index"]
    assert cycles(graph) == []


def test_every_lazily_loaded_command_exists() -> None:
    context = click.Context(main)
    for name in ReviewerGroup.LAZY:
        assert main.get_command(context, name) is not None, name
    assert set(ReviewerGroup.LAZY) <= set(main.list_commands(context))


# Lowest first. A package stands for all of its modules; a module not named here fails the test,
# so a new module has to be placed. Rule packs (`rules/`) sit above every layer but the last.
LAYERS: list[tuple[str, set[str]]] = [
    (
        "foundation",
        {
            "reviewer", "reviewer.model", "reviewer.config", "reviewer.lines", "reviewer.names", "reviewer.walk",
            "reviewer.bounds", "reviewer.parsing", "reviewer.lowering", "reviewer.astfacts", "reviewer.needs", "reviewer.provider", "reviewer.rule",
            "reviewer.flow", "reviewer.discovery", "reviewer.git", "reviewer.scoring", "reviewer.gate",
            "reviewer.baseline", "reviewer.precision", "reviewer.explain", "reviewer.meta", "reviewer.bandit_bridge", "reviewer.bandit_needs", "reviewer.bandit_evidence",
            "reviewer.merge", "reviewer.focus", "reviewer.gitdiff", "reviewer.cache", "reviewer.entrypoints",
        },
    ),  # fmt: skip
    ("project model", {"reviewer.project"}),
    (
        "analyses, and what reads them per file",
        {"reviewer.sql", "reviewer.orm", "reviewer.web", "reviewer.ops", "reviewer.migrations", "reviewer.context", "reviewer.suppress", "reviewer.fixes", "reviewer.fixnodes"},
    ),  # fmt: skip
    (
        "engine",
        {"reviewer.index", "reviewer.plan", "reviewer.analyse", "reviewer.runner", "reviewer.registry", "reviewer.examples", "reviewer.fixrun", "reviewer.docgen"},
    ),  # fmt: skip
    ("interfaces", {"reviewer.cli", "reviewer.reporters", "reviewer.integrations", "reviewer.__main__"}),
]


def layer_of(module: str) -> int:
    for level, (_, members) in enumerate(LAYERS):
        if any(module == member or module.startswith(member + ".") for member in members if member != "reviewer"):
            return level
    if module == "reviewer":
        return 0
    raise AssertionError(f"{module} is in no layer of tests/test_layering.py")


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{source} ({LAYERS[layer_of(source)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
        for source, targets in graph.items()
        for target in targets
        if layer_of(target) > layer_of(source)
    )


def test_the_layer_check_finds_an_upward_import() -> None:
    graph = {"reviewer.model": {"reviewer.runner"}, "reviewer.runner": {"reviewer.model"}}
    assert upward_imports(graph) == ["reviewer.model (foundation) imports reviewer.runner (engine)"]


def test_every_module_imports_only_its_layer_and_those_below() -> None:
    assert upward_imports(import_graph()) == []


def test_rule_packs_import_no_interface() -> None:
    interfaces = LAYERS[-1][1]
    found = []
    for path in (REPO / "rules").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names] if isinstance(node, ast.Import) else []
            found += [f"{path.relative_to(REPO)}: {name}" for name in names if any(name == i or name.startswith(i + ".") for i in interfaces)]
    assert found == []


def test_rules_read_index_sections_through_their_provider() -> None:
    """One way to a project-level fact: `Provider.of(index)`, never `index.section("name")`."""
    found = []
    for path in sorted((REPO / "rules").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "section":
                found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert found == []
