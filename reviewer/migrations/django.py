"""Django migrations as operations: the `operations` of a `Migration` class, with the fields
they define, state-only operations (`SeparateDatabaseAndState`), RunSQL's SQL and RunPython's
models, read with the stdlib `ast`."""

from __future__ import annotations

import ast

from reviewer.astfacts import keyword_value, walk
from reviewer.migrations.ops import (
    DJANGO, DJANGO_DB_TYPES, DOWN, UNKNOWN_DEPENDENCY, UP, DjangoField, Irreversible, Operation, Unit, evolve, mark_new,
)
from reviewer.migrations.pysource import arg, callee, const, is_false, is_none, is_true, lower, segment
from reviewer.migrations.sql import long_names, sql_ops

# Django field classes and what they need.
FK_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ParentalKey"})
NO_COLUMN_FIELDS = frozenset({"ManyToManyField", "ParentalManyToManyField", "GenericRelation", "GenericForeignKey"})
# Fields whose column is always NULL-able, whatever `null=` says (Django's NullBooleanField,
# removed in Django 4 but still in the migrations of projects that used it).
ALWAYS_NULL_FIELDS = frozenset({"NullBooleanField"})
TEXT_FIELDS = frozenset({"CharField", "TextField", "SlugField", "EmailField", "URLField", "FilePathField", "FileField",
                         "ImageField", "GenericIPAddressField"})
CONSTRAINT_TYPES = {"CheckConstraint": "check", "UniqueConstraint": "unique", "ExclusionConstraint": "exclude"}


