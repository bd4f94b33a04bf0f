"""Load rule packs by path, validate their metadata, and select rules by configuration.

The built-in pack is the `rules/` folder shipped beside this package (package data in the
wheel). It is never imported as a top-level `rules` package: django-rules owns that name.
User packs (`rule-packs:` in config) load the same way.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import json
import os
import re
import sys
import time
from dataclasses import dataclass, fields
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, ClassVar, Iterable, Mapping

from reviewer import bandit_bridge
from reviewer.cache import keep, read_kept
from reviewer.meta import META_RULES
from reviewer.model import CATEGORY_PREFIXES, Category, Confidence, FileKind, Severity
from reviewer.config import builtin_pack
from reviewer.needs import KeptNeeds, Needs, from_triggers
from reviewer.rule import ProjectRule, PythonRule, Rule, SqlRule

CODE = re.compile(r"^[A-Z]{2,5}\d{3}$")
# A code a rule may supersede: ours, or bandit's (B105).
ANY_CODE = re.compile(r"^[A-Z]{1,5}\d{3}$")
NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
# A summary is a table cell and SARIF's shortDescription: one line a reader takes in at once.
SUMMARY_MAX = 120


class RegistryError(Exception):
    """A rule pack that cannot be loaded or whose metadata is wrong."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


# Values of Rule.history (see reviewer/rule.py).
HISTORY_KINDS = ("", "live", "released")


