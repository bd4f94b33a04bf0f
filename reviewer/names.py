"""Resolve what a name means from the file's import statements, without libcst metadata.

`from sqlalchemy.sql import text as t` makes `t(...)` resolve to `sqlalchemy.sql.text`;
`import sqlalchemy as sa` makes `sa.text` resolve to `sqlalchemy.text`. A per-module alias
map costs one pass over the import statements, where QualifiedNameProvider costs a scope
analysis of every node (measured 2x the parse on netbox; see DESIGN.md).
"""

from __future__ import annotations

import libcst as cst

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


def absolute_module(module: str, is_package: bool, level: int, relative: str) -> str:
    """The module a relative import (`from ..x import y`, `level` dots) names, seen from
    `module`. A module's level-1 anchor is its package; a package's is itself."""
    parts = module.split(".") if module else []
    drop = level - 1 if is_package else level
    anchor = parts[: len(parts) - drop] if drop <= len(parts) else []
    return ".".join([*anchor, relative] if relative else anchor)


def dotted(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a Name/Attribute chain, None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


class ImportMap:
    """Local name -> fully qualified name, from the import statements seen so far."""

    def __init__(self, module: str, is_package: bool = False) -> None:
        self.module = module
        self.is_package = is_package
        self.aliases: dict[str, str] = {}

    def add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted(alias.name)
            if not full:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = full
            else:
                head = full.split(".")[0]
                self.aliases[head] = head

    def add_import_from(self, node: cst.ImportFrom) -> None:
        base = dotted(node.module) if node.module is not None else ""
        if node.relative:
            base = self._absolute(len(node.relative), base or "")
        if isinstance(node.names, cst.ImportStar) or not base:
            return
        for alias in node.names:
            name = dotted(alias.name)
            if not name:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.aliases[local] = f"{base}.{name}"

    def _absolute(self, level: int, relative: str) -> str:
        return absolute_module(self.module, self.is_package, level, relative)

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of a Name/Attribute chain, or None if it is not one.
        Names that no import binds resolve to themselves (`int`, a local class)."""
        text = dotted(node)
        if text is None:
            return None
        head, _, rest = text.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return text
        full = f"{target}.{rest}" if rest else target
        return CANONICAL.get(full, full)
