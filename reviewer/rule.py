"""The rule framework: PythonRule (libcst), SqlRule (sqlglot), ProjectRule (project index).

A rule is one class whose metadata are class attributes. It observes and reports; the engine
owns parsing, configuration, suppressions, scoring and output. A rule instance lives for one
file (or one project pass), so rules cannot carry state between files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Mapping, Union


from reviewer.model import Category, Confidence, FileKind, Severity
from reviewer.needs import Needs

if TYPE_CHECKING:  # pragma: no cover
    from sqlglot import exp

    from reviewer.config import Config
    from reviewer.context import FileContext
    from reviewer.index import ProjectIndex
    from reviewer.sql.sqltext import SqlStatement


@dataclass(frozen=True)
class Example:
    """A code sample of a rule. `path` places it in a project (e.g. a migrations folder);
    `lines`, for an invalid example, are the lines the rule must flag (all of them, no more)."""

    code: str
    path: str = ""
    lines: tuple[int, ...] = ()
    note: str = ""
    # For an invalid example of a rule with fixes: the example's code after `reviewer fix
    # --unsafe-fixes` applied this rule's fixes (Fixit's `expected_replacement`).
    fixed: str | None = None
    # Extra files of the example's project (path -> code), for project-level and cross-file
    # rules; findings are still expected in the example's own file only.
    files: tuple[tuple[str, str], ...] = ()
    # The rule's options for this example, as a user sets them under `options: {CODE: {...}}`
    # (an opt-in sub-check's examples switch it on here).
    options: Mapping[str, Any] = field(default_factory=dict)


ExampleLike = Union[str, Example]


@dataclass(frozen=True)
class Change:
    """One edit a rule proposes. `target` is a libcst node of the file being checked (replaced
    whole; `replacement` is code, or a libcst node rendered with the file's own formatting), or
    a placed reviewer.model.Edit (SQL text, another file), whose own replacement is used."""

    target: Any
    replacement: Any = ""


@dataclass(frozen=True)
class Autofix:
    """The fix a rule attaches to a finding: its changes are applied together or not at all.
    `safe` means behaviour is kept; an unsafe fix is applied only with `--unsafe-fixes`."""

    description: str
    changes: tuple[Change, ...]
    safe: bool = False
    # The libcst tree the node targets belong to, when it is not the tree of the file being
    # checked (a project rule parses the file it fixes).
    module: Any = None


def as_example(sample: ExampleLike) -> Example:
    return sample if isinstance(sample, Example) else Example(sample)


@dataclass(frozen=True)
class Report:
    """What a rule hands the engine: a node or a location, plus what differs from its defaults."""

    target: Any  # a libcst node, a sqlglot node, or a Location
    message: str
    severity: Severity
    confidence: Confidence
    fix: str
    path: str = ""  # project rules name the file they report into
    # What operation the finding is about (e.g. "AddField order.customer"), when the rule can
    # name it: findings of one file with the same operation merge into one (reviewer.merge).
    operation: str = ""
    autofix: Autofix | None = None


class Rule:
    """Metadata and reporting shared by every kind of rule."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    category: ClassVar[Category]
    severity: ClassVar[Severity]
    confidence: ClassVar[Confidence] = Confidence.HIGH
    # What the rule finds, in one line: the rule tables, `reviewer rules` and SARIF's
    # shortDescription show it. Built-in rules must set it; a pack rule without it shows its
    # docstring's first paragraph (see one_line).
    summary: ClassVar[str] = ""
    message: ClassVar[str] = ""
    fix: ClassVar[str] = ""
    references: ClassVar[tuple[str, ...]] = ()
    seed: ClassVar[str] = ""
    valid: ClassVar[tuple[ExampleLike, ...]] = ()
    invalid: ClassVar[tuple[ExampleLike, ...]] = ()
    # Option name -> default. The user sets them under `options: {CODE: {...}}`; the type of
    # the default is the type a user value must have.
    options: ClassVar[dict[str, Any]] = {}
    # Opt-in sub-checks: option name -> the value that switches the sub-check on (its default
    # in `options` leaves it off). `--profile audit` sets these values; a user sets the option
    # under `options: {CODE: {...}}`, which wins over the profile.
    opt_in_options: ClassVar[dict[str, Any]] = {}
    # Project-index sections the rule reads; their digests key the result cache.
    index_sections: ClassVar[tuple[str, ...]] = ()
    # Opt-in rules run only when selected by their exact code.
    opt_in: ClassVar[bool] = False
    # Migration rules: what happens to findings on migrations that can no longer change
    # (reviewer/migrations/history.py summarises them instead of listing them). "live": lock safety and
    # backward compatibility, harm that needs a populated database serving traffic, so released
    # and squashed migrations are summarised; "released": released migrations are summarised,
    # squashed ones still listed (the problem holds on an empty database too); "": always listed.
    history: ClassVar[str] = ""
    # Whether the rule also runs on code that is not deployed: test code (tests/, test_*.py,
    # *_test.py, conftest.py) and top-level developer tooling (discovery.Deployment.not_deployed).
    in_tests: ClassVar[bool] = False
    # Which files the rule looks at.
    file_kinds: ClassVar[frozenset[FileKind]] = frozenset(FileKind)
    # Codes (ours or bandit's, e.g. B105) this rule covers more precisely: a finding of one of
    # them on a line this rule reported merges into this rule's finding (reviewer.merge).
    supersedes: ClassVar[tuple[str, ...]] = ()
    # Whether the rule reports facts about the whole project (no health check, no API
    # versioning), anchored where the fix belongs: the engine keeps one finding per rule and
    # message, and never merges it with another rule's finding on the same span.
    project_level: ClassVar[bool] = False
    # Whether the rule attaches fixes to (some of) its findings, and of which kind:
    # "safe", "unsafe" or "safe, unsafe" (docs/fixes.md and `reviewer rules` list it).
    fixes: ClassVar[str] = ""
    # Set by the engine when the rule pack is loaded: where the rule came from.
    source_path: ClassVar[str] = ""

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.settings: dict[str, Any] = {**self.options, **(settings or {})}
        self.reports: list[Report] = []

    @classmethod
    def needs_under(cls, settings: Mapping[str, Any]) -> Needs | None:
        """What a file must hold for the rule to run on it, under the rule's settings in the
        scan (`options` merged with `settings_from`): a sub-check that an option switches on
        may need more than the rule does without it. `needs`, unless a rule says otherwise."""
        return cls.needs

    @classmethod
    def settings_from(cls, config: "Config") -> dict[str, Any]:
        """The rule's settings in a scan: the profile's opt-in sub-checks (under `audit`),
        then the user's options (`__init__` puts the defaults under both)."""
        switched_on = cls.opt_in_options if config.profile == "audit" else {}
        return {**switched_on, **config.options_for(cls.code)}

    @classmethod
    def loaded(cls) -> type["Rule"]:
        """The class that runs the rule: the rule itself (a rule known from the rule
        catalogue, reviewer.registry.Listed, loads its module here)."""
        return cls

    @classmethod
    def doc(cls) -> str:
        """The rationale: the class docstring, dedented."""
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def one_line(cls) -> str:
        """The rule's one-line summary: its `summary`, else (a rule pack's rule written before
        the field existed) its docstring's first paragraph on one line, never cut."""
        if cls.summary.strip():
            return cls.summary.strip()
        return " ".join(cls.doc().split("\n\n")[0].split())

    def report(
        self,
        target: Any,
        message: str | None = None,
        *,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
        fix: str | None = None,
        path: str = "",
        operation: str = "",
        autofix: Autofix | None = None,
        **fields: Any,
    ) -> None:
        """Record a finding at `target`. `message` and `fix` default to the rule's own. The
        message's `{placeholders}` are filled from `fields`, as is the default fix's; a fix
        passed here is taken as written (it may show code with braces). `operation` names
        the operation the finding is about, for merging (see reviewer.merge)."""
        text = (message if message is not None else self.message).format(**fields)
        advice = fix if fix is not None else self.fix
        if fix is None and fields:
            advice = advice.format(**fields)
        self.reports.append(
            Report(
                target=target,
                message=text,
                severity=severity or self.severity,
                confidence=confidence or self.confidence,
                fix=advice,
                path=path,
                operation=operation,
                autofix=autofix,
            )
        )


_QUOTED = re.compile(r'"([^"]+)"')


def checklist_items(seed: str) -> tuple[str, ...]:
    """The checklist lines a rule's `seed` quotes, without their ids: `S1:75` points into the
    project's own checklist files, which users do not have."""
    return tuple(dict.fromkeys(text.strip() for text in _QUOTED.findall(seed) if text.strip()))


class PythonRule(Rule):
    """A libcst rule. Define `visit_<Node>` / `leave_<Node>` methods as on a libcst visitor;
    the engine runs every Python rule of a file in one batched visit, so a rule cannot prune
    the walk (return values are ignored). `needs` says which facts of a file's code make the
    rule worth running on it (reviewer.needs); None, the default, runs it on every file."""

    needs: ClassVar[Needs | None] = None
    file_kinds: ClassVar[frozenset[FileKind]] = frozenset({FileKind.PYTHON, FileKind.PYTHON_MIGRATION})

    def __init__(self, context: "FileContext", settings: dict[str, Any] | None = None) -> None:
        super().__init__(settings)
        self.context = context

    def finish(self) -> None:
        """Called once after the visit, for rules that decide at the end of the file."""


class SqlRule(Rule):
    """A sqlglot rule. `check` sees every parsed SQL statement of the scan: statements of
    `.sql` files and SQL lifted from Python strings that reach a database call (a Python file
    is parsed for them only when its code can reach one: reviewer.sql.sinks.SINK_NEEDS)."""

    # Rules that also want the statements of `.sql` files that do not parse set this; the
    # engine then calls `check_unparsed` for them instead of listing the file under `errors`.
    sees_unparsed: ClassVar[bool] = False
    # Words one of which a statement's text must hold, as sqlglot reads it (in upper case), for
    # the rule to report anything on it (SQL007: `RAND`), or phrases of tokens (SQL004: `=NULL`,
    # `NULL<>`...); None when any statement can do. Only an exact list: a Python file whose
    # lifted SQL cannot spell one is not parsed with libcst for the rule (reviewer.sql.words).
    words: ClassVar[tuple[str, ...] | None] = None

    def __init__(self, settings: dict[str, Any] | None = None, index: "ProjectIndex | None" = None) -> None:
        super().__init__(settings)
        # The project index as the file sees it (its root's sections); the sections a rule
        # reads must be named in `index_sections`. None where no index was built.
        self.index = index

    def check(self, statement: "exp.Expression", source: "SqlStatement") -> None:
        raise NotImplementedError

    def check_unparsed(self, source: "SqlStatement", error: str) -> None:
        """A statement of a `.sql` file that does not parse; `error` is the parser's message."""


class ProjectRule(Rule):
    """A rule over the project index (facts that span files). Report with `path=` set."""

    def check(self, index: "ProjectIndex") -> None:
        raise NotImplementedError


