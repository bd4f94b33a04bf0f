"""Resolve what a name means from the file's import statements, without libcst metadata.

`from sqlalchemy.sql import text as t` makes `t(...)` resolve to `sqlalchemy.sql.text`;
`import sqlalchemy as sa` makes `sa.text` resolve to `sqlalchemy.text`. A per-module alias
map costs one pass over the import statements, where QualifiedNameProvider costs a scope
analysis of every node (measured 2x the parse on netbox; see DESIGN.md).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from reviewer.astfacts import dotted_name

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

# A logger's methods that write a record (`logger.info(...)`, `log.exception(...)`).
LOG_LEVELS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "msg"})
# Re-exports that APIs are commonly reached through; the key is what an import resolves to,
# the value is the canonical public name rules compare against.
CANONICAL = {
    "sqlalchemy.sql.text": "sqlalchemy.text",
    "sqlalchemy.sql.expression.text": "sqlalchemy.text",
    "sqlalchemy.sql.elements.TextClause": "sqlalchemy.TextClause",
    "django.db.models.expressions.RawSQL": "django.db.models.RawSQL",
}


def module_name_for(path: str) -> str:
    """Dotted module name for a project-relative path (`app/db.py` -> `app.db`)."""
    stem = path[:-3] if path.endswith(".py") else path
    parts = [part for part in stem.split("/") if part]
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def last_name(name: str | None) -> str:
    """The last part of a dotted name (`flask.render_template` -> `render_template`); "" for None."""
    return (name or "").rsplit(".", 1)[-1]


def absolute_module(module: str, is_package: bool, level: int, relative: str) -> str:
    """The module a relative import (`from ..x import y`, `level` dots) names, seen from
    `module`. A module's level-1 anchor is its package; a package's is itself."""
    parts = module.split(".") if module else []
    drop = level - 1 if is_package else level
    anchor = parts[: len(parts) - drop] if drop <= len(parts) else []
    return ".".join([*anchor, relative] if relative else anchor)


def dotted(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a Name/Attribute chain, None for anything else."""
    import libcst as cst  # here: the project index and bandit's bridge import this module without libcst

    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


class ImportMap:
    """Local name -> fully qualified name, from the import statements seen so far: the one
    alias table of a module, fed from a libcst tree (the rules' per-file context) or an `ast`
    tree (the index providers, `add`)."""

    def __init__(self, module: str, is_package: bool = False) -> None:
        self.module = module
        self.is_package = is_package
        self.aliases: dict[str, str] = {}

    def _bind(self, full: str, local: str | None) -> None:
        """`import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`."""
        if local:
            self.aliases[local] = full
        else:
            head = full.split(".")[0]
            self.aliases[head] = head

    def _bind_from(self, base: str, level: int, name: str, local: str | None) -> None:
        """`from base import name as local`, `level` dots before `base`."""
        if level:
            base = absolute_module(self.module, self.is_package, level, base)
        if base and name != "*":
            self.aliases[local or name] = f"{base}.{name}"

    # libcst
    def add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted(alias.name)
            if full:
                self._bind(full, _asname(alias))

    def add_import_from(self, node: cst.ImportFrom) -> None:
        import libcst as cst

        if isinstance(node.names, cst.ImportStar):
            return
        base = (dotted(node.module) if node.module is not None else "") or ""
        for alias in node.names:
            name = dotted(alias.name)
            if name:
                self._bind_from(base, len(node.relative), name, _asname(alias))

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of a Name/Attribute chain, or None if it is not one.
        Names that no import binds resolve to themselves (`int`, a local class)."""
        text = dotted(node)
        if text is None or text.partition(".")[0] not in self.aliases:
            return text
        full = self.qualify(text, local=False)
        return CANONICAL.get(full, full)

    # ast
    def add(self, node: ast.AST) -> None:
        """Bind the names an `ast` import statement binds; other nodes are ignored."""
        if isinstance(node, ast.Import):
            for alias in node.names:
                self._bind(alias.name, alias.asname)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                self._bind_from(node.module or "", node.level, alias.name, alias.asname)

    def name_of(self, node: ast.AST) -> str | None:
        """The qualified name of an `ast` Name/Attribute chain; a name no import binds is
        taken as this module's own."""
        return self.qualify(dotted_name(node), local=True)

    def imported_name(self, node: ast.AST) -> str | None:
        """The qualified name when the chain's head is imported, else its dotted text."""
        return self.qualify(dotted_name(node), local=False)

    def qualify(self, text: str | None, local: bool) -> str | None:
        """The qualified name of dotted `text`. A head no import binds is taken as this
        module's own name when `local`, else left as it is."""
        if text is None:
            return None
        head, _, rest = text.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return f"{self.module}.{text}" if local and self.module else text
        return f"{target}.{rest}" if rest else target


def _asname(alias: cst.ImportAlias) -> str | None:
    import libcst as cst

    return alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else None
