"""The typed operation model of migrations: a unit (one migration file) and its operations.

Every migration form (Django, Alembic, SQL files of any tool, a project's own runner) becomes a
`Unit` holding `Operation`s; the rules, the index coverage and the migration history read them
as attributes. JSON is only the index cache's format: `to_json` / `from_json` are for the cache
boundary (per-file facts), nothing else reads or writes it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal, Mapping, TypeVar

# Operations that change no schema: what a data migration is made of.
DATA_KINDS = frozenset({"dml", "select", "set", "begin", "commit", "rollback", "other"})
DROP_KINDS = frozenset({"drop_table", "drop_column", "drop_index", "drop_constraint"})
MAX_IDENTIFIER = 63
# The PostgreSQL column type of Django's built-in fields (custom subclasses are unknown: the
# rules abstain on them).
DJANGO_DB_TYPES = {
    **{name: "varchar" for name in ("CharField", "SlugField", "EmailField", "URLField", "FileField", "ImageField",
                                     "FilePathField")},
    "TextField": "text", "GenericIPAddressField": "inet", "IPAddressField": "inet",
    **{name: "int" for name in ("IntegerField", "PositiveIntegerField", "AutoField")},
    **{name: "bigint" for name in ("BigIntegerField", "PositiveBigIntegerField", "BigAutoField")},
    **{name: "smallint" for name in ("SmallIntegerField", "PositiveSmallIntegerField", "SmallAutoField")},
    "BooleanField": "boolean", "NullBooleanField": "boolean", "DateTimeField": "timestamptz", "DateField": "date",
    "TimeField": "time", "DurationField": "interval", "DecimalField": "numeric", "FloatField": "float",
    "UUIDField": "uuid", "JSONField": "jsonb", "BinaryField": "bytea",
    "ForeignKey": "fk", "OneToOneField": "fk",
}

UP, DOWN = "up", "down"
Direction = Literal["up", "down"]
# A unit's direction: up (a forward file), down (a golang-migrate / Flyway undo file), or both
# (Alembic, Django, dbmate and goose files hold both).
UnitDirection = Literal["up", "down", "both"]
SQL, ALEMBIC, DJANGO = "sql", "alembic", "django"
Form = Literal["sql", "alembic", "django"]

OpKind = Literal[
    # tables
    "create_table", "drop_table", "rename_table", "truncate", "rename_sequence",
    # columns
    "add_column", "drop_column", "rename_column", "alter_type", "set_not_null", "drop_not_null", "alter_column",
    "alter_field",  # Django AlterField, resolved against the replayed model state by the merge
    # indexes and constraints
    "create_index", "drop_index", "reindex", "add_constraint", "drop_constraint", "validate_constraint",
    "domain_constraint", "enum_add_value", "detach_partition",
    # whole-table maintenance
    "vacuum_full", "cluster", "refresh_matview",
    # schemas and databases
    "drop_schema", "drop_database",
    # data and sessions
    "dml", "select", "set", "begin", "commit", "rollback",
    # code
    "run_python",
    # anything else: other DDL (`what` says which), other statements, and what cannot be read
    "ddl", "other", "opaque",
]
ConstraintType = Literal["fk", "pk", "unique", "check", "exclude", "other"]
KeyType = Literal["fk", "pk", "unique"]


@dataclass(frozen=True)
class TypeFacts:
    """A column type, normalised (`varchar`, `timestamptz`, `int`, ...); `size` is its length or
    precision, -1 for a length the migration computes."""

    type: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class Column:
    """A column of `CREATE TABLE` / `ADD COLUMN` (SQL or Alembic), or a Django field's column."""

    name: str | None
    line: int = 1
    type: str | None = None
    size: int | None = None
    not_null: bool = False
    default: bool = False
    volatile: bool = False  # a default PostgreSQL evaluates per row
    generated: bool = False  # a stored generated column
    fk: bool = False
    unique: bool = False
    pk: bool = False
    index: bool = False
    fk_name: str | None = None


