"""Plain data shared by every stage: severities, confidences, categories, findings, errors."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable


class _Ranked(enum.Enum):
    """An enum whose members are ordered by declaration and spelled in lower case."""

    @property
    def rank(self) -> int:
        return list(type(self)).index(self)

    def __lt__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank < other.rank  # type: ignore[attr-defined]

    def __le__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank <= other.rank  # type: ignore[attr-defined]

    def __gt__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank > other.rank  # type: ignore[attr-defined]

    def __ge__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank >= other.rank  # type: ignore[attr-defined]

    def __str__(self) -> str:
        return self.value

    @classmethod
    def names(cls) -> list[str]:
        return [member.value for member in cls]

    @classmethod
    def parse(cls, text: str):
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"{text!r} is not one of {', '.join(cls.names())}") from None


class Severity(_Ranked):
    """Harm if the finding is true."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Confidence(_Ranked):
    """How sure the rule is that the finding is true."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


def severity_for_confidence(severity: Severity, confidence: Confidence) -> Severity:
    """A critical finding needs high confidence: a less sure one is reported as high. Applies
    to every finding, after the config's severity overrides."""
    if severity is Severity.CRITICAL and confidence is not Confidence.HIGH:
        return Severity.HIGH
    return severity


class Category(_Ranked):
    """Scored categories; each owns a rule-code prefix. META is the engine's own (suppressions)."""

    SQL = "sql"
    ORM = "orm"
    MIGRATIONS = "migrations"
    API = "api"
    SECURITY = "security"
    OPS = "ops"
    META = "meta"

    @property
    def prefix(self) -> str:
        return CATEGORY_PREFIXES[self]

    @classmethod
    def scored(cls) -> list["Category"]:
        return [category for category in cls if category is not cls.META]


CATEGORY_PREFIXES = {
    Category.SQL: "SQL",
    Category.ORM: "ORM",
    Category.MIGRATIONS: "MIG",
    Category.API: "API",
    Category.SECURITY: "SEC",
    Category.OPS: "OPS",
    Category.META: "RVW",
}


class FileKind(_Ranked):
    """What discovery decided a file is."""

    PYTHON = "python"
    PYTHON_MIGRATION = "python-migration"
    SQL = "sql"
    SQL_MIGRATION = "sql-migration"

    @property
    def is_python(self) -> bool:
        return self in (FileKind.PYTHON, FileKind.PYTHON_MIGRATION)

    @property
    def is_sql(self) -> bool:
        return self in (FileKind.SQL, FileKind.SQL_MIGRATION)


@dataclass(frozen=True, order=True)
class Location:
    """A span in a file. Lines and columns are 1-based; `end_column` is the column of the
    span's last character (inclusive), so a one-character span has end_column == column."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Edit:
    """One text replacement of a fix. Lines and columns are 1-based character positions; the
    end is exclusive (the first character kept), so an insertion has start == end. `path` is
    relative to the scanned root, like a finding's."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    replacement: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Fix:
    """A mechanical fix of a finding: edits applied together, possibly in several files.
    `safe` fixes keep behaviour (`reviewer fix` applies them); unsafe ones change it or need a
    review (`--unsafe-fixes`)."""

    description: str
    safe: bool
    edits: tuple[Edit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"description": self.description, "safe": self.safe, "edits": [edit.to_dict() for edit in self.edits]}

    def moved(self, path_of: Callable[[str], str]) -> "Fix":
        """The fix with each file's path mapped by `path_of` (reviewer.gitdiff.with_path_prefix)."""
        return replace(self, edits=tuple(replace(edit, path=path_of(edit.path)) for edit in self.edits))

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Fix | None":
        if not data:
            return None
        return cls(data["description"], data["safe"], tuple(Edit(**edit) for edit in data["edits"]))


@dataclass(frozen=True)
class Finding:
    """One reported problem, after overrides, ready for suppression, scoring and output."""

    rule: str
    name: str
    category: Category
    severity: Severity
    confidence: Confidence
    path: str
    location: Location
    message: str
    fix: str
    fingerprint: str = ""
    # Normalised text of the flagged line; feeds the fingerprint, never printed.
    context: str = field(default="", compare=False, repr=False)
    # Codes of the findings merged into this one (reviewer.merge): one problem, one finding.
    also: tuple[str, ...] = ()
    # The operation the finding is about, when its rule names one (Report.operation); findings
    # of one file with the same operation merge.
    operation: str = field(default="", compare=False, repr=False)
    # The mechanical fix, when the rule can write one (reviewer.fixes applies it).
    autofix: Fix | None = field(default=None, compare=False)

    @property
    def line(self) -> int:
        return self.location.line

    def sort_key(self) -> tuple:
        return (self.path, self.location.line, self.location.column, self.rule, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "category": self.category.value,
            "severity": self.severity.value,
            "confidence": self.confidence.value,
            "path": self.path,
            "line": self.location.line,
            "column": self.location.column,
            "end_line": self.location.end_line,
            "end_column": self.location.end_column,
            "message": self.message,
            "fix": self.fix,
            "fingerprint": self.fingerprint,
            "also": list(self.also),
            "autofix": self.autofix.to_dict() if self.autofix is not None else None,
        }

    def to_cache(self) -> dict[str, Any]:
        data = self.to_dict()
        data["context"] = self.context
        data["operation"] = self.operation
        return data

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> "Finding":
        return cls(
            rule=data["rule"],
            name=data["name"],
            category=Category(data["category"]),
            severity=Severity(data["severity"]),
            confidence=Confidence(data["confidence"]),
            path=data["path"],
            location=Location(data["line"], data["column"], data["end_line"], data["end_column"]),
            message=data["message"],
            fix=data["fix"],
            fingerprint=data.get("fingerprint", ""),
            context=data.get("context", ""),
            also=tuple(data.get("also", ())),
            operation=data.get("operation", ""),
            autofix=Fix.from_dict(data.get("autofix")),
        )


@dataclass(frozen=True)
class FileError:
    """A file the scan could not analyse (fully), and why. Never raised, always reported."""

    path: str
    kind: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)
