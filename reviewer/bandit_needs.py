"""What a file's code must hold for one of bandit's tests to report on it, in the terms of
reviewer.needs: the engine runs bandit's visitor only on the files that meet the needs of an
enabled test (Plan.rules_for), so that the nine default tests, which match a few qualified
calls, names and keywords, cost nothing on the files that hold none of them.

The needs are exact: a file bandit would report on always meets them (they may be met by a file
it does not report on). They are derived when bandit's test list is built (bandit_bridge.tests,
kept in the user cache by bandit's version and this code), from bandit's own data:

- every test of one of bandit's own plugins needs the node kinds its test function checks (a
  test of `Assert` nodes runs on no file without an `assert`);
- a blacklist entry (B3xx, B4xx) needs what can spell one of its qualified names. Bandit's
  visitor names a call `a.b.c` by replacing the expression's first name with what an import
  bound to it (`import x.y as c` binds `c` to `x.y`, `from x import y as z` binds `z` to
  `x.y`, `from . import y as z` binds `z` to `y`; a star import binds nothing usable): the
  first part of the qualified name is then the first name of an import path or of the
  expression, and the last part the expression's last attribute or the imported name, both
  in the file's `names`. `__import__("a.b")` and `importlib.import_module("a.b")` are named
  by their argument: a string constant equal to the name. An import is reported when its
  dotted path starts with the entry's name: its first part is then that name's first part
  (or, for an undotted name, a name the path's first part begins with);
- the plugins whose source was read for what they match (PLUGINS: B501's `verify` keyword,
  B502/B503's protocol names, B504, B505's key-generation calls, B612) need that too, on
  top of their node kinds, for as long as the plugin's source is the one that was read.

All of it rests on how bandit's visitor and blacklist test resolve names (CORE): when the
installed bandit's code of those differs from the code that was read (CORE_DIGEST), no test
has needs and bandit runs on every file, as it did before needs; a plugin whose module
changed keeps its node kinds only. A test whose check is not a node kind (B613 reads the
whole file: bandit_bridge skips it on files without its characters) and the tests of
third-party plugins have no needs. tests/test_bandit_needs.py fails when the digests no
longer match bandit's code, so that an upgrade is read again.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
from dataclasses import fields
from functools import reduce
from typing import Any, Callable, Iterable

from reviewer.needs import Needs, qualified

# Check kinds of bandit's tests that are not a node type's name: a string or bytes constant is
# visited as `Str` or `Bytes`; `from . import x` (no module) runs the tests of `Import`.
_KIND_NODES = {"Str": ("Constant",), "Bytes": ("Constant",), "Import": ("Import", "ImportFrom")}
_WILDCARDS = frozenset("*?[]")


def core() -> list[Any]:
    """The code of bandit's that the needs' reasoning above rests on."""
    from bandit.core import blacklisting, context, node_visitor, utils

    visitor, ctx = node_visitor.BanditNodeVisitor, context.Context
    return [
        blacklisting.blacklist, utils._get_attr_qual_name, utils.get_call_name, utils.get_qual_attr,
        visitor.visit, visitor.visit_Call, visitor.visit_Import, visitor.visit_ImportFrom, visitor.visit_Constant,
        visitor.visit_FunctionDef, ctx.call_args.fget, ctx.call_keywords.fget, ctx._get_literal_value,
        ctx.get_call_arg_value, ctx.check_call_arg_value, ctx.get_call_arg_at_position, ctx.function_def_defaults_qual.fget,
    ]


def digest(objects: Iterable[Any]) -> str | None:
    """A digest of the objects' source (None when a source cannot be read)."""
    hasher = hashlib.blake2b(digest_size=8)
    try:
        for item in objects:
            hasher.update(inspect.getsource(item).encode())
    except (OSError, TypeError):
        return None
    return hasher.hexdigest()


# The bandit whose code the digests here were read from, and the digest of its CORE.
READ_FROM = "1.9.4"
CORE_DIGEST = "1ddb5de062b4988c"


