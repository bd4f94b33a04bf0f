"""Evidence that a bandit issue is something else than what its test matched: a post-filter the
bridge runs on bandit's findings, one reading per test, each from the file's `ast` tree that
bandit's visitor has just linked (`_bandit_parent`). Bandit's tests match one node and never
look around it; these readings look at what the test did not.

- B602 (`shell=True`): the shell is asked for only on Windows (`shell=os.name == "nt"`,
  `shell=sys.platform == "win32"`, or a name bound to such a test, or set True only under an
  `if` on the platform) and the command is an
  argument list: on every other system no shell runs at all, and on Windows the shell is the
  usual way to find `npm.cmd`-style launchers on PATH.
- B608 (SQL built from strings): the text goes to a log, `print`, a warning or an exception
  message (directly, through text helpers such as `textwrap.dedent`, or through a local name
  used only there), not to anything that runs it.
  In a schema migration (an Alembic revision, a Django migration) it is not reported at all:
  SQL text built there holds what the code and the schema give it, never a request's input.
- B701 (Jinja2 without autoescape): the environment gets `**options` from a dict bound in
  the same function or module that sets `autoescape` to anything but a literal False.
- B113 (a request without a timeout): the call passes `timeout=` after all. Bandit reads a
  keyword's value only when it is a literal or an attribute; any other value (a call such as
  `settings.get("timeout", 30)`, a subscript, an `or`) reads as None, which the test takes for
  a missing timeout. A `**options` dict bound in the same function or module with a
  `timeout` key counts too. A literal `timeout=None` stays reported.

Each reading keeps the issue when it cannot see the whole of its evidence (a name bound
twice, a command built as a string, a dict it cannot read).
"""

from __future__ import annotations

import ast
from typing import Callable

from reviewer.astfacts import dotted_name, keyword_value, walk
from reviewer.names import LOG_LEVELS

# Tests about input reaching a sink, which a schema migration has none of: it runs once, at
# deploy time, with what the code and the database schema give it.
MIGRATION_FREE = frozenset({"B608"})
# Calls whose text argument is a message for people: loggers, console output, warnings.
MESSAGE_CALLS = LOG_LEVELS | {"print", "echo", "secho", "warn", "input", "prompt", "confirm"}
# Calls that change a text and hand it on: the text still goes where their result goes.
TEXT_CALLS = frozenset({"dedent", "indent", "strip", "lstrip", "rstrip", "format", "replace", "join", "_", "gettext",
                        "gettext_lazy", "ugettext", "str"})
# What a platform test reads: `os.name`, `sys.platform`, `platform.system()`.
PLATFORM_VALUES = frozenset({"os.name", "sys.platform", "platform.system"})


def keep(test_id: str, tree: ast.Module, line: int, column: int, migration: bool = False) -> bool:
    """Whether bandit's issue of `test_id` at `line` / `column` (1-based) stands; `migration`:
    the file is a schema migration (discovery's reading)."""
    if migration and test_id in MIGRATION_FREE:
        return False
    found = READINGS.get(test_id)
    if found is None:
        return True
    wanted, reading = found
    node = _node_at(tree, wanted, line, column - 1)
    return node is None or not reading(node, tree)


def _node_at(tree: ast.Module, wanted: Callable[[ast.AST], bool], line: int, offset: int) -> ast.AST | None:
    """The innermost node `wanted` accepts whose source holds `line` / `offset`: what bandit's
    test reported on (it reports a call at the line of its `shell=` argument, a string where
    it starts)."""
    best: ast.AST | None = None
    for node in walk(tree):
        if not wanted(node):
            continue
        start = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = (node.end_lineno or start[0], node.end_col_offset or start[1])  # type: ignore[attr-defined]
        if start <= (line, offset) <= end:
            if best is None or start >= (best.lineno, best.col_offset):  # type: ignore[attr-defined]
                best = node
    return best