def class_name_for(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def file_name_for(name: str) -> str:
    return name.replace("-", "_") + ".py"


def validate(rule: type[Rule], builtin: bool) -> list[str]:
    """Metadata problems of one rule class (empty when it is well-formed)."""
    problems = []
    if not CODE.match(rule.code):
        problems.append(f"code {rule.code!r} must be 2-5 capitals and 3 digits, like SQL001")
    if not NAME.match(rule.name):
        problems.append(f"name {rule.name!r} must be kebab-case")
    category = getattr(rule, "category", None)
    if not isinstance(category, Category):
        problems.append("category must be a reviewer.model.Category")
    elif builtin and not rule.code.startswith(CATEGORY_PREFIXES[category]):
        problems.append(f"code {rule.code} must start with {CATEGORY_PREFIXES[category]} for category {category.value}")
    if not isinstance(getattr(rule, "severity", None), Severity):
        problems.append("severity must be a reviewer.model.Severity")
    if not isinstance(rule.confidence, Confidence):
        problems.append("confidence must be a reviewer.model.Confidence")
    if rule.__name__ != class_name_for(rule.name):
        problems.append(f"class {rule.__name__} must be named {class_name_for(rule.name)} after its name")
    if rule.source_path and Path(rule.source_path).name != file_name_for(rule.name):
        problems.append(f"file {Path(rule.source_path).name} must be named {file_name_for(rule.name)}")
    summary = getattr(rule, "summary", "")
    if not isinstance(summary, str) or "\n" in summary.strip():
        problems.append("summary must be one line of text: what the rule finds")
    elif builtin and not summary.strip():
        problems.append("summary is empty: say in one line what the rule finds")
    elif len(summary.strip()) > SUMMARY_MAX:
        problems.append(f"summary is {len(summary.strip())} characters; keep it to one line of at most {SUMMARY_MAX}")
    for attribute in ("message", "fix"):
        if not getattr(rule, attribute).strip():
            problems.append(f"{attribute} is empty")
    if not rule.doc():
        problems.append("docstring (the rationale) is empty")
    if not rule.valid or not rule.invalid:
        problems.append("needs at least one valid and one invalid example")
    if not isinstance(rule.options, dict):
        problems.append("options must be a dict of option name -> default")
    else:
        problems.extend(_opt_in_option_problems(rule))
    if getattr(rule, "needs", None) is not None and not isinstance(rule.needs, Needs):
        problems.append("needs must be a reviewer.rule.Needs, or None to run on every file")
    if builtin and getattr(rule, "triggers", None):
        problems.append("triggers (pieces of text) are replaced by needs (reviewer.needs)")
    if not isinstance(rule.supersedes, tuple) or not all(isinstance(code, str) and ANY_CODE.match(code) for code in rule.supersedes):
        problems.append("supersedes must be a tuple of rule codes, like (\"B105\",)")
    if not isinstance(rule.project_level, bool) or not isinstance(rule.opt_in, bool):
        problems.append("project_level and opt_in must be True or False")
    if getattr(rule, "history", "") not in HISTORY_KINDS:
        problems.append(f"history must be one of {', '.join(repr(kind) for kind in HISTORY_KINDS)}")
    return problems


def _opt_in_option_problems(rule: type[Rule]) -> list[str]:
    """An opt-in sub-check is an option of the rule whose switched-on value differs from its
    default and has the default's type."""
    switches = getattr(rule, "opt_in_options", {})
    if not isinstance(switches, dict):
        return ["opt_in_options must be a dict of option name -> the value that switches the sub-check on"]
    problems = []
    for name, value in switches.items():
        if name not in rule.options:
            problems.append(f"opt_in_options names {name!r}, which is not in options")
        elif type(value) is not type(rule.options[name]) or value == rule.options[name]:
            problems.append(f"opt_in_options[{name!r}] must have the type of the option's default and differ from it")
    return problems


@dataclass(frozen=True)
class Registry:
    rules: tuple[type[Rule], ...]
    digest: str  # hash of every loaded pack's source, for the cache key

    def by_code(self) -> dict[str, type[Rule]]:
        return {rule.code: rule for rule in self.rules}

    def get(self, code: str) -> type[Rule] | None:
        return self.by_code().get(code.upper())

    def known(self, selector: str) -> bool:
        return bool(self.matching(selector))

    def matching(self, selector: str) -> list[type[Rule]]:
        """Rules a selector names: a code, a code prefix, a category name, or ALL."""
        return [rule for rule in self.rules if selector_matches(selector, rule)]


def selector_matches(selector: str, rule: type[Rule]) -> bool:
    text = selector.strip()
    if not text:
        return False
    if text.upper() == "ALL":
        return True
    if text.lower() in Category.names():
        return rule.category.value == text.lower()
    return rule.code.startswith(text.upper())


def load(packs: Iterable[Path | str] = (), listed: bool = False) -> Registry:
    """The built-in pack, the engine's meta rules, then each user pack, in order. With
    `listed`, the packs' rules come from the rule catalogue when it holds them (Listed: their
    modules load when a rule runs), and the catalogue is written when it does not."""
    packs = tuple(str(pack) for pack in packs)
    if listed:
        hasher = _hasher()
        for folder in _folders(packs):
            _pack_files(folder, hasher)
        registry = _from_catalogue(packs, hasher.hexdigest())
        if registry is None and not packs:
            registry = _from_shipped(hasher.hexdigest())
        if registry is not None:
            return registry
    loaded: list[type[Rule]] = [*META_RULES, *bandit_bridge.rules()]
    hasher = _hasher()
    seen: dict[str, str] = {rule.code: "reviewer (engine)" for rule in META_RULES}
    seen.update({rule.code: "bandit" for rule in bandit_bridge.rules()})
    by_pack: list[list[type[Rule]]] = []
    for index, pack in enumerate(_folders(packs)):
        builtin = index == 0
        by_pack.append([])
        for rule, source in _load_pack(pack, hasher):
            if not builtin and getattr(rule, "triggers", None) and getattr(rule, "needs", None) is None:
                rule.needs = from_triggers(tuple(rule.triggers))  # a pack written before `needs`
            problems = validate(rule, builtin)
            if problems:
                raise RegistryError(source, f"rule {rule.__name__}: " + "; ".join(problems))
            if rule.code in seen:
                raise RegistryError(source, f"rule code {rule.code} is already defined in {seen[rule.code]}")
            seen[rule.code] = source
            loaded.append(rule)
            by_pack[-1].append(rule)
    loaded.sort(key=lambda rule: rule.code)
    registry = Registry(tuple(loaded), hasher.hexdigest())
    if listed:
        _keep_catalogue(packs, by_pack, registry.digest)
    return registry


def _folders(packs: tuple[str, ...]) -> list[Path]:
    return [builtin_pack(), *map(Path, packs)]


def _hasher():
    hasher = hashlib.blake2b(digest_size=12)
    # Bandit's version keys the result cache: a new bandit may find other things.
    hasher.update(f"bandit {bandit_bridge.BANDIT_VERSION}".encode())
    return hasher


def _pack_files(pack: Path, hasher) -> list[Path]:
    """The rule modules of a pack, their names and content hashed into `hasher` (the registry's
    digest). The name too: the rule catalogue names each rule's module (catalogue_key)."""
    if not pack.is_dir():
        raise RegistryError(str(pack), "rule pack folder does not exist")
    files = sorted(path for path in pack.rglob("*.py") if not path.name.startswith("_"))
    hasher.update(b"\0pack")
    hasher.update(files_digest(str(pack), [(path.relative_to(pack).as_posix(), str(path)) for path in files]).encode())
    return files


# Where files_digest remembers the digests it made, by the files' os.stat identities.
DIGESTS_FOLDER = "source-digests"
# A file modified less than this long ago (ns) may be modified again within the same tick of
# its file system's clock, its size the same: its digest is not remembered (git's "racily
# clean" files). Two seconds covers file systems that keep whole seconds.
RACY_NS = 2_000_000_000


def files_digest(root: str, files: list[tuple[str, str]], env: Mapping[str, str] = os.environ) -> str:
    """Hash of the files (name relative to `root`, path), of each one's name and content, as
    the engine's and the rule packs' digests take them. Remembered in the user cache folder by
    the files' os.stat identities (inode, size, modification and change times in ns; what git
    judges a file unchanged by): a scan then stats the engine's and the built-in pack's ~190
    files instead of reading them, about 20 ms of a warm scan's 0.2 s. A file changed since
    has another identity, so another key; a memory that cannot be read is made again."""
    identity = hashlib.blake2b(f"{root}\0".encode("utf-8", "surrogateescape"), digest_size=16)
    newest = 0
    for rel, path in files:
        status = os.stat(path)
        newest = max(newest, status.st_mtime_ns, status.st_ctime_ns)
        identity.update(f"{rel}\0{status.st_ino} {status.st_size} {status.st_mtime_ns} {status.st_ctime_ns}\0".encode("utf-8", "surrogateescape"))
    key = identity.hexdigest()
    kept = read_kept(DIGESTS_FOLDER, key, env)
    if isinstance(kept, str) and re.fullmatch(r"[0-9a-f]{24}", kept):
        return kept
    hasher = hashlib.blake2b(digest_size=12)
    for rel, path in files:
        hasher.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        with open(path, "rb") as handle:
            hasher.update(handle.read())
    digest = hasher.hexdigest()
    if time.time_ns() - newest > RACY_NS:
        keep(DIGESTS_FOLDER, key, digest, env)
    return digest


# --------------------------------------------------------------------------------------------
# The rule catalogue

# What the catalogue keeps of a pack's rule: every attribute a scan and its reports read
# without running the rule (selection, options, cache keys, merging, scoring, reports), besides
# its kind, class name, docstring and file. A rule runs only as its loaded class
# (Rule.loaded: the engine calls it before analysing a file or running a project rule).
# tests/test_catalogue.py checks that each listed rule equals its class on all of them.
LISTED = (
    "code", "name", "category", "severity", "confidence", "summary", "message", "fix", "references",
    "options", "opt_in_options", "index_sections", "opt_in", "history", "in_tests", "file_kinds",
    "supersedes", "project_level", "fixes",
)
KINDS: dict[str, type[Rule]] = {"python": PythonRule, "sql": SqlRule, "project": ProjectRule}
ENUMS = {"category": Category, "severity": Severity, "confidence": Confidence}
CATALOGUE_LAYOUT = "catalogue-v3"
# The folder of the user cache the catalogue is kept in (reviewer.cache.keep).
CATALOGUE_FOLDER = "rule-catalogue"
PACKAGE = Path(__file__).resolve().parent
# The built-in pack's catalogue, shipped inside the package (written by `python -m
# reviewer.docgen`): a run with an empty user cache (a CI job, the first run after an
# install) reads it instead of importing every rule module, when its key is this code's.
SHIPPED_CATALOGUE = PACKAGE / "rule_catalogue.json"


class Listed:
    """A rule known from the rule catalogue: the class attributes of LISTED, without its
    module. `loaded()` imports the rule's own module (once per process) and returns the rule's
    class; creating an instance creates one of that class. A Python rule's needs under the
    settings of the default and the audit profiles are listed too (`needs_under`), and an
    SqlRule's `words`: a scan decides which rules a file needs without importing any rule
    module, and imports only those of the rules that run (their modules import libcst and
    sqlglot)."""

    pack: ClassVar[str] = ""
    # (settings, needs) as the rule's class gave them when the catalogue was written.
    listed_needs: ClassVar[tuple[tuple[dict[str, Any], Needs | None], ...]] = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls.loaded()(*args, **kwargs)

    @classmethod
    def loaded(cls) -> type[Rule]:
        for rule, _ in _load_module(Path(cls.pack), Path(cls.source_path)):  # type: ignore[attr-defined]
            if rule.code == cls.code:  # type: ignore[attr-defined]
                return rule
        raise RegistryError(cls.pack, f"rule {cls.code} of the rule catalogue is not in the pack")  # type: ignore[attr-defined]

    @classmethod
    def needs_under(cls, settings: Mapping[str, Any]) -> Needs | None:
        """The needs the catalogue lists for these settings; under others (options a
        configuration sets), the class's own answer."""
        for listed_settings, needs in cls.listed_needs:
            if listed_settings == settings:
                return needs
        return cls.loaded().needs_under(settings)  # type: ignore[attr-defined]


def catalogue_key(digest: str) -> str:
    """The key of the catalogue of the packs whose registry digest is `digest` (bandit's version
    and each pack's files, names and content: _pack_files): the catalogue's layout, reviewer's
    source (engine_digest) and that digest, which every scan makes anyway. A change to any of
    them is another key: the next run loads the rules and keeps the catalogue again. The
    shipped catalogue has the key of the built-in pack alone."""
    return hashlib.blake2b(f"{CATALOGUE_LAYOUT} {engine_digest()} {digest}".encode(), digest_size=12).hexdigest()


@lru_cache(maxsize=1)
def engine_digest() -> str:
    """Hash of the engine's own source, so results cached by other code are never reused
    (the version number alone does not change between development builds). The built-in
    pack, inside the package when installed (`rules/`), is left to the registry's digest: the
    same source hashes the same from a clone and from a wheel (catalogue_key)."""
    return files_digest(str(PACKAGE), sorted(_sources(str(PACKAGE), "")))


def _sources(folder: str, prefix: str) -> Iterable[tuple[str, str]]:
    """(path relative to the package, path) of each Python file of the package but the pack's
    (os.scandir: each scan hashes them, and pathlib's glob took a third of that)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if prefix or entry.name != "rules":
                    yield from _sources(entry.path, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".py"):
                yield prefix + entry.name, entry.path


def shipped_catalogue() -> str:
    """The text of SHIPPED_CATALOGUE for this code: the built-in pack's rules, imported."""
    hasher = _hasher()
    rules = [rule for rule, _ in _load_pack(builtin_pack(), hasher)]
    entries = [describe(rule, builtin_pack()) for rule in sorted(rules, key=lambda rule: rule.code)]
    value = {"key": catalogue_key(hasher.hexdigest()), "layout": CATALOGUE_LAYOUT, "packs": [entries]}
    return json.dumps(value, indent=1, sort_keys=True) + "\n"


def describe(rule: type[Rule], pack: Path) -> dict[str, Any]:
    """A pack's rule as the catalogue keeps it (plain JSON; listed() rebuilds it). Its file is
    named relative to the `pack` folder, so that a catalogue does not depend on where the
    package is installed."""
    kinds = [name for name, base in KINDS.items() if issubclass(rule, base)]
    source = Path(rule.source_path).resolve().relative_to(pack.resolve()).as_posix()
    entry: dict[str, Any] = {"kinds": kinds, "class": rule.__name__, "doc": rule.__doc__ or "", "source_path": source}
    for name in LISTED:
        value = getattr(rule, name)
        if name in ENUMS:
            value = value.value
        elif name == "file_kinds":
            value = sorted(kind.value for kind in value)
        entry[name] = value
    if issubclass(rule, PythonRule):
        entry["needs"] = _listed_needs(rule)
    if issubclass(rule, SqlRule):
        entry["words"] = rule.words
    return entry


def _listed_needs(rule: type[PythonRule]) -> list[list[Any]]:
    """The rule's needs under the settings of the default and the audit profiles, as [settings,
    needs] pairs; a pair whose needs have no catalogue form (a test that is not a module-level
    function of an importable module) is left out, and is asked of the class."""
    pairs: list[list[Any]] = []
    for settings in ({**rule.options}, {**rule.options, **rule.opt_in_options}):
        try:
            pair = [settings, needs_to_json(rule.needs_under(settings))]
        except ValueError:
            continue
        if pair not in pairs:
            pairs.append(pair)
    return pairs


def needs_to_json(needs: Needs | None) -> dict[str, Any] | None:
    """The catalogue's form of a rule's needs: their fields, the combinations nested, a test
    (and a project condition) named by where it is defined (`module:name`, or a partial of
    such a function over data or other functions). ValueError
    when a test cannot be named so (a lambda, a rule module's own function: the pack's modules
    are not importable by name)."""
    if needs is None:
        return None
    data: dict[str, Any] = {}
    for spec in fields(Needs):
        value = getattr(needs, spec.name)
        if value == spec.default:
            continue
        if spec.name in ("either", "every"):
            data[spec.name] = [needs_to_json(need) for need in value]
        elif spec.name in ("test", "project"):
            data[spec.name] = _callable_to_json(value)
        else:
            data[spec.name] = value
    return data


def needs_from_json(data: Mapping[str, Any] | None) -> Needs | None:
    if data is None:
        return None
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in ("either", "every"):
            values[name] = tuple(needs_from_json(need) for need in value)
        elif name in ("test", "project"):
            values[name] = _callable_from_json(value)
        elif isinstance(value, list):
            values[name] = tuple(value)
        else:
            values[name] = value
    return Needs(**values)


def _callable_to_json(function: Any) -> Any:
    if isinstance(function, partial) and not function.keywords:
        return {"partial": [_callable_to_json(function.func), *map(_argument_to_json, function.args)]}
    module, name = getattr(function, "__module__", None), getattr(function, "__qualname__", None)
    if not module or not name or importlib.util.find_spec(module) is None or _named_object(f"{module}:{name}") is not function:
        raise ValueError(f"{function!r} is not a module-level function of an importable module")
    return f"{module}:{name}"


def _argument_to_json(value: Any) -> Any:
    """A partial's argument: a function (as _callable_to_json), or data made of strings,
    numbers, None, tuples and frozensets (`partial(untimed_call, (("get", None), ...))`),
    tagged so that it reads back as the same type."""
    if value is None or isinstance(value, (str, int, float)):
        return {"value": value}
    if isinstance(value, tuple):
        return {"tuple": [_argument_to_json(item) for item in value]}
    if isinstance(value, frozenset):
        items = [_argument_to_json(item) for item in value]
        return {"frozenset": sorted(items, key=lambda item: json.dumps(item, sort_keys=True))}
    return _callable_to_json(value)


def _callable_from_json(data: Any) -> Any:
    if isinstance(data, dict):
        if "partial" in data:
            function, *arguments = data["partial"]
            return partial(_callable_from_json(function), *map(_callable_from_json, arguments))
        if "value" in data:
            return data["value"]
        if "tuple" in data:
            return tuple(map(_callable_from_json, data["tuple"]))
        return frozenset(map(_callable_from_json, data["frozenset"]))
    return _named_object(data)


def _named_object(reference: str) -> Any:
    module, _, name = reference.partition(":")
    found: Any = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part, None)
    return found


