"""The `shutdown` index section: long-running loops and app-scoped clients, and what a project
does to stop them cleanly. Facts come from the stdlib `ast`, per file.

Read by OPS009 (graceful-shutdown-missing). Per module:

- worker loops: a `while True:` loop that blocks on a poll, a queue or a sleep, in code a
  `if __name__ == "__main__":` block runs (directly, or through the module's functions it
  calls), in a module that installs no signal handler (`signal.signal`, `signal.SIGTERM`,
  `loop.add_signal_handler`);
- clients and pools created for the app's lifetime: at module level (async clients: httpx
  `AsyncClient`, aiohttp `ClientSession`, asyncpg pools, `create_async_engine`, redis.asyncio,
  motor, aiokafka), or in a startup hook (a `lifespan` context manager, `on_event("startup")`,
  `add_event_handler("startup", ...)`, `on_startup=[...]`; sync engines and clients too), with
  the name they are bound to;
- closes: the names something is closed on (`x.close()`, `.aclose()`, `.dispose()`,
  `.wait_closed()`, `atexit.register(x.close)`, `async with x:`), project-wide, since the
  shutdown hook often lives in another module than the client;
- SIGTERM handlers (`signal.signal`, `loop.add_signal_handler`) whose first act, past log
  lines, is to exit (`sys.exit`, `os._exit`, `exit()`, `raise SystemExit`).

Test, example, docs and script code is left out: it is not the service's.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from reviewer.astfacts import dotted_name, keyword_value, nodes_of, own_nodes, tail_name
from reviewer.entrypoints import is_main_guard
from reviewer.model import FileKind
from reviewer.names import ImportMap, module_name_for
from reviewer.provider import IndexProvider

SECTION = "shutdown"

# Clients and pools an async app keeps for its lifetime: created at import, they are still
# app-scoped, and need closing on shutdown.
ASYNC_RESOURCES = frozenset({
    "httpx.AsyncClient", "aiohttp.ClientSession", "aiohttp.client.ClientSession",
    "asyncpg.create_pool", "asyncpg.pool.create_pool", "sqlalchemy.ext.asyncio.create_async_engine",
    "redis.asyncio.Redis", "redis.asyncio.StrictRedis", "redis.asyncio.from_url", "redis.asyncio.Redis.from_url",
    "redis.asyncio.client.Redis", "aioredis.from_url", "aioredis.Redis", "aioredis.create_redis_pool",
    "motor.motor_asyncio.AsyncIOMotorClient", "aiokafka.AIOKafkaProducer", "aiokafka.AIOKafkaConsumer",
})
# Also app-scoped when a startup hook creates them.
SYNC_RESOURCES = frozenset({
    "httpx.Client", "requests.Session", "sqlalchemy.create_engine", "redis.Redis", "redis.StrictRedis",
    "redis.from_url", "redis.Redis.from_url", "psycopg_pool.ConnectionPool", "psycopg_pool.AsyncConnectionPool",
    "psycopg2.pool.ThreadedConnectionPool", "psycopg2.pool.SimpleConnectionPool", "pymongo.MongoClient",
})
CLOSERS = frozenset({"close", "aclose", "dispose", "wait_closed", "terminate", "disconnect", "shutdown", "cleanup"})
# Calls that block a polling loop until work (or time) arrives.
BLOCKING = frozenset({
    "sleep", "poll", "consume", "start_consuming", "receive_messages", "receive_message", "brpop", "blpop",
    "brpoplpush", "bzpopmin", "xread", "xreadgroup", "get_message", "recv", "accept", "getmany",
})
# Servers that install their own SIGTERM handling (a loop that restarts one is a supervisor).
SERVERS = ("uvicorn.", "hypercorn.", "gunicorn.", "waitress.", "werkzeug.serving.", "granian.", "daphne.")
SIGNAL_CALLS = frozenset({"signal.signal", "add_signal_handler", "signal.set_wakeup_fd"})
STARTUP_HOOKS = frozenset({"on_event", "add_event_handler"})
MAX_DEPTH = 3
TRIGGERS = ("while True", "while 1", "AsyncClient", "ClientSession", "create_pool", "create_async_engine", "redis",
            "lifespan", "startup", "close", "dispose", "motor", "aiokafka", "atexit", "SIGTERM")


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    name: str  # the bound name (a loop's function)
    call: str  # the resource's constructor, or the loop's blocking call
    where: str  # "at import", "in the startup hook `lifespan`", "run from `__main__`"


@dataclass(frozen=True)
class Shutdown:
    loops: tuple[Site, ...] = ()
    resources: tuple[Site, ...] = ()
    closed: frozenset[str] = frozenset()
    # SIGTERM handlers whose first act is to exit (name: the handler, call: the exit call).
    abrupt: tuple[Site, ...] = ()


def _last(node: ast.AST) -> str | None:
    """`tail_name`, and the key of a subscript by a string: a resource kept in a dict
    (`app.state["pool"] = create_pool()`, closed as `app.state["pool"].close()`)."""
    if isinstance(node, (ast.Name, ast.Attribute)):
        return tail_name(node)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value
    return None


def _handles_signals(tree: ast.Module) -> bool:
    for node in nodes_of(tree, ast.Call):
        if isinstance(node, ast.Call):
            name = dotted_name(node.func) or ""
            if name in SIGNAL_CALLS or name.endswith(".add_signal_handler") or name.endswith("signal.signal"):
                return True
        elif isinstance(node, (ast.Name, ast.Attribute)) and _last(node) in ("SIGTERM", "SIGINT"):
            return True
    return False


def _blocking_call(loop: ast.While, imports: ImportMap) -> str | None:
    """The call the loop blocks on; None when it runs a server, which handles signals itself."""
    calls = [node for node in own_nodes(loop.body) if isinstance(node, ast.Call)]
    if any((imports.imported_name(node.func) or "").startswith(SERVERS) for node in calls):
        return None
    for node in calls:
        name = _last(node.func)
        if name in BLOCKING:
            return dotted_name(node.func) or name
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if name == "get" and receiver is not None and "queue" in (dotted_name(receiver) or "").lower():
            return dotted_name(node.func)
    return None


def _worker_loops(tree: ast.Module, imports: ImportMap) -> list[list[Any]]:
    guards = [node for node in tree.body if is_main_guard(node)]
    if not guards or _handles_signals(tree):
        return []
    functions = {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    found: list[list[Any]] = []
    seen: set[str] = set()

    def visit(body: list[ast.stmt], owner: str, depth: int) -> None:
        for node in own_nodes(body):
            if isinstance(node, ast.While) and isinstance(node.test, ast.Constant) and node.test.value in (True, 1):
                call = _blocking_call(node, imports)
                if call:
                    found.append([node.lineno, owner, call, "run from `__main__`"])
            elif isinstance(node, ast.Name) and node.id in functions and node.id not in seen and depth < MAX_DEPTH:
                seen.add(node.id)
                visit(functions[node.id].body, f"{node.id}()", depth + 1)

    for guard in guards:
        visit(guard.body, "`__main__`", 0)
    return sorted(found)


EXITS = frozenset({"sys.exit", "os._exit", "exit", "quit", "SystemExit"})


def _is_sigterm(node: ast.AST, imports: ImportMap) -> bool:
    return (imports.imported_name(node) or "").rsplit(".", 1)[-1] == "SIGTERM"


def _exit_call(node: ast.AST, imports: ImportMap) -> str | None:
    """`sys.exit(...)`, `os._exit(...)`, `exit()`, `quit()`, `raise SystemExit(...)`: the exit."""
    if isinstance(node, ast.Expr):
        node = node.value
    if isinstance(node, ast.Raise) and node.exc is not None:
        node = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return "SystemExit" if imports.imported_name(node) == "SystemExit" else None
    if isinstance(node, ast.Call):
        name = imports.imported_name(node.func) or ""
        return name if name in EXITS else None
    return None


def _logs(statement: ast.stmt, imports: ImportMap) -> bool:
    """A docstring, a `global` / `nonlocal`, `print(...)` or a logging call: nothing that stops work."""
    if isinstance(statement, (ast.Global, ast.Nonlocal, ast.Pass)):
        return True
    if not isinstance(statement, ast.Expr):
        return False
    value = statement.value
    if isinstance(value, ast.Constant):
        return True
    if not isinstance(value, ast.Call):
        return False
    name = imports.imported_name(value.func) or ""
    receiver = value.func.value if isinstance(value.func, ast.Attribute) else None
    return name == "print" or name.startswith("logging.") or "log" in (dotted_name(receiver) or "").lower()


def _abrupt_handlers(tree: ast.Module, imports: ImportMap) -> list[list[Any]]:
    """[line, handler, exit call, where] of each `signal.signal(SIGTERM, handler)` /
    `loop.add_signal_handler(SIGTERM, handler)` whose handler exits before doing anything but
    logging (RULES.md OPS009 (c))."""
    functions = {node.name: node for node in nodes_of(tree, ast.FunctionDef, ast.AsyncFunctionDef)}
    found: list[list[Any]] = []
    for node in nodes_of(tree, ast.Call):
        if not (isinstance(node, ast.Call) and len(node.args) >= 2 and _is_sigterm(node.args[0], imports)):
            continue
        installer = imports.imported_name(node.func) or _last(node.func) or ""
        if installer != "signal.signal" and not installer.endswith("add_signal_handler"):
            continue
        handler = node.args[1]
        if isinstance(handler, ast.Lambda):
            name, body = "lambda", [ast.Expr(handler.body)]
        elif isinstance(handler, ast.Name) and handler.id in functions:
            name, body = f"{handler.id}()", functions[handler.id].body
        else:
            continue
        first = next((statement for statement in body if not _logs(statement, imports)), None)
        call = _exit_call(first, imports) if first is not None else None
        if call:
            found.append([node.lineno, name, call, "SIGTERM handler"])
    return sorted(found)


def _startup_hooks(tree: ast.Module) -> set[str]:
    """Names of the module's functions that run at app startup."""
    hooks: set[str] = set()
    for node in nodes_of(tree, ast.FunctionDef, ast.AsyncFunctionDef, ast.Call):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                name = dotted_name(decorator.func if isinstance(decorator, ast.Call) else decorator) or ""
                if name.endswith("asynccontextmanager") and "lifespan" in node.name:
                    hooks.add(node.name)
                if isinstance(decorator, ast.Call) and name.split(".")[-1] in STARTUP_HOOKS and decorator.args and (
                        isinstance(decorator.args[0], ast.Constant) and decorator.args[0].value == "startup"):
                    hooks.add(node.name)
        elif isinstance(node, ast.Call):
            lifespan = keyword_value(node, "lifespan")
            if isinstance(lifespan, ast.Name):
                hooks.add(lifespan.id)
            startup = keyword_value(node, "on_startup")
            if isinstance(startup, (ast.List, ast.Tuple)):
                hooks.update(e.id for e in startup.elts if isinstance(e, ast.Name))
            if _last(node.func) == "add_event_handler" and len(node.args) == 2 and isinstance(node.args[1], ast.Name) and (
                    isinstance(node.args[0], ast.Constant) and node.args[0].value == "startup"):
                hooks.add(node.args[1].id)
    return hooks


