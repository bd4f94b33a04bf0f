"""The ORM model graph: models, their relations and managers, across files and apps.

Built once per scan by `ModelGraphProvider` (stdlib `ast`, no imports of the scanned code)
into the `orm_models` section of the project index, and read by the ORM rules through
`ModelGraph`. Covers Django models (ForeignKey / OneToOne / ManyToMany and their reverse
accessors, `related_name` or `<model>_set`, abstract bases, custom managers and querysets
with the eager loading their `get_queryset` applies) and SQLAlchemy declarative models (1.4
and 2.0 styles, Flask-SQLAlchemy): `relationship()` with `lazy=`, `uselist=`, `backref` and
`back_populates`, and ForeignKey columns.

Models are keyed by qualified name (`shop.models.Product`). A class name that several
definitions share (two services of one repository that both define `Product`) resolves to the
definition nearest the file that names it, or to the one its import points at; rules name
such a model by its qualified key, and every other model by its class name.

Each model also carries `hooks`: what runs on each instance write and makes a bulk write
wrong (an overridden `save()` / `delete()`, `pre_save` / `post_save` / delete signal receivers,
change logging such as django-simple-history or django-reversion) and `singleton` for
single-row tables (django-solo, or a `save()` that pins `self.pk = 1`), and `soft_delete`:
the flag column (`deleted_at`, `is_deleted`, ...) of a soft-delete model, its own or a base's.

`DrfSerializerProvider` records DRF serializers (`drf_serializers` section): the model, the
declared fields (nested serializers, dotted `source=`, related fields, method fields and
the relation chains their methods read), `Meta.fields` / `Meta.depth` / `Meta.exclude`,
and the read-only fields (`read_only_fields`, `extra_kwargs` with `read_only`).
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

from reviewer.astfacts import dotted_name, keyword_value, nodes_of, tail_name, walk
from reviewer.discovery import in_migrations_package
from reviewer.model import FileKind
from reviewer.names import module_name_for
from reviewer.provider import EMPTY_MAP, FrozenMap, IndexProvider

# Django relation fields (last name of the callee) -> relation kind.
DJANGO_RELATIONS = {
    "ForeignKey": "fk",
    "OneToOneField": "o2o",
    "ManyToManyField": "m2m",
    "ParentalKey": "fk",
    "ParentalManyToManyField": "m2m",
    "TreeForeignKey": "fk",
    "TreeOneToOneField": "o2o",
    "TreeManyToManyField": "m2m",
    "GenericForeignKey": "generic",
    "GenericRelation": "m2m_generic",
}
# Relation kinds that hold many rows (a manager / a collection) per parent.
MANY_KINDS = frozenset({"m2m", "reverse_fk", "reverse_m2m", "m2m_generic", "collection"})
# SQLAlchemy lazy strategies that do not issue a query per parent when the attribute is read.
EAGER_LAZY = frozenset({"joined", "selectin", "subquery", "immediate", "raise", "raise_on_sql", "noload", "False"})
DJANGO_FIELD_MODULES = ("models", "fields")
# Signals that run per saved / deleted instance: a bulk write skips them.
INSTANCE_SIGNALS = frozenset({"pre_save", "post_save", "pre_delete", "post_delete"})
# Change logging that records each instance write (django-simple-history, django-reversion,
# django-auditlog, django-pghistory): bulk writes bypass it.
CHANGE_LOGGERS = frozenset({"HistoricalRecords", "AuditlogHistoryField"})
LOGGER_MODULES = ("reversion", "auditlog", "pghistory", "simple_history", "actstream")
# Columns that flag a row as deleted without removing it (a soft-delete model).
SOFT_DELETE_FIELDS = frozenset({"deleted_at", "deleted_on", "is_deleted", "deleted", "is_removed", "removed_at", "date_deleted"})
# Single-row tables: django-solo and its lookalikes.
SINGLETON_BASES = ("SingletonModel", "SoloModel", "SingletonMixin", "Singleton")


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _classes(body: list[ast.stmt]) -> list[ast.ClassDef]:
    """Module-level classes, including those under `if` / `try` (django-oscar registers its
    concrete models inside `if not is_model_registered(...)`)."""
    found: list[ast.ClassDef] = []
    for statement in body:
        if isinstance(statement, ast.ClassDef):
            found.append(statement)
        elif isinstance(statement, ast.If):
            found.extend(_classes(statement.body))
            found.extend(_classes(statement.orelse))
        elif isinstance(statement, ast.Try):
            found.extend(_classes(statement.body))
    return found


def _target_name(node: ast.AST | None, owner: str) -> str | None:
    """The model a relation points at: `Customer`, `"Customer"`, `"shop.Customer"`, `"self"`."""
    if node is None:
        return None
    text = _string(node)
    if text is not None:
        if text == "self":
            return owner
        return text.rsplit(".", 1)[-1] or None
    if tail_name(node) == "AUTH_USER_MODEL":
        return "User"
    return tail_name(node)


def _pins_primary_key(save: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """`self.pk = 1` in `save()`: the table holds one row (a settings singleton)."""
    for node in walk(save):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value == 1:
            if any(isinstance(t, ast.Attribute) and t.attr in ("pk", "id") and tail_name(t.value) == "self" for t in node.targets):
                return True
    return False


def _instance_hooks(tree: ast.Module) -> dict[str, list[str]]:
    """Model name -> what runs on each instance write, declared outside the model: signal
    receivers (`post_save.connect(f, sender=M)`, `@receiver(pre_delete, sender=M)`; `*` for a
    receiver with no sender, which runs for every model) and change logging registrations
    (`auditlog.register(M)`, `reversion.register(M)`)."""
    hooks: dict[str, set[str]] = {}
    for node in nodes_of(tree, ast.FunctionDef, ast.AsyncFunctionDef, ast.Call):
        calls: list[tuple[ast.Call, str]] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            calls = [(d, "receiver") for d in node.decorator_list if isinstance(d, ast.Call) and tail_name(d.func) == "receiver"]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("connect", "register"):
            calls = [(node, node.func.attr)]
        for call, kind in calls:
            if kind == "register":
                owner = dotted_name(call.func) or ""
                if owner.split(".")[0] in LOGGER_MODULES and call.args:
                    model = tail_name(call.args[0])
                    if model:
                        hooks.setdefault(model, set()).add("change-log")
                continue
            signals = call.args[:1] if kind == "receiver" else [call.func.value]  # type: ignore[attr-defined]
            names = {tail_name(e) for signal in signals for e in (signal.elts if isinstance(signal, (ast.List, ast.Tuple)) else [signal])}
            sender = tail_name(keyword_value(call, "sender")) if keyword_value(call, "sender") is not None else None
            for name in names & INSTANCE_SIGNALS:
                # No sender: the receiver runs for every model (netbox's change logging).
                hooks.setdefault(sender or "*", set()).add(name)
    return {model: sorted(kinds) for model, kinds in sorted(hooks.items())}


def eager_of_chain(node: ast.AST) -> list[list[str]] | None:
    """Eager paths (`select_related` / `prefetch_related` string arguments) along a call
    chain, as lists of names; None when an argument is not a literal."""
    paths: list[list[str]] = []
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        method = node.func.attr
        if method in ("select_related", "prefetch_related"):
            for argument in node.args:
                text = _string(argument)
                if text is None and isinstance(argument, ast.Call) and tail_name(argument.func) == "Prefetch" and argument.args:
                    text = _string(argument.args[0])
                if text is None:
                    return None
                paths.append(text.split("__"))
        node = node.func.value
    return paths


# --------------------------------------------------------------------------------------------
# collection


def _annotation_target(annotation: ast.AST | None) -> tuple[str | None, bool | None]:
    """`Mapped[list["Order"]]` -> ("Order", True); `Mapped["Customer"]` -> ("Customer", False)."""
    if not isinstance(annotation, ast.Subscript) or tail_name(annotation.value) != "Mapped":
        return None, None
    inner = annotation.slice
    many = False
    if isinstance(inner, ast.Subscript) and tail_name(inner.value) in ("list", "List", "set", "Set", "Sequence", "WriteOnlyMapped", "DynamicMapped"):
        many = True
        inner = inner.slice
    if isinstance(inner, ast.Subscript) and tail_name(inner.value) == "Optional":
        inner = inner.slice
    if isinstance(inner, ast.BinOp):  # "X | None"
        inner = inner.left
    text = _string(inner)
    if text is not None:
        text = text.replace("Optional[", "").rstrip("]").split("|")[0].strip()
        return text.rsplit(".", 1)[-1], many
    name = tail_name(inner)
    return name, many


def _sqlalchemy_relation(call: ast.Call, annotation: ast.AST | None) -> dict[str, Any] | None:
    target, many = _annotation_target(annotation)
    if call.args:
        named = _target_name(call.args[0], "")
        if named:
            target = named
    target = target or _target_name(keyword_value(call, "argument"), "")
    lazy_node = keyword_value(call, "lazy")
    lazy = None
    if isinstance(lazy_node, ast.Constant):
        lazy = str(lazy_node.value)
    uselist = keyword_value(call, "uselist")
    if isinstance(uselist, ast.Constant) and isinstance(uselist.value, bool):
        many = uselist.value
    backref = keyword_value(call, "backref")
    backref_name = _string(backref)
    backref_lazy = None
    if backref_name is None and isinstance(backref, ast.Call) and backref.args:
        backref_name = _string(backref.args[0])
        node = keyword_value(backref, "lazy")
        backref_lazy = str(node.value) if isinstance(node, ast.Constant) else None
    relation: dict[str, Any] = {"kind": "collection" if many else "scalar", "target": target, "lazy": lazy, "line": call.lineno}
    if many is None:
        relation["kind"] = "unknown"
    if backref_name:
        relation["backref"] = backref_name
        relation["backref_lazy"] = backref_lazy
    back = _string(keyword_value(call, "back_populates"))
    if back:
        relation["back_populates"] = back
    return relation


class ModelGraphProvider(IndexProvider):
    """Per file: the classes that look like ORM models or managers, with their relations."""

    name = "orm_models"
    triggers = ("ForeignKey", "ManyToManyField", "OneToOneField", "relationship", "ParentalKey", "Model", "Manager", "QuerySet", "mapped_column", "Column(",
                "receiver", "connect(", "register(")
    file_kinds = frozenset({FileKind.PYTHON})

    def collect(self, path: str, kind: FileKind, text: str, tree: ast.Module | None) -> Any:
        if tree is None or in_migrations_package(path):
            return None  # migrations declare frozen shadow copies of models
        classes: dict[str, Any] = {}
        aliases: dict[str, str] = {}
        for statement in tree.body:
            # `Product = get_model("catalogue", "Product")` (django-oscar), `apps.get_model(...)`.
            if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call):
                func = tail_name(statement.value.func)
                if func in ("get_model", "get_class") and len(statement.value.args) >= 2:
                    model = _string(statement.value.args[1])
                    for target in statement.targets:
                        if isinstance(target, ast.Name) and model:
                            aliases[target.id] = model
        for node in _classes(tree.body):
            facts = self._class(node)
            if facts is not None:
                facts["path"] = path
                facts["modules"] = [module_name_for(path)]
                classes[node.name] = facts
        hooks = _instance_hooks(tree)
        if not classes and not aliases and not hooks:
            return None
        return {"classes": classes, "aliases": aliases, "hooks": hooks}

    def _class(self, node: ast.ClassDef) -> dict[str, Any] | None:
        bases = [b for b in (dotted_name(base) for base in node.bases) if b]
        relations: dict[str, Any] = {}
        managers: dict[str, str] = {}
        methods: dict[str, Any] = {}
        columns: list[str] = []
        abstract = False
        soft_delete: str | None = None
        markers = 0
        hooks: set[str] = set()
        if any(b.rsplit(".", 1)[-1] in SINGLETON_BASES for b in bases):
            hooks.add("singleton")
        for decorator in node.decorator_list:
            name = dotted_name(decorator.func if isinstance(decorator, ast.Call) else decorator) or ""
            if name.split(".")[0] in LOGGER_MODULES and name.endswith("register"):
                hooks.add("change-log")
        for statement in node.body:
            target: str | None = None
            value: ast.AST | None = None
            annotation: ast.AST | None = None
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
                target, value = statement.targets[0].id, statement.value
            elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                target, value, annotation = statement.target.id, statement.value, statement.annotation
            elif isinstance(statement, ast.ClassDef) and statement.name == "Meta":
                for item in statement.body:
                    if (
                        isinstance(item, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == "abstract" for t in item.targets)
                        and isinstance(item.value, ast.Constant)
                        and item.value.value is True
                    ):
                        abstract = True
                continue
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if statement.name in ("save", "delete"):
                    hooks.add(statement.name)
                    if statement.name == "save" and _pins_primary_key(statement):
                        hooks.add("singleton")
                returned = [n.value for n in walk(statement) if isinstance(n, ast.Return) and n.value is not None]
                if returned:
                    eager = eager_of_chain(returned[0])
                    methods[statement.name] = eager if len(returned) == 1 else None
                continue
            else:
                continue
            if target == "__tablename__":
                markers += 1
                continue
            if not isinstance(value, ast.Call):
                if annotation is not None and _annotation_target(annotation)[0] is not None:
                    markers += 1
                continue
            callee = tail_name(value.func)
            if target in SOFT_DELETE_FIELDS and callee is not None and (callee.endswith("Field") or callee in ("Column", "mapped_column")):
                soft_delete = target
            if callee in CHANGE_LOGGERS:
                hooks.add("change-log")
            if callee in DJANGO_RELATIONS:
                kind = DJANGO_RELATIONS[callee]
                to = value.args[0] if value.args else keyword_value(value, "to")
                relation: dict[str, Any] = {"kind": kind, "target": _target_name(to, node.name) if kind != "generic" else None, "line": value.lineno}
                related = _string(keyword_value(value, "related_name"))
                if related is not None:
                    relation["related_name"] = related
                relations[target] = relation
                markers += 1
            elif callee == "relationship":
                relation = _sqlalchemy_relation(value, annotation)
                if relation is not None:
                    relations[target] = relation
                    markers += 1
            elif callee in ("Column", "mapped_column"):
                markers += 1
                if any(isinstance(a, ast.Call) and tail_name(a.func) == "ForeignKey" for a in value.args):
                    columns.append(target)
            elif callee is not None and (callee.endswith("Manager") or callee in ("as_manager", "from_queryset")):
                managers[target] = self._manager_class(value)
            elif isinstance(value.func, ast.Call) and tail_name(value.func.func) == "from_queryset" and value.func.args:
                managers[target] = tail_name(value.func.args[0]) or ""
            elif isinstance(value.func, ast.Attribute) and value.func.attr.endswith("Field"):
                markers += 1
        is_manager = any(b.rsplit(".", 1)[-1].endswith(("Manager", "QuerySet")) for b in bases)
        if not (relations or markers or managers or is_manager or any(b.rsplit(".", 1)[-1].endswith("Model") for b in bases)):
            return None
        facts: dict[str, Any] = {"line": node.lineno, "bases": [b.rsplit(".", 1)[-1] for b in bases]}
        if relations:
            facts["relations"] = relations
        if columns:
            facts["fk_columns"] = columns
        if managers:
            facts["managers"] = managers
        if is_manager:
            facts["manager"] = True
            facts["methods"] = methods
        if abstract:
            facts["abstract"] = True
        if hooks:
            facts["hooks"] = sorted(hooks)
        if soft_delete:
            facts["soft_delete"] = soft_delete
        facts["framework"] = self._framework(bases, relations, node)
        return facts

    @staticmethod
    def _manager_class(value: ast.Call) -> str:
        callee = tail_name(value.func)
        if callee == "as_manager" and isinstance(value.func, ast.Attribute):
            return tail_name(value.func.value) or ""
        if callee == "from_queryset" and value.args:
            return tail_name(value.args[0]) or ""
        return callee or ""

    @staticmethod
    def _framework(bases: list[str], relations: dict[str, Any], node: ast.ClassDef) -> str:
        if any(r["kind"] in ("collection", "scalar", "unknown") for r in relations.values()):
            return "sqlalchemy"
        if any(r["kind"] in DJANGO_RELATIONS.values() for r in relations.values()):
            return "django"
        for statement in node.body:
            if isinstance(statement, (ast.Assign, ast.AnnAssign)):
                value = statement.value
                if isinstance(value, ast.Call):
                    if tail_name(value.func) in ("Column", "mapped_column"):
                        return "sqlalchemy"
                    if isinstance(value.func, ast.Attribute) and dotted_name(value.func.value) in DJANGO_FIELD_MODULES:
                        return "django"
            if isinstance(statement, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in statement.targets):
                return "sqlalchemy"
        if any(b in ("models.Model", "Model") or b.endswith(".models.Model") for b in bases):
            return "django"
        return ""

    def merge(self, facts: Mapping[str, Any]) -> Any:
        return merge_models({path: FileModels.from_json(data) for path, data in facts.items()})


def merge_models(files: Mapping[str, "FileModels"]) -> "OrmModels":
    """The section from every file's models, keyed by qualified name."""
    classes: dict[str, ModelClassFacts] = {}
    aliases: dict[str, str] = {}
    external: list[tuple[str, str, tuple[str, ...]]] = []  # (file, model name, hooks)
    for path in sorted(files):
        data = files[path]
        aliases.update(data.aliases)
        for model, kinds in data.hooks.items():
            external.append((path, model, kinds))
        module = module_name_for(path)
        for name, cls in data.classes.items():
            classes[f"{module}.{name}"] = cls
    return build_graph(classes, aliases, external)