@dataclass(frozen=True)
class TableKey:
    """A table-level key of `CREATE TABLE` (or `sa.ForeignKeyConstraint(...)` among Alembic's
    `create_table` arguments): its kind, its columns in order (None for an expression)."""

    ctype: KeyType
    on: tuple[str | None, ...]
    line: int = 1
    name: str | None = None


@dataclass(frozen=True)
class DjangoField:
    """What a Django field definition means for its column."""

    name: str
    line: int
    field_class: str  # `CharField`, `ForeignKey`, a project's own class
    column: bool  # False for many-to-many and generic relations: no column
    null: bool = False
    default: bool = False
    db_default: bool = False
    db_default_volatile: bool = False
    callable_default: bool = False
    auto_default: bool = False
    blank_text: bool = False
    generated: bool = False
    fk: bool = False
    unique: bool = False
    index: bool = False
    max_length: int | None = None
    type: str = ""
    pk: bool = False

    def as_column(self) -> Column:
        return Column(self.name, self.line, self.type, not_null=not self.null, default=self.default or self.db_default,
                      generated=self.generated, fk=self.fk, unique=self.unique, pk=self.pk, index=self.index)


@dataclass(frozen=True)
class Operation:
    """One schema or data operation of a migration. The first fields hold for every kind; the
    others are the details of the kinds that have them (their defaults elsewhere)."""

    kind: OpKind
    table: str | None = None  # lower case; None when not known
    line: int = 0
    col: int = 0
    direction: Direction = UP
    tx: bool = True  # runs inside a transaction
    explicit_tx: bool = False  # SQL: inside a BEGIN ... COMMIT the file writes itself
    code: str = ""  # the start of its source, for messages
    new: bool = False  # its table was created (or emptied) earlier in the same migration
    db: bool = True  # False: state only (Django SeparateDatabaseAndState, unmanaged models)
    via: str | None = None  # "execute" (Alembic `op.execute`), "RunSQL" (Django): SQL inside Python
    # Runs only where its object is missing: inside a `try` whose handler takes its failure, or
    # under an existence check (`if not inspector.has_table("t")`, `if "c" not in columns`).
    guarded: bool = False
    # A drop that runs only when the object is there (`IF EXISTS`, `if_exists=True`, under an
    # `if`, in a `try` or `with suppress(...)`): a cleanup of what some databases have.
    tentative: bool = False
    # names
    name: str | None = None  # index / constraint name
    to: str | None = None  # rename target
    column: str | None = None
    names: tuple[str, ...] = ()  # identifiers longer than PostgreSQL keeps (63 bytes)
    # indexes and constraints
    concurrently: bool = False
    unique: bool = False
    on: tuple[str | None, ...] = ()  # indexed / constrained columns in order; None for an expression
    ctype: ConstraintType | None = None
    not_valid: bool = False
    using_index: bool = False
    not_null_check: bool = False  # CHECK (col IS NOT NULL)
    create: bool = False  # domain_constraint: CREATE DOMAIN (else ALTER DOMAIN)
    # tables and columns
    columns: tuple[Column, ...] = ()
    keys: tuple[TableKey, ...] = ()
    temporary: bool = False
    mysql: bool = False  # create_table: MySQL table options (`mysql_engine="InnoDB"`, `mariadb_*`)
    cascade: bool = False
    nullable: bool = False
    default: bool = False  # add_column: existing rows get a value (or a custom field may fill them)
    volatile: bool = False
    generated: bool = False
    serial: bool = False
    fk: bool = False
    index: bool = False
    callable_default: bool = False
    known: bool | None = None  # drop_not_null (Alembic): False when `existing_nullable` says it was nullable
    # type changes
    type: str | None = None  # alter_type: the new type as written
    widening: bool = False  # binary-coercible: no rewrite
    new_type: TypeFacts | None = None
    old_known: bool | None = None  # Alembic: whether `existing_type` says the old type
    # Django models
    field: DjangoField | None = None  # add_column / alter_field
    fields: tuple[DjangoField, ...] = ()  # create_table
    aliases: tuple[str, ...] = ()  # create_table: the model's database table
    unmanaged: bool = False
    models: tuple[str, ...] = ()  # run_python: models its code gets from the app registry
    reverse: bool = False  # run_python: has reverse code
    # data and sessions
    verb: str | None = None  # dml: insert / update / delete
    where: bool = False  # dml: has a WHERE clause
    constant: bool = False  # dml insert: of constant rows
    vars: tuple[str, ...] = ()  # set: the variables set
    what: str | None = None  # ddl / other: which statement (`create domain`, `alter table`, ...)