def _created(value: ast.AST | None, imports: ImportMap, kinds: frozenset[str]) -> str | None:
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return None
    name = imports.imported_name(value.func) or ""
    return name if name in kinds else None


def _assignments(body: list[ast.stmt]) -> Iterator[tuple[ast.AST, ast.AST, int]]:
    """(target, value, line) of the assignments of a body, outside `with` blocks (whose exit
    closes what they open) and nested functions."""
    for node in own_nodes(body):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                yield target, node.value, node.lineno
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            yield node.target, node.value, node.lineno


def _resources(tree: ast.Module, imports: ImportMap) -> list[list[Any]]:
    found: list[list[Any]] = []
    for target, value, line in _assignments([n for n in tree.body if not isinstance(n, (ast.With, ast.AsyncWith))]):
        call = _created(value, imports, ASYNC_RESOURCES)
        name = _last(target)
        if call and name:
            found.append([line, name, call, "at import"])
    hooks = _startup_hooks(tree)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in hooks:
            for target, value, line in _assignments(_outside_with(node.body)):
                call = _created(value, imports, ASYNC_RESOURCES | SYNC_RESOURCES)
                name = _last(target)
                if call and name:
                    found.append([line, name, call, f"in the startup hook `{node.name}`"])
    return sorted(found)