def _shared_prefix(a: str, b: str) -> int:
    count = 0
    for left, right in zip(a.split("/"), b.split("/")):
        if left != right:
            break
        count += 1
    return count


class _Names:
    """Simple class name -> the qualified keys defining it, and the choice between them: the
    definition closest (by folder) to the file that names it, so that two services of one
    repository that both define `Product` keep their own."""

    def __init__(self, paths: Mapping[str, str], by_name: Mapping[str, Any] | None = None) -> None:
        self.paths = paths
        if by_name is None:
            found: dict[str, list[str]] = {}
            for key in sorted(paths):
                found.setdefault(key.rsplit(".", 1)[-1], []).append(key)
            by_name = found
        self.by_name: Mapping[str, Any] = by_name

    def resolve(self, name: str | None, near: str) -> str | None:
        if not name:
            return None
        if name in self.paths:
            return name
        candidates = self.by_name.get(name.rsplit(".", 1)[-1], [])
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        return max(candidates, key=lambda key: _shared_prefix(self.paths[key], near))

    def public(self, key: str) -> str:
        """How rules name a model: its class name, or its qualified key when the name is shared."""
        simple = key.rsplit(".", 1)[-1]
        return simple if len(self.by_name.get(simple, [])) <= 1 else key


def build_graph(
    classes: Mapping[str, "ModelClassFacts"], aliases: Mapping[str, str], external: list[tuple[str, str, tuple[str, ...]]] = ()  # type: ignore[assignment]
) -> "OrmModels":
    """Resolve inheritance, hooks and reverse accessors into the typed section. Classes are
    keyed by qualified name (`shop.models.Product`); names in relations and bases resolve to the
    definition nearest the file that wrote them."""
    models: dict[str, dict[str, Any]] = {}
    managers: dict[str, ManagerFacts] = {}
    names = _Names({key: cls.path for key, cls in classes.items()})
    added: dict[str, set[str]] = {}  # hooks a receiver or a registration in another file adds
    for path, model, kinds in external:
        keys = [k for k in classes if not classes[k].manager] if model == "*" else [names.resolve(model, path)]
        for key in keys:
            if key is not None:
                added.setdefault(key, set()).update(kinds)

    def inherited(key: str, seen: frozenset[str] = frozenset()) -> tuple[dict[str, RelationFacts], dict[str, str], str, set[str]]:
        cls = classes.get(key)
        if cls is None or key in seen:
            return {}, {}, "", set()
        relations: dict[str, RelationFacts] = {}
        owned_managers: dict[str, str] = {}
        framework = cls.framework
        hooks: set[str] = set(cls.hooks) | added.get(key, set())
        for base in cls.bases:
            base_key = names.resolve(base, cls.path)
            if base_key is not None and base_key != key and not classes[base_key].manager:
                rel, man, fw, base_hooks = inherited(base_key, seen | {key})
                relations.update(rel)
                owned_managers.update(man)
                framework = framework or fw
                hooks |= base_hooks
        relations.update(cls.relations)
        owned_managers.update(cls.managers)
        return relations, owned_managers, framework, hooks

    def soft_delete(key: str, seen: frozenset[str] = frozenset()) -> str | None:
        cls = classes.get(key)
        if cls is None or key in seen:
            return None
        if cls.soft_delete:
            return cls.soft_delete
        bases = (names.resolve(base, cls.path) for base in cls.bases)
        return next((flag for flag in (soft_delete(b, seen | {key}) for b in bases if b) if flag), None)

    for key, cls in classes.items():
        if cls.manager:
            managers.setdefault(key.rsplit(".", 1)[-1], ManagerFacts(cls.bases, cls.methods))
            continue
        relations, owned_managers, framework, hooks = inherited(key)
        if not framework:
            continue
        models[key] = {
            "path": cls.path, "line": cls.line, "framework": framework, "abstract": cls.abstract, "relations": relations,
            "managers": owned_managers, "fk_columns": cls.fk_columns, "modules": cls.modules, "hooks": tuple(sorted(hooks)),
            "soft_delete": soft_delete(key),
        }
    names = _Names({key: model["path"] for key, model in models.items()})
    for model in models.values():
        for attr, relation in model["relations"].items():
            target = names.resolve(relation.target, model["path"])
            if target is not None:
                model["relations"][attr] = dataclasses.replace(relation, target=names.public(target))
    # Reverse accessors.
    for key, model in list(models.items()):
        if model["abstract"]:
            continue
        name = key.rsplit(".", 1)[-1]
        for attr, relation in list(model["relations"].items()):
            target_key = names.resolve(relation.target, model["path"])
            target = models.get(target_key) if target_key is not None else None
            if target is None:
                continue
            kind = relation.kind
            if model["framework"] == "django" and kind in ("fk", "o2o", "m2m"):
                related = relation.related_name
                if related is None:
                    related = name.lower() if kind == "o2o" else f"{name.lower()}_set"
                related = related.replace("%(class)s", name.lower())
                if not related or related.endswith("+") or "%(" in related:
                    continue
                reverse = {"fk": "reverse_fk", "o2o": "reverse_o2o", "m2m": "reverse_m2m"}[kind]
                target["relations"].setdefault(related, RelationFacts(reverse, names.public(key), relation.line, reverse_of=attr))
            elif model["framework"] == "sqlalchemy" and relation.backref:
                reverse_kind = "scalar" if kind == "collection" else "collection"
                target["relations"].setdefault(relation.backref, RelationFacts(reverse_kind, names.public(key), relation.line, lazy=relation.backref_lazy))
    return OrmModels.of(models, managers, aliases)


