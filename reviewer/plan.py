"""What the engine knows of a file's check without parsing the file: the plan (the rules to
run and the settings that shape findings), a file's result as the cache keeps it, reading a
file's text, and the finding of a rule's report.

A warm scan, whose every file's result and the project rules' results come from the cache,
needs this module and none of reviewer.analyse, which parses (libcst, sqlglot): the runner
imports that one where it analyses a file."""

from __future__ import annotations

import io
import os
import stat
import tokenize
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewer.config import Config, builtin_pack
from reviewer.discovery import Deployment, SourceFile
from reviewer.index import ProjectIndex
from reviewer.model import FileError, Finding, Fix, Location, severity_for_confidence
from reviewer.needs import FileFacts, Needs
from reviewer.registry import selector_matches
from reviewer.rule import PythonRule, Report, Rule, SqlRule
from reviewer.sql.sinks import SINK_NEEDS
from reviewer.suppress import Directive

if TYPE_CHECKING:
    import pathspec

BINARY_SNIFF = 8192


@dataclass
class FileResult:
    path: str
    lines: int = 0
    findings: list[Finding] = field(default_factory=list)
    directives: list[Directive] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    # Bandit's tests applied to the file but did not run: its syntax is newer than the
    # interpreter's `ast` (reviewer.parsing); the report gives the count once.
    bandit_skipped: bool = False

    def to_cache(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "lines": self.lines,
            "findings": [finding.to_cache() for finding in self.findings],
            "directives": [directive.to_cache() for directive in self.directives],
            "errors": [error.to_dict() for error in self.errors],
            "bandit_skipped": self.bandit_skipped,
        }

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> "FileResult":
        return cls(
            path=data["path"],
            lines=data["lines"],
            findings=[Finding.from_cache(item) for item in data["findings"]],
            directives=[Directive.from_cache(item) for item in data["directives"]],
            errors=[FileError(**item) for item in data["errors"]],
            bandit_skipped=data["bandit_skipped"],
        )


@dataclass(frozen=True)
class Plan:
    """What to run on each file: the enabled rules and the settings that shape findings."""

    config: Config
    python_rules: tuple[type[PythonRule], ...]
    sql_rules: tuple[type[SqlRule], ...]
    # None in the index worker, which runs only the `ast` stage of the check (ast_pass).
    index: ProjectIndex | None = None

    def rules_for(
        self, source: SourceFile, facts: FileFacts | None = None
    ) -> tuple[list[type[PythonRule]], list[type[SqlRule]]]:
        """The rules that apply to the file (its kind, deployed or not: discovery.Deployment,
        `per-path-ignores`), and
        with the `facts` of a Python file's code, only those whose needs it meets
        (reviewer.needs): SqlRules only when a call of the file can be a SQL sink."""
        selectors = path_ignores(self.config, source.rel)
        test = self._deployment.not_deployed(source.rel)

        def applies(rule: type[Rule]) -> bool:
            return not _named(selectors, rule) and source.kind in rule.file_kinds and (rule.in_tests or not test)

        python = [rule for rule in self.python_rules if applies(rule)]
        sql = [rule for rule in self.sql_rules if applies(rule)]
        if facts is not None:
            needs = self._needs
            python = [rule for rule in python if needs[rule] is None or needs[rule].met_by(facts)]
            if sql and not SINK_NEEDS.met_by(facts):
                sql = []
        return python, sql

    def needs_of(self, rule: type[PythonRule]) -> Needs | None:
        """The rule's needs under its settings in this scan (Rule.needs_under)."""
        return self._needs.get(rule)

    @cached_property
    def _deployment(self) -> Deployment:
        return Deployment.of(self.config)

    @cached_property
    def _needs(self) -> dict[type[PythonRule], Needs | None]:
        """Each Python rule's needs under its settings in this scan (Rule.needs_under; a rule
        known from the rule catalogue gives them without its module: reviewer.registry.Listed)."""
        return {rule: rule.needs_under({**rule.options, **rule.settings_from(self.config)}) for rule in self.python_rules}


def path_ignores(config: Config, path: str) -> list[str]:
    """Selectors that `per-path-ignores` switch off for `path`."""
    selectors: list[str] = []
    path = config.scan_prefix + path
    for glob, codes in config.per_path_ignores:
        if _glob(glob).match_file(path):
            selectors.extend(codes)
    return selectors


