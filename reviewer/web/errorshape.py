"""Error response shapes: every place the project sends an error body, and the shape of it.

An index provider records, per file and with the stdlib `ast` parser, each *error emission
site*: a `JSONResponse`/`jsonify`/DRF `Response`/`JsonResponse` whose status is 4xx or 5xx,
with the shape of its dict literal (`{"error": {"code", "message"}}`). A function that builds
such a body with a status it receives (`api_error(code, message, status)`) is the project's
error helper: the project model's summary "returns an error body of shape S"
(`ProjectSymbols.error_body`, reviewer.project.responses) finds it, and it counts once per call
of it that the model resolves (`ProjectSymbols.callers`, across modules); calls to it are not
sites of their own. Bodies that are not dict literals are skipped, never guessed. API004
compares the sites with the configured envelope, RFC 9457 problem+json, or the project's
majority shape.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any, Mapping

from reviewer.astfacts import children, nodes_of, tail_name, walk
from reviewer.provider import FrozenMap, IndexProvider, freeze
from reviewer.model import FileKind
from reviewer.project.responses import response_parts, shape_of, status_value, unwrap_body
from reviewer.project.symbols import SECTION as SYMBOLS, ProjectSymbols
DEFAULT_ENVELOPE = {"code": "error.code", "message": "error.message", "details": "error.details"}
# Protocol-mandated bodies (OAuth2 token errors, GraphQL, JSON-RPC) are not the API's envelope.
# OAuth 2.0's error response, a GraphQL result, JSON-RPC, SCIM's error message (RFC 7644 3.12).
PROTOCOL_SHAPES = ({"error", "error_description"}, {"errors", "data"}, {"jsonrpc"}, {"schemas", "status"})
# A GraphQL response (and a JSON:API error document) is `{"errors": [...]}`, optionally with
# `data` / `extensions`: its shape is the protocol's, whatever the project's REST errors use.
ERRORS_DOCUMENT_KEYS = frozenset({"errors", "data", "extensions", "meta", "jsonapi"})


FRAMEWORK_EXCEPTIONS = frozenset(
    {"HTTPException", "APIException", "NotFound", "PermissionDenied", "NotAcceptable", "ParseError",
     "AuthenticationFailed", "NotAuthenticated", "MethodNotAllowed", "Throttled", "UnsupportedMediaType"}
)


def render(shape: Any) -> str:
    if not isinstance(shape, dict):
        return "..."
    parts = []
    for key, value in shape.items():
        if isinstance(value, dict):
            inner = ", ".join(f'"{k}"' for k in value)
            parts.append(f'"{key}": {{{inner}}}')
        else:
            parts.append(f'"{key}": ...')
    return "{" + ", ".join(parts) + "}"


def signature(shape: Any) -> str:
    """Shape identity for majority voting: keys, and the keys of nested objects."""
    if not isinstance(shape, dict):
        return "?"
    parts = []
    for key in sorted(shape):
        value = shape[key]
        parts.append(f"{key}{{{','.join(sorted(value))}}}" if isinstance(value, dict) else f"{key}:{'obj' if value == 'value' else value}")
    return "{" + ",".join(parts) + "}"


def family(shape: Any) -> str:
    """Coarse shape identity for the project's own convention (`error-format: auto`): the top-level
    keys, and whether each holds an object. `{"error": {"code", "message"}}` and
    `{"error": {"code", "message", "details"}}` are one convention (a client reads both the same
    way); `{"error": "..."}` next to them is another, as is `{"message": ...}`."""
    if not isinstance(shape, dict):
        return "?"
    return "{" + ",".join(f"{key}{'{}' if isinstance(shape[key], dict) else ''}" for key in sorted(shape)) + "}"


def majority(sites: list["ErrorSite"]) -> tuple[str, "ErrorSite"] | None:
    """The project's own error convention (`error-format: auto`): the family of shapes with the
    most weight (a helper counts once per call), and the first site that has it."""
    votes: dict[str, int] = {}
    first: dict[str, ErrorSite] = {}
    for site in sites:
        key = family(site.shape)
        votes[key] = votes.get(key, 0) + site.weight
        first.setdefault(key, site)
    if not votes:
        return None
    order = {key: index for index, key in enumerate(first)}
    best = max(votes, key=lambda key: (votes[key], -order[key]))
    return best, first[best]


def follows(shape: Any, convention: Any) -> bool:
    """A body follows the project's convention when it has every top-level key of the
    convention's shape, each holding an object where the convention's does: `{"detail",
    "errors"}` extends `{"detail"}`, and a client that reads `detail` reads both."""
    if not isinstance(shape, dict) or not isinstance(convention, dict):
        return False
    return all(key in shape and isinstance(shape[key], dict) == isinstance(value, dict) for key, value in convention.items())


FRAMEWORK_FAMILY = "{detail}"  # DRF's and FastAPI's / Starlette's default error body
# The API surface of a file that imports Django REST framework: its error bodies are the DRF
# API's, a convention of their own beside the JSON a project's plain Django views answer.
DRF_SURFACE = "drf"


def has_path(shape: Any, path: str) -> bool:
    node = shape
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def conforms(shape: Any, mode: str, envelope: Mapping[str, str]) -> bool:
    if mode == "problem+json":
        return isinstance(shape, dict) and "title" in shape and "status" in shape
    required = [envelope.get("code", DEFAULT_ENVELOPE["code"]), envelope.get("message", DEFAULT_ENVELOPE["message"])]
    return all(has_path(shape, path) for path in required)


def expected_text(mode: str, envelope: Mapping[str, str]) -> str:
    if mode == "problem+json":
        return '`{"type", "title", "status", "detail", "instance"}` (application/problem+json)'
    tree: dict[str, Any] = {}
    for name in ("code", "message", "details"):
        path = envelope.get(name, DEFAULT_ENVELOPE[name])
        node = tree
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = "value"
    return "`" + render(tree) + "`"


def is_protocol(shape: Any) -> bool:
    if not isinstance(shape, dict):
        return False
    if "errors" in shape and set(shape) <= ERRORS_DOCUMENT_KEYS and shape["errors"] in ("list", "value"):
        return True
    return any(keys <= set(shape) for keys in PROTOCOL_SHAPES)


# --------------------------------------------------------------------------------------------


def collect_sites(tree: ast.Module) -> dict[str, Any]:
    sites: list[dict[str, Any]] = []
    parents: dict[int, ast.AST] = {}
    for node in walk(tree):
        for child in children(node):
            parents[id(child)] = node

    def enclosing_function(node: ast.AST) -> ast.AST | None:
        current = parents.get(id(node))
        while current is not None and not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
            current = parents.get(id(current))
        return current

    for node in nodes_of(tree, ast.Raise, ast.Call):
        status_node = None
        body = None
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and tail_name(node.exc.func) in FRAMEWORK_EXCEPTIONS:
            # The framework renders these as {"detail": ...} unless a handler is registered.
            sites.append({"line": node.lineno, "shape": {"detail": "str"}, "status": None, "framework": True})
            continue
        if isinstance(node, ast.Call):
            parts = response_parts(node)
            if parts is None:
                continue
            body, status_node, _ = parts
            if status_node is None:
                parent = parents.get(id(node))
                if isinstance(parent, ast.Tuple) and len(parent.elts) >= 2 and parent.elts[0] is node:
                    status_node = parent.elts[1]
        else:
            continue
        function = enclosing_function(node)
        body = unwrap_body(body, function)
        shape = shape_of(body) if body is not None else None
        if shape is None or not shape or is_protocol(shape):
            continue
        status = status_value(status_node)
        if status is None and status_node is not None:
            continue  # a helper's body (the status is its caller's: `ProjectSymbols.error_body`), or unknown
        if status is not None and status >= 400:
            sites.append({"line": node.lineno, "shape": shape, "status": status})
    if not sites and not _builds_responses(tree):
        return {}
    found: dict[str, Any] = {"sites": sites}
    if any(module == "rest_framework" or module.startswith("rest_framework.") for module in _imported(tree)):
        found["surface"] = DRF_SURFACE
    return found


def _imported(tree: ast.Module) -> list[str]:
    """The modules a file imports (`import a.b`, `from a.b import c`), relative ones left out."""
    modules: list[str] = []
    for node in nodes_of(tree, ast.Import, ast.ImportFrom):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif node.module and not node.level:
            modules.append(node.module)
    return modules


def _builds_responses(tree: ast.Module) -> bool:
    """The file builds JSON responses whose status it does not fix (an error helper's): its
    surface is known for the helpers the project model finds in it."""
    return any(isinstance(node, ast.Call) and response_parts(node) is not None for node in nodes_of(tree, ast.Call))


# --------------------------------------------------------------------------------------------
# The typed model. A shape is a FrozenMap (key -> nested shape, or "str" / "list" / "value").


@dataclass(frozen=True, slots=True)
class ShapeSite:
    """One error body a file sends with a literal 4xx / 5xx status, or a framework exception
    it raises (`framework`: rendered `{"detail": ...}` unless a handler is registered)."""

    line: int
    shape: FrozenMap
    status: int | None
    framework: bool = False


@dataclass(frozen=True, slots=True)
class FileErrorShapes:
    """The per-file facts: the file's sites and its surface. `collect_sites` writes the cache
    form (`to_json`) directly; the merge reads it back with `from_json`."""

    sites: tuple[ShapeSite, ...] = ()
    surface: str = ""  # DRF_SURFACE for a file that imports Django REST framework

    def to_json(self) -> dict[str, Any]:
        return {
            "sites": [
                {"line": s.line, "shape": s.shape, "status": s.status, **({"framework": True} if s.framework else {})} for s in self.sites
            ],
            **({"surface": self.surface} if self.surface else {}),
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "FileErrorShapes":
        return FileErrorShapes(
            tuple(ShapeSite(s["line"], freeze(s["shape"]), s["status"], bool(s.get("framework"))) for s in data["sites"]),
            str(data.get("surface", "")),
        )


@dataclass(frozen=True, slots=True)
class ErrorSite:
    """An error emission site of the project, as the rules read it: a file's site, or an
    error helper's body (`helper`: its name), which weighs as many votes as it has calls."""

    file: str
    line: int
    shape: FrozenMap
    status: int | None
    framework: bool = False
    helper: str | None = None
    weight: int = 1
    surface: str = ""  # its file's (DRF_SURFACE, or "")


@dataclass(frozen=True, slots=True)
class ErrorShapes:
    """The `error_shapes` section: every error emission site, by file then line of discovery."""

    sites: tuple[ErrorSite, ...] = ()

    def helper_names(self) -> frozenset[str]:
        return frozenset(site.helper for site in self.sites if site.helper)


def merge_sites(facts: Mapping[str, FileErrorShapes], symbols: ProjectSymbols | None = None) -> ErrorShapes:
    """The sites of every file, and the error helpers of the project model (summary "returns an
    error body of shape S" with the caller's status), each weighing as many votes as the calls
    of it the model resolves, at least one."""
    sites: list[ErrorSite] = []
    for path, data in sorted(facts.items()):
        sites.extend(ErrorSite(path, site.line, site.shape, site.status, site.framework, surface=data.surface) for site in data.sites)
        # The helpers of the file (a helper builds a response: its file has facts here).
        for name, bodies in symbols.files[path].errors.items() if symbols is not None and path in symbols.files else ():
            body = next((body for body in bodies if body.helper and body.shape and not is_protocol(body.shape)), None)
            if body is not None:
                weight = max(1, len(symbols.callers(path, name)))
                sites.append(ErrorSite(path, body.line, body.shape, None, helper=name.rsplit(".", 1)[-1], weight=weight, surface=data.surface))
    return ErrorShapes(tuple(sites))


class ErrorShapesProvider(IndexProvider):
    """The `error_shapes` section: an ErrorShapes."""

    name = "error_shapes"
    empty = ErrorShapes()
    # The framework's exceptions vote too (`raise HTTPException(...)` renders `{"detail": ...}`),
    # also in modules that build no response themselves.
    triggers = ("Response", "jsonify", "make_response", *sorted(FRAMEWORK_EXCEPTIONS))
    file_kinds = frozenset({FileKind.PYTHON})
    reads = (SYMBOLS,)

    def collect(self, path: str, kind: FileKind, text: str, tree: ast.Module | None) -> Any:
        if tree is None:
            return None
        found = collect_sites(tree)
        return found or None

    def merge(self, facts: Mapping[str, Any], sections: Mapping[str, Any] | None = None) -> Any:
        return merge_sites({path: FileErrorShapes.from_json(data) for path, data in facts.items()}, (sections or {}).get(SYMBOLS))