# --------------------------------------------------------------------------------------------
# The typed model: per-file facts (FileModels: JSON only in the index cache) and the
# `orm_models` section (OrmModels) that rules read through ModelGraph.


@dataclass(frozen=True, slots=True)
class RelationFacts:
    """A relation attribute of a model, as declared (or the reverse accessor another declares)."""

    kind: str  # fk, o2o, m2m, generic, m2m_generic, reverse_*, scalar, collection, unknown
    target: str | None  # how rules name the target model (its class name, or its key when shared)
    line: int = 0
    lazy: str | None = None  # SQLAlchemy `lazy=`
    related_name: str | None = None  # Django `related_name=`
    backref: str | None = None  # SQLAlchemy `backref=`, with its `lazy=`
    backref_lazy: str | None = None
    back_populates: str | None = None
    reverse_of: str | None = None  # a Django reverse accessor: the attribute it reverses

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "target": self.target, "line": self.line}
        for name in ("lazy", "related_name", "backref", "backref_lazy", "back_populates", "reverse_of"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "RelationFacts":
        return RelationFacts(**data)


@dataclass(frozen=True, slots=True)
class ModelClassFacts:
    """A class of one file that looks like a model, a manager or a queryset, as declared there
    (bases by simple name: the merge resolves them across files)."""

    path: str
    line: int
    bases: tuple[str, ...]
    framework: str  # django, sqlalchemy, or "" (known through a base)
    modules: tuple[str, ...] = ()
    relations: FrozenMap = EMPTY_MAP  # attribute -> RelationFacts
    fk_columns: tuple[str, ...] = ()
    managers: FrozenMap = EMPTY_MAP  # attribute -> manager / queryset class name
    manager: bool = False  # a manager or queryset class
    methods: FrozenMap = EMPTY_MAP  # a manager's: name -> eager paths, or None
    abstract: bool = False
    hooks: tuple[str, ...] = ()
    soft_delete: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"line": self.line, "bases": list(self.bases)}
        if self.relations:
            data["relations"] = {attr: relation.to_json() for attr, relation in self.relations.items()}
        if self.fk_columns:
            data["fk_columns"] = list(self.fk_columns)
        if self.managers:
            data["managers"] = dict(self.managers)
        if self.manager:
            data["manager"] = True
            data["methods"] = {name: [list(path) for path in paths] if paths is not None else None for name, paths in self.methods.items()}
        if self.abstract:
            data["abstract"] = True
        if self.hooks:
            data["hooks"] = list(self.hooks)
        if self.soft_delete:
            data["soft_delete"] = self.soft_delete
        data["framework"] = self.framework
        data["path"] = self.path
        data["modules"] = list(self.modules)
        return data

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "ModelClassFacts":
        return ModelClassFacts(
            data["path"], data["line"], tuple(data["bases"]), data["framework"], tuple(data.get("modules", ())),
            FrozenMap((attr, RelationFacts.from_json(relation)) for attr, relation in data.get("relations", {}).items()),
            tuple(data.get("fk_columns", ())), FrozenMap(data.get("managers", {})), bool(data.get("manager")),
            FrozenMap(
                (name, tuple(tuple(path) for path in paths) if paths is not None else None) for name, paths in data.get("methods", {}).items()
            ),
            bool(data.get("abstract")), tuple(data.get("hooks", ())), data.get("soft_delete"),
        )


