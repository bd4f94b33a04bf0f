"""Bandit inside: bandit's plugin tests as reviewer rules, run in-process on the scan's files.

Each bandit test (B105, B324, ...) becomes a rule class of category `security` with the test id
as its code, so the same `select` / `ignore` / `severity` / `per-path-ignores` config and the
same `# reviewer: ignore[B105] reason` suppression apply. The engine hands this module the
file it already read and the `ast` tree it already parsed; bandit's node visitor walks that
tree (no subprocess, no second walk of the project, no second parse). `# nosec` comments are
honoured as bandit honours them.

Which tests run by default (`DEFAULT_ON`) was chosen by field precision: every finding of a
random sample on the ecosystem check's tuned projects was judged (bench/ecosystem/verdicts.tsv).
A test stays on only when it measured at least 0.85 there, or, with no finding on real code,
when what it matches is a defect by itself (TLS verification off, a broken cipher). Every
other test is opt-in: select it by its exact code. `REASONS` says why, one line per test. A
rule of ours can name the bandit tests it `supersedes`: the engine merges their findings on
one line into ours (reviewer.merge), so one line never carries the same problem twice. A
few tests' issues pass a post-filter that reads what the test did not look at
(reviewer.bandit_evidence: a shell asked for only on Windows, SQL-like text that goes to a
log or an exception message, Jinja options that set autoescape).
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import io
import os
import re
import sys
import tokenize
import warnings
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, NamedTuple

from reviewer import __version__, bandit_evidence, bandit_needs, installed_version
from reviewer.astfacts import field_values, shared_contexts, walk
from reviewer.cache import conforms, keep, read_kept
from reviewer.lines import split_lines
from reviewer.model import Category, Confidence, FileError, FileKind, Finding, Location, Severity
from reviewer.needs import KeptNeeds
from reviewer.rule import PythonRule, Report

if TYPE_CHECKING:  # pragma: no cover
    from reviewer.config import Config
    from reviewer.discovery import SourceFile

BANDIT_VERSION = installed_version("bandit") or ""


def _bare_package() -> None:
    """Bandit's packages without their `__init__`: `bandit/__init__.py` imports its manager
    (rich's console and progress bars), every core module and its own metadata, about 0.05 s
    a process that only runs tests never uses. Each package is an empty module on bandit's
    folder, given the names the `__init__` would give it (the `from bandit.core.constants
    import *` the tests read as `bandit.HIGH`, `bandit.Issue` ...); its submodules import as
    they would. Nothing is done when bandit is imported already."""
    import importlib.util
    import types

    if "bandit" in sys.modules:
        return
    spec = importlib.util.find_spec("bandit")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("bandit is not installed")
    folders = list(spec.submodule_search_locations)
    for name, path in (("bandit", folders), ("bandit.core", [os.path.join(folder, "core") for folder in folders])):
        package = types.ModuleType(name)
        package.__path__ = path
        package.__package__ = name
        package.__file__ = os.path.join(path[0], "__init__.py")
        sys.modules[name] = package
    try:
        bandit = sys.modules["bandit"]
        from bandit.core import constants, issue, test_properties

        for module in (constants, issue, test_properties):
            names = getattr(module, "__all__", None) or [name for name in vars(module) if not name.startswith("_")]
            for name in names:
                setattr(bandit, name, getattr(module, name))
                setattr(sys.modules["bandit.core"], name, getattr(module, name))
        bandit.__version__ = BANDIT_VERSION
        bandit.core = sys.modules["bandit.core"]
    except Exception:
        for name in [name for name in sys.modules if name == "bandit" or name.startswith("bandit.")]:
            del sys.modules[name]
        raise


def _quiet_logging() -> None:
    import logging

    # Bandit logs through the root logger's last-resort handler (stderr) by default; the scan
    # reports problems itself.
    logging.getLogger("bandit").addHandler(logging.NullHandler())
    logging.getLogger("bandit").propagate = False


@lru_cache(maxsize=1)
def _bandit() -> SimpleNamespace | None:
    """What running bandit's tests takes: its node visitor and metrics, imported when a test
    first runs (a scan whose results all come from the cache imports none); None when bandit
    cannot be imported (a runtime dependency: a broken install only loses bandit's tests).
    The tests themselves are imported by `_test_set`, each from its own module."""
    _quiet_logging()
    try:
        _bare_package()
        from bandit.core import blacklisting, metrics, node_visitor
    except Exception:  # noqa: BLE001 - any import failure means "no bandit"
        return None
    return SimpleNamespace(blacklisting=blacklisting, metrics=metrics, visitor=node_visitor)


@lru_cache(maxsize=1)
def _bandit_plugins() -> SimpleNamespace | None:
    """Bandit's plugin manager (every test, loaded through stevedore's entry points) and its
    config, for the list of tests (`_bandit_tests`, kept between runs) and `# nosec` comments
    that name tests; None when bandit cannot be imported."""
    _quiet_logging()
    try:
        _bare_package()
        with warnings.catch_warnings():  # stevedore's deprecation notices are not the user's
            warnings.simplefilter("ignore")
            from bandit.core import extension_loader
        from bandit.core import config, manager
    except Exception:  # noqa: BLE001 - any import failure means "no bandit"
        return None
    return SimpleNamespace(extensions=extension_loader, config=config, manager=manager)

# Tests on by default: none measured 0.85 except B113, which OPS001 covers (0.95); these never
# fired on real code and match a defect by themselves, whatever the surrounding code does.
DEFAULT_ON = {
    "B304": "a broken cipher (DES, RC4, Blowfish, IDEA) is broken wherever it is used",
    "B305": "ECB mode leaks plaintext patterns whatever the key",
    "B306": "`tempfile.mktemp` is a file-creation race by design; `mkstemp` replaces it",
    "B501": "`verify=False` turns TLS certificate checks off",
    "B502": "SSLv2/SSLv3/TLSv1.0 protocol constants select broken protocols",
    "B503": "a default argument that selects a broken SSL/TLS protocol",
    "B505": "RSA/DSA keys under 2048 bits or EC keys under 224 bits are breakable",
    "B612": "`logging.config.listen` executes configuration received from the network",
    "B613": "bidirectional control characters hide code from reviewers (trojan source)",
}

# Bandit tests that report the same problem on the same line as other bandit tests (the
# Django XSS plugin and the blacklist `mark_safe` call both flag every `mark_safe(...)`): the
# key supersedes the values, so the engine merges them (reviewer.merge).
BANDIT_SUPERSEDES = {"B703": ("B308",)}
# Why every other test is opt-in, one line each; a figure in brackets is the test's field
# precision, (true + debatable / 2) / judged, on the tuned projects before this selection.
REASONS = {
    "B507": "AutoAddPolicy on hosts the project has just provisioned, whose keys cannot be known in advance (0.67)",
    "B101": "asserts in application code are type narrowing and invariants, not security checks (0.05)",
    "B102": "exec of the project's own code or of operator config by design (0.10)",
    "B103": "flags group-executable modes such as 0o755, normal for scripts; no field data",
    "B104": "binding all interfaces is the norm in containers; comparisons to \"0.0.0.0\" flagged (0.35)",
    "B105": "any literal named like a password: UI help text, enum members, empty strings (0.10); SEC004 judges values",
    "B106": "keyword arguments named like a password: empty strings, `token_type=\"bearer\"` (0.05); SEC004 judges values",
    "B107": "empty default values of password parameters (0.00); SEC004 judges values",
    "B108": "demo and CI paths under /tmp, not temp-file races (0.00)",
    "B110": "try/except/pass is code style, not security (0.00)",
    "B112": "try/except/continue is code style, not security (0.00)",
    "B113": "OPS001 covers it and also follows Sessions, urllib, http.client and smtplib (0.90; OPS001 0.95)",
    "B201": "SEC006 covers Flask, Django, FastAPI and Starlette debug settings; fires on example launchers (0.50)",
    "B202": "archives an operator names; zipfile sanitises paths itself (0.25)",
    "B301": "unpickles the project's own stored data in migrations and spools (0.10)",
    "B302": "marshal of the project's own data, like B301; no field data",
    "B303": "MD5/SHA-1 use is mostly checksums and cache keys; SEC003 judges passwords; no field data",
    "B307": "eval of the user's own source AST (0.00)",
    "B308": "mark_safe on constant HTML; B703's twin (0.00)",
    "B310": "URLs from configuration or constants (0.10); OPS001 judges the missing timeout",
    "B311": "random in sample data and jitter, not secrets (0.00)",
    "B312": "telnet is a deliberate protocol choice (network devices); no field data",
    "B324": "MD5/SHA-1 for checksums, cache keys and Gravatar (0.00); SEC003 judges passwords",
    "B601": "running commands over SSH is what paramiko is for; no field data",
    "B602": "shell only on Windows with constant argument lists (0.00); SQL-style taint is not judged",
    "B603": "every subprocess call without a shell, constant commands included (0.00)",
    "B604": "any function with a `shell=True` keyword, by name only; no field data",
    "B605": "constant commands, and commands from the invoking user's own CLI options (0.30)",
    "B606": "re-exec of the program's own command (0.00)",
    "B607": "commands found on PATH, normal for CLIs and setup scripts (0.00)",
    "B608": "SQL001 covers it with sink and hole analysis (0.05)",
    "B609": "wildcards in shell commands of the project's own scripts; no field data",
    "B610": "SQL001 covers `extra()` with hole analysis; no field data",
    "B611": "SQL001 covers `RawSQL` with hole analysis (0.00)",
    "B615": "an unpinned model revision is supply-chain hygiene, not a defect of the code; no field data",
    "B701": "Jinja environments that render LaTeX, JSON or Python, not HTML (0.00)",
    "B702": "an import of mako, not a use; no field data",
    "B703": "mark_safe on escaped or format_html output (0.15)",
    "B704": "Markup on escaped or constant HTML (0.00)",
    "B504": "`ssl.wrap_socket` without a version picks the library's safe default; no field data",
    "B506": "yaml.load on the project's own files (0.50, one finding)",
    "B323": "the unverified SSL context an operator's own `validate_certs: false` setting asks for (0.50, one finding)",
    "B614": "ML libraries load their own pickled model formats by design, behind their own checks (0.38, 4 findings)",
    "B508": "SNMPv1/v2 is a deliberate choice for network devices; no field data",
    "B509": "SNMPv3 without auth/priv is a deliberate device setting; no field data",
}
# The blacklist tests of XML parsers and imports: an import is no vulnerability, and the
# stdlib XML parsers no longer expand external entities (B313-B320 0.00; B403-B415 0.00).
for _code in ("B313", "B314", "B315", "B316", "B317", "B318", "B319", "B321"):
    REASONS.setdefault(_code, "stdlib XML parsers and ftplib: a protocol or parser choice, not a defect; no field data")
for _number in range(401, 416):
    REASONS.setdefault(f"B{_number}", "an import is not a use of the module (B403/B404 0.00)")
UNLISTED = "a bandit test reviewer has no field data or reason to trust yet"


def default_on(test_id: str) -> bool:
    return test_id in DEFAULT_ON


def selection_reason(test_id: str) -> str:
    """Why a bandit test is on or off by default, in one line."""
    return DEFAULT_ON.get(test_id) or REASONS.get(test_id, UNLISTED)


_SEVERITY = {"LOW": Severity.LOW, "MEDIUM": Severity.MEDIUM, "HIGH": Severity.HIGH}
_CONFIDENCE = {"LOW": Confidence.LOW, "MEDIUM": Confidence.MEDIUM, "HIGH": Confidence.HIGH}
_TITLE = re.compile(r"\*\*B\d{3}:\s*(?P<title>[^*]+)\*\*")


class BanditTest(PythonRule):
    """Base of the rules generated from bandit's tests (see `rules()`)."""

    category = Category.SECURITY
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "Issue found by bandit"
    fix = "Read bandit's documentation of the test"
    # Bandit's own id and name, e.g. ("B105", "hardcoded_password_string").
    bandit_id: ClassVar[str] = ""
    bandit_name: ClassVar[str] = ""
    # The node kinds bandit runs the test on (`Call`, `Str`, ...; `File` for a test of the whole
    # file's text), and for a whole-file test, the characters without which it cannot report
    # (B613's; None: it may report on any file).
    bandit_kinds: ClassVar[tuple[str, ...]] = ()
    file_characters: ClassVar[str | None] = None
    # Where bandit's plugin manager found the test (_Source): its run imports that module only.
    bandit_source: ClassVar["_Source | None"] = None


def is_bandit_rule(rule: type) -> bool:
    return isinstance(rule, type) and issubclass(rule, BanditTest) and rule is not BanditTest


def _camel(kebab: str) -> str:
    return "".join(part.capitalize() for part in kebab.split("-"))


def _documentation_url(test_id: str) -> str:
    """Bandit's page for a test. Its `get_url` rewrites a blacklist entry's name in place (`_`
    to `-`); the name is put back, so that the test list is the same however often it is built."""
    try:
        from bandit.core import docs_utils, extension_loader

        entry = extension_loader.MANAGER.blacklist_by_id.get(test_id)
        name = entry.get("name") if isinstance(entry, dict) else None
        try:
            return docs_utils.get_url(test_id)
        finally:
            if isinstance(entry, dict):
                entry["name"] = name
    except Exception:  # noqa: BLE001
        return "https://bandit.readthedocs.io/"


def _make_rule(
    test_id: str, name: str, title: str, url: str, kinds: list[str], needs: KeptNeeds, characters: str | None, source: "_Source"
) -> type[BanditTest]:
    kebab = name.replace("_", "-").lower()
    title = " ".join(title.split()).rstrip(".")
    if default_on(test_id):
        why = f" It is on by default: {selection_reason(test_id)}."
    else:
        why = f" It is opt-in (select `{test_id}`): {selection_reason(test_id)}."
    headline = f"Bandit's test {test_id} ({name}): {title[:1].lower() + title[1:]}."
    if test_id in bandit_evidence.NOTES:
        why += f" Not reported, where bandit would: {bandit_evidence.NOTES[test_id]}."
    doc = (
        f"{headline}\n\n"
        f"Run in-process on the files the scan selected; severity and confidence are the ones "
        f"bandit gives each issue.{why} Bandit documents it, with examples and the fix."
    )
    return type(
        _camel(kebab),
        (BanditTest,),
        {
            "__doc__": doc,
            "__module__": __name__,
            "code": test_id,
            "name": kebab,
            "summary": headline,
            "message": f"Bandit {test_id}: {title}",
            "fix": f"See {url}",
            "references": (url,),
            "opt_in": not default_on(test_id),
            "supersedes": BANDIT_SUPERSEDES.get(test_id, ()),
            "bandit_id": test_id,
            "bandit_name": name,
            "bandit_kinds": tuple(kinds),
            # What a file must hold for the test to report on it (reviewer.bandit_needs).
            "needs": needs,
            "file_characters": characters if tuple(kinds) == ("File",) and test_id == "B613" else None,
            "bandit_source": source,
        },
    )


@lru_cache(maxsize=1)
def rules() -> tuple[type[BanditTest], ...]:
    """One rule class per bandit test (plugins and blacklist entries), sorted by id."""
    listed = tests()
    return tuple(
        _make_rule(test_id, name, title, url, kinds, KeptNeeds(needs, bandit_needs.from_json, lambda rule: None), listed["characters"], _Source(*source))
        for test_id, name, title, url, kinds, needs, source in listed["tests"]
    )


# The list of bandit's tests comes from its plugin entry points, which means importing bandit;
# it is kept in the user cache folder (like `reviewer rules`' table: reviewer.cli.catalogue),
# keyed by bandit's version and the source of this module and of reviewer.bandit_needs, so that
# a scan whose results all come from the cache, or whose files meet no test's needs, imports no
# bandit.
TEST_ID = re.compile(r"^B\d{3}$")
PLUGIN = "plugin"
BLACKLIST = "blacklist"
SOURCE = (str, str, int)


class _Source(NamedTuple):
    """Where bandit's plugin manager found a test: a `plugin` (the test function) or a
    `blacklist` entry (the function that generates the blacklist it is in), as the entry
    point's "module:attribute", and its position among the manager's plugins or blacklist
    generators (the order bandit's test set keeps)."""

    kind: str
    target: str
    position: int


def _target(extension: Any) -> str:
    """A stevedore extension's entry point as "module:attribute"."""
    point = extension.entry_point
    return f"{point.module}:{point.attr}"


def tests(env: Any = os.environ) -> dict[str, Any]:
    """Bandit's tests: `tests`, each test's [id, name, title, documentation URL, the node kinds
    it checks, its needs as JSON (bandit_needs.to_json), its source (_Source)], sorted by id,
    and `characters`, those B613 reports (bandit_needs.file_characters). From the kept list
    when one was written for this bandit and this code and is well-formed, else from bandit
    (and kept)."""
    code = Path(__file__).read_bytes() + Path(bandit_needs.__file__).read_bytes()
    key = hashlib.blake2b(f"{__version__} {BANDIT_VERSION}".encode() + code, digest_size=12).hexdigest()
    kept = read_kept("bandit-tests", key, env)
    if _well_formed(kept):
        return kept
    found = _bandit_tests()
    if found["tests"]:
        keep("bandit-tests", key, found, env)
    return found


def _well_formed(kept: Any) -> bool:
    if type(kept) is not dict or set(kept) != {"tests", "characters"} or type(kept["characters"]) not in (str, type(None)):
        return False
    listed = kept["tests"]
    if not (type(listed) is list and listed and all(type(test) is list and len(test) == 7 for test in listed)):
        return False
    if not all(conforms(test[6], SOURCE) and test[6][0] in (PLUGIN, BLACKLIST) and test[6][1].count(":") == 1 for test in listed):
        return False
    if not all(type(test[5]) in (dict, type(None)) for test in listed):
        return False  # the needs themselves are read when first asked for (KeptNeeds)
    return (
        all(all(type(part) is str for part in test[:4]) for test in listed)
        and all(type(test[4]) is list and all(type(kind) is str for kind in test[4]) for test in listed)
        and all(TEST_ID.match(test[0]) for test in listed) and [test[0] for test in listed] == sorted({test[0] for test in listed})
    )


def _bandit_tests() -> dict[str, Any]:
    """The tests bandit's plugin manager lists (none when bandit cannot be imported), as
    `tests` keeps them."""
    loaded = _bandit_plugins()
    if loaded is None:
        return {"tests": [], "characters": None}
    manager = loaded.extensions.MANAGER
    needs = bandit_needs.test_needs(manager, loaded.config.BanditConfig())
    found: dict[str, list[Any]] = {}
    sources: dict[str, list[Any]] = {}
    for position, plugin in enumerate(manager.plugins):
        test_id = plugin.plugin._test_id
        match = _TITLE.search(plugin.plugin.__doc__ or "")
        title = match.group("title") if match else plugin.name.replace("_", " ")
        found[test_id] = [test_id, plugin.name, title, _documentation_url(test_id), list(plugin.plugin._checks)]
        sources[test_id] = [PLUGIN, _target(plugin), position]
    for position, extension in enumerate(manager.blacklists_mgr):  # the generator of each blacklist test
        for entries in extension.plugin().values():
            for entry in entries:
                sources.setdefault(entry["id"], [BLACKLIST, _target(extension), position])
    for kind, entries in manager.blacklist.items():
        for entry in entries:
            if entry["id"] not in found:
                found[entry["id"]] = [entry["id"], entry["name"], entry["message"], _documentation_url(entry["id"]), []]
            if kind not in found[entry["id"]][4]:
                found[entry["id"]][4].append(kind)
    listed = [[*found[code], bandit_needs.to_json(needs.get(code)), sources[code]] for code in sorted(found)]
    return {"tests": listed, "characters": bandit_needs.file_characters()}


class _NoMetaAst:
    """Bandit's visitor records every node for its debug output; we never print it."""

    def add_node(self, node, parent_id, depth) -> None:  # noqa: ARG002
        return None


# Node kinds whose visit changes the visitor's state (the namespace of functions and classes,
# the imports and their aliases), visited whether or not a test reads them.
_STATEFUL = frozenset({"ClassDef", "FunctionDef", "Import", "ImportFrom"})


def _visited_kinds(test_set) -> frozenset[str]:
    """The node kinds bandit's visitor must enter for `test_set`: those with tests (a string or
    bytes constant is a `Constant` node whose tests are listed as `Str` and `Bytes`) and those
    that carry state to the tests of later nodes."""
    kinds = set(test_set.tests) | _STATEFUL
    if kinds & {"Str", "Bytes"}:
        kinds.add("Constant")
    return frozenset(kinds)


@lru_cache(maxsize=1)
def _lean_visitor() -> type:
    """_LeanVisitor, a subclass of bandit's visitor (so built once bandit is imported)."""

    class _LeanVisitor(_bandit().visitor.BanditNodeVisitor):
        """Bandit's node visitor entering only the nodes that matter to the selected tests.

        Bandit builds a context, logs and scores at every node of the tree: most of its cost
        on a file, though a default selection has tests for calls and function definitions
        only. This visitor still walks every node and links each to its parent and next
        sibling, as bandit's does (tests read `_bandit_parent`), but runs bandit's own
        pre_visit / visit / post_visit only on the nodes of `_visited_kinds`: a node of
        another kind runs no test and changes no state, so bandit's findings are the same."""

        def generic_visit(self, node):
            entered = _visited_kinds(self.testset)
            self._walk(node, entered)

        def _walk(self, node, entered: frozenset[str]) -> None:
            for value in field_values(node):
                if isinstance(value, list):
                    last = len(value) - 1
                    for index, item in enumerate(value):
                        if isinstance(item, ast.AST):
                            item._bandit_sibling = value[index + 1] if index < last else None
                            item._bandit_parent = node
                            self._enter(item, entered)
                elif isinstance(value, ast.AST):
                    value._bandit_sibling = None
                    value._bandit_parent = node
                    self._enter(value, entered)

        def _enter(self, node, entered: frozenset[str]) -> None:
            if type(node).__name__ in entered:
                self.pre_visit(node)
                self.visit(node)
                self._walk(node, entered)
                self.post_visit(node)
            else:
                self._walk(node, entered)

    return _LeanVisitor


def __getattr__(name: str) -> Any:
    if name == "_LeanVisitor":
        return _lean_visitor()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# One test set at a time: building one stores the selected blacklist entries on bandit's
# module-level `blacklist` function, so an older cached set would run with another set's
# blacklist (KeyError on node kinds it no longer lists). A scan uses one selection anyway.
@lru_cache(maxsize=1)
def _test_set(chosen: frozenset[tuple[str, _Source | None]]) -> Any:
    """The test set of the tests `chosen` (id, source): a _TestSet, or bandit's own when a
    test's source is not known."""
    if all(source is not None for _, source in chosen):
        return _TestSet(chosen)  # type: ignore[arg-type]
    from bandit.core import test_set

    loaded = _bandit_plugins()
    return test_set.BanditTestSet(loaded.config.BanditConfig(), {"include": {test_id for test_id, _ in chosen}, "exclude": set()})


class _TestSet:
    """The chosen tests by node kind (`tests`, `get_tests`: what bandit's visitor and tester
    read), as bandit's BanditTestSet holds them for a selection under bandit's default config,
    made from the tests' own modules. BanditTestSet asks the plugin manager, which imports
    every test and formatter through stevedore's entry points (importlib.metadata), about
    0.1 s of each process that runs a test. As BanditTestSet does: the chosen plugins in the
    manager's order, each given its default config (`gen_config`) when it takes one, then
    bandit's blacklist test (`B001`) carrying the chosen blacklist entries, the generators'
    lists joined in their order."""

    def __init__(self, chosen: frozenset[tuple[str, _Source]]) -> None:
        def load(target: str) -> Any:
            module, _, attribute = target.partition(":")
            return getattr(importlib.import_module(module), attribute)

        self.tests: dict[str, list[Any]] = {}
        sources = sorted({source for _, source in chosen}, key=lambda source: (source.kind, source.position))
        for source in sources:
            if source.kind == PLUGIN:
                self._add(load(source.target))
        wanted = {test_id for test_id, source in chosen if source.kind == BLACKLIST}
        joined: dict[str, list[dict[str, Any]]] = {}
        for source in sources:
            if source.kind == BLACKLIST:
                for kind, entries in load(source.target)().items():
                    joined.setdefault(kind, []).extend(entries)
        blacklist = {kind: chosen_entries for kind, entries in joined.items() if (chosen_entries := [e for e in entries if e["id"] in wanted])}
        if blacklist:
            test = _bandit().blacklisting.blacklist
            test._test_id = "B001"
            test._checks = blacklist.keys()
            test._config = blacklist
            self._add(test)

    def _add(self, test: Any) -> None:
        if hasattr(test, "_takes_config"):
            test._config = importlib.import_module(test.__module__).gen_config(test._takes_config)
        for kind in test._checks:
            self.tests.setdefault(kind, []).append(test)

    def get_tests(self, kind: str) -> list[Any]:
        return self.tests.get(kind) or []


def _nosec_lines(text: str) -> dict[int, set[str] | None]:
    if "nosec" not in text:
        return {}
    lines: dict[int, set[str] | None] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                lines[token.start[0]] = _bandit_plugins().manager._parse_nosec_comment(token.string)
    except (tokenize.TokenError, SyntaxError):
        pass
    return lines


def run(
    source: "SourceFile",
    text: str,
    tree: ast.Module,
    enabled: Iterable[type[BanditTest]],
    config: "Config",
    errors: list[FileError],
) -> list[Finding]:
    """Findings of the enabled bandit tests on one file, from the already-parsed `tree`."""
    from reviewer.plan import make_finding  # plan imports this module (through registry)

    by_id = {rule.bandit_id: rule for rule in enabled}
    # A test of nodes needs bandit's visitor to walk the tree; the trojan source test, the only
    # test of the whole file bandit ships, runs only where it may report: without either,
    # bandit is not even imported (its needs let most files through with B613 alone).
    walk_tree = any(rule.bandit_kinds != ("File",) for rule in by_id.values())
    file_tests = _file_tests_may_report(by_id.values(), text)
    loaded = _bandit() if walk_tree or file_tests else None
    if loaded is None:
        return []
    metrics = loaded.metrics.Metrics()
    metrics.begin(str(source.path))
    visitor = _lean_visitor()(
        str(source.path),
        io.BytesIO(text.encode("utf-8", "surrogateescape")),
        _NoMetaAst(),
        _test_set(frozenset((rule.bandit_id, rule.bandit_source) for rule in by_id.values())),
        False,
        _nosec_lines(text),
        metrics,
    )
    visitor.tester.report_error = _error_recorder(source.rel, errors)
    try:
        if walk_tree:
            visitor.generic_visit(tree)
        # Tests that read the whole file rather than nodes (B613, trojan source).
        if file_tests and visitor.testset.get_tests("File"):
            visitor.context = {"file_data": visitor.fdata, "filename": visitor.fname, "lineno": 0, "linerange": [0, 1], "col_offset": 0}
            visitor.update_scores(visitor.tester.run_tests(visitor.context, "File"))
    except RecursionError:
        errors.append(FileError(source.rel, "too-deep", "nesting too deep for bandit's tests"))
        return []
    lines = split_lines(text) if visitor.tester.results else []  # most files have no issue
    findings = []
    seen: set[tuple[str, int, int]] = set()
    for issue in visitor.tester.results:
        rule = by_id.get(issue.test_id)
        if rule is None:
            continue
        line = int(issue.lineno or 1)
        column = max(int(issue.col_offset or 0), 0) + 1
        key = (rule.code, line, column)
        if key in seen:  # bandit reports an import-and-call blacklist hit once per node kind
            continue
        if not bandit_evidence.keep(issue.test_id, tree, line, column, source.kind is FileKind.PYTHON_MIGRATION):
            continue  # the code around the node shows it is something else (reviewer.bandit_evidence)
        seen.add(key)
        end_line = max([line, *[int(n) for n in (issue.linerange or []) if n]])
        end_column = int(getattr(issue, "end_col_offset", 0) or 0)
        if end_line == line and end_column < column:
            end_column = column
        report = Report(
            target=Location(line, column, end_line, max(end_column, 1)),
            # The text alone: every report already prints the code next to the message.
            message=" ".join(str(issue.text).split()).rstrip("."),
            severity=_SEVERITY.get(str(issue.severity), rule.severity),
            confidence=_CONFIDENCE.get(str(issue.confidence), rule.confidence),
            fix=rule.fix,
        )
        findings.append(make_finding(rule, report, source.rel, report.target, lines, config))
    return findings


def unlink(tree: ast.Module) -> None:
    """Drop the parent and sibling links `run`'s visitor put on the tree's nodes. Each is a
    reference cycle (and the shared `Load()` and `Store()` nodes would keep pointing into the
    tree): without them, the tree is freed as soon as the scan drops it, not at the next full
    garbage collection, which a scan makes rare (runner.collecting_less). A tree whose nodes
    bandit's visitor did not walk (its first node has no link) is left as it is."""
    first = tree.body[:1] or tree.type_ignores[:1]
    if not first or "_bandit_parent" not in first[0].__dict__:
        return
    for node in (*walk(tree), *_contexts()):
        attributes = node.__dict__
        attributes.pop("_bandit_parent", None)
        attributes.pop("_bandit_sibling", None)


@lru_cache(maxsize=None)
def _contexts() -> tuple[ast.AST, ...]:
    return shared_contexts()  # the visitor links them too; walk() does not reach them


def _file_tests_may_report(rules: Iterable[type[BanditTest]], text: str) -> bool:
    """Whether the whole-file tests among `rules` can report anything on `text`. The only one
    bandit ships, B613, reports a bidirectional control character (`file_characters`, read
    from bandit when its test list is built): it reads the file (the bytes bandit's tests get)
    line by line, looking for each character with an exception per miss. A file it decodes as
    UTF-8 (no other coding declared) holding none of those characters is skipped; any other
    whole-file test, or any doubt, runs as bandit runs it."""
    tests = [rule for rule in rules if "File" in rule.bandit_kinds]
    if not tests:
        return False
    if any(rule.file_characters is None for rule in tests):
        return True
    if any(character in text for rule in tests for character in rule.file_characters):  # type: ignore[union-attr]
        return True
    data = io.BytesIO(text.encode("utf-8", "surrogateescape"))
    try:
        encoding = tokenize.detect_encoding(data.readline)[0]
    except SyntaxError:
        return True
    return encoding not in ("utf-8", "utf-8-sig")


def _error_recorder(path: str, errors: list[FileError]):
    """Bandit swallows every exception a test raises; the per-file time limit must still stop
    the file, and a crashing test is reported like a crashing rule of ours."""
    from reviewer.bounds import timed_out

    def record(test, context, error) -> None:  # noqa: ARG001
        if timed_out(error):
            raise error
        errors.append(FileError(path, "rule-error", f"bandit {test} failed: {type(error).__name__}: {error}"))

    return record