def _qualified(names: Iterable[str]) -> Needs:
    """A call bandit's visitor can name by one of these qualified names (see the docstring):
    the first and the last part of one of them among the file's names (reviewer.needs.qualified),
    or the whole name as a string constant (the argument of `__import__` or
    `importlib.import_module`)."""
    names = tuple(dict.fromkeys(names))
    return qualified(*names) | Needs(strings=names)


def _plain(name: str) -> bool:
    return bool(name) and not _WILDCARDS & set(name) and all(part.isidentifier() for part in name.split("."))


def blacklist_needs(entries: Iterable[tuple[str, str]]) -> Needs | None:
    """The needs of a blacklist entry listed as (node kind, qualified name) pairs."""
    calls: list[str] = []
    imports: list[Needs] = []
    for kind, name in entries:
        if not _plain(name):
            return None
        if kind == "Call":
            calls.append(name)
        elif kind in ("Import", "ImportFrom"):
            first = name.split(".")[0]
            imports.append(Needs(names=(first,)) if "." in name else Needs(name_parts=(first,)))
        else:
            return None
    alternatives = ([_qualified(calls)] if calls else []) + imports
    return reduce(Needs.__or__, alternatives) if alternatives else None


def kinds_needs(kinds: Iterable[str]) -> Needs | None:
    """A node kind of those a test checks (None for a whole-file test or an unknown kind)."""
    nodes: list[str] = []
    for kind in kinds:
        if kind in _KIND_NODES:
            nodes.extend(_KIND_NODES[kind])
        elif isinstance(getattr(ast, kind, None), type) and issubclass(getattr(ast, kind), ast.AST):
            nodes.append(kind)
        else:
            return None
    return Needs(syntax=tuple(dict.fromkeys(nodes))) if nodes else None


def _bad_protocols(config: Any) -> tuple[str, ...]:
    return tuple(str(version) for version in config["bad_protocol_versions"])


def _protocol_names(config: Any) -> Needs:
    versions = _bad_protocols(config)
    return Needs(names=tuple(version for version in versions if version.isidentifier()), strings=versions)


# What each plugin test matches, read from its source (the module digest it was read from, and
# the needs from the test's config): see each function in bandit's plugins.
PLUGINS: dict[str, tuple[str, Callable[[Any], Needs]]] = {
    # A call of `requests.<verb>` or `httpx.<verb>` with `verify` given False (or "False").
    "B501": ("62f8cda88f9b825c", lambda config: Needs(keywords=("verify",)) & Needs(names=("requests", "httpx"))),
    # `ssl_version=` or `method=` given a bad protocol's constant, name or string.
    "B502": ("3d10cbc0fcc8f310", lambda config: Needs(keywords=("ssl_version", "method")) & _protocol_names(config)),
    # A default value `x.<bad protocol>`: the attribute's name.
    "B503": ("3d10cbc0fcc8f310", lambda config: Needs(names=_bad_protocols(config))),
    # A call named `ssl.wrap_socket`.
    "B504": ("3d10cbc0fcc8f310", lambda config: _qualified(("ssl.wrap_socket",))),
    # The key-generation calls of cryptography, PyCrypto and PyCryptodome.
    "B505": (
        "0089bed3ba5ae30a",
        lambda config: _qualified((
            "cryptography.hazmat.primitives.asymmetric.dsa.generate_private_key",
            "cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key",
            "cryptography.hazmat.primitives.asymmetric.ec.generate_private_key",
            "Crypto.PublicKey.DSA.generate", "Crypto.PublicKey.RSA.generate",
            "Cryptodome.PublicKey.DSA.generate", "Cryptodome.PublicKey.RSA.generate",
        )),
    ),
    # A call named `logging.config.listen`.
    "B612": ("055810ee66e8d9ac", lambda config: _qualified(("logging.config.listen",))),
}


