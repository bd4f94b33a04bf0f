"""Index coverage: which columns each table's indexes lead with, and its foreign-key columns.

One definition of "the indexes a table has", read by the rules about indexes. It joins two
sources of the project index:

- the models (`model_tables` section, built here from the stdlib `ast`): SQLAlchemy
  declarative classes and `Table(...)` objects (`index=True`, `unique=True`, primary keys,
  `Index` / `UniqueConstraint` / `PrimaryKeyConstraint` / `ForeignKeyConstraint` in
  `__table_args__`, module-level `Index("ix", Model.a, Model.b)`), and Django models (a
  ForeignKey / OneToOneField is indexed unless `db_index=False`; `Meta.indexes`,
  `unique_together`, `index_together`, `UniqueConstraint`);
- the migration history (`migrations` section): `CREATE INDEX`, primary / unique keys and
  foreign keys of `CREATE TABLE` / `ADD CONSTRAINT`, and Alembic's `create_index`,
  `create_foreign_key`, `create_unique_constraint`, `create_primary_key`, `create_table`.

A key is the tuple of its columns in order; a column set is covered when some key leads with
it (the leading-prefix rule of B-tree indexes). Django tables are keyed by model (their
migrations restate the model, which is the source of truth); SQLAlchemy and SQL tables by
table name, so a model and the migrations that create its table share one entry. Every index
the history ever creates counts (drops are not replayed in revision order; a table or column
that an up-migration drops is left out instead).

Unique keys (primary keys, `unique=True`, `unique_together`, `UniqueConstraint`, unique indexes,
from the models and the migrations) are kept apart as well: ORM011 reads them to tell an
exists-then-create the database guards from one it does not.
"""

from __future__ import annotations

from types import MappingProxyType
import ast
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from reviewer import migrations as mig
from reviewer.astfacts import dotted_name, keyword_value, nodes_of, walk
from reviewer.discovery import in_migrations_package, is_test_path
from reviewer.model import FileKind
from reviewer.provider import IndexProvider

SECTION = "model_tables"
# Databases that do not index a foreign key by themselves and where an index is what joins
# and parent deletes need (MySQL InnoDB creates one; Redshift has no indexes).
INDEXED_BY_HAND = frozenset({"postgres", "sqlite"})
DJANGO_FK = frozenset({"ForeignKey", "OneToOneField", "ParentalKey", "TreeForeignKey", "TreeOneToOneField"})
SA_COLUMNS = frozenset({"Column", "mapped_column"})
CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _last(node: ast.AST) -> str | None:
    name = dotted_name(node)
    return name.rsplit(".", 1)[-1] if name else None