def django_unit(path: str, text: str, tree: ast.Module, dialect: str = "postgres") -> Unit | None:
    parts = path.split("/")
    app = parts[-3] if len(parts) >= 3 else "."
    migration = next(
        (node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Migration"), None
    )
    if migration is None:
        return None
    graph: dict[str, object] = {}
    atomic, initial = True, False
    operations: ast.AST | None = None
    functions = {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for statement in migration.body:
        if not isinstance(statement, ast.Assign):
            continue
        for target in statement.targets:
            if not isinstance(target, ast.Name):
                continue
            if target.id in ("dependencies", "replaces"):
                value = statement.value
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in functions:
                    # `dependencies = get_dependencies()` (weblate adds one when an optional
                    # app is installed): every (app, name) pair the module function names.
                    value = ast.List(elts=[node for node in ast.walk(functions[value.func.id]) if isinstance(node, ast.Tuple)])
                graph[target.id] = _django_dependencies(value)
            elif target.id == "atomic":
                atomic = not is_false(statement.value)
            elif target.id == "initial":
                initial = is_true(statement.value)
            elif target.id == "operations":
                operations = statement.value
    walker = _DjangoWalker(text, app, functions, dialect, atomic)
    if isinstance(operations, (ast.List, ast.Tuple)):
        for element in operations.elts:
            walker.operation(element, database=True)
    ops = mark_new(walker.ops)
    if initial:
        # `initial = True`: part of the app's initial schema (makemigrations splits it into
        # 0001/0002 around circular foreign keys); its tables are empty when it runs.
        ops = [item if item.new else evolve(item, new=True) for item in ops]
    return Unit(
        path=path, form=DJANGO, tool="django", name=parts[-1][:-3], stream="/".join(parts[:-1]), ops=tuple(ops),
        errors=walker.errors, direction="both", app=app, line=migration.lineno, atomic=atomic,
        irreversible=tuple(walker.irreversible), **graph,  # type: ignore[arg-type]
    )


def _django_dependencies(node: ast.AST) -> tuple[tuple[str, str], ...]:
    """The (app, migration) pairs of a `dependencies` or `replaces` value: a list or tuple of
    pairs, `swappable_dependency(...)` calls, and concatenations of them (`[("helpdesk",
    "0027_x")] + settings.EXTRA_DEPENDENCIES`); every part that is not literal is UNKNOWN_DEPENDENCY."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _django_dependencies(node.left) + _django_dependencies(node.right)
    if not isinstance(node, (ast.List, ast.Tuple)):
        return (UNKNOWN_DEPENDENCY,)
    out = []
    for item in node.elts:
        value = const(item)
        if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
            out.append((value[0], value[1]))
        elif isinstance(item, ast.Call) and callee(item) == "swappable_dependency":
            out.append(("__swappable__", "__first__"))
        elif isinstance(item, ast.Starred):
            out.extend(_django_dependencies(item.value))
        else:
            out.append(UNKNOWN_DEPENDENCY)
    return tuple(out)


class _DjangoWalker:
    def __init__(self, text: str, app: str, functions: dict[str, ast.AST], dialect: str, atomic: bool) -> None:
        self.text = text
        self.app = app
        self.functions = functions
        self.dialect = dialect
        self.atomic = atomic
        self.ops: list[Operation] = []
        self.irreversible: list[Irreversible] = []
        self.errors = 0

    def add(self, item: Operation, call: ast.Call) -> None:
        self.ops.append(evolve(item, line=call.lineno, col=call.col_offset + 1, direction=UP, tx=self.atomic,
                               code=segment(self.text, call)))

    def operation(self, node: ast.AST, database: bool) -> None:
        if not isinstance(node, ast.Call):
            return
        name = callee(node) or ""
        if name == "SeparateDatabaseAndState":
            for element in _list(arg(node, 0, "database_operations")):
                self.operation(element, database=True)
            for element in _list(arg(node, 1, "state_operations")):
                self.operation(element, database=False)
            return
        handler = getattr(self, "op_" + name, None)
        if handler is not None:
            handler(node, database)

    def _model(self, call: ast.Call, position: int = 0, keyword: str = "model_name") -> str | None:
        return lower(const(arg(call, position, keyword)))

    # Models and fields
    def op_CreateModel(self, call: ast.Call, database: bool) -> None:
        options = arg(call, 3, "options")
        settings = {}
        if isinstance(options, ast.Dict):
            settings = {const(key): const(value) for key, value in zip(options.keys, options.values) if isinstance(const(key), str)}
        db_table = settings.get("db_table") if isinstance(settings.get("db_table"), str) else None
        fields = []
        for element in _list(arg(call, 1, "fields")):
            if isinstance(element, ast.Tuple) and len(element.elts) == 2:
                fname = const(element.elts[0])
                if isinstance(fname, str) and isinstance(element.elts[1], ast.Call):
                    fields.append(django_field(fname, element.elts[1]))
        table = self._model(call, 0, "name")
        # managed=False or proxy=True: Django never touches a table.
        unmanaged = settings.get("managed", True) is False or settings.get("proxy", False) is True
        self.add(Operation("create_table", table, columns=tuple(f.as_column() for f in fields if f.column),
                           fields=tuple(fields), aliases=((db_table or f"{self.app}_{table}").lower(),) if table else (),
                           unmanaged=unmanaged, db=database and not unmanaged), call)

    def op_DeleteModel(self, call: ast.Call, database: bool) -> None:
        self.add(Operation("drop_table", self._model(call, 0, "name"), db=database), call)

    def op_RenameModel(self, call: ast.Call, database: bool) -> None:
        self.add(Operation("rename_table", self._model(call, 0, "old_name"), to=self._model(call, 1, "new_name"), db=database), call)

    def op_AlterModelTable(self, call: ast.Call, database: bool) -> None:
        self.add(Operation("rename_table", self._model(call, 0, "name"), db=database), call)

    def op_AddField(self, call: ast.Call, database: bool) -> None:
        fname = const(arg(call, 1, "name"))
        field_call = arg(call, 2, "field")
        if not isinstance(field_call, ast.Call) or not isinstance(fname, str):
            return
        facts = django_field(fname, field_call)
        if not facts.column:
            return
        # Existing rows get a value; a custom field class may fill or null its column itself
        # (e.g. a NullCharField).
        default = (facts.default or facts.db_default or facts.auto_default or facts.blank_text
                   or facts.field_class not in DJANGO_DB_TYPES and not facts.null)
        self.add(Operation("add_column", self._model(call), column=fname.lower(), nullable=facts.null, default=default,
                           volatile=facts.db_default_volatile, generated=facts.generated, fk=facts.fk, unique=facts.unique,
                           index=facts.index, columns=(facts.as_column(),), callable_default=facts.callable_default,
                           field=facts, db=database), call)

    def op_RemoveField(self, call: ast.Call, database: bool) -> None:
        self.add(Operation("drop_column", self._model(call), column=lower(const(arg(call, 1, "name"))), db=database), call)

    def op_RenameField(self, call: ast.Call, database: bool) -> None:
        self.add(Operation("rename_column", self._model(call), column=lower(const(arg(call, 1, "old_name"))),
                           to=lower(const(arg(call, 2, "new_name"))), db=database), call)

    def op_AlterField(self, call: ast.Call, database: bool) -> None:
        fname = const(arg(call, 1, "name"))
        field_call = arg(call, 2, "field")
        if not isinstance(field_call, ast.Call) or not isinstance(fname, str):
            return
        self.add(Operation("alter_field", self._model(call), column=fname.lower(), field=django_field(fname, field_call),
                           db=database), call)

    # Indexes and constraints
    def _index(self, call: ast.Call, database: bool, concurrently: bool) -> None:
        index = arg(call, 1, "index")
        name = const(keyword_value(index, "name")) if isinstance(index, ast.Call) else None
        self.add(Operation("create_index", self._model(call), name=lower(name), concurrently=concurrently,
                           names=long_names(name), db=database), call)

    def op_AddIndex(self, call: ast.Call, database: bool) -> None:
        self._index(call, database, False)

    def op_AddIndexConcurrently(self, call: ast.Call, database: bool) -> None:
        self._index(call, database, True)

    def _remove_index(self, call: ast.Call, database: bool, concurrently: bool) -> None:
        self.add(Operation("drop_index", self._model(call), name=lower(const(arg(call, 1, "name"))), concurrently=concurrently,
                           db=database), call)

    def op_RemoveIndex(self, call: ast.Call, database: bool) -> None:
        self._remove_index(call, database, False)

    def op_RemoveIndexConcurrently(self, call: ast.Call, database: bool) -> None:
        self._remove_index(call, database, True)

    def op_AlterIndexTogether(self, call: ast.Call, database: bool) -> None:
        if _list(arg(call, 1, "index_together")):
            self.add(Operation("create_index", self._model(call, 0, "name"), db=database), call)

    def op_AlterUniqueTogether(self, call: ast.Call, database: bool) -> None:
        if _list(arg(call, 1, "unique_together")):
            self.add(Operation("add_constraint", self._model(call, 0, "name"), ctype="unique", db=database), call)

    def _constraint(self, call: ast.Call, database: bool, not_valid: bool) -> None:
        constraint = arg(call, 1, "constraint")
        kind = callee(constraint) if isinstance(constraint, ast.Call) else None
        name = const(keyword_value(constraint, "name")) if isinstance(constraint, ast.Call) else None
        self.add(Operation("add_constraint", self._model(call), ctype=CONSTRAINT_TYPES.get(kind or "", "other"),  # type: ignore[arg-type]
                           name=lower(name), not_valid=not_valid, names=long_names(name),
                           db=database), call)

    def op_AddConstraint(self, call: ast.Call, database: bool) -> None:
        self._constraint(call, database, False)

    def op_AddConstraintNotValid(self, call: ast.Call, database: bool) -> None:
        self._constraint(call, database, True)

    def op_ValidateConstraint(self, call: ast.Call, database: bool) -> None:
        self.add(Operation("validate_constraint", self._model(call), name=lower(const(arg(call, 1, "name"))), db=database), call)

    # Code
    def op_RunPython(self, call: ast.Call, database: bool) -> None:
        reverse = arg(call, 1, "reverse_code")
        code = arg(call, 0, "code")
        unpacked = any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords)
        if is_none(reverse) and not unpacked:  # `RunPython(*make_migration(fwd, back))` may carry it
            self.irreversible.append(Irreversible(call.lineno, call.col_offset + 1, segment(self.text, call), "RunPython", "reverse_code"))
        if not (isinstance(code, ast.Attribute) and code.attr == "noop"):
            self.add(Operation("run_python", models=self._models_touched(code), reverse=not is_none(reverse), db=database), call)

    def op_RunSQL(self, call: ast.Call, database: bool) -> None:
        reverse = arg(call, 1, "reverse_sql")
        if is_none(reverse):
            self.irreversible.append(Irreversible(call.lineno, call.col_offset + 1, segment(self.text, call), "RunSQL", "reverse_sql"))
        for direction, node in ((UP, arg(call, 0, "sql")), (DOWN, reverse)):
            for sql in _sql_strings(node):
                if sql == "":
                    continue
                found, _, errors, _ = sql_ops(sql, self.dialect, call.lineno, call.col_offset + 1, direction, self.atomic,
                                              code_line=call.lineno)
                self.errors += errors
                self.ops.extend(evolve(item, via="RunSQL", db=database) for item in found)
            if direction == UP and not _sql_strings(node) and node is not None and not (isinstance(node, ast.Attribute) and node.attr == "noop"):
                self.add(Operation("opaque", db=database), call)

    def _models_touched(self, code: ast.AST | None) -> tuple[str, ...]:
        function = self.functions.get(code.id) if isinstance(code, ast.Name) else None
        if function is None:
            return ()
        found = []
        for node in walk(function):
            if isinstance(node, ast.Call) and callee(node) == "get_model":
                values = [const(a) for a in node.args]
                if len(values) == 2 and isinstance(values[1], str):
                    found.append(values[1].lower())
                elif len(values) == 1 and isinstance(values[0], str) and "." in values[0]:
                    found.append(values[0].split(".")[-1].lower())
        return tuple(sorted(set(found)))


def _list(node: ast.AST | None) -> list[ast.AST]:
    return list(node.elts) if isinstance(node, (ast.List, ast.Tuple, ast.Set)) else []


def _sql_strings(node: ast.AST | None) -> list[str]:
    value = const(node)
    if isinstance(value, str):
        return [value]
    out = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, list) and item and isinstance(item[0], str):
                out.append(item[0])
    return out


def django_field(name: str, call: ast.Call) -> DjangoField:
    """What a Django field definition means for its column."""
    kind = callee(call) or ""
    default = keyword_value(call, "default")
    db_default = keyword_value(call, "db_default")
    primary = is_true(keyword_value(call, "primary_key"))
    fk = kind in FK_FIELDS
    unique = is_true(keyword_value(call, "unique")) or kind == "OneToOneField" or primary
    index = is_true(keyword_value(call, "db_index")) or (fk and not is_false(keyword_value(call, "db_index")))
    max_length = const(keyword_value(call, "max_length"))
    return DjangoField(
        name=name.lower(), line=call.lineno, field_class=kind,
        column=kind not in NO_COLUMN_FIELDS and not kind.startswith("Generic"),
        null=is_true(keyword_value(call, "null")) or kind in ALWAYS_NULL_FIELDS, default=default is not None, db_default=db_default is not None,
        db_default_volatile=isinstance(db_default, ast.Call) and callee(db_default) in ("RandomUUID", "Random"),
        callable_default=default is not None and not isinstance(default, (ast.Constant, ast.List, ast.Dict, ast.Tuple, ast.Call)),
        auto_default=is_true(keyword_value(call, "auto_now")) or is_true(keyword_value(call, "auto_now_add")) or kind.endswith("AutoField"),
        blank_text=is_true(keyword_value(call, "blank")) and kind in TEXT_FIELDS,
        generated=kind == "GeneratedField" and not is_false(keyword_value(call, "db_persist")),
        fk=fk and not is_false(keyword_value(call, "db_constraint")), unique=unique, index=index or unique,
        max_length=max_length if isinstance(max_length, int) else None,
        type={"FloatField": "float"}.get(kind, kind), pk=primary,
    )
