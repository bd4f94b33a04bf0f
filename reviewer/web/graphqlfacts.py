"""GraphQL schema facts: where a Strawberry schema is built and whether its extensions limit
query depth, tokens, aliases or cost (the `graphql_schemas` index section, read by API013).

Strawberry puts query limits on the schema (`extensions=[QueryDepthLimiter(...), ...]`) while
the view or router that serves it lives elsewhere, often in another module; the rule judges
the serving site and looks the schema up here. Graphene and Ariadne put their limits on the
view (`validation_rules=`), which the rule reads where it is.
"""

from __future__ import annotations

import ast
from typing import Any, Mapping

from reviewer.astfacts import keyword_value, nodes_of, walk
from reviewer.model import FileKind
from reviewer.names import ImportMap, module_name_for
from reviewer.provider import IndexProvider

SECTION = "graphql_schemas"
STRAWBERRY_SCHEMAS = frozenset({
    "strawberry.Schema", "strawberry.schema.Schema", "strawberry.schema.schema.Schema",
    "strawberry.federation.Schema", "strawberry.federation.schema.Schema",
})
# Words in the names an extension list mentions that make it a limit: strawberry's
# QueryDepthLimiter / MaxTokensLimiter / MaxAliasesLimiter, graphql-core's
# depth_limit_validator wrapped in AddValidationRules, a cost or complexity extension.
LIMIT_WORDS = ("depth", "limit", "cost", "complexity", "token", "alias")

LIMITED, UNLIMITED, UNKNOWN = "limited", "unlimited", "unknown"


def limits_of(extensions: ast.AST | None) -> str:
    """How a Strawberry `extensions=` value bounds queries: no value or a literal list that
    names no limiter is unlimited; a literal list naming one is limited; anything else (a
    helper's result, a parameter, a concatenation) is unknown."""
    if extensions is None:
        return UNLIMITED
    if not isinstance(extensions, (ast.List, ast.Tuple)):
        return UNKNOWN
    for node in walk(extensions):
        if isinstance(node, ast.Starred):
            return UNKNOWN
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
        if any(word in name.lower() for word in LIMIT_WORDS):
            return LIMITED
    return UNLIMITED


class GraphqlSchemaProvider(IndexProvider):
    """Per file: Strawberry schema constructions by line, with their limits, and the
    module-level names bound to one."""

    name = SECTION
    triggers = ("strawberry",)
    file_kinds = frozenset({FileKind.PYTHON})

    def collect(self, path: str, kind: FileKind, text: str, tree: ast.Module | None) -> Any:
        if tree is None:
            return None
        imports = ImportMap(module_name_for(path), path.endswith("__init__.py"))
        for node in nodes_of(tree, ast.Import, ast.ImportFrom):
            imports.add(node)
        schemas: dict[str, str] = {}
        for node in nodes_of(tree, ast.Call):
            if imports.imported_name(node.func) in STRAWBERRY_SCHEMAS:
                schemas[str(node.lineno)] = limits_of(keyword_value(node, "extensions"))
        if not schemas:
            return None
        bindings: dict[str, int] = {}
        for statement in tree.body:
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and isinstance(statement.value, ast.Call):
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                if str(statement.value.lineno) in schemas:
                    bindings.update({t.id: statement.value.lineno for t in targets if isinstance(t, ast.Name)})
        return {"schemas": schemas, "bindings": bindings}

    def merge(self, facts: Mapping[str, Any]) -> Any:
        return dict(facts)


def schema_limits(index: Any, path: str, line: int) -> str | None:
    """The limits of the Strawberry schema built at `path:line`, None if none is built there."""
    section = GraphqlSchemaProvider.of(index)
    facts = (section or {}).get(path)
    return facts["schemas"].get(str(line)) if facts is not None else None


def bound_schema_line(index: Any, path: str, name: str) -> int | None:
    """The line of the Strawberry schema construction the module-level `name` of `path` is
    bound to, None if it is bound to none."""
    section = GraphqlSchemaProvider.of(index)
    facts = (section or {}).get(path)
    return facts["bindings"].get(name) if facts is not None else None