def _text(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _false(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _strings(node: ast.AST | None) -> list[str | None]:
    """`["a", "b"]` / `("a",)` -> names; an element that is not a string is None."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return []
    return [_text(e) for e in node.elts]


# --------------------------------------------------------------------------------------------
# Models (per file)


def _sa_column_name(target: str, call: ast.Call) -> str:
    explicit = _text(call.args[0]) if call.args else _text(keyword_value(call, "name"))
    return (explicit or target).lower()


def _is_foreign_key(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _last(node.func) == "ForeignKey"


def _index_columns(call: ast.Call) -> list[str | None]:
    """Columns of `Index("ix", "a", Model.b, table.c.d)` (the name first), `UniqueConstraint("a")`,
    `PrimaryKeyConstraint("a")`: a string or the attribute of an expression; None otherwise."""
    args = call.args[1:] if _last(call.func) == "Index" else call.args
    found: list[str | None] = []
    for arg in args:
        if isinstance(arg, ast.Starred):
            break
        if _text(arg) is not None:
            found.append(_text(arg).lower())  # type: ignore[union-attr]
        elif isinstance(arg, ast.Attribute):
            found.append(arg.attr.lower())
        elif isinstance(arg, ast.Name):
            found.append(arg.id.lower())  # a column of the class body: `Index("ix", dag_id)`
        else:
            found.append(None)
    return found


def _table_args(node: ast.AST | None) -> tuple[list[list[str | None]], list[list[str | None]], list[dict[str, Any]], bool]:
    """(keys, unique keys, foreign keys, MySQL table options) of a `__table_args__` value."""
    keys: list[list[str | None]] = []
    unique: list[list[str | None]] = []
    fks: list[dict[str, Any]] = []
    mysql = False
    items = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node] if node is not None else []
    for item in items:
        if isinstance(item, ast.Dict):
            mysql = mysql or any(_text(k) and _text(k).startswith(("mysql_", "mariadb_")) for k in item.keys)  # type: ignore[union-attr]
        elif isinstance(item, ast.Call):
            kind = _last(item.func)
            if kind in ("Index", "UniqueConstraint", "PrimaryKeyConstraint"):
                keys.append(_index_columns(item))
                if kind != "Index" or _true(keyword_value(item, "unique")):
                    unique.append(keys[-1])
            elif kind == "ForeignKeyConstraint":
                columns = [c.lower() if c else None for c in _strings(item.args[0] if item.args else keyword_value(item, "columns"))]
                if columns and all(columns):
                    fks.append({"column": columns[0], "columns": columns, "line": item.lineno, "col": item.col_offset + 1})
    return keys, unique, fks, mysql


def _sqlalchemy_table(node: ast.ClassDef, tablename: str) -> dict[str, Any]:
    keys: list[list[str | None]] = []
    unique: list[list[str | None]] = []
    fks: list[dict[str, Any]] = []
    primary: list[str] = []
    unindexed: list[str] = []  # `index=False` written out: the author's decision
    mysql = False
    for statement in node.body:
        target, value = _assignment(statement)
        if target == "__table_args__":
            found, distinct, foreign, mysql = _table_args(value)
            keys += found
            unique += distinct
            fks += foreign
            continue
        if target is None or not isinstance(value, ast.Call) or _last(value.func) not in SA_COLUMNS:
            continue
        column = _sa_column_name(target, value)
        if _true(keyword_value(value, "primary_key")):
            primary.append(column)
        if _true(keyword_value(value, "index")) or _true(keyword_value(value, "unique")):
            keys.append([column])
        if _true(keyword_value(value, "unique")):
            unique.append([column])
        if _false(keyword_value(value, "index")):
            unindexed.append(column)
        elif any(_is_foreign_key(a) for a in value.args):
            fks.append({"column": column, "line": statement.lineno, "col": statement.col_offset + 1})
    if primary:
        keys.append(primary)
        unique.append(primary)
    return {"table": tablename, "model": node.name, "framework": "sqlalchemy", "line": node.lineno,
            "keys": keys, "unique": unique, "fks": fks, "mysql": mysql, "unindexed": unindexed}


def _imperative_table(call: ast.Call, line: int, col: int) -> dict[str, Any] | None:
    """`Table("name", metadata, Column(...), ..., Index(...))`."""
    from reviewer.migrations.alembic import alembic_column  # its reader parses SQL defaults (sqlglot)

    name = _text(call.args[0]) if call.args else None
    if name is None:
        return None
    keys: list[list[str | None]] = []
    unique: list[list[str | None]] = []
    fks: list[dict[str, Any]] = []
    primary: list[str] = []
    for arg in call.args[1:]:
        if not isinstance(arg, ast.Call):
            continue
        kind = _last(arg.func)
        if kind == "Column":
            facts = alembic_column(arg)
            column = facts.name
            if not column:
                continue
            if facts.pk:
                primary.append(column)
            if facts.index or facts.unique:
                keys.append([column])
            if facts.unique:
                unique.append([column])
            if facts.fk:
                fks.append({"column": column, "line": arg.lineno, "col": arg.col_offset + 1})
        elif kind in ("Index", "UniqueConstraint", "PrimaryKeyConstraint", "ForeignKeyConstraint"):
            found, distinct, foreign, _ = _table_args(ast.Tuple(elts=[arg]))
            keys += found
            unique += distinct
            fks += foreign
    if primary:
        keys.append(primary)
        unique.append(primary)
    mysql = any((k.arg or "").startswith(("mysql_", "mariadb_")) for k in call.keywords)
    return {"table": name.lower(), "model": None, "framework": "sqlalchemy", "line": line, "keys": keys, "unique": unique,
            "fks": fks, "mysql": mysql}


def _django_fields(node: ast.AST | None) -> list[str | None]:
    return [f.lower().lstrip("-") if f else None for f in _strings(node)]


def _django_table(node: ast.ClassDef) -> dict[str, Any] | None:
    keys: list[list[str | None]] = []
    unique: list[list[str | None]] = []
    fks: list[dict[str, Any]] = []
    fields = 0
    db_table = None
    for statement in node.body:
        if isinstance(statement, ast.ClassDef) and statement.name == "Meta":
            found, distinct = _django_meta(statement)
            keys += found
            unique += distinct
            db_table = next((_text(v) for t, v in map(_assignment, statement.body) if t == "db_table"), None)
            continue
        target, value = _assignment(statement)
        if target is None or not isinstance(value, ast.Call):
            continue
        callee = _last(value.func)
        if not (isinstance(value.func, ast.Attribute) and value.func.attr.endswith(("Field", "Key")) or callee in DJANGO_FK):
            continue
        fields += 1
        column = target.lower()
        if _true(keyword_value(value, "primary_key")) or _true(keyword_value(value, "unique")):
            keys.append([column])
            unique.append([column])
        if callee in DJANGO_FK:
            if callee.endswith("OneToOneField"):
                keys.append([column])  # one-to-one is unique, hence indexed
                unique.append([column])
            elif _false(keyword_value(value, "db_index")):
                fks.append({"column": column, "line": statement.lineno, "col": statement.col_offset + 1})
            else:
                keys.append([column])
        elif _true(keyword_value(value, "db_index")):
            keys.append([column])
    if not fields:
        return None
    return {"table": None, "model": node.name, "framework": "django", "line": node.lineno, "keys": keys, "unique": unique,
            "fks": fks, "mysql": False, "db_table": db_table.lower() if db_table else None}


def _django_meta(meta: ast.ClassDef) -> tuple[list[list[str | None]], list[list[str | None]]]:
    """(keys, unique keys) of a model's `Meta`."""
    keys: list[list[str | None]] = []
    unique: list[list[str | None]] = []
    for item in meta.body:
        target, value = _assignment(item)
        if target in ("unique_together", "index_together"):
            groups = value.elts if isinstance(value, (ast.List, ast.Tuple)) else []
            if groups and all(isinstance(g, ast.Constant) for g in groups):
                groups = [value]  # a single tuple of names
            keys += [_django_fields(g) for g in groups]
            if target == "unique_together":
                unique += [_django_fields(g) for g in groups]
        elif target in ("indexes", "constraints") and isinstance(value, (ast.List, ast.Tuple)):
            for call in value.elts:
                if not isinstance(call, ast.Call) or _last(call.func) not in ("Index", "UniqueConstraint"):
                    continue
                fields = _django_fields(keyword_value(call, "fields")) or _django_expressions(call.args)
                condition = keyword_value(call, "condition")
                if condition is not None and not (fields and fields[0] and _not_null_only(condition, fields[0])):
                    continue  # a partial index covers only some rows
                if fields:
                    keys.append(fields)
                    if _last(call.func) == "UniqueConstraint":
                        unique.append(fields)
    return keys, unique


def _not_null_only(condition: ast.AST, column: str) -> bool:
    """Whether a partial index's `condition` only leaves out the rows whose `column` is NULL
    (`Q(project__isnull=False)`): every row a lookup `column = value` can match is in it."""
    if isinstance(condition, ast.BinOp) and isinstance(condition.op, ast.BitAnd):
        return _not_null_only(condition.left, column) and _not_null_only(condition.right, column)
    if not (isinstance(condition, ast.Call) and _last(condition.func) == "Q" and not condition.args and condition.keywords):
        return False
    return all(k.arg in (f"{column}__isnull", f"{column}_id__isnull") and _false(k.value) for k in condition.keywords)


def _django_expressions(args: Sequence[ast.expr]) -> list[str | None]:
    """Columns of a Django `Index(*expressions)` / `UniqueConstraint(*expressions)`: a string
    is `F("name")` (Django wraps it), so is `F("name")` with or without `.asc()` / `.desc()`;
    any other expression (`Lower("name")`) indexes a computed value, None."""
    found: list[str | None] = []
    for arg in args:
        if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr in ("asc", "desc"):
            arg = arg.func.value
        if isinstance(arg, ast.Call) and _last(arg.func) == "F" and len(arg.args) == 1:
            arg = arg.args[0]
        found.append(name.lower() if (name := _text(arg)) else None)
    return found


def _assignment(statement: ast.stmt) -> tuple[str | None, ast.AST | None]:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id, statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.value
    return None, None


def _declared_tablename(node: ast.ClassDef) -> tuple[bool, str | None]:
    """(whether the class computes `__tablename__` in a method, the constant it returns if any)."""
    for statement in node.body:
        if isinstance(statement, ast.FunctionDef) and statement.name == "__tablename__":
            returned = [n.value for n in walk(statement) if isinstance(n, ast.Return)]
            return True, _text(returned[0]) if len(returned) == 1 else None
    return False, None


def _tablename(node: ast.ClassDef, naming_bases: set[str]) -> str | None:
    """`__tablename__ = "x"` (or a `declared_attr` returning it); the snake_case of the class
    name for a Flask-SQLAlchemy `db.Model` subclass, or a subclass of a base of the file whose
    `declared_attr` derives the name, that declares columns but no name (not `__abstract__`)."""
    declared, constant = _declared_tablename(node)
    if declared:
        return constant.lower() if constant else None
    for statement in node.body:
        target, value = _assignment(statement)
        if target == "__tablename__":
            return _text(value).lower() if _text(value) else None
        if target == "__abstract__" and _true(value):
            return None
    bases = [dotted_name(b) or "" for b in node.bases]
    if any(b == "db.Model" or b.rsplit(".", 1)[-1] in naming_bases for b in bases):
        return CAMEL.sub("_", node.name).lower()
    return None


def _is_django_model(node: ast.ClassDef) -> bool:
    return any(base.endswith("Model") for base in (_last(b) or "" for b in node.bases)) and not any(
        isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in s.targets) for s in node.body
    )


def model_tables(path: str, tree: ast.Module) -> dict[str, Any] | None:
    """Tables a model file declares, with their keys and foreign keys."""
    tables: list[dict[str, Any]] = []
    loose: list[dict[str, Any]] = []  # module-level Index(...) on a model's attributes
    classes = list(nodes_of(tree, ast.ClassDef))
    naming_bases = {c.name for c in classes if _declared_tablename(c) == (True, None)}
    for node in nodes_of(tree, ast.ClassDef, ast.Call):
        if isinstance(node, ast.ClassDef):
            has_columns = any(
                isinstance(_assignment(s)[1], ast.Call) and _last(_assignment(s)[1].func) in SA_COLUMNS for s in node.body  # type: ignore[union-attr]
            )
            name = _tablename(node, naming_bases) if has_columns or any(_assignment(s)[0] == "__tablename__" for s in node.body) else None
            if name:
                tables.append(_sqlalchemy_table(node, name))
            elif _is_django_model(node):
                found = _django_table(node)
                if found is not None:
                    tables.append(found)
        elif isinstance(node, ast.Call) and _last(node.func) == "Table" and len(node.args) >= 2:
            found = _imperative_table(node, node.lineno, node.col_offset + 1)
            if found is not None:
                tables.append(found)
    for statement in tree.body:
        value = statement.value if isinstance(statement, (ast.Expr, ast.Assign)) else None
        if isinstance(value, ast.Call) and _last(value.func) == "Index" and len(value.args) >= 2:
            owner = value.args[1]
            if isinstance(owner, ast.Attribute):
                owner = owner.value
                if isinstance(owner, ast.Attribute) and owner.attr == "c":
                    owner = owner.value  # table.c.column
            model = dotted_name(owner)
            if model:
                loose.append({"model": model.rsplit(".", 1)[-1], "on": _index_columns(value)})
    if not tables and not loose:
        return None
    for table in tables:
        table["path"] = path
    return {"tables": tables, "indexes": loose}


class ModelTablesProvider(IndexProvider):
    """Feeds the `model_tables` section: the tables the models declare, with their keys."""

    name = SECTION
    empty = MappingProxyType({})
    triggers = ("ForeignKey", "Index", "Column", "Field", "__tablename__", "Table(")
    file_kinds = frozenset({FileKind.PYTHON})

    def collect(self, path: str, kind: FileKind, text: str, tree: ast.Module | None) -> Any:
        if tree is None or is_test_path(path) or in_migrations_package(path):
            return None
        return model_tables(path, tree)

    def merge(self, facts: Mapping[str, Any]) -> Any:
        tables = [t for path in sorted(facts) for t in facts[path]["tables"]]
        by_model: dict[str, list[dict[str, Any]]] = {}
        for table in tables:
            if table["model"]:
                by_model.setdefault(table["model"], []).append(table)
        for path in sorted(facts):
            for index in facts[path]["indexes"]:
                owners = by_model.get(index["model"], [])
                if len(owners) == 1:
                    owners[0]["keys"].append(index["on"])
        return {"tables": tables}


# --------------------------------------------------------------------------------------------
# Coverage (rules)


@dataclass(frozen=True)
class ForeignKeyColumn:
    table: str  # the coverage key: a table name, or `django:<path>:<Model>`
    columns: tuple[str, ...]  # the referencing columns (more than one for a composite key)
    path: str
    line: int
    col: int
    origin: str  # MODEL (the model declares it), MODEL_TABLE (a migration, on a model's table), MIGRATION
    label: str  # what a message names: `Order.customer_id`, `orders.customer_id`
    constraint: str = ""  # a migration's constraint name: its own, or PostgreSQL's `<table>_<column>_fkey`


MODEL, MODEL_TABLE, MIGRATION = "model", "model-table", "migration"
ORIGIN_RANK = {MODEL: 0, MODEL_TABLE: 1, MIGRATION: 2}


@dataclass(frozen=True)
class TableKeys:
    name: str
    keys: tuple[tuple[str | None, ...], ...]
    unique: tuple[tuple[str | None, ...], ...] = ()  # primary keys, unique columns, unique constraints and indexes

    def covers(self, columns: Sequence[str]) -> bool:
        """Some key leads with these columns (in any order: equality predicates)."""
        wanted = set(columns)
        return any(len(key) >= len(wanted) and set(key[: len(wanted)]) == wanted for key in self.keys)

    def unique_within(self, columns: Sequence[str]) -> bool:
        """Some unique key's columns are all among these: the database refuses a second row
        that agrees with the first on all of them."""
        given = set(columns)
        return any(key and all(c is not None and c in given for c in key) for key in self.unique)

    def leads_with_any(self, columns: Sequence[str]) -> bool:
        """Some key's first column is one of these: what a lookup on all of them can use (the
        check a parent delete runs on a composite foreign key)."""
        return any(key and key[0] in columns for key in self.keys)


@dataclass(frozen=True)
class IndexCoverage:
    tables: Mapping[str, TableKeys]
    foreign_keys: tuple[ForeignKeyColumn, ...]

    def covered(self, table: str, columns: Sequence[str]) -> bool:
        keys = self.tables.get(table)
        return keys is not None and keys.covers(columns)

    def unindexed_foreign_keys(self) -> list[ForeignKeyColumn]:
        """Each foreign key no key leads with, once: at the model when one declares its table."""
        seen: set[tuple[str, tuple[str, ...]]] = set()
        found = []
        for fk in sorted(self.foreign_keys, key=lambda f: (ORIGIN_RANK[f.origin], f.path, f.line)):
            if (fk.table, fk.columns) in seen:
                continue
            seen.add((fk.table, fk.columns))
            keys = self.tables.get(fk.table)
            if keys is None or not keys.leads_with_any(fk.columns):
                found.append(fk)
        return found


def coverage(index: Any) -> IndexCoverage:
    """The index coverage of the project's tables on PostgreSQL and SQLite: nothing when the
    configured database indexes foreign keys itself or has no indexes; migration chains whose
    code names MySQL and not PostgreSQL (and models, when every chain does) are left out."""
    config = getattr(index, "config", None)
    if getattr(config, "dialect", "postgres") not in INDEXED_BY_HAND:
        return IndexCoverage({}, ())
    found_units = [u for u in mig.units(index) if u.form != mig.DJANGO and not is_test_path(u.path)]
    named = mig.chain_databases(found_units)
    mysql = {key for key, databases in named.items() if "mysql" in databases and "postgres" not in databases}
    keys: dict[str, list[tuple[str | None, ...]]] = {}
    unique: dict[str, list[tuple[str | None, ...]]] = {}
    fks: list[ForeignKeyColumn] = []
    models: dict[str, dict[str, Any]] = {}  # table name -> the model declaring it
    section = ModelTablesProvider.of(index)
    deployment = index.deployment
    for table in () if named and set(named) <= mysql else section.get("tables", ()):
        key = _key(table)
        if table["mysql"] or deployment.non_service(table["path"]):
            continue
        keys.setdefault(key, []).extend(tuple(k) for k in table["keys"] if k)
        unique.setdefault(key, []).extend(tuple(k) for k in table.get("unique", ()) if k)
        if table["model"] and table["table"]:
            models.setdefault(key, table)
        owner = table["model"] or table["table"]
        for fk in table["fks"]:
            columns = tuple(fk.get("columns") or (fk["column"],))
            fks.append(ForeignKeyColumn(key, columns, table["path"], fk["line"], fk["col"], MODEL, _label(owner, columns)))
    dropped: set[tuple[str, str | None]] = set()  # (table, column or None), and (table, "constraint:" name)
    for unit in found_units:
        if unit.dialect not in INDEXED_BY_HAND or mig.chain(unit) in mysql:
            continue
        for item in mig.up_ops(unit):
            _replay(item, unit, keys, unique, fks, dropped)
    # Tables a migration creates with MySQL table options (keystone's `mysql_engine="InnoDB"`),
    # as a model's `__table_args__` options say it: the project targets InnoDB, which indexes keys.
    innodb = {o.table for u in found_units for o in mig.up_ops(u) if o.kind == "create_table" and o.mysql}
    kept = []
    for fk in fks:
        if fk.table in innodb:
            continue
        if fk.origin == MIGRATION:
            if (fk.table, None) in dropped or any((fk.table, c) in dropped for c in fk.columns) or (
                    fk.table, f"constraint:{fk.constraint}") in dropped:
                continue
            model = models.get(fk.table)
            if model is not None and set(fk.columns) & set(model.get("unindexed", ())):
                continue
            if model is None and models and fk.path.endswith(".py"):
                # An Alembic table no model declares, in a project whose models are the schema:
                # a table dropped since (in a way the loader cannot read) or one a library owns.
                continue
            if model is not None:  # a column a mixin adds: the model's table, reported at its class
                fk = ForeignKeyColumn(fk.table, fk.columns, model["path"], model["line"], 1, MODEL_TABLE,
                                      _label(model["model"], fk.columns))
        kept.append(fk)
    return IndexCoverage({name: TableKeys(name, tuple(found), tuple(unique.get(name, ()))) for name, found in keys.items()}, tuple(kept))


def _key(table: Mapping[str, Any]) -> str:
    return table["table"] or f"django:{table['path']}:{table['model']}"


def tables_by_model(index: Any) -> dict[str, str]:
    """Model class name -> the coverage key of its table, for the names one model file declares."""
    found: dict[str, set[str]] = {}
    for table in ModelTablesProvider.of(index).get("tables", ()):
        if table["model"]:
            found.setdefault(table["model"], set()).add(_key(table))
    return {model: keys.pop() for model, keys in found.items() if len(keys) == 1}


def keys_by_table_name(index: Any) -> dict[str, str]:
    """Table name as SQL writes it -> the coverage key of its table: SQLAlchemy and SQL tables
    by their name; a Django model by its `Meta.db_table`, else Django's default
    `<app label>_<model name>` (the app label taken as the folder of its models module)."""
    found: dict[str, set[str]] = {}
    for table in ModelTablesProvider.of(index).get("tables", ()):
        name = table["table"] or table.get("db_table")
        if not name and table["model"]:
            parts = table["path"].split("/")
            folder = parts[-3] if len(parts) >= 3 and parts[-2] == "models" else parts[-2] if len(parts) >= 2 else ""
            name = f"{folder}_{table['model']}".lower() if folder else None
        if name:
            found.setdefault(name, set()).add(_key(table))
    return {name: keys.pop() for name, keys in found.items() if len(keys) == 1}


def _label(owner: str, columns: Sequence[str]) -> str:
    return f"{owner}.{columns[0]}" if len(columns) == 1 else f"{owner}.({', '.join(columns)})"


def _replay(item: mig.Operation, unit: mig.Unit, keys: dict[str, list[tuple[str | None, ...]]],
            unique: dict[str, list[tuple[str | None, ...]]], fks: list[ForeignKeyColumn], dropped: set[tuple[str, str | None]]) -> None:
    kind, table = item.kind, item.table
    if not table:
        return
    found = keys.setdefault(table, [])
    distinct = unique.setdefault(table, [])

    def foreign(columns: Sequence[str | None], line: int, col: int, name: str | None = None) -> None:
        if columns and all(columns):
            named = tuple(c for c in columns if c)
            fks.append(ForeignKeyColumn(table, named, unit.path, line, col, MIGRATION, _label(table, named),
                                        name or f"{table}_{named[0]}_fkey"))

    if kind == "create_table":
        constrained = [key for key in item.keys if key.ctype == "fk" and key.on]
        in_keys = {c for key in constrained for c in key.on}
        primary = [c.name for c in item.columns if c.pk]
        if primary:
            found.append(tuple(primary))
            distinct.append(tuple(primary))
        for column in item.columns:
            if column.unique or column.index:
                found.append((column.name,))
            if column.unique:
                distinct.append((column.name,))
            if column.fk and column.name not in in_keys:
                foreign([column.name], column.line, item.col, column.fk_name)
        for key in item.keys:
            if key.ctype != "fk" and key.on:
                found.append(key.on)
                if key.ctype in ("pk", "unique"):
                    distinct.append(key.on)
        for key in constrained:
            foreign(key.on, key.line, item.col, key.name)
    elif kind == "add_column":
        for column in item.columns:
            if column.unique or column.index or column.pk:
                found.append((column.name,))
            if column.unique or column.pk:
                distinct.append((column.name,))
            if column.fk:
                foreign([column.name], item.line, item.col, column.fk_name)
    elif kind == "create_index" and item.on:
        found.append(item.on)
        if item.unique:
            distinct.append(item.on)
    elif kind == "add_constraint" and item.on:
        if item.ctype == "fk":
            foreign(item.on, item.line, item.col, item.name)
        elif item.ctype in ("pk", "unique"):
            found.append(item.on)
            distinct.append(item.on)
    elif kind in ("drop_table", "rename_table"):
        dropped.add((table, None))
    elif kind in ("drop_column", "rename_column"):
        dropped.add((table, item.column))
    elif kind == "drop_constraint" and item.name:
        dropped.add((table, f"constraint:{item.name}"))
