"""flask-cors configuration a project sets in its Flask config, as flask-cors resolves it.

flask-cors builds the options of `CORS(app, ...)` and of `@cross_origin(...)` as its defaults
(every origin, no credentials), updated with the app config's `CORS_*` keys, updated with the
call's own keyword arguments. A decorator without `origins=` therefore gets the project's
`CORS_ORIGINS` when the project sets one: in a settings module or a config class that
`app.config.from_object` loads (an upper-case module or class constant), or by
`app.config["CORS_ORIGINS"] = ...` / `config.update(CORS_ORIGINS=...)`. This section lists
each such setting of the project's code (tests and developer tooling aside), with its value
classified; read with the stdlib `ast`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Mapping

from reviewer.astfacts import walk
from reviewer.model import FileKind
from reviewer.provider import IndexProvider

SECTION = "flask-cors-config"
# The app-config keys that decide which origins, and whether credentials: `CORS_RESOURCES`
# carries per-path options of its own (origins included).
KEYS = frozenset({"CORS_ORIGINS", "CORS_SUPPORTS_CREDENTIALS", "CORS_RESOURCES"})
# Regular expressions that match every origin (flask-cors takes regexes in `origins`).
ANY_ORIGIN_REGEX = frozenset({".*", "^.*$", ".+", "^.+$", "(.*)", "https?://.*", "^https?://.*$", "https://.*", "http.*"})
# How a value is classified: every origin, a list of origins, True / False (credentials), or
# a value the source does not show (an environment variable, a helper's result).
ANY, LISTED, TRUE, FALSE, UNKNOWN = "any", "listed", "true", "false", "unknown"


@dataclass(frozen=True)
class CorsSetting:
    path: str
    line: int
    key: str
    value: str  # ANY, LISTED, TRUE, FALSE or UNKNOWN


@dataclass(frozen=True)
class CorsConfig:
    settings: tuple[CorsSetting, ...] = ()

    def of(self, key: str) -> tuple[CorsSetting, ...]:
        return tuple(item for item in self.settings if item.key == key)


def classify(node: ast.AST | None) -> str:
    """ANY (`"*"`, a list holding `"*"` or an any-origin regex), LISTED (literal origins),
    TRUE / FALSE (a literal boolean), else UNKNOWN."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return TRUE if node.value else FALSE
        if isinstance(node.value, str):
            return ANY if _any_origin(node.value) else LISTED
        return UNKNOWN
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        values = [e.value if isinstance(e, ast.Constant) else None for e in node.elts]
        if any(isinstance(v, str) and _any_origin(v) for v in values):
            return ANY
        return LISTED if values and all(isinstance(v, str) for v in values) else UNKNOWN
    return UNKNOWN


def _any_origin(value: str) -> bool:
    return value == "*" or value in ANY_ORIGIN_REGEX


def collect_settings(tree: ast.Module) -> list[tuple[int, str, str]]:
    """(line, key, value class) of every `CORS_*` key of KEYS the module sets: module and class
    constants (`from_object` reads both), `X["CORS_ORIGINS"] = v`, `X.update(CORS_ORIGINS=v)`,
    `X.update({"CORS_ORIGINS": v})`, `X.setdefault("CORS_ORIGINS", v)`."""
    found: list[tuple[int, str, str]] = []
    bodies = [tree.body] + [node.body for node in walk(tree) if isinstance(node, ast.ClassDef)]
    for body in bodies:
        for statement in body:
            targets = statement.targets if isinstance(statement, ast.Assign) else (
                [statement.target] if isinstance(statement, ast.AnnAssign) else [])
            for target in targets:
                if isinstance(target, ast.Name) and target.id in KEYS:
                    found.append((statement.lineno, target.id, classify(statement.value)))
    for node in walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                key = _subscript_key(target)
                if key in KEYS:
                    found.append((node.lineno, key, classify(node.value)))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "update":
                for keyword in node.keywords:
                    if keyword.arg in KEYS:
                        found.append((node.lineno, keyword.arg, classify(keyword.value)))
                for argument in node.args:
                    if isinstance(argument, ast.Dict):
                        for key, value in zip(argument.keys, argument.values):
                            if isinstance(key, ast.Constant) and key.value in KEYS:
                                found.append((node.lineno, key.value, classify(value)))
            elif node.func.attr == "setdefault" and len(node.args) == 2:
                key = node.args[0]
                if isinstance(key, ast.Constant) and key.value in KEYS:
                    found.append((node.lineno, key.value, classify(node.args[1])))
    return sorted(set(found))


def _subscript_key(target: ast.AST) -> str | None:
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str):
        return target.slice.value
    return None


class CorsConfigProvider(IndexProvider):
    """The `flask-cors-config` section: a CorsConfig."""

    name = SECTION
    empty = CorsConfig()
    triggers = tuple(sorted(KEYS))
    file_kinds = frozenset({FileKind.PYTHON})
    leaves_out = "not-deployed"  # a test app's CORS config is not the service's

    def collect(self, path: str, kind: FileKind, text: str, tree: ast.Module | None) -> Any:
        if tree is None:
            return None
        found = collect_settings(tree)
        return [list(item) for item in found] or None

    def merge(self, facts: Mapping[str, Any]) -> Any:
        return CorsConfig(tuple(CorsSetting(path, line, key, value) for path in sorted(facts) for line, key, value in facts[path]))