@lru_cache(maxsize=256)
def _glob(pattern: str) -> pathspec.PathSpec:
    import pathspec  # only with `per-path-ignores` (reviewer.discovery: pathspec where it matches)

    return pathspec.PathSpec.from_lines("gitignore", [pattern])


def _named(selectors: list[str], rule: type[Rule]) -> bool:
    return any(selector_matches(selector, rule) for selector in selectors)


def internal_error(path: str, error: BaseException) -> FileError:
    """An unexpected exception while analysing one file (a bug of ours or of a parser). The
    message names the innermost line of the engine or a rule pack that the exception passed
    through, first, so that a long exception text (a libcst node's repr) cannot cut it off."""
    detail = " ".join(f"{type(error).__name__}: {error}".split())
    where = raised_at(error)
    at = f" at {where}" if where else ""
    return FileError(path, "internal-error", f"analysis failed{at}, the findings listed for it are incomplete ({detail[:200]})")


@lru_cache(maxsize=1)
def _engine_folders() -> tuple[str, ...]:
    """The folders of this engine's source: the reviewer package and its built-in rule pack."""
    return tuple(str(folder) for folder in (Path(__file__).resolve().parent, builtin_pack().resolve()))


def raised_at(error: BaseException) -> str:
    """`folder/module.py:line` of the innermost frame of `error`'s traceback in this engine's
    source (the reviewer package or its built-in rules); "" when no frame is."""
    found = ""
    frame = error.__traceback__
    while frame is not None:
        filename = frame.tb_frame.f_code.co_filename
        for folder in _engine_folders():
            if filename.startswith(folder + os.sep):
                relative = os.path.relpath(filename, os.path.dirname(folder)).replace(os.sep, "/")
                found = f"{relative}:{frame.tb_lineno}"
        frame = frame.tb_next
    return found


def read_text(source: SourceFile, config: Config, result: FileResult) -> str | None:
    path = source.path
    if path.is_symlink() and not path.exists():
        result.errors.append(FileError(source.rel, "broken-symlink", f"symlink to {_readlink(path)} which does not exist"))
        return None
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            # A FIFO or a device would block or never end.
            result.errors.append(FileError(source.rel, "unreadable", "not a regular file"))
            return None
        size = status.st_size
        if size > config.max_file_size:
            result.errors.append(
                FileError(
                    source.rel,
                    "too-large",
                    f"{size / 1_000_000:.1f} MB is above max-file-size ({config.max_file_size / 1_000_000:.1f} MB)",
                )
            )
            return None
        data = path.read_bytes()
    except PermissionError:
        result.errors.append(FileError(source.rel, "unreadable", "permission denied"))
        return None
    except OSError as error:
        result.errors.append(FileError(source.rel, "unreadable", error.strerror or str(error)))
        return None
    if b"\0" in data[:BINARY_SNIFF]:
        result.errors.append(FileError(source.rel, "binary", "contains NUL bytes; not a text file"))
        return None
    encoding = "utf-8-sig"
    if source.kind.is_python:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as error:
            result.errors.append(FileError(source.rel, "encoding", str(error)))
            return None
    try:
        text = data.decode(encoding)
    except (UnicodeError, LookupError) as error:
        # UnicodeError, not only UnicodeDecodeError: codecs such as `undefined` and `punycode`
        # raise the base class.
        if isinstance(error, UnicodeDecodeError):
            detail = f"not valid {encoding}: {error.reason} at byte {error.start}"
        else:
            detail = f"cannot decode as {encoding}: " + " ".join(str(error).split())[:200]
        result.errors.append(FileError(source.rel, "encoding", detail))
        return None
    return text.lstrip("\ufeff")


def _readlink(path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def make_finding(
    rule: type[Rule],
    report: Report,
    path: str,
    location: Location,
    lines: list[str],
    config: Config,
    operation: str = "",
    autofix: Fix | None = None,
) -> Finding:
    """The finding of a report; `operation` is the engine's key for what it is about (a SQL
    statement) when the rule named none."""
    severity = severity_for_confidence(config.severity_map.get(rule.code, report.severity), report.confidence)
    line_text = lines[location.line - 1] if 0 < location.line <= len(lines) else ""
    return Finding(
        rule=rule.code,
        name=rule.name,
        category=rule.category,
        severity=severity,
        confidence=report.confidence,
        path=report.path or path,
        location=location,
        message=report.message,
        fix=report.fix,
        context=" ".join(line_text.split()),
        operation=report.operation or operation,
        autofix=autofix,
    )
