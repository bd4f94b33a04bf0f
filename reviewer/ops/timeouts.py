"""The tests of OPS001's needs (rules/ops/external_call_without_timeout.py), on a file's `ast`
facts: whether its code holds a call the rule judges whose timeout is missing or off. Kept in
an importable module so that the rule catalogue can name them (reviewer.registry: a test of a
rule pack's own module has no catalogue form, and loads the rule's module to be asked)."""

from __future__ import annotations

import ast

from reviewer.astfacts import nodes_of, tail_name
from reviewer.needs import FileFacts, names_for

VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})


def requests_written(facts: FileFacts) -> bool:
    """`requests.<verb>`, `requests.api` or a requests session written with `requests` not
    imported (it then resolves to itself; reviewer.names.ImportMap), not a local named so."""
    if facts.tree is None:
        return True
    return any(
        type(node.value) is ast.Name and node.value.id == "requests" and node.attr in REQUESTS_ATTRIBUTES  # type: ignore[attr-defined]
        for node in nodes_of(facts.tree, ast.Attribute)  # type: ignore[arg-type]
    )


REQUESTS_ATTRIBUTES = VERBS | {"api", "Session", "session", "sessions"}


def _judged_calls(facts: FileFacts, lasts: frozenset[str]):
    """The calls of the file's tree named one of `lasts` (under any import alias) with no `**`
    argument, each with its last name as written."""
    written = names_for(facts, lasts)
    for call in nodes_of(facts.tree, ast.Call):  # type: ignore[arg-type]
        name = tail_name(call.func)  # type: ignore[attr-defined]
        if name in written and all(keyword.arg is not None for keyword in call.keywords):  # type: ignore[attr-defined]
            yield name, call


def _timeout(call: ast.Call) -> ast.AST | None:
    return next((keyword.value for keyword in call.keywords if keyword.arg == "timeout"), None)


def _off(value: ast.AST) -> bool:
    """`None` or `False` (is_false_or_none)."""
    return type(value) is ast.Constant and (value.value is None or value.value is False)  # type: ignore[attr-defined]


def untimed_call(positions: tuple[tuple[str, int | None], ...], facts: FileFacts) -> bool:
    """A call named one of the names of `positions` (or an alias of one) that gives no timeout,
    or `None` / `False`: no `timeout=` and, where the name takes its timeout at a position,
    fewer positional arguments than reach it."""
    if facts.tree is None:
        return True
    reach: dict[str, float] = {}
    for last, position in positions:
        for name in names_for(facts, frozenset({last})):
            reach[name] = max(reach.get(name, -1), float("inf") if position is None else position)
    for name, call in _judged_calls(facts, frozenset(reach)):
        timeout = _timeout(call)
        if timeout is None:
            if sum(not isinstance(arg, ast.Starred) for arg in call.args) <= reach[name]:
                return True
        elif _off(timeout):
            return True
    return False


def httpx_timeout_off(facts: FileFacts) -> bool:
    """A call of a name the file's imports bind to httpx or to a name of it (or `httpx.`
    written unimported), with no `**` argument, that gives `timeout=None` / `False` or a call
    (`httpx.Timeout(None)`)."""
    if facts.tree is None:
        return True
    heads = {"httpx"}
    for node in nodes_of(facts.tree, ast.Import, ast.ImportFrom):  # type: ignore[arg-type]
        from_httpx = type(node) is ast.ImportFrom and not node.level and (node.module or "").split(".")[0] == "httpx"  # type: ignore[attr-defined]
        for alias in node.names:  # type: ignore[attr-defined]
            if from_httpx:
                heads.add(alias.asname or alias.name)
            elif type(node) is ast.Import and alias.name.split(".")[0] == "httpx":
                heads.add(alias.asname or "httpx")
    for call in nodes_of(facts.tree, ast.Call):  # type: ignore[arg-type]
        head = call.func  # type: ignore[attr-defined]
        while type(head) is ast.Attribute:
            head = head.value  # type: ignore[attr-defined]
        if type(head) is ast.Name and head.id in heads and all(k.arg is not None for k in call.keywords):  # type: ignore[attr-defined]
            timeout = _timeout(call)  # type: ignore[arg-type]
            if timeout is not None and (_off(timeout) or isinstance(timeout, ast.Call)):
                return True
    return False