def _shell_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and keyword_value(node, "shell") is not None


def _call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call)


def _string(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _parent(node: ast.AST) -> ast.AST | None:
    return getattr(node, "_bandit_parent", None)


def _scope(node: ast.AST, tree: ast.Module) -> ast.AST:
    """The function around `node`, else the module."""
    current = _parent(node)
    while current is not None and not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        current = _parent(current)
    return current or tree


def _bindings(name: str, node: ast.AST, tree: ast.Module) -> list[ast.AST]:
    """The values `name` is bound to (`=`, `+=`, `: T =`) in the function around `node`, else in
    the module; none when it is also bound another way there (a loop, a `with`, a walrus)."""
    for scope in dict.fromkeys((_scope(node, tree), tree)):
        nodes = walk(scope)
        stores = sum(1 for item in nodes if isinstance(item, ast.Name) and item.id == name and isinstance(item.ctx, ast.Store))
        if not stores:
            continue
        values = [item.value for item in nodes
                  if isinstance(item, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and item.value is not None
                  and any(isinstance(t, ast.Name) and t.id == name
                          for t in (item.targets if isinstance(item, ast.Assign) else [item.target]))]
        return values if len(values) == stores else []
    return []


def _resolved(value: ast.AST | None, tree: ast.Module) -> list[ast.AST]:
    """What an argument is: itself, or the values of the local name it reads."""
    if isinstance(value, ast.Name):
        return _bindings(value.id, value, tree)
    return [value] if value is not None else []


# -- B602 ----------------------------------------------------------------------------------

def _platform_test(node: ast.AST | None) -> bool:
    """`os.name == "nt"`, `sys.platform == "win32"`, `sys.platform.startswith("win")`,
    `platform.system() == "Windows"`."""
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.In)):
        left = node.left.func if isinstance(node.left, ast.Call) else node.left
        return dotted_name(left) in PLATFORM_VALUES and isinstance(node.comparators[0], (ast.Constant, ast.Tuple))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "startswith":
        return dotted_name(node.func.value) in PLATFORM_VALUES
    return False


def _argument_list(node: ast.AST | None) -> bool:
    """A list or tuple of arguments (or one built by adding lists), not a command line."""
    if isinstance(node, (ast.List, ast.Tuple, ast.ListComp)):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return isinstance(node.left, (ast.List, ast.Tuple)) or isinstance(node.right, (ast.List, ast.Tuple))
    return False


def _windows_only_shell(call: ast.AST, tree: ast.Module) -> bool:
    if not isinstance(call, ast.Call):
        return False
    shell = keyword_value(call, "shell")
    command = call.args[0] if call.args else keyword_value(call, "args")
    shells, commands = _resolved(shell, tree), _resolved(command, tree)
    return bool(shells) and all(map(_windows_only, shells)) and bool(commands) and all(map(_argument_list, commands))


def _windows_only(value: ast.AST) -> bool:
    """A `shell=` value true only on Windows: a platform test, False, or True set under an
    `if` on the platform (`shell = False` / `if os.name in ("nt", "dos"): shell = True`)."""
    if _platform_test(value) or isinstance(value, ast.Constant) and value.value is False:
        return True
    if not (isinstance(value, ast.Constant) and value.value is True):
        return False
    branch = _parent(_parent(value) or value)
    return isinstance(branch, ast.If) and _platform_test(branch.test) and _parent(value) in branch.body


# -- B608 ----------------------------------------------------------------------------------

def _message_call(call: ast.Call) -> bool:
    name = call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id if isinstance(call.func, ast.Name) else ""
    if name in MESSAGE_CALLS:
        return True
    # An exception built with the text: `raise ImportError(msg)`, `ValueError(f"...")`.
    return isinstance(_parent(call), ast.Raise) or name.endswith(("Error", "Exception", "Warning"))