@dataclass(frozen=True, slots=True)
class FileModels:
    """The per-file facts: model classes by name, `X = get_model(app, "X")` aliases, and the
    hooks this file adds to models (signal receivers, change-log registrations; "*": every
    model). `ModelGraphProvider.collect` writes the cache form (`to_json`) directly; the merge
    reads it back with `from_json`."""

    classes: FrozenMap = EMPTY_MAP  # class name -> ModelClassFacts
    aliases: FrozenMap = EMPTY_MAP
    hooks: FrozenMap = EMPTY_MAP  # model name -> hook kinds

    def to_json(self) -> dict[str, Any]:
        return {
            "classes": {name: cls.to_json() for name, cls in self.classes.items()},
            "aliases": dict(self.aliases),
            "hooks": {model: list(kinds) for model, kinds in self.hooks.items()},
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "FileModels":
        return FileModels(
            FrozenMap((name, ModelClassFacts.from_json(cls)) for name, cls in data["classes"].items()),
            FrozenMap(data.get("aliases", {})),
            FrozenMap((model, tuple(kinds)) for model, kinds in data.get("hooks", {}).items()),
        )


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """A model, with what it inherits from project base classes."""

    path: str
    line: int
    framework: str  # django, sqlalchemy
    abstract: bool
    relations: FrozenMap  # attribute -> RelationFacts
    managers: FrozenMap  # attribute -> manager / queryset class name
    fk_columns: tuple[str, ...]
    modules: tuple[str, ...]
    hooks: tuple[str, ...]  # sorted: save, delete, pre_save ..., change-log, singleton
    soft_delete: str | None  # the soft-delete flag column, its own or a base's


@dataclass(frozen=True, slots=True)
class ManagerFacts:
    """A custom manager or queryset class: its bases (class names) and, per method, the eager
    paths its returned chain applies (None when they are not literal)."""

    bases: tuple[str, ...] = ()
    methods: FrozenMap = EMPTY_MAP  # name -> tuple of paths (tuples of names), or None


PLAIN_MANAGER = ManagerFacts()  # `objects` and the other managers Django gives every model


@dataclass(frozen=True, slots=True)
class OrmModels:
    """The `orm_models` section: models by qualified key, managers by class name, the
    `get_model(...)` aliases, and the keys defining each class name."""

    models: FrozenMap = EMPTY_MAP
    managers: FrozenMap = EMPTY_MAP
    aliases: FrozenMap = EMPTY_MAP
    by_name: FrozenMap = EMPTY_MAP  # class name -> the keys defining it, sorted

    @staticmethod
    def of(models: Mapping[str, Mapping[str, Any]], managers: Mapping[str, ManagerFacts], aliases: Mapping[str, str]) -> "OrmModels":
        """The section from the merge's working records (each model's fields by name)."""
        typed = FrozenMap(
            (key, ModelFacts(**{**model, "relations": FrozenMap(model["relations"]), "managers": FrozenMap(model["managers"])}))
            for key, model in models.items()
        )
        by_name: dict[str, list[str]] = {}
        for key in sorted(typed):
            by_name.setdefault(key.rsplit(".", 1)[-1], []).append(key)
        return OrmModels(typed, FrozenMap(managers), FrozenMap(aliases), FrozenMap((name, tuple(keys)) for name, keys in by_name.items()))


# --------------------------------------------------------------------------------------------
# querying


@dataclass(frozen=True)
class Relation:
    model: str  # the model that owns the attribute
    attr: str
    kind: str  # fk, o2o, m2m, reverse_fk, reverse_o2o, reverse_m2m, generic, scalar, collection
    target: str | None
    lazy: str | None
    framework: str

    @property
    def many(self) -> bool:
        return self.kind in MANY_KINDS

    @property
    def eager_by_mapping(self) -> bool:
        """The mapping itself loads it with the parent (or forbids lazy loads)."""
        return self.lazy is not None and self.lazy in EAGER_LAZY

    @property
    def dynamic(self) -> bool:
        return self.lazy in ("dynamic", "write_only")


EMPTY_MODELS = OrmModels()
ModelGraphProvider.empty = EMPTY_MODELS  # the provider is defined above the section's types


class _ModelPaths(Mapping[str, str]):
    """Model key -> its file, read from the section's models (no copy per file)."""

    __slots__ = ("models",)

    def __init__(self, models: Mapping[str, ModelFacts]) -> None:
        self.models = models

    def __getitem__(self, key: str) -> str:
        return self.models[key].path

    def __iter__(self):
        return iter(self.models)

    def __len__(self) -> int:
        return len(self.models)

    def __contains__(self, key: object) -> bool:
        return key in self.models


class ModelGraph:
    """Read access to the `orm_models` section."""

    def __init__(self, section: OrmModels | None, path: str = "") -> None:
        section = section or EMPTY_MODELS
        self.models: Mapping[str, ModelFacts] = section.models
        self.managers: Mapping[str, ManagerFacts] = section.managers
        self.aliases: Mapping[str, str] = section.aliases
        self.path = path  # the file whose names are resolved
        self._names = _Names(_ModelPaths(self.models), section.by_name)

    def __bool__(self) -> bool:
        return bool(self.models)

    def model(self, name: str | None) -> ModelFacts | None:
        key = self._names.resolve(name, self.path)
        return self.models.get(key) if key is not None else None

    def key(self, name: str | None) -> str | None:
        """The qualified key (`shop.models.Order`) of the model a name refers to."""
        return self._names.resolve(name, self.path)

    def name_for(self, name: str, module: str = "") -> str | None:
        """How rules name the model a class name (imported from `module`, if known) refers to:
        its class name, or its qualified key when several definitions share the name."""
        candidates = self._names.by_name.get(name, [])
        if len(candidates) <= 1:
            return name if candidates else None
        matching = [key for key in candidates if module and self._defines(self.models[key], module)] or candidates
        return max(matching, key=lambda key: _shared_prefix(self.models[key].path, self.path))

    def defined_in(self, name: str, module: str) -> bool:
        """Whether the model `name` can be what `module` exports: the module defining it, or
        a package above it (`airflow.models` re-exports `airflow.models.dagrun`), allowing
        for a source root prefix (`src.`) on the defining module."""
        facts = self.model(name)
        if facts is None:
            return False
        candidates = self._names.by_name.get(name.rsplit(".", 1)[-1], [])
        return any(self._defines(self.models[key], module) for key in candidates) if name not in self.models else self._defines(facts, module)

    @staticmethod
    def _defines(facts: ModelFacts, module: str) -> bool:
        for defining in facts.modules:
            parts = defining.split(".")
            for start in range(len(parts)):
                candidate = ".".join(parts[start:])
                if candidate == module or candidate.startswith(module + "."):
                    return True
        return False

    def framework(self, name: str) -> str:
        model = self.model(name)
        return model.framework if model else ""

    def per_instance_write(self, name: str | None, method: str) -> str | None:
        """Why a write of `method` (`save`, `delete`, `create`) on model `name` must go row by row
        through the model, or None: an overridden `save()`/`delete()`, signal receivers, change
        logging (bulk writes skip all three), or a single-row table (nothing to batch)."""
        facts = self.model(name)
        if facts is None:
            return None
        hooks = set(facts.hooks)
        if "singleton" in hooks:
            return f"`{name}` is a single-row table"
        if method == "delete":
            # A queryset `delete()` still sends the delete signals: only an override is skipped.
            return f"`{name}` overrides `delete()`" if "delete" in hooks else None
        if "save" in hooks:
            return f"`{name}` overrides `save()`"
        signals = sorted(hooks & {"pre_save", "post_save"})
        if signals:
            return f"`{name}` has `{signals[0]}` receivers"
        if "change-log" in hooks:
            return f"`{name}` logs each change"
        return None

    def relation(self, model: str | None, attr: str) -> Relation | None:
        facts = self.model(model)
        if facts is None:
            return None
        relation = facts.relations.get(attr)
        if relation is None:
            return None
        return Relation(model or "", attr, relation.kind, relation.target, relation.lazy, facts.framework)

    def manager(self, model: str, attr: str) -> ManagerFacts | None:
        """The manager/queryset class behind `Model.<attr>` (PLAIN_MANAGER for a plain manager,
        or a custom class not in the project), or None when `attr` is not a manager of the model."""
        facts = self.model(model)
        if facts is None:
            return None
        cls = facts.managers.get(attr)
        if cls is None:
            return PLAIN_MANAGER if attr in ("objects", "_default_manager", "_base_manager") else None
        return self.managers.get(cls, PLAIN_MANAGER)

    def manager_method(
        self, manager: ManagerFacts | None, method: str, seen: frozenset[str] = frozenset()
    ) -> tuple[bool, tuple[tuple[str, ...], ...] | None]:
        """(known, eager paths) of a custom manager/queryset method, following its bases."""
        if manager is None:
            return False, None
        methods = manager.methods
        if method in methods:
            return True, methods[method]
        for base in manager.bases:
            if base in self.managers and base not in seen:
                found = self.manager_method(self.managers[base], method, seen | {base})
                if found[0]:
                    return found
        return False, None


# --------------------------------------------------------------------------------------------
# DRF serializers

RELATED_FIELDS = frozenset(
    {
        "StringRelatedField", "SlugRelatedField", "HyperlinkedRelatedField", "PrimaryKeyRelatedField",
        "HyperlinkedIdentityField", "ManyRelatedField",
    }
)


def _attribute_chain(node: ast.AST) -> list[str] | None:
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        names.append(node.id)
        return names[::-1]
    return None


@dataclass(frozen=True, slots=True)
class FieldRead:
    """An attribute chain a method field reads from its object (`obj.reviews.count()`:
    chain ("reviews",), call "count")."""

    chain: tuple[str, ...]
    call: str | None
    line: int


@dataclass(frozen=True, slots=True)
class SerializerField:
    """A declared serializer field: `kind` is method, related, nested or plain."""

    kind: str
    line: int
    source: str | None = None  # `source=`, dotted
    many: bool = False
    reads: tuple[FieldRead, ...] = ()  # a method field's reads
    field_class: str | None = None  # a related field's class (PrimaryKeyRelatedField ...)
    serializer: str | None = None  # a nested field's serializer class


@dataclass(frozen=True, slots=True)
class SerializerFacts:
    """A DRF serializer class: its model, declared fields and `Meta` options."""

    path: str
    line: int
    bases: tuple[str, ...]
    fields: FrozenMap  # attribute -> SerializerField
    model: str | None = None
    meta_fields: tuple[str, ...] | str | None = None  # a list of names, "__all__", or not set
    depth: int = 0
    exclude: tuple[str, ...] | None = None
    read_only: tuple[str, ...] = ()

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "SerializerFacts":
        """The typed record of the facts `DrfSerializerProvider.collect` writes for a class."""
        meta = data["meta_fields"]
        return SerializerFacts(
            data["path"], data["line"], tuple(data["bases"]),
            FrozenMap(
                (attr, SerializerField(
                    field["kind"], field["line"], field.get("source"), bool(field.get("many")),
                    tuple(FieldRead(tuple(read["chain"]), read["call"], read["line"]) for read in field.get("reads", ())),
                    field.get("class"), field.get("serializer"),
                ))
                for attr, field in data["fields"].items()
            ),
            data.get("model"), tuple(meta) if isinstance(meta, list) else meta, data.get("depth", 0),
            tuple(data["exclude"]) if "exclude" in data else None, tuple(data.get("read_only", ())),
        )

    def to_json(self) -> dict[str, Any]:
        """The facts `collect` writes for the class (the index cache's form)."""
        fields = {}
        for attr, field in self.fields.items():
            entry: dict[str, Any] = {"line": field.line, "source": field.source, "many": field.many, "kind": field.kind}
            if field.kind == "method":
                entry["reads"] = [{"chain": list(read.chain), "call": read.call, "line": read.line} for read in field.reads]
            if field.field_class is not None:
                entry["class"] = field.field_class
            if field.serializer is not None:
                entry["serializer"] = field.serializer
            fields[attr] = entry
        data: dict[str, Any] = {
            "path": self.path, "line": self.line, "bases": list(self.bases), "fields": fields, "model": self.model,
            "meta_fields": list(self.meta_fields) if isinstance(self.meta_fields, tuple) else self.meta_fields, "depth": self.depth,
        }
        if self.exclude is not None:
            data["exclude"] = list(self.exclude)
        if self.read_only:
            data["read_only"] = list(self.read_only)
        return data


class DrfSerializerProvider(IndexProvider):
    """Per file: DRF serializer classes and what each field reads. The section: a FrozenMap of
    class name -> SerializerFacts (the first definition, by file, of each name)."""

    name = "drf_serializers"
    empty = EMPTY_MAP
    triggers = ("Serializer",)
    file_kinds = frozenset({FileKind.PYTHON})

    def collect(self, path: str, kind: FileKind, text: str, tree: ast.Module | None) -> Any:
        if tree is None:
            return None
        found: dict[str, Any] = {}
        for node in _classes(tree.body):
            bases = [b.rsplit(".", 1)[-1] for b in (dotted_name(base) for base in node.bases) if b]
            if not any(base.endswith("Serializer") for base in bases):
                continue
            found[node.name] = self._serializer(node, bases, path)
        return found or None

    def _serializer(self, node: ast.ClassDef, bases: list[str], path: str) -> dict[str, Any]:
        facts: dict[str, Any] = {"path": path, "line": node.lineno, "bases": bases, "fields": {}, "model": None, "meta_fields": None, "depth": 0}
        methods = {s.name: s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for statement in node.body:
            if isinstance(statement, ast.ClassDef) and statement.name == "Meta":
                for item in statement.body:
                    if not isinstance(item, ast.Assign) or not isinstance(item.targets[0], ast.Name):
                        continue
                    key = item.targets[0].id
                    if key == "model":
                        facts["model"] = tail_name(item.value)
                    elif key == "depth" and isinstance(item.value, ast.Constant) and isinstance(item.value.value, int):
                        facts["depth"] = item.value.value
                    elif key == "fields":
                        if isinstance(item.value, (ast.List, ast.Tuple)):
                            names = [_string(e) for e in item.value.elts]
                            facts["meta_fields"] = [n for n in names if n]
                        elif _string(item.value) == "__all__":
                            facts["meta_fields"] = "__all__"
                    elif key == "exclude" and isinstance(item.value, (ast.List, ast.Tuple)):
                        facts["exclude"] = [n for n in map(_string, item.value.elts) if n]
                    elif key == "read_only_fields" and isinstance(item.value, (ast.List, ast.Tuple)):
                        facts.setdefault("read_only", []).extend(n for n in map(_string, item.value.elts) if n)
                    elif key == "extra_kwargs" and isinstance(item.value, ast.Dict):
                        # {"is_staff": {"read_only": True}}: read-only without being listed.
                        facts.setdefault("read_only", []).extend(
                            name for name, options in ((_string(k), v) for k, v in zip(item.value.keys, item.value.values))
                            if name and isinstance(options, ast.Dict) and any(
                                _string(k) == "read_only" and isinstance(v, ast.Constant) and v.value is True
                                for k, v in zip(options.keys, options.values))
                        )
                continue
            if not isinstance(statement, ast.Assign) or len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
                continue
            attr = statement.targets[0].id
            value = statement.value
            if not isinstance(value, ast.Call):
                continue
            callee = tail_name(value.func) or ""
            source = _string(keyword_value(value, "source"))
            many_node = keyword_value(value, "many")
            many = isinstance(many_node, ast.Constant) and many_node.value is True
            write_only = isinstance(keyword_value(value, "write_only"), ast.Constant) and getattr(keyword_value(value, "write_only"), "value", False) is True
            if write_only:
                continue
            field: dict[str, Any] = {"line": value.lineno, "source": source, "many": many}
            if callee == "SerializerMethodField":
                method_name = _string(value.args[0]) if value.args else _string(keyword_value(value, "method_name"))
                method = methods.get(method_name or f"get_{attr}")
                field["kind"] = "method"
                field["reads"] = self._method_reads(method) if method is not None else []
            elif callee in RELATED_FIELDS:
                field["kind"] = "related"
                field["class"] = callee
            elif callee.endswith("Serializer"):
                field["kind"] = "nested"
                field["serializer"] = callee
            else:
                field["kind"] = "plain"
                if not source:
                    continue  # the field's own name, read through Meta.fields
            facts["fields"][attr] = field
        return facts

    @staticmethod
    def _method_reads(method: ast.FunctionDef | ast.AsyncFunctionDef) -> list[dict[str, Any]]:
        """Attribute chains read from the method's object parameter, with the method called on
        the end of the chain if any (`obj.reviews.aggregate(...)` -> reviews, "aggregate")."""
        params = method.args.args
        if len(params) < 2:
            return []
        obj = params[1].arg
        reads: list[dict[str, Any]] = []
        seen: set[int] = set()
        for node in walk(method):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                chain = _attribute_chain(node.func)
                if chain and chain[0] == obj and len(chain) > 2:
                    reads.append({"chain": chain[1:-1], "call": chain[-1], "line": node.lineno})
                    seen.add(id(node.func))
                    seen.add(id(node.func.value))
        for node in walk(method):
            if isinstance(node, ast.Attribute) and id(node) not in seen:
                chain = _attribute_chain(node)
                if chain and chain[0] == obj and len(chain) > 1:
                    reads.append({"chain": chain[1:], "call": None, "line": node.lineno})
                    inner = node.value
                    while isinstance(inner, ast.Attribute):
                        seen.add(id(inner))
                        inner = inner.value
        return reads

    def merge(self, facts: Mapping[str, Any]) -> Any:
        merged: dict[str, SerializerFacts] = {}
        for path in sorted(facts):
            for name, serializer in facts[path].items():
                if name not in merged:
                    merged[name] = SerializerFacts.from_json(serializer)
        return FrozenMap(merged)