def plugin_needs(function: Any, config: Any) -> Needs | None:
    """The needs of the test `function` of one of bandit's plugins (None for another's)."""
    if not function.__module__.startswith("bandit.plugins."):
        return None
    needs = kinds_needs(function._checks)
    read = PLUGINS.get(function._test_id)
    if needs is None or read is None:
        return needs
    module = importlib.import_module(function.__module__)
    if digest([module]) != read[0]:
        return needs
    name = getattr(function, "_takes_config", None)
    settings = None
    if name is not None:  # as bandit's test set finds a test's config
        settings = config.get_option(name)
        if settings is None:
            settings = module.gen_config(name)
    return needs & read[1](settings)


def test_needs(manager: Any, config: Any) -> dict[str, Needs | None]:
    """The needs of each test of bandit's extension `manager` (plugins and blacklist entries),
    under bandit's `config`; every one None when bandit's core is not the code that was read."""
    if digest(core()) != CORE_DIGEST:
        return {}
    found: dict[str, Needs | None] = {}
    for plugin in manager.plugins:
        found[plugin.plugin._test_id] = _or_none(plugin_needs, plugin.plugin, config)
    entries: dict[str, list[tuple[str, str]]] = {}
    for kind, tests in manager.blacklist.items():
        for entry in tests:
            entries.setdefault(entry["id"], []).extend((kind, name) for name in entry["qualnames"])
    for test_id, listed in entries.items():
        # An id both a plugin's and a blacklist entry's is not one bandit ships: no needs.
        found[test_id] = None if test_id in found else _or_none(blacklist_needs, listed)
    return found


def _or_none(derive: Callable[..., Needs | None], *args: Any) -> Needs | None:
    """The needs `derive` gives, or None (the test runs on every file) when a plugin or an
    entry is not shaped as bandit's own are (no `gen_config`, a qualified name not a string)."""
    try:
        return derive(*args)
    except Exception:  # noqa: BLE001 - any doubt means no needs
        return None


def file_characters() -> str | None:
    """The characters B613 (trojan source) reports, when its source is the one that was read:
    a file bandit decodes as UTF-8 holding none of them gives it nothing to report."""
    from bandit.plugins import trojansource

    characters = tuple(trojansource.BIDI_CHARACTERS)
    if digest([trojansource]) != TROJAN_SOURCE_DIGEST or not all(len(character) == 1 for character in characters):
        return None
    return "".join(characters)


TROJAN_SOURCE_DIGEST = "2522b1762ed1961e"


# Needs kept as JSON (in the kept test list): the fields that are set, combinations nested.
def to_json(needs: Needs | None) -> dict[str, Any] | None:
    if needs is None:
        return None
    if needs.test is not None:
        raise ValueError("a need's test cannot be kept")
    data: dict[str, Any] = {}
    for item in fields(Needs):
        value = getattr(needs, item.name)
        if item.name in ("either", "every"):
            if value:
                data[item.name] = [to_json(need) for need in value]
        elif item.name != "test" and value:
            data[item.name] = value if isinstance(value, bool) else list(value)
    return data


def from_json(data: Any) -> Needs | None:
    """The needs `to_json` kept (ValueError when `data` is not such JSON)."""
    if data is None:
        return None
    if type(data) is not dict:
        raise ValueError("not kept needs")
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in ("either", "every") and type(value) is list:
            values[name] = tuple(from_json(need) for need in value)
            if None in values[name]:
                raise ValueError("not kept needs")
        elif name in ("loops", "async_code") and type(value) is bool:
            values[name] = value
        elif name in _TUPLE_FIELDS and type(value) is list and all(type(part) is str for part in value):
            values[name] = tuple(value)
        else:
            raise ValueError(f"not kept needs: {name}")
    return Needs(**values)


_TUPLE_FIELDS = frozenset(item.name for item in fields(Needs)) - {"either", "every", "loops", "async_code", "test"}