@dataclass(frozen=True)
class Irreversible:
    """A Django RunPython / RunSQL without its reverse."""

    line: int
    col: int
    code: str
    what: str  # RunPython / RunSQL
    missing: str  # reverse_code / reverse_sql


@dataclass(frozen=True)
class Unit:
    """One migration file. The fields after `databases` hold for the forms that have them."""

    path: str
    form: Form
    tool: str  # django, alembic, flyway, golang-migrate, dbmate, goose, supabase, runner, loose, ...
    name: str
    stream: str  # the folder of its migration chain
    ops: tuple[Operation, ...] = ()
    errors: int = 0  # statements that could not be read
    direction: UnitDirection = UP
    dialect: str = "postgres"
    databases: tuple[str, ...] = ()  # database families its code names
    # SQL files
    version: str | None = None
    pair: str | None = None  # golang-migrate: `<version>_<name>` shared by its up and down file
    flyway: str | None = None  # V, U or R
    down_line: int | None = None  # dbmate / goose: the down marker; Alembic: `def downgrade`
    rollback_note: bool = False  # a `-- rollback:` comment
    up_statements: int = 0
    down_statements: int = 0
    # Alembic revisions
    revision: str | None = None
    revision_line: int | None = None
    down_revision: tuple[str, ...] = ()
    branch_labels: tuple[str | None, ...] = ()
    upgrade_state: str = ""  # missing, empty, raise or ok
    down_state: str = ""
    down_col: int = 1
    data_only: bool = False
    other_dialect_only: bool = False  # the upgrade's work is all in branches for other databases
    down_explained: bool = False
    # Django migrations
    app: str | None = None
    line: int | None = None  # `class Migration`
    dependencies: tuple[tuple[str, str], ...] = ()
    replaces: tuple[tuple[str, str], ...] = ()
    atomic: bool = True
    irreversible: tuple[Irreversible, ...] = ()

    def statements(self, direction: str) -> int:
        """SQL files: how many statements a direction runs."""
        return self.up_statements if direction == UP else self.down_statements


@dataclass(frozen=True)
class SessionSettings:
    """A Python module (an Alembic env.py, Django settings) that sets session timeouts."""

    path: str
    timeouts: tuple[str, ...]


@dataclass(frozen=True)
class MigrationSection:
    """The merged `migrations` section: every unit, ordered, and the timeouts sessions get.
    `fingerprint` stands for it in the digest of the sections a rule reads."""

    units: tuple[Unit, ...] = ()
    session_timeouts: tuple[str, ...] = ()
    fingerprint: str = ""


# --------------------------------------------------------------------------------------------
# JSON at the cache boundary: fields at their default are left out.

T = TypeVar("T")
_DEFAULTS: dict[type, dict[str, Any]] = {}
_DEFAULT_VALUES: dict[type, dict[str, Any]] = {}
_MISSING = object()