def listed(entry: Mapping[str, Any], pack: Path) -> type[Rule]:
    """The rule a catalogue entry describes, as a Listed class of its kinds (a rule may be a
    PythonRule and an SqlRule)."""
    attributes: dict[str, Any] = {
        "__doc__": entry["doc"] or None, "__module__": __name__, "source_path": str(pack / entry["source_path"]), "pack": str(pack),
    }
    for name in LISTED:
        value = entry[name]
        if name in ENUMS:
            value = ENUMS[name](value)
        elif name == "file_kinds":
            value = frozenset(FileKind(kind) for kind in value)
        else:
            value = _tuples(value)
        attributes[name] = value
    if "needs" in entry:  # decoded when a file's check first asks (needs_under); else the rule's own
        attributes["listed_needs"] = KeptNeeds(entry["needs"], _needs_pairs_from_json, lambda rule: ())
    if "words" in entry:
        attributes["words"] = _tuples(entry["words"])
    return type(entry["class"], (Listed, *(KINDS[kind] for kind in entry["kinds"])), attributes)


def _needs_pairs_from_json(pairs: Any) -> tuple[tuple[dict[str, Any], Needs | None], ...]:
    """Listed.listed_needs from the catalogue's [[settings, needs], ...]."""
    return tuple((_tuples(settings), needs_from_json(needs)) for settings, needs in pairs)