def _to_message(node: ast.AST, tree: ast.Module, depth: int = 0) -> bool:
    """Whether the text `node` builds ends up only in messages for people."""
    child, current = node, _parent(node)
    while current is not None:
        if isinstance(current, (ast.JoinedStr, ast.FormattedValue, ast.BinOp, ast.keyword)):
            child, current = current, _parent(current)
            continue
        if isinstance(current, ast.Attribute) and current.attr in TEXT_CALLS:
            child, current = current, _parent(current)
            continue
        if isinstance(current, ast.Call):
            if child is current.func:  # `"...".format(...)`: the call's result is the text
                child, current = current, _parent(current)
                continue
            if _message_call(current):
                return True
            name = current.func.attr if isinstance(current.func, ast.Attribute) else getattr(current.func, "id", "")
            if name not in TEXT_CALLS:
                return False
            child, current = current, _parent(current)
            continue
        if isinstance(current, ast.Assign) and depth == 0 and len(current.targets) == 1 and isinstance(current.targets[0], ast.Name):
            return _name_to_message(current.targets[0].id, current, tree)
        return False
    return False


def _name_to_message(name: str, assign: ast.Assign, tree: ast.Module) -> bool:
    """Whether every read of a local text (and there is one) goes to a message."""
    if _bindings(name, assign, tree) != [assign.value]:
        return False
    reads = [node for node in walk(_scope(assign, tree)) if isinstance(node, ast.Name) and node.id == name
             and isinstance(node.ctx, ast.Load)]
    return bool(reads) and all(_to_message(read, tree, depth=1) for read in reads)


# -- B701 ----------------------------------------------------------------------------------

def _options_autoescape(call: ast.AST, tree: ast.Module) -> bool:
    if not isinstance(call, ast.Call):
        return False
    return any(not (isinstance(value, ast.Constant) and value.value is False)
               for value in _option_values(call, "autoescape", tree))


def _option_values(call: ast.Call, key: str, tree: ast.Module) -> list[ast.AST]:
    """The values the call's `**options` give `key`: each options dict bound once, in the same
    function or the module, to a `dict(...)` call or a dict literal that sets it."""
    found = []
    for keyword in call.keywords:
        if keyword.arg is not None:
            continue
        bound = _resolved(keyword.value, tree)
        options = bound[0] if len(bound) == 1 else None
        value = None
        if isinstance(options, ast.Call) and dotted_name(options.func) == "dict":
            value = keyword_value(options, key)
        elif isinstance(options, ast.Dict):
            value = next((v for k, v in zip(options.keys, options.values)
                          if isinstance(k, ast.Constant) and k.value == key), None)
        if value is not None:
            found.append(value)
    return found


# -- B113 ----------------------------------------------------------------------------------

def _passes_timeout(call: ast.AST, tree: ast.Module) -> bool:
    if not isinstance(call, ast.Call):
        return False
    value = keyword_value(call, "timeout")
    values = [value] if value is not None else _option_values(call, "timeout", tree)
    return any(not (isinstance(value, ast.Constant) and value.value is None) for value in values)


# What each reading leaves out, one line for the test's documentation (`reviewer explain B602`).
NOTES = {
    "B602": "a shell asked for only on Windows (`shell=sys.platform == \"win32\"`) with an argument list",
    "B608": "SQL-like text that goes only to a log, `print`, a warning or an exception message, and SQL built in a schema migration",
    "B701": "an environment given `**options` from a dict that sets `autoescape` (not to a literal False)",
    "B113": "a call that passes `timeout=` as an expression bandit does not read (a call, a subscript), or in `**options`",
}
READINGS: dict[str, tuple[Callable[[ast.AST], bool], Callable[[ast.AST, ast.Module], bool]]] = {
    "B602": (_shell_call, _windows_only_shell),
    "B608": (_string, _to_message),
    "B701": (_call, _options_autoescape),
    "B113": (_call, _passes_timeout),
}