def _outside_with(body: list[ast.stmt]) -> list[ast.stmt]:
    kept: list[ast.stmt] = []
    for statement in body:
        if isinstance(statement, (ast.With, ast.AsyncWith)):
            continue
        if isinstance(statement, ast.Try):
            kept.extend(_outside_with(statement.body + statement.finalbody + statement.orelse))
        else:
            kept.append(statement)
    return kept


def _closed(tree: ast.Module) -> set[str]:
    closed: set[str] = set()
    for node in nodes_of(tree, ast.Attribute):
        if node.attr in CLOSERS:
            name = _last(node.value)
            if name:
                closed.add(name)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                name = _last(item.context_expr)
                if name:
                    closed.add(name)
    return closed


def collect_shutdown(path: str, tree: ast.Module) -> dict[str, Any] | None:
    imports = ImportMap(module_name_for(path), path.endswith("__init__.py"))
    for node in nodes_of(tree, ast.Import, ast.ImportFrom):
        imports.add(node)
    facts = {"loops": _worker_loops(tree, imports), "resources": _resources(tree, imports), "closed": sorted(_closed(tree)),
             "abrupt": _abrupt_handlers(tree, imports)}
    return facts if any(facts.values()) else None


class ShutdownProvider(IndexProvider):
    """The `shutdown` section: a Shutdown of the project's worker loops, app-scoped clients and
    the names it closes."""

    name = SECTION
    empty = Shutdown()
    triggers = TRIGGERS
    file_kinds = frozenset({FileKind.PYTHON})
    leaves_out = "non-service"  # tests, examples and tooling run no worker of the service

    def collect(self, path: str, kind: FileKind, text: str, tree: ast.Module | None) -> Any:
        if tree is None:
            return None
        return collect_shutdown(path, tree)

    def merge(self, facts: Mapping[str, Any]) -> Any:
        return Shutdown(
            loops=tuple(Site(path, *loop) for path in sorted(facts) for loop in facts[path]["loops"]),
            resources=tuple(Site(path, *item) for path in sorted(facts) for item in facts[path]["resources"]),
            closed=frozenset(name for data in facts.values() for name in data["closed"]),
            abrupt=tuple(Site(path, *item) for path in sorted(facts) for item in facts[path].get("abrupt", ())),
        )