def _tuples(value: Any) -> Any:
    """A JSON value with its lists as tuples, as rule metadata spell them."""
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    if isinstance(value, dict):
        return {key: _tuples(item) for key, item in value.items()}
    return value


def _keep_catalogue(packs: tuple[str, ...], by_pack: list[list[type[Rule]]], digest: str, env: Mapping[str, str] = os.environ) -> None:
    """Keep each pack's rules for the next run (not when a value is not plain JSON)."""
    try:
        described = [[describe(rule, folder) for rule in rules] for folder, rules in zip(_folders(packs), by_pack)]
        keep(CATALOGUE_FOLDER, catalogue_key(digest), {"packs": described}, env)
    except (TypeError, ValueError):
        pass  # an option default that JSON cannot hold: the rules load on every run


def _from_catalogue(packs: tuple[str, ...], digest: str, env: Mapping[str, str] = os.environ) -> Registry | None:
    """The registry from the kept catalogue of these packs (whose registry digest is `digest`),
    when there is one of their key."""
    return _listed_registry(packs, read_kept(CATALOGUE_FOLDER, catalogue_key(digest), env), digest)


def _from_shipped(digest: str, env: Mapping[str, str] = os.environ) -> Registry | None:
    """The registry of the built-in pack alone (whose registry digest is `digest`) from
    SHIPPED_CATALOGUE, when its key is this code's (catalogue_key); it is then kept in the
    user cache, where the next run finds it."""
    try:
        shipped = json.loads(SHIPPED_CATALOGUE.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(shipped, dict) or shipped.get("key") != catalogue_key(digest):
        return None  # another code's catalogue (a stale file, an edited rule): the rules load
    registry = _listed_registry((), shipped, digest)
    if registry is not None:
        keep(CATALOGUE_FOLDER, catalogue_key(digest), {"packs": shipped["packs"]}, env)
    return registry


def _listed_registry(packs: tuple[str, ...], kept: Any, digest: str) -> Registry | None:
    """The registry of a catalogue's `packs` entries (one list per folder of _folders), the
    registry's `digest` made by the caller; None when they are not ones this version writes."""
    folders = _folders(packs)
    if not isinstance(kept, dict) or not isinstance(kept.get("packs"), list) or len(kept["packs"]) != len(folders):
        return None
    rules: list[type[Rule]] = [*META_RULES, *bandit_bridge.rules()]
    try:
        for folder, entries in zip(folders, kept["packs"]):
            rules.extend(listed(entry, folder) for entry in entries)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # not a catalogue this version writes: the rules load, and it is written again
    rules.sort(key=lambda rule: rule.code)
    return Registry(tuple(rules), digest)


_PACK_CACHE: dict[str, list[tuple[type[Rule], str]]] = {}
# The rules of each rule module imported, by the module's path.
_MODULE_CACHE: dict[str, list[tuple[type[Rule], str]]] = {}


def _load_pack(pack: Path, hasher=None) -> list[tuple[type[Rule], str]]:
    """The rules of a pack, its modules imported once per process; with a `hasher`, its files
    are hashed into it (the registry's digest) each time."""
    key = str(pack.resolve())
    if key in _PACK_CACHE:
        if hasher is not None:
            _pack_files(pack, hasher)
        return _PACK_CACHE[key]
    found = [rule for path in _pack_files(pack, hasher or hashlib.blake2b()) for rule in _load_module(pack, path)]
    _PACK_CACHE[key] = found
    return found


def _load_module(pack: Path, path: Path) -> list[tuple[type[Rule], str]]:
    """The rules of one module of a pack, imported once per process (under the same name
    whether its pack is loaded whole or the module alone: Listed.loaded)."""
    resolved = path.resolve()
    if str(resolved) in _MODULE_CACHE:
        return _MODULE_CACHE[str(resolved)]
    key = str(pack.resolve())
    package = "reviewer_pack_" + hashlib.blake2b(key.encode(), digest_size=6).hexdigest()
    module_name = f"{package}.{'.'.join(resolved.relative_to(key).with_suffix('').parts)}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise RegistryError(str(path), "cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001 - any error in a pack is the pack's
        sys.modules.pop(module_name, None)
        raise RegistryError(str(path), f"failed to load: {type(error).__name__}: {error}") from None
    found: list[tuple[type[Rule], str]] = []
    for _, value in inspect.getmembers(module, inspect.isclass):
        if (
            issubclass(value, (PythonRule, SqlRule, ProjectRule))
            and value.__module__ == module_name
            and value.code
        ):
            value.source_path = str(path)
            found.append((value, str(path)))
    _MODULE_CACHE[str(resolved)] = found
    return found


def ignored_codes(registry: Registry, ignore: Iterable[str]) -> set[str]:
    """The codes of the rules the `ignore` selectors name."""
    return {rule.code for selector in ignore for rule in registry.matching(selector)}


def select(
    registry: Registry, select: Iterable[str], ignore: Iterable[str], profile: str = "default"
) -> list[type[Rule]]:
    """Enabled rules: those `select` names (all rules of the profile when it is empty), minus
    those `ignore` names. The `default` profile leaves out opt-in rules unless `select` names
    them by their exact code; the `audit` profile adds every opt-in rule to the set."""
    select = [s for s in select if s.strip()]
    ignored = ignored_codes(registry, ignore)
    audit = profile == "audit"
    if select:
        chosen: dict[str, type[Rule]] = {}
        for selector in select:
            for rule in registry.matching(selector):
                if rule.opt_in and not audit and selector.strip().upper() != rule.code:
                    continue
                chosen[rule.code] = rule
        candidates = list(chosen.values())
    else:
        candidates = [rule for rule in registry.rules if audit or not rule.opt_in]
    return sorted((rule for rule in candidates if rule.code not in ignored), key=lambda rule: rule.code)
