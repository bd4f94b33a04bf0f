"""The `request_ids` index section: where a project generates, propagates or reports a request /
correlation id, from the stdlib `ast`, per file.

Read by OPS008 (request-id-missing): whether a service ties its log lines and error bodies to
a request is a project-wide question (the middleware lives in one module, the settings list it
in another, the error envelope in a third). Evidence is any of:

- a correlation library: asgi-correlation-id, django-guid, django-log-request-id,
  django-request-id, flask-request-id(-header), flask-log-request-id, starlette-context's
  `RequestIdPlugin` / `CorrelationIdPlugin`, OpenTelemetry instrumentation of the web layer
  (and strawberry's tracing extensions), ddtrace; imported,
  or named by a dotted string (a Django `MIDDLEWARE` entry);
- a request-id header named in code (`X-Request-ID`, `X-Correlation-ID`, `traceparent`, ...):
  a project middleware that reads or sets it;
- an id put on the request (`request.id = uuid4()`, `g.request_id = ...`, a log record's
  `record.request_id`) or into a body or a log record (a `"request_id"` / `"correlation_id"`
  key);
- a request-id middleware named where a middleware is loaded: a dotted or entry-point string
  through a middleware package (`"oslo_middleware:RequestId"`,
  `"app.middleware.RequestIdMiddleware"`), an import of one (`from oslo_middleware import
  request_id`), or the name of its entry point given to a middleware loader
  (`_Middleware(namespace=..., ep="request_id")`, as Keystone lists oslo.middleware's);
- Sentry initialised with tracing (`traces_sample_rate`, `traces_sampler`, `enable_tracing`),
  which propagates a trace id across services.

Test, example, docs and script code gives no evidence: it is not the service's.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Mapping

from reviewer.astfacts import dotted_name, walk
from reviewer.model import FileKind
from reviewer.provider import IndexProvider

SECTION = "request_ids"

# Top-level packages of correlation-id libraries.
CORRELATION_PACKAGES = frozenset({
    "asgi_correlation_id", "django_guid", "log_request_id", "request_id", "django_request_id",
    "flask_request_id", "flask_request_id_header", "flask_log_request_id", "starlette_request_id", "ddtrace",
})
# OpenTelemetry instrumentation of the web layer (a span per request); a database or HTTP
# client instrumentor traces queries, not requests.
CORRELATION_PREFIXES = tuple(f"opentelemetry.instrumentation.{web}" for web in (
    "fastapi", "asgi", "starlette", "django", "flask", "wsgi", "falcon", "tornado", "aiohttp_server", "pyramid",
    "auto_instrumentation")) + ("strawberry.extensions.tracing",)  # a span per GraphQL request
CONTEXT_PLUGINS = frozenset({"RequestIdPlugin", "CorrelationIdPlugin"})
HEADERS = frozenset({
    "x-request-id", "x-requestid", "request-id", "x-correlation-id", "correlation-id", "x-trace-id", "traceparent",
    "x-amzn-trace-id", "x-cloud-trace-context", "x-b3-traceid", "http_x_request_id", "http_x_correlation_id",
})
# `trace_id` is left out: tracing products (mlflow, phoenix) carry it as data.
ID_KEYS = frozenset({"request_id", "requestId", "correlation_id", "correlationId"})
ID_ATTRIBUTES = frozenset({"request_id", "correlation_id"})
# What a request id is put on: the request, Flask's `g`, a log record, the ASGI scope or state.
ID_HOLDERS = frozenset({"request", "g", "record", "scope", "state", "ctx", "context"})
SENTRY_TRACING = frozenset({"traces_sample_rate", "traces_sampler", "enable_tracing"})
# A request-id middleware's module, class or entry point (oslo.middleware's `request_id` module,
# `RequestId` class and `request_id` entry point; a project's own `RequestIdMiddleware`).
ID_MIDDLEWARE = frozenset({"request_id", "requestid", "request-id", "requestidmiddleware", "correlation_id",
                           "correlationid", "correlationidmiddleware"})
TRIGGERS = ("correlation", "request_id", "request-id", "requestid", "guid", "traceparent", "trace", "opentelemetry",
            "request.id", "x-request", "x_request")


@dataclass(frozen=True)
class Evidence:
    path: str
    line: int
    what: str


@dataclass(frozen=True)
class RequestIds:
    evidence: tuple[Evidence, ...] = ()


def _library(name: str) -> bool:
    return name.split(".")[0] in CORRELATION_PACKAGES or name.startswith(CORRELATION_PREFIXES)


def collect_request_ids(tree: ast.Module) -> list[list[Any]]:
    """[line, what] for each piece of evidence in one module."""
    found: list[list[Any]] = []
    for node in walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module or "" if isinstance(node, ast.ImportFrom) else ""
            names = [alias.name for alias in node.names]
            if any(_library(name) for name in [module, *names] if name) or (
                    module.startswith("starlette_context") and CONTEXT_PLUGINS & set(names)):
                found.append([node.lineno, f"imports `{module or names[0]}`"])
            elif "middleware" in module.lower() and any(name.lower() in ID_MIDDLEWARE for name in names):
                found.append([node.lineno, f"imports a request-id middleware from `{module}`"])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text.lower() in HEADERS:
                found.append([node.lineno, f"names the `{text}` header"])
            elif "." in text and " " not in text and _library(text):
                found.append([node.lineno, f"names `{text}`"])
            elif _id_middleware_path(text):
                found.append([node.lineno, f"names the request-id middleware `{text}`"])
        elif isinstance(node, ast.Call) and "middleware" in (dotted_name(node.func) or "").lower():
            for value in [*node.args, *(keyword.value for keyword in node.keywords)]:
                if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value.lower() in ID_MIDDLEWARE:
                    found.append([node.lineno, f"loads the `{value.value}` middleware"])
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if isinstance(key, ast.Constant) and key.value in ID_KEYS:
                    found.append([key.lineno, f"a `{key.value}` key"])
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                holder = (dotted_name(target.value) or "").rsplit(".", 1)[-1] if isinstance(target, ast.Attribute) else ""
                if holder in ID_HOLDERS and (target.attr in ID_ATTRIBUTES or (target.attr == "id" and holder == "request")):  # type: ignore[union-attr]
                    found.append([node.lineno, f"sets `{dotted_name(target) or target.attr}`"])
        elif isinstance(node, ast.Call) and dotted_name(node.func) in ("sentry_sdk.init", "init"):
            if any(keyword.arg in SENTRY_TRACING for keyword in node.keywords):
                found.append([node.lineno, "Sentry with tracing"])
    return found


def _id_middleware_path(text: str) -> bool:
    """A dotted or entry-point path through a middleware package to a request-id middleware:
    `oslo_middleware:RequestId.factory`, `oslo_middleware.request_id`, `app.middleware.RequestIdMiddleware`."""
    if " " in text or not ("." in text or ":" in text):
        return False
    parts = [part.lower() for part in text.replace(":", ".").split(".")]
    first = next((number for number, part in enumerate(parts) if "middleware" in part), None)
    return first is not None and any(part in ID_MIDDLEWARE for part in parts[first + 1:])


class RequestIdsProvider(IndexProvider):
    """The `request_ids` section: a RequestIds of every piece of evidence, sorted."""

    name = SECTION
    empty = RequestIds()
    file_kinds = frozenset({FileKind.PYTHON})
    leaves_out = "non-service"  # request-id evidence of tests and examples is not the service's

    def wants(self, kind: FileKind, text: str) -> bool:
        if kind not in self.file_kinds:
            return False
        lowered = text.lower()
        return any(trigger in lowered for trigger in TRIGGERS)

    def collect(self, path: str, kind: FileKind, text: str, tree: ast.Module | None) -> Any:
        if tree is None:
            return None
        evidence = collect_request_ids(tree)
        return {"evidence": evidence} if evidence else None

    def merge(self, facts: Mapping[str, Any]) -> Any:
        return RequestIds(tuple(
            Evidence(path, line, what) for path in sorted(facts) for line, what in facts[path]["evidence"]
        ))