def _defaults(cls: type) -> dict[str, Any]:
    """Field name -> its default (_MISSING for a field without one)."""
    found = _DEFAULTS.get(cls)
    if found is None:
        found = {f.name: f.default if f.default is not dataclasses.MISSING else _MISSING for f in dataclasses.fields(cls)}
        _DEFAULTS[cls] = found
    return found


def _default_values(cls: type) -> dict[str, Any]:
    """Field name -> its default, for the fields that have one."""
    found = _DEFAULT_VALUES.get(cls)
    if found is None:
        found = _DEFAULT_VALUES[cls] = {name: value for name, value in _defaults(cls).items() if value is not _MISSING}
    return found


def to_json(record: Any) -> dict[str, Any]:
    """A typed record as JSON-able data (tuples stay tuples: `json` writes them as lists),
    without the fields at their default."""
    defaults, nested = _defaults(type(record)), _NESTED.get(type(record), {})
    out = {}
    for name, value in record.__dict__.items():
        default = defaults[name]
        if default is _MISSING or value != default:
            if name in nested:
                value = [to_json(item) for item in value] if isinstance(value, tuple) else to_json(value)
            out[name] = value
    return out


# The fields that hold a record or a tuple of records, and the record's type.
_NESTED: dict[type, dict[str, type]] = {
    Operation: {"columns": Column, "keys": TableKey, "new_type": TypeFacts, "field": DjangoField, "fields": DjangoField},
    Unit: {"ops": Operation, "irreversible": Irreversible},
}


def _read(value: Any, nested: type | None) -> Any:
    if isinstance(value, list):
        return tuple(_read(item, nested) for item in value)
    if nested is not None and isinstance(value, dict):
        return from_json(nested, value)
    return value


def from_json(cls: type[T], data: Mapping[str, Any]) -> T:
    """The typed record `to_json` wrote (built as `evolve` copies: see there)."""
    nested = _NESTED.get(cls, {})
    record = object.__new__(cls)
    record.__dict__.update(_default_values(cls))
    record.__dict__.update({name: _read(value, nested.get(name)) for name, value in data.items()})
    return record


def evolve(record: T, **changes: Any) -> T:
    """A copy of a frozen record with some fields changed. `dataclasses.replace` runs
    `__init__` again over every field (about 50 for an operation): on netbox's 300 migration
    files its 3,000 copies and the cache's 7,000 records made the migration pass 0.5 s slower
    than the dicts it replaced. These records check nothing in `__init__`, so a copy of their
    fields is the same record."""
    if not changes.keys() <= record.__dict__.keys():
        raise TypeError(f"{type(record).__name__} has no field {sorted(changes.keys() - record.__dict__.keys())}")
    copy = object.__new__(type(record))
    copy.__dict__.update(record.__dict__)
    copy.__dict__.update(changes)
    return copy


# --------------------------------------------------------------------------------------------
# What every reader does last


def mark_new(ops: list[Operation]) -> list[Operation]:
    """The operations with `new` set on those on tables created (or emptied) earlier in the
    same migration and direction."""
    created: dict[str, set[str]] = {UP: set(), DOWN: set()}
    out = []
    for item in ops:
        table = item.table
        if item.kind == "create_table" and table:
            created[item.direction].add(table)
            created[item.direction].update(item.aliases)  # Django: the model's db table
            out.append(evolve(item, new=True))
            continue
        new = bool(table) and table in created[item.direction]
        if table and (item.kind == "truncate" or item.kind == "dml" and item.verb == "delete" and not item.where):
            created[item.direction].add(table)  # emptied: later statements lock an empty table
        if item.kind == "rename_table" and new and item.to:
            created[item.direction].add(item.to)
        out.append(evolve(item, new=new) if new != item.new else item)
    return out


# A part of a migration's `dependencies` that cannot be read from the source (`[...] +
# settings.EXTRA`, a call to an imported helper): it may name any migration, so it is kept as
# unknown, never read as "no dependency".
UNKNOWN_DEPENDENCY = ("__unknown__", "__unknown__")
