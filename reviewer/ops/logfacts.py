"""The `logging` index section: where a project configures log output, and whether any of it
is structured (JSON). Facts come from the stdlib `ast`, per file.

Read by OPS005 (unstructured-logging): a project-wide question ("is there a JSON formatter
anywhere?") cannot be answered from one file.
"""

from __future__ import annotations

from types import MappingProxyType
import ast
import re
from typing import Any, Mapping

from reviewer.astfacts import walk
from reviewer.discovery import is_test_path
from reviewer.provider import IndexProvider
from reviewer.model import FileKind
from reviewer.ops.secops import is_dev_path

# Names of structured log formatters/renderers/handlers (python-json-logger, structlog,
# ecs-logging, json-log-formatter, Google Cloud logging, loguru's serialize=True).
JSON_EVIDENCE = re.compile(
    r"jsonlogger|json_logger|JsonFormatter|JSONFormatter|JSONRenderer|ecs_logging|StdlibFormatter|json_log_formatter|"
    r"JsonLogFormatter|CloudLoggingHandler|StructuredLogHandler|LogstashFormatter|orjson_formatter|JsonRenderer"
)


def collect_logging(path: str, tree: ast.Module) -> dict[str, Any] | None:
    json = False
    plain: list[list[Any]] = []
    for node in walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and JSON_EVIDENCE.search(node.value):
            json = True
        elif isinstance(node, ast.Name) and JSON_EVIDENCE.search(node.id):
            json = True
        elif isinstance(node, ast.Attribute) and JSON_EVIDENCE.search(node.attr):
            json = True
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [alias.name for alias in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            if any(JSON_EVIDENCE.search(name) for name in names):
                json = True
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name == "add" and any(k.arg == "serialize" and isinstance(k.value, ast.Constant) and k.value.value is True for k in node.keywords):
                json = True  # loguru
            elif name == "basicConfig":
                plain.append([node.lineno, "`logging.basicConfig(...)` with a plain-text format"])
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "LOGGING" for t in node.targets):
            if isinstance(node.value, ast.Dict) and any(
                isinstance(k, ast.Constant) and k.value == "formatters" for k in node.value.keys
            ):
                plain.append([node.lineno, "`LOGGING` formatters"])
    if not json and not plain:
        return None
    if is_test_path(path) or is_dev_path(path):
        plain = []
    return {"json": json, "plain": plain}


class LoggingProvider(IndexProvider):
    """The `logging` section: {"json": bool, "plain": [[path, line, what], ...]}."""

    name = "logging"
    empty = MappingProxyType({})
    triggers = ("logging", "LOGGING", "structlog", "loguru", "Json", "JSON", "json")
    file_kinds = frozenset({FileKind.PYTHON})

    def collect(self, path: str, kind: FileKind, text: str, tree: ast.Module | None) -> Any:
        if tree is None or not any(t in text for t in ("basicConfig", "LOGGING", "structlog", "loguru", "son")):
            return None
        return collect_logging(path, tree)

    def merge(self, facts: Mapping[str, Any]) -> Any:
        plain = sorted([path, line, what] for path, data in facts.items() for line, what in data["plain"])
        return {"json": any(data["json"] for data in facts.values()), "plain": plain}
