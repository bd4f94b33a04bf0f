"""Project symbols: the module table and each module's symbols, resolved across modules.

Per file (index pass, `ast`, cached by content): the imports, the names bound at module level
with the constant expression each is bound to, classes (bases as written, class attributes,
names assigned on `self`/`cls`), and module-level functions with a summary of the SQL text
they return. Merged once per scan into `ProjectSymbols`, which answers:

- what module a file is (qualified name from its `__init__.py` chain; per project root, so two
  services of one repository that both have `app/constants.py` do not collide);
- whether a dotted name, as a file's imports resolve it, is a project constant (a module
  constant, a `Final` name, an enum member, a class attribute bound once to a constant, a name
  bound to another constant, through re-exports) and what its text is when known;
- the text template a module-level helper returns, with its parameters as slots;
- whether a class is a subclass of a qualified base, across modules.
"""

from __future__ import annotations

import ast
import hashlib
import json
import posixpath
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from reviewer.astfacts import dotted_name, nodes_of, own_nodes
from reviewer.discovery import is_test_path
from reviewer.entrypoints import is_route_decorator
from reviewer.provider import IndexProvider
from reviewer.model import FileKind
from reviewer.names import ImportMap, absolute_module, module_name_for
from reviewer.project.calls import PASSED, CallEdge, DecodedEdges, call_edges
from reviewer.project.calls import REQUEST as REQUEST_FACT
from reviewer.project.expiry import KINDS, ExpiryFlow, expiry_flow, mentions_expiry
from reviewer.project.queries import QuerySummary, function_statements, summarise, target_names
from reviewer.project.responses import ErrorBody, Paging, class_takes_page_inputs, error_bodies, paging_summary, returned_callees
from reviewer.project.uris import local_uri_returns
from reviewer.project.instances import call_return, module_instance
from reviewer.project.values import (
    CALL,
    CHOICE,
    COLLECTION,
    CONCAT,
    IMPORTED,
    PARAM,
    REF,
    TEXT,
    Expr,
    expr_of,
)

# Bases that make a class an enumeration: every name its body binds is a member.
ENUM_LEAVES = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "TextChoices", "IntegerChoices", "Choices"})
ENUM_MODULES = ("enum", "django.db.models", "strenum", "aenum", "django_enum")
MAX_HOPS = 6
QUERY_WORDS = ("objects", "query", "session", "execute", "scalars", ".get(")
MODEL_WORDS = ("models.Model", "(Model)", "db.Model", "Mapped[", "relationship(", "ForeignKey(", "Column(")
MAX_RETURNS = 4
SECTION = "symbols"
# Methods longer than this get no text summary: the ones that return a constant or a
# placeholder clause are short, and reading every method's body doubled the cost of this pass.
MAX_METHOD_LINES = 16
# Where a parameter's values come from over the project's calls (`parameter_origin`).
ORIGIN_CONSTANT, ORIGIN_REQUEST, ORIGIN_UNKNOWN = "constant", "request data", "unknown"



# --------------------------------------------------------------------------------------------
# Per-file facts


@dataclass(frozen=True)
class ClassFacts:
    name: str
    line: int
    bases: tuple[str, ...]  # dotted, as written
    attributes: Mapping[str, Expr | None]  # class-level names -> constant expression (None: not one)
    assigned_on_instance: frozenset[str]  # `self.X = ...` / `cls.X = ...` in its methods
    # Names declared by an annotation alone (`is_admin: bool`): the fields of a pydantic model
    # or a dataclass, which bind no class attribute.
    declared: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FunctionFacts:
    name: str
    line: int
    parameters: tuple[str, ...]  # a method's without its `self` / `cls`
    returns: tuple[Expr, ...]  # empty when some return is not built from constants and parameters
    prop: bool = False  # a method decorated `@property` (read as an attribute)


@dataclass(frozen=True)
class FileSymbols:
    path: str
    package: bool
    # local name -> (module, name, level): `import a.b as c` -> ("a.b", "", 0);
    # `from ..x import y as z` -> ("x", "y", 2).
    imports: Mapping[str, tuple[str, str, int]]
    constants: Mapping[str, Expr]
    classes: Mapping[str, ClassFacts]
    functions: Mapping[str, FunctionFacts]
    # Every other name bound at module level (a router, a blueprint, a list of URL patterns):
    # known to exist here, with no constant value.
    variables: frozenset[str] = frozenset()
    # "function" or "Class.method" -> its ORM summary (only those that have one)
    queries: Mapping[str, QuerySummary] = field(default_factory=dict)
    calls: tuple[CallEdge, ...] = ()  # direct call edges of its functions and methods
    migration: bool = False  # a migration file: only its imports and calls are kept
    stars: tuple[tuple[str, int], ...] = ()  # `from .module import *`: (module, level)
    # "function" or "Class.method" -> summary "returns a `data:` / `file:` URI": the callees
    # whose results it returns (each must return one too), for those that have it.
    uris: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # "function", "Class.method" or "Class" (a class of page inputs) -> summary "returns a
    # paginated response" (reviewer.project.responses.Paging), for those with a fact.
    paging: Mapping[str, Paging] = field(default_factory=dict)
    # "function" or "Class.method" -> summary "returns an error body of shape S": the error
    # bodies it returns itself (reviewer.project.responses.ErrorBody), for those that do.
    errors: Mapping[str, tuple[ErrorBody, ...]] = field(default_factory=dict)
    # "function" or "Class.method" -> the project callables (as written) whose results it
    # returns: what the response summaries follow.
    returns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # "Class.method" -> its facts, for the methods and properties that return text built from
    # constants and their parameters (summary "returns a constant / a placeholder clause").
    methods: Mapping[str, FunctionFacts] = field(default_factory=dict)
    # Module-level names bound once to a call -> the callee as written (`db = Database(...)`):
    # an instance of that class when the callee is a project class (reviewer.project.instances).
    instances: Mapping[str, str] = field(default_factory=dict)
    # Functions defined inside a module-level function (an app factory's handlers and helpers),
    # as "factory.handler": their summaries are kept under these keys.
    nested: tuple[str, ...] = ()
    # "function", "Class.method" or "factory.helper" -> summary "checks a JWT's expiry by hand"
    # (reviewer.project.expiry.ExpiryFlow), for those with a flow (files that mention expiry).
    expiry: Mapping[str, ExpiryFlow] = field(default_factory=dict)

    def binds(self, name: str) -> bool:
        """The module binds `name` itself (not through an import)."""
        return name in self.constants or name in self.classes or name in self.functions or name in self.variables

    def to_json(self) -> dict[str, Any]:
        return {
            "queries": {name: summary.to_json() for name, summary in self.queries.items()},
            "package": self.package,
            "imports": {local: list(target) for local, target in self.imports.items()},
            "constants": {name: value.to_json() for name, value in self.constants.items()},
            "classes": {
                name: {
                    "line": cls.line,
                    "bases": list(cls.bases),
                    "attributes": {k: (v.to_json() if v is not None else None) for k, v in cls.attributes.items()},
                    "instance": sorted(cls.assigned_on_instance),
                    "declared": sorted(cls.declared),
                }
                for name, cls in self.classes.items()
            },
            "functions": {name: _function_json(fn) for name, fn in self.functions.items()},
            "methods": {name: _function_json(fn) for name, fn in self.methods.items()},
            "instances": dict(self.instances),
            "variables": sorted(self.variables),
            "calls": [edge.to_json() for edge in self.calls],
            "migration": self.migration,
            "stars": [list(star) for star in self.stars],
            "uris": {name: list(callees) for name, callees in self.uris.items()},
            "paging": {name: summary.to_json() for name, summary in self.paging.items()},
            "errors": {name: [body.to_json() for body in bodies] for name, bodies in self.errors.items()},
            "returns": {name: list(callees) for name, callees in self.returns.items()},
            "nested": list(self.nested),
            "expiry": {name: flow.to_json() for name, flow in self.expiry.items()},
        }

    @staticmethod
    def from_json(path: str, data: Mapping[str, Any]) -> "FileSymbols":
        return FileSymbols(
            path=path,
            package=bool(data["package"]),
            imports={local: (t[0], t[1], int(t[2])) for local, t in data["imports"].items()},
            constants={name: Expr.from_json(value) for name, value in data["constants"].items()},
            classes={
                name: ClassFacts(
                    name,
                    cls["line"],
                    tuple(cls["bases"]),
                    {k: (Expr.from_json(v) if v is not None else None) for k, v in cls["attributes"].items()},
                    frozenset(cls["instance"]),
                    frozenset(cls.get("declared", ())),
                )
                for name, cls in data["classes"].items()
            },
            functions={name: _function_from_json(name, fn) for name, fn in data["functions"].items()},
            methods={name: _function_from_json(name.rsplit(".", 1)[-1], fn) for name, fn in data.get("methods", {}).items()},
            instances=dict(data.get("instances", {})),
            variables=frozenset(data.get("variables", ())),
            queries={name: QuerySummary.from_json(summary) for name, summary in data.get("queries", {}).items()},
            calls=DecodedEdges(data.get("calls", ())),
            migration=bool(data.get("migration")),
            stars=tuple((star[0], int(star[1])) for star in data.get("stars", ())),
            uris={name: tuple(callees) for name, callees in data.get("uris", {}).items()},
            paging={name: Paging.from_json(summary) for name, summary in data.get("paging", {}).items()},
            errors={name: tuple(ErrorBody.from_json(body) for body in bodies) for name, bodies in data.get("errors", {}).items()},
            returns={name: tuple(callees) for name, callees in data.get("returns", {}).items()},
            nested=tuple(data.get("nested", ())),
            expiry={name: ExpiryFlow.from_json(flow) for name, flow in data.get("expiry", {}).items()},
        )


def collect_symbols(path: str, tree: ast.Module, source: str = "") -> FileSymbols:
    imports: dict[str, tuple[str, str, int]] = {}
    stars: list[tuple[str, int]] = []
    bindings: dict[str, list[Expr | None]] = {}
    classes: dict[str, ClassFacts] = {}
    functions: dict[str, FunctionFacts] = {}
    queries: dict[str, QuerySummary] = {}
    uris: dict[str, tuple[str, ...]] = {}
    methods: dict[str, FunctionFacts] = {}
    # functions, methods and functions nested in functions, for the per-function summaries
    responders: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    method_keys: set[str] = set()
    inner: list[int] | None = None
    page_inputs: list[str] = []  # classes of page inputs
    # Words without which a file holds no query / defines no model: its functions' database
    # accesses are not looked for.
    accesses = not source or any(word in source for word in QUERY_WORDS)
    on_self = not source or any(word in source for word in MODEL_WORDS)

    def bind(name: str, value: Expr | None) -> None:
        bindings.setdefault(name, []).append(value)

    for node in _module_statements(tree.body):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
            _bind_targets(node, bind)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if isinstance(node, ast.ImportFrom):
                stars.extend((node.module or "", node.level) for alias in node.names if alias.name == "*")
            for local, target in imported_names(node):
                imports[local] = target
                bind(local, Expr(IMPORTED, local))
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = _class_facts(node)
            bind(node.name, None)
            for method in node.body:
                if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    _summarise(queries, f"{node.name}.{method.name}", method, imports, not _is_static(method), accesses, on_self)
                    if (method.end_lineno or method.lineno) - method.lineno <= MAX_METHOD_LINES:
                        facts = _function_facts(method, bound=not _is_static(method))
                        if facts.returns:
                            methods[f"{node.name}.{method.name}"] = facts
                    _returns_uri(uris, f"{node.name}.{method.name}", method)
                    responders.append((f"{node.name}.{method.name}", method))
                    method_keys.add(f"{node.name}.{method.name}")
            if class_takes_page_inputs(node):
                page_inputs.append(node.name)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[node.name] = _function_facts(node)
            _summarise(queries, node.name, node, imports, False, False, False)  # a function's own queries: no rule asks
            _returns_uri(uris, node.name, node)
            responders.append((node.name, node))
            if inner is None:  # the lines of the functions not at module level nor methods (one look per file)
                inner = _inner_lines(tree)
            if any(node.lineno < line <= (node.end_lineno or node.lineno) for line in inner):
                responders.extend(_nested_functions(node, f"{node.name}."))
            bind(node.name, None)
    rebound = _global_names(tree) if "global" in source or not source else set()
    constants: dict[str, Expr] = {}
    for name, values in bindings.items():
        if name in rebound or any(value is None for value in values):
            continue
        constants[name] = values[0] if len(values) == 1 else Expr(CHOICE, items=tuple(v for v in values if v is not None))
    instances = {
        target.id: callee
        for statement in _module_statements(tree.body)
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and (callee := module_instance(statement.value))
        for target in statement.targets
        if isinstance(target, ast.Name) and len(bindings.get(target.id, ())) == 1 and target.id not in rebound
    }
    variables = frozenset(name for name in bindings if name not in imports and name not in constants and name not in classes and name not in functions)
    # A test's calls are no evidence about the code it calls (a test wrapping a call in
    # `atomic` says nothing of production callers), and they would double the edges.
    known = frozenset(imports) | frozenset(bindings)
    calls = () if is_test_path(path) else call_edges(tree, known)
    nested = tuple(key for key, _ in responders if "." in key and key not in method_keys)
    known |= frozenset(key.rsplit(".", 1)[1] for key in nested)  # a factory's handler calls its helpers by name
    paging: dict[str, Paging] = {name: Paging(inputs=True) for name in page_inputs}
    errors: dict[str, tuple[ErrorBody, ...]] = {}
    returns: dict[str, tuple[str, ...]] = {}
    expiry: dict[str, ExpiryFlow] = {}
    import_map: ImportMap | None = None
    if mentions_expiry(source):
        import_map = ImportMap(module_name_for(path), path.endswith("__init__.py"))
        for statement in nodes_of(tree, ast.Import, ast.ImportFrom):
            import_map.add(statement)
    for key, function in responders:
        found_paging, found_errors, found_returns = paging_summary(function, known), error_bodies(function), returned_callees(function, known)
        if found_paging is not None:
            paging[key] = found_paging
        if found_errors:
            errors[key] = found_errors
        if found_returns:
            returns[key] = found_returns
        flow = expiry_flow(function, import_map, known, key in method_keys) if import_map is not None else None
        if flow is not None:
            expiry[key] = flow
    return FileSymbols(
        path, path.endswith("__init__.py"), imports, constants, classes, functions, variables, queries, calls, stars=tuple(stars), uris=uris,
        paging=paging, errors=errors, returns=returns, methods=methods, instances=instances, nested=nested, expiry=expiry,
    )


def _inner_lines(tree: ast.Module) -> list[int]:
    outer = {id(node) for node in tree.body} | {
        id(item) for node in tree.body if isinstance(node, ast.ClassDef) for item in node.body
    }
    return [node.lineno for node in nodes_of(tree, ast.FunctionDef, ast.AsyncFunctionDef) if id(node) not in outer]


def _nested_functions(node: ast.FunctionDef | ast.AsyncFunctionDef, prefix: str) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """The functions defined inside a function (at any depth of functions, not inside its
    classes), each keyed by the names of the functions around it: `create_app.list_orders`."""
    found: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for item in own_nodes(node.body):
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append((f"{prefix}{item.name}", item))
            found.extend(_nested_functions(item, f"{prefix}{item.name}."))
    return found


def _summarise(queries: dict[str, QuerySummary], key: str, node, imports, method: bool, accesses: bool, on_self: bool) -> None:
    """The function's ORM summary (imports seen so far: a query's names are imported above it)."""
    summary = summarise(node, imports, method, accesses, on_self)
    if summary:
        queries[key] = summary


def _returns_uri(uris: dict[str, tuple[str, ...]], key: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    callees = local_uri_returns(node)
    if callees is not None:
        uris[key] = callees


def _is_static(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(dotted_name(d) == "staticmethod" for d in node.decorator_list)


def imported_names(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, tuple[str, str, int]]]:
    """The names an import statement binds, each with what FileSymbols.imports holds for it:
    `import a.b as c` -> ("c", ("a.b", "", 0)), `from ..x import y as z` -> ("z", ("x", "y", 2));
    not `*`."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            local = alias.asname or alias.name.split(".")[0]
            yield local, (alias.name if alias.asname else local, "", 0)
        return
    for alias in node.names:
        if alias.name != "*":
            yield alias.asname or alias.name, (node.module or "", alias.name, node.level)


def module_imports(tree: ast.Module) -> dict[str, tuple[str, str, int]]:
    """A module's imports as its FileSymbols holds them (collect_symbols)."""
    imports: dict[str, tuple[str, str, int]] = {}
    for node in _module_statements(tree.body):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.update(imported_names(node))
    return imports


def _module_statements(body: list[ast.stmt]):
    """Statements that run at module level: the body, and the blocks of module-level
    if / try / with / for statements."""
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)):
            yield from _module_statements(node.body)
            yield from _module_statements(getattr(node, "orelse", []))
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            yield from _module_statements(node.body)  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                yield from _module_statements(handler.body)
            yield from _module_statements(node.orelse)  # type: ignore[attr-defined]
            yield from _module_statements(node.finalbody)  # type: ignore[attr-defined]


def _bind_targets(node: ast.stmt, bind) -> None:
    if isinstance(node, ast.Assign):
        value = expr_of(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                bind(target.id, value)
            else:
                for name in target_names(target):
                    bind(name, None)
    elif isinstance(node, ast.AnnAssign):
        if isinstance(node.target, ast.Name) and node.value is not None:
            bind(node.target.id, expr_of(node.value))
    elif isinstance(node, ast.AugAssign):
        for name in target_names(node.target):
            bind(name, None)
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        for name in target_names(node.target):
            bind(name, None)
    else:
        for item in node.items:  # type: ignore[attr-defined]
            if item.optional_vars is not None:
                for name in target_names(item.optional_vars):
                    bind(name, None)


def _global_names(tree: ast.Module) -> set[str]:
    return {name for node in nodes_of(tree, ast.Global) for name in node.names}


def _class_facts(node: ast.ClassDef) -> ClassFacts:
    bases = []
    for base in node.bases:
        if isinstance(base, ast.Subscript):  # Generic[T], models.Manager["X"]
            base = base.value
        name = dotted_name(base)
        if name:
            bases.append(name)
    attributes: dict[str, Expr | None] = {}
    declared: set[str] = set()
    counts: dict[str, int] = {}
    methods: list[ast.AST] = []
    for statement in node.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            methods.append(statement)
            counts[statement.name] = counts.get(statement.name, 0) + 1
            attributes[statement.name] = None
            continue
        if isinstance(statement, ast.Assign):
            value = expr_of(statement.value)
            for target in statement.targets:
                names = [target.id] if isinstance(target, ast.Name) else target_names(target)
                for name in names:
                    counts[name] = counts.get(name, 0) + 1
                    attributes[name] = value if isinstance(target, ast.Name) else None
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value is None:
            declared.add(statement.target.id)
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value is not None:
            name = statement.target.id
            counts[name] = counts.get(name, 0) + 1
            attributes[name] = expr_of(statement.value)
    for name, count in counts.items():
        if count > 1:
            attributes[name] = None
    instance: set[str] = set()
    if any(value is not None for value in attributes.values()):
        for method in methods:
            for statement in function_statements(method):  # type: ignore[attr-defined]
                targets = statement.targets if isinstance(statement, ast.Assign) else (
                    [statement.target] if isinstance(statement, (ast.AnnAssign, ast.AugAssign)) else []
                )
                for target in targets:
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id in ("self", "cls"):
                        instance.add(target.attr)
    return ClassFacts(node.name, node.lineno, tuple(bases), attributes, frozenset(instance), frozenset(declared))


def _function_facts(node: ast.FunctionDef | ast.AsyncFunctionDef, bound: bool = False) -> FunctionFacts:
    """A function's parameters and, when every return builds text from constants and its
    parameters (or is the result of another call of the project, or of `self.X`), those
    returns. `bound`: a method whose first parameter (`self` / `cls`) is the instance, which
    its returns may read (`self.timestamp_now`)."""
    args = node.args
    parameters = tuple(a.arg for a in [*args.posonlyargs, *args.args])
    if bound:
        parameters = parameters[1:]
    every = frozenset([*parameters, *(a.arg for a in args.kwonlyargs)])
    returns: list[ast.AST] = []
    assigned: dict[str, list[ast.AST]] = {}
    for statement in function_statements(node):
        if isinstance(statement, ast.Return):
            returns.append(statement.value)  # type: ignore[arg-type]
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                for name in target_names(target):
                    assigned.setdefault(name, []).append(statement.value if isinstance(target, ast.Name) else None)  # type: ignore[arg-type]
        elif isinstance(statement, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
            for name in target_names(statement.target):
                assigned.setdefault(name, []).append(None)  # type: ignore[arg-type]
    summary: tuple[Expr, ...] = ()
    if returns and len(returns) <= MAX_RETURNS and all(value is not None for value in returns):
        local = {name: values[0] for name, values in assigned.items() if len(values) == 1 and values[0] is not None}
        shadowed = frozenset(name for name in assigned if name not in local)
        lifted = [expr_of(value, every | shadowed, local) or call_return(value, every | shadowed, local) for value in returns]
        if all(item is not None and (_is_text(item) or item.kind in (REF, CALL)) and not _uses(item, shadowed) for item in lifted):
            summary = tuple(lifted)  # type: ignore[arg-type]
    prop = any(dotted_name(decorator) in ("property", "functools.cached_property", "cached_property") for decorator in node.decorator_list)
    return FunctionFacts(node.name, node.lineno, parameters, summary, prop)


def _function_json(fn: FunctionFacts) -> dict[str, Any]:
    data: dict[str, Any] = {"line": fn.line, "parameters": list(fn.parameters), "returns": [r.to_json() for r in fn.returns]}
    if fn.prop:
        data["property"] = True
    return data


def _function_from_json(name: str, data: Mapping[str, Any]) -> FunctionFacts:
    return FunctionFacts(name, data["line"], tuple(data["parameters"]), tuple(Expr.from_json(r) for r in data["returns"]), bool(data.get("property")))


def _is_text(expr: Expr) -> bool:
    """A string is built: text, or a concatenation holding some."""
    return expr.kind == TEXT or (expr.kind == CONCAT and any(_is_text(item) for item in expr.items))


def _uses(expr: Expr, names: frozenset[str]) -> bool:
    return (expr.kind == PARAM and expr.text in names) or any(_uses(item, names) for item in expr.items)


# --------------------------------------------------------------------------------------------
# The merged, resolved model


@dataclass(frozen=True)
class Module:
    path: str
    root: str  # the folder above the top package ("" at the scan root)
    name: str  # qualified module name
    package: bool


@dataclass(frozen=True)
class Part:
    """A piece of a resolved template: known text, a constant of unknown text
    (`text is None and slot is None`), or the helper parameter `slot` fills."""

    text: str | None = None
    slot: str | None = None


@dataclass(frozen=True)
class Constant:
    qualified: str
    parts: tuple[Part, ...]
    collection: bool = False

    @property
    def text(self) -> str | None:
        """The constant's text when every piece of it is known."""
        if self.collection or any(part.text is None for part in self.parts):
            return None
        return "".join(part.text for part in self.parts)  # type: ignore[misc]


@dataclass(frozen=True)
class Summary:
    """What a module-level helper returns: text templates over its parameters."""

    qualified: str
    parameters: tuple[str, ...]
    returns: tuple[tuple[Part, ...], ...]
    prop: bool = False  # a property's: read as an attribute, with no arguments


@dataclass(frozen=True)
class ClassSymbol:
    qualified: str
    path: str
    line: int
    bases: tuple[str, ...]  # qualified (a project class or an external name)
    enum: bool


@dataclass(frozen=True)
class FunctionQueries:
    """A function's ORM summary, with the model its returned rows are of resolved across
    modules (`model_module` is "" when the model is not a project class)."""

    qualified: str  # `app.services.list_orders`, `app.services.OrderService.recent`
    path: str
    summary: QuerySummary
    model_module: str = ""
    model_name: str = ""


UNKNOWN = Part()


class FileSymbolsTable(Mapping[str, FileSymbols]):
    """Each file's symbols (path -> FileSymbols) as the index facts hold them (JSON), each made a
    FileSymbols when first read: a query reads the few modules it resolves through, so a scan
    that asks little (a `--diff` of a few files) does not convert every file's facts. Pickled
    (for worker processes), it is its JSON."""

    def __init__(self, facts: Mapping[str, Mapping[str, Any]]) -> None:
        self.facts = facts
        self._made: dict[str, FileSymbols] = {}
        self._fingerprint: str | None = None

    def __getitem__(self, path: str) -> FileSymbols:
        made = self._made.get(path)
        if made is None:
            made = self._made[path] = FileSymbols.from_json(path, self.facts[path])
        return made

    def __contains__(self, path: object) -> bool:
        return path in self.facts

    def __iter__(self):
        return iter(self.facts)

    def __len__(self) -> int:
        return len(self.facts)

    def is_package(self, path: str) -> bool:
        # Only an `__init__.py` is a package (collect_symbols), and not a migration's
        # (SymbolsProvider.collect): when the facts tell a file's kind without being read (a
        # `--diff` scan's, read when asked: reviewer.runner.StoredSection), the module table
        # reads no file's facts; else it reads the `__init__.py` files'.
        if not path.endswith("__init__.py"):
            return False
        kind_of = getattr(self.facts, "kind_of", None)
        if kind_of is not None:
            return package_kind(kind_of(path))
        return bool(self.facts[path]["package"])

    def holders_of(self, word: str) -> list[str] | None:
        """The files whose facts may hold `word`, when the facts can tell without being read
        (facts read when asked: reviewer.runner.StoredSection.mentions); None when they cannot."""
        mentions = getattr(self.facts, "mentions", None)
        if mentions is None:
            return None
        return [path for path in self.facts if mentions(path, word)]

    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = _fingerprint(self.facts)
        return self._fingerprint

    def __reduce__(self) -> tuple[Any, ...]:
        return (FileSymbolsTable, (self.facts,))


@dataclass(frozen=True)
class ProjectSymbols:
    files: Mapping[str, FileSymbols]
    modules: Mapping[str, Module]  # path -> module
    # The digest of what a query can observe (_fingerprint); from a FileSymbolsTable, computed
    # when first asked (the index digest asks; a `--diff` scan need not).
    given_fingerprint: str
    _by_name: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (root, module) -> path
    _by_path_name: Mapping[str, str] = field(default_factory=dict)  # path-derived module name -> path
    _global: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # module -> paths
    # Trailing parts of path-derived names -> paths: `open_webui.routers.ollama` finds
    # `backend/open_webui/routers/ollama.py` when `routers/` has no `__init__.py` (PEP 420).
    _by_suffix: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    _memo: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def fingerprint(self) -> str:
        return self.files.fingerprint() if isinstance(self.files, FileSymbolsTable) else self.given_fingerprint

    # -- building ------------------------------------------------------------------------
    @staticmethod
    def build(facts: Mapping[str, FileSymbols], fingerprint: str = "") -> "ProjectSymbols":
        """The section from each file's symbols: FileSymbols, or a FileSymbolsTable of their
        facts (whose fingerprint is its own)."""
        lazy = isinstance(facts, FileSymbolsTable)
        package = {path: facts.is_package(path) if lazy else facts[path].package for path in facts}  # type: ignore[attr-defined]
        packages = {posixpath.dirname(path) for path, flag in package.items() if flag}
        modules: dict[str, Module] = {}
        by_name: dict[tuple[str, str], str] = {}
        by_path_name: dict[str, str] = {}
        global_names: dict[str, list[str]] = {}
        for path in sorted(facts):
            folder = posixpath.dirname(path)
            stem = posixpath.basename(path)[:-3] if path.endswith(".py") else posixpath.basename(path)
            parts = [] if stem == "__init__" else [stem]
            while folder in packages and folder:
                parts.insert(0, posixpath.basename(folder))
                folder = posixpath.dirname(folder)
            name = ".".join(parts)
            if not name:
                continue
            modules[path] = Module(path, folder, name, package[path])
            by_name.setdefault((folder, name), path)
            by_path_name.setdefault(module_name_for(path), path)
            global_names.setdefault(name, []).append(path)
        by_suffix: dict[str, list[str]] = {}
        for path in sorted(facts):
            parts = module_name_for(path).split(".")
            for start in range(1, len(parts) - 1):
                by_suffix.setdefault(".".join(parts[start:]), []).append(path)
        return ProjectSymbols(
            facts if lazy else dict(facts), modules, fingerprint, by_name, by_path_name, {k: tuple(v) for k, v in global_names.items()},
            {k: tuple(v) for k, v in by_suffix.items()},
        )

    # -- the module table ------------------------------------------------------------------
    def module(self, path: str) -> Module | None:
        return self.modules.get(path)

    def find_module(self, dotted: str, near: str) -> str | None:
        """The path of module `dotted` as code in file `near` imports it: in `near`'s project
        root first, then as a path-derived name, then the only module of that name."""
        here = self.modules.get(near)
        if here is not None and (here.root, dotted) in self._by_name:
            return self._by_name[(here.root, dotted)]
        if dotted in self._by_path_name:
            return self._by_path_name[dotted]
        candidates = self._global.get(dotted, ())
        if len(candidates) == 1:
            return candidates[0]
        if candidates or "." not in dotted:
            return None
        # A namespace package (a folder without `__init__.py`) on the way: the module whose
        # path ends with the dotted name, the one nearest `near` when there are several.
        return _nearest(self._by_suffix.get(dotted, ()), near)

    # -- queries -----------------------------------------------------------------------------
    def constant(self, path: str, dotted: str) -> Constant | None:
        """The project constant `dotted` names in file `path` (`dotted` as the file's imports
        resolve it; a bare name is one of the file's own), or None."""
        key = ("constant", path, dotted)
        if key not in self._memo:
            self._memo[key] = None  # a cycle resolves to "not a constant"
            self._memo[key] = self._constant(path, dotted, 0)
        return self._memo[key]

    def summary(self, path: str, dotted: str) -> Summary | None:
        """The text templates a module-level helper returns, when all are built from
        constants and its parameters."""
        found = self._locate(path, dotted, 0)
        if found is None:
            return None
        where, names = found
        if len(names) != 1 or names[0] not in self.files[where].functions:
            return None
        qualified = f"{self.modules[where].name if where in self.modules else module_name_for(where)}.{names[0]}"
        return self._summary(where, qualified, self.files[where].functions[names[0]], None, 0)

    def member_summary(self, cls: ClassSymbol, name: str) -> Summary | None:
        """Summary "returns a constant / returns a placeholder clause" of the method or property
        `name` of a project class, defined on it or inherited from a base: the text templates its
        returns build from constants, its parameters (slots), the class's constants and the
        members it reads on `self`. None when some return is anything else, or when a class on
        the way binds `name` another way."""
        key = ("member", cls.qualified, cls.path, name)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None  # a cycle: no summary
        result = None
        for owner in (cls, *(symbol for _, symbol in self.ancestry(cls))):
            if owner is None:
                break  # an external base may define it
            short = owner.qualified.rsplit(".", 1)[-1]
            facts = self.files[owner.path]
            if name in facts.classes[short].attributes:
                function = facts.methods.get(f"{short}.{name}")
                if function is not None:
                    result = self._summary(owner.path, f"{owner.qualified}.{name}", function, owner, 0)
                    if result is not None and function.prop:
                        result = Summary(result.qualified, (), result.returns, prop=True)
                break
        self._memo[key] = result
        return result

    def constant_summary(self, cls: ClassSymbol, name: str) -> Summary | None:
        """A class constant read on an instance (`db.TABLE`), as the summary of a property:
        None when it is no constant or an instance of the class rebinds it."""
        constant = self.class_constant(cls.path, cls.qualified.rsplit(".", 1)[-1], name)
        if constant is None:
            return None
        return Summary(constant.qualified, (), ((UNKNOWN,) if constant.collection else constant.parts,), prop=True)

    def instance_class(self, path: str, dotted: str) -> ClassSymbol | None:
        """The project class of the module-level instance `dotted` names in file `path`
        (`db = Database(...)`, in this module or another), or None."""
        found = self._locate(path, dotted, 0)
        if found is None or len(found[1]) != 1:
            return None
        where, names = found
        callee = self.files[where].instances.get(names[0])
        return self.class_symbol(where, callee) if callee else None

    def _summary(self, path: str, qualified: str, function: FunctionFacts, owner: ClassSymbol | None, hops: int) -> Summary | None:
        if not function.returns or hops > MAX_HOPS:
            return None
        slots = frozenset(function.parameters)
        templates: list[tuple[Part, ...]] = []
        for expr in function.returns:
            found = self._returned(path, expr, owner, slots | _param_names(expr), hops)
            if found is None:
                return None
            templates.extend(found)
        return Summary(qualified, function.parameters, tuple(templates[:MAX_RETURNS * 2]))

    def _returned(self, path: str, expr: Expr, owner: ClassSymbol | None, slots: frozenset[str], hops: int) -> list[tuple[Part, ...]] | None:
        """The templates one return builds: its own, or those of the helper or member it
        returns the result of (`return placeholder(key)`, `return self.timestamp_now`), with
        their slots filled from the arguments."""
        if expr.kind not in (CALL, REF):
            parts = self._parts(path, expr, 0, slots, owner)
            return [parts] if parts is not None else None
        if expr.kind == REF and not expr.text.startswith(("self.", "cls.")):
            parts = self._parts(path, expr, 0, slots, owner)
            return [parts] if parts is not None else None
        callee = self._callee(path, expr.text, owner, hops)
        if callee is None or (expr.kind == REF) != callee.prop:
            return None
        if expr.kind == REF:
            return list(callee.returns)
        arguments: dict[str, tuple[Part, ...]] = {}
        for parameter, argument in zip(callee.parameters, expr.items):
            parts = self._parts(path, argument, 0, slots, owner)
            if parts is None:
                return None
            arguments[parameter] = parts
        filled = []
        for template in callee.returns:
            if any(part.slot is not None and part.slot not in arguments for part in template):
                return None  # a parameter left to its default
            filled.append(tuple(piece for part in template for piece in (arguments[part.slot] if part.slot is not None else (part,))))
        return filled

    def _callee(self, path: str, written: str, owner: ClassSymbol | None, hops: int) -> Summary | None:
        head, _, rest = written.partition(".")
        if head in ("self", "cls"):
            return self.member_summary(owner, rest) if owner is not None and rest and "." not in rest else None
        found = self._locate(path, written, 0)
        if found is None or len(found[1]) != 1 or found[1][0] not in self.files[found[0]].functions:
            return None
        where, names = found
        qualified = f"{self.modules[where].name if where in self.modules else module_name_for(where)}.{names[0]}"
        return self._summary(where, qualified, self.files[where].functions[names[0]], None, hops + 1)

    def definition(self, path: str, dotted: str, absolute: bool = False) -> tuple[str, str] | None:
        """Where the name `dotted`, as code in file `path` writes it (or, with `absolute`, a
        fully qualified name seen from `path`'s project root), is defined in the project:
        (file, name) for a name bound at module level (through imports and re-exports; `name`
        may be dotted, `router.urls`), (file, "") for a project module itself; None when it
        is neither (a third-party name, a local of a function)."""
        facts = self.files.get(path)
        if facts is None:
            return None
        head, _, rest = dotted.partition(".")
        qualified = dotted if absolute else None
        if not absolute and head in facts.imports:
            target = self._import_target(path, *facts.imports[head])
            qualified = f"{target}.{rest}" if rest else target
        module = self.find_module(qualified, path) if qualified else None
        if module is not None:
            return module, ""
        found = self._absolute(path, dotted, 0) if absolute else self._locate(path, dotted, 0)
        return (found[0], ".".join(found[1])) if found is not None else None

    def queries(self, path: str, dotted: str) -> FunctionQueries | None:
        """The ORM summary of the function or method (`Class.method`) that `dotted` names in
        file `path`, in whichever module it is defined."""
        key = ("queries", path, dotted)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None
        found = self._locate(path, dotted, 0)
        if found is None or len(found[1]) > 2:
            return None
        where, names = found
        summary = self.files[where].queries.get(".".join(names))
        if summary is None:
            return None
        module = self.modules[where].name if where in self.modules else module_name_for(where)
        model_module = model_name = ""
        if summary.returns is not None:
            model = summary.returns.model
            located = self._locate(where, model, 0)
            if located is not None and len(located[1]) == 1 and located[1][0] in self.files[located[0]].classes:
                model_module = self.modules[located[0]].name if located[0] in self.modules else module_name_for(located[0])
                model_name = located[1][0]
            else:
                model_module, _, model_name = self._external(where, model).rpartition(".")
        result = FunctionQueries(f"{module}.{'.'.join(names)}", where, summary, model_module, model_name)
        self._memo[key] = result
        return result

    def returns_local_uri(self, path: str, dotted: str) -> bool:
        """Summary "returns a `data:` / `file:` URI" of the function or method (`Class.method`)
        that `dotted` names in file `path`, in whichever module it is defined: every return is
        one, directly or as the result of functions (`self.method` of its own class included)
        that return one in turn."""
        key = ("uri", path, dotted)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = False  # a cycle proves nothing
        found = self._locate(path, dotted, 0)
        callees = self.files[found[0]].uris.get(".".join(found[1])) if found is not None and len(found[1]) <= 2 else None
        if callees is not None:
            where, names = found  # type: ignore[misc]
            owner = names[0] if len(names) == 2 else ""
            self._memo[key] = all(
                self.returns_local_uri(where, f"{owner}.{callee.partition('.')[2]}" if owner and callee.split(".")[0] in ("self", "cls") else callee)
                for callee in callees
            )
        return self._memo[key]

    def member(self, path: str, dotted: str) -> tuple[str, str] | None:
        """Where the function, method (`Class.method`, `self.method` inside a method of
        `Class` written `Class.method`) or class `dotted` names in file `path` is defined, as
        (file, "function" / "Class.method" / "Class"): a method not defined on its class is
        looked for in the class's bases, across modules (a mixin's, a base view's). A function
        defined inside a function is found by its key (`create_app.list_orders`), or by its
        bare name in its own file when no module-level name is bound to it and one function of
        the file has it (a factory's handler calling a helper the factory defines)."""
        found = self._locate(path, dotted, 0)
        if found is None:
            return self._nested(path, dotted)
        where, names = found
        facts = self.files[where]
        if len(names) >= 2 and ".".join(names) in facts.nested:
            return where, ".".join(names)
        if len(names) > 2:
            return None
        if len(names) == 1:
            return (where, names[0]) if names[0] in facts.functions or names[0] in facts.classes else None
        if names[0] not in facts.classes:
            return None
        cls = self._class(where, names[0])
        for owner in (cls, *(symbol for _, symbol in self.ancestry(cls))):
            if owner is None:
                continue
            short = owner.qualified.rsplit(".", 1)[-1]
            if names[1] in self.files[owner.path].classes[short].attributes:
                return owner.path, f"{short}.{names[1]}"
        return None

    def _nested(self, path: str, name: str) -> tuple[str, str] | None:
        facts = self.files.get(path)
        if facts is None or "." in name or not facts.nested:
            return None
        keys = [key for key in facts.nested if key.rsplit(".", 1)[1] == name]
        return (path, keys[0]) if len(keys) == 1 else None

    def expiry_checked(self, path: str, function: str, line: int, depth: int = 3) -> bool:
        """Summary "checks a JWT's expiry by hand" (reviewer.project.expiry): the payload of the
        JWT decode on `line` of `function` ("function", "Class.method", "factory.helper") of
        file `path` has its `exp` compared with the clock, in the function itself, in a function
        it passes the payload or its `exp` to, or in a caller it hands them back to, across
        modules, up to `depth` calls from the decoding function."""
        seen: set[tuple[str, str, str]] = set()
        seed = f"decode:{line}"
        if self._expiry_seed(path, function, seed, depth, seen):
            return True
        flow = self.files[path].expiry.get(function) if path in self.files else None
        returned = flow.flows[seed].returned if flow is not None and seed in flow.flows else None
        if returned is None:
            return False
        # The payload (or its `exp`) is handed back: its callers may check it.
        return any(
            self._expiry_seed(where, edge.caller, f"call:{edge.callee}:{returned}", depth - 1, seen)
            for where, edge in self.callers(path, function)
            if (where, edge.caller) != (path, function)
        )

    def _expiry_seed(self, path: str, function: str, seed: str, depth: int, seen: set[tuple[str, str, str]]) -> bool:
        if (path, function, seed) in seen or depth < 0:
            return False
        seen.add((path, function, seed))
        summary = self.files[path].expiry.get(function) if path in self.files else None
        flow = summary.flows.get(seed) if summary is not None else None
        if flow is None:
            return False
        if flow.checked:
            return True
        if depth == 0:
            return False
        for callee, slots in flow.passes:
            found = self.member(path, _callee_key(self.files[path], function, callee))
            target = self.files[found[0]].expiry.get(found[1]) if found is not None else None
            if target is None or found == (path, function):
                continue
            parameters = target.parameters
            if target.method and "." in callee and parameters:
                parameters = parameters[1:]  # `self.method(...)`, `service.method(...)`: the first is the instance
            for slot, kind in slots:
                param = (parameters[int(slot)] if int(slot) < len(parameters) else None) if slot.isdigit() else slot
                if param is not None and kind in KINDS and self._expiry_seed(found[0], found[1], f"param:{param}:{kind}", depth - 1, seen):  # type: ignore[index]
                    return True
        return False

    def paging(self, path: str, dotted: str) -> Paging | None:
        """Summary "returns a paginated response" of the function, method or class of page
        inputs `dotted` names in file `path` (its own facts; see `returns_paginated`)."""
        found = self.member(path, dotted)
        return self.files[found[0]].paging.get(found[1]) if found is not None else None

    def takes_page_inputs(self, path: str, dotted: str) -> bool:
        """The callable `dotted` names in file `path` takes page inputs (`limit`, `page`, a
        cursor ...) itself, or through its own FastAPI dependencies, or is a class of them (its
        fields, its `__init__`, a base's): used as a dependency, it paginates the handler."""
        return self._follow("inputs", path, dotted)

    def returns_paginated(self, path: str, dotted: str) -> bool:
        """Summary "returns a paginated response": the function or method `dotted` names in
        file `path` pages its rows (a paginator, `.limit()` with `.offset()`, a slice by page
        inputs), or depends on a pagination dependency, or returns the result of a function
        that does, across modules and through the bases of a method's class."""
        return self._follow("paginates", path, dotted)

    def clamped_slots(self, path: str, dotted: str, depth: int = 0) -> frozenset[str]:
        """The argument slots (positional index "0" ..., or keyword) of the callable `dotted` names
        in file `path` whose values it bounds (`Paging.clamps`): itself, or by handing its page
        input to a project callable that bounds it (`limit = validate_limit(limit)`), across
        modules. For a method called on something (`self.page(rows, limit)`) the instance's
        slot is left out."""
        found = self.member(path, dotted) if depth <= MAX_HOPS else None
        summary = self.files[found[0]].paging.get(found[1]) if found is not None else None
        if summary is None:
            return frozenset()
        where, key = found  # type: ignore[misc]
        bounded = self._bounded(where, key, depth)
        parameters = summary.parameters
        if "." in dotted and "." in key and key not in self.files[where].nested and parameters:
            parameters = parameters[1:]
        return frozenset(str(i) for i, name in enumerate(parameters) if name in bounded) | bounded

    def _bounded(self, path: str, key: str, depth: int) -> frozenset[str]:
        memo = ("bounded", path, key)
        if memo in self._memo:
            return self._memo[memo]
        self._memo[memo] = frozenset()  # a cycle proves nothing
        facts = self.files[path]
        summary = facts.paging[key]
        bounded = set(summary.clamps)
        for param, callee, slot in summary.passes:
            if param not in bounded and slot in self.clamped_slots(path, _callee_key(facts, key, callee), depth + 1):
                bounded.add(param)
        self._memo[memo] = frozenset(bounded)
        return self._memo[memo]

    def paginating_methods(self) -> frozenset[str]:
        """Names of the project's methods that page in their own body (netbox's table
        `configure(request)`): a call of one on an object of unknown class may be one of them."""
        found = self._memo.get("paginating methods")
        if found is None:
            found = self._memo["paginating methods"] = frozenset(
                key.split(".", 1)[1] for facts in self.files.values() for key, summary in facts.paging.items()
                if "." in key and summary.paginates
            ) - {"get", "__init__", "__call__"}
        return found

    def _follow(self, what: str, path: str, dotted: str, depth: int = 0) -> bool:
        key = (what, path, dotted)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = False  # a cycle proves nothing
        found = self.member(path, dotted) if depth <= MAX_HOPS else None
        if found is None:
            return False
        where, name = found
        facts = self.files[where]
        if name in facts.classes:  # a class: its fields, or its `__init__`
            result = what == "inputs" and (name in facts.paging or self._follow(what, where, f"{name}.__init__", depth + 1))
            self._memo[key] = result
            return result
        summary = facts.paging.get(name)
        result = summary is not None and (summary.inputs if what == "inputs" else summary.paginates)
        if not result and summary is not None:
            result = any(self._follow("inputs", where, dependency, depth + 1) or self._follow("paginates", where, dependency, depth + 1)
                         for dependency in summary.dependencies)
        if not result and what == "paginates":
            result = any(self._follow(what, where, _callee_key(facts, name, callee), depth + 1) for callee in facts.returns.get(name, ()))
        self._memo[key] = result
        return result

    def error_body(self, path: str, dotted: str) -> ErrorBody | None:
        """Summary "returns an error body of shape S": the error body the function or method
        `dotted` names in file `path` returns, itself (the first it builds with its caller's
        status, else the first) or through the function whose result it returns, across
        modules and through the bases of a method's class."""
        return self._error_body(path, dotted, 0)

    def _error_body(self, path: str, dotted: str, depth: int) -> ErrorBody | None:
        key = ("error", path, dotted)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None
        found = self.member(path, dotted) if depth <= MAX_HOPS else None
        if found is None:
            return None
        where, name = found
        facts = self.files[where]
        bodies = facts.errors.get(name, ())
        result = next((body for body in bodies if body.helper), bodies[0] if bodies else None)
        if result is None:
            for callee in facts.returns.get(name, ()):
                result = self._error_body(where, _callee_key(facts, name, callee), depth + 1)
                if result is not None:
                    break
        self._memo[key] = result
        return result

    def callers(self, path: str, name: str) -> tuple[tuple[str, CallEdge], ...]:
        """The direct calls, anywhere in the project, of the function or method (`Class.method`)
        `name` defined in file `path`: (caller's file, edge). A call through an instance
        (`service.place_order()`) is not resolved; `self.helper()` reaches its own class."""
        found = []
        for where, edge in self._calls_named(name.rsplit(".", 1)[-1]):
            head, _, rest = edge.callee.partition(".")
            if head in ("self", "cls"):
                target = (where, f"{edge.caller.split('.')[0]}.{rest}") if "." in edge.caller else None
            else:
                located = self._locate(where, edge.callee, 0)
                target = (located[0], ".".join(located[1])) if located is not None else None
            if target == (path, name):
                found.append((where, edge))
        return tuple(found)

    def call_index(self) -> Mapping[str, list[tuple[str, CallEdge]]]:
        """Every call edge of the project by the last part of its callee's name (an imported
        name by the name it is defined under): what `callers` looks a function up in. Made once,
        and with it every file's FileSymbols; SymbolsProvider.before_fork makes it before the
        check's workers fork, so that they share it rather than each make its own."""
        by_last = self._memo.get("callers")
        if by_last is None:
            by_last = self._memo["callers"] = {}
            for where in sorted(self.files):
                for last, edge in self._calls_of(where):
                    by_last.setdefault(last, []).append((where, edge))
        return by_last

    def _calls_named(self, last: str) -> list[tuple[str, CallEdge]]:
        """The call edges of call_index under `last`. When the files' facts are read as asked
        and can tell which may hold the name (FileSymbolsTable.holders_of: a `--diff` scan),
        only those files are read (SQL sites ask `parameter_origin` of a few functions);
        otherwise the whole index is made once."""
        index = self._memo.get("callers")
        holders = self.files.holders_of(last) if index is None and isinstance(self.files, FileSymbolsTable) else None
        if holders is None:
            return self.call_index().get(last, [])
        key = ("calls named", last)
        if key not in self._memo:
            self._memo[key] = [(where, edge) for where in sorted(holders) for named, edge in self._calls_of(where) if named == last]
        return self._memo[key]

    def _calls_of(self, where: str) -> Iterator[tuple[str, CallEdge]]:
        """Each call edge of file `where`, with the last part of its callee's name (an imported
        name by the name it is defined under)."""
        imports = self.files[where].imports
        for edge in self.files[where].calls:
            last = edge.callee.rsplit(".", 1)[-1]
            if last == edge.callee and last in imports and imports[last][1]:
                last = imports[last][1]  # `from .services import fill as fill_lines`
            yield last, edge

    def parameter_origin(self, path: str, function: str, name: str, position: int, depth: int = 0) -> str:
        """Where the values of parameter `name` (the `position`-th positional one, -1 for a
        keyword-only one) of the function or method (`Class.method`) `function` of file `path`
        come from, over every call of it the project makes (argument facts of the call edges,
        followed through callers that pass their own parameters on, across modules):
        ORIGIN_REQUEST when one call passes request data (or a route handler passes its own
        parameter), ORIGIN_CONSTANT when every call passes a project constant and the function
        is a module-level one (a method may be called through an instance, which the edges do
        not resolve), else ORIGIN_UNKNOWN (no caller, or one passes anything else)."""
        key = ("origin", path, function, name)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = ORIGIN_UNKNOWN  # a cycle proves nothing
        origins = set()
        for where, edge in self.callers(path, function) if depth <= MAX_HOPS else ():
            fact = edge.argument(position, name)
            if fact is None:
                origins.add(ORIGIN_UNKNOWN)
            elif fact.kind == REQUEST_FACT:
                origins.add(ORIGIN_REQUEST)
            elif fact.kind == PASSED:
                if any(is_route_decorator(decorator) for decorator in edge.decorators):
                    origins.add(ORIGIN_REQUEST)  # a route handler's own parameter: the client's
                else:
                    origins.add(self.parameter_origin(where, edge.caller, fact.text, int(fact.items[0].text), depth + 1))
            else:
                origins.add(ORIGIN_CONSTANT if self._parts(where, fact, 0, frozenset()) is not None else ORIGIN_UNKNOWN)
            if ORIGIN_REQUEST in origins:
                break
        if ORIGIN_REQUEST in origins:
            result = ORIGIN_REQUEST
        elif origins == {ORIGIN_CONSTANT} and "." not in function:
            result = ORIGIN_CONSTANT
        else:
            result = ORIGIN_UNKNOWN
        self._memo[key] = result
        return result

    def migration(self, path: str) -> bool:
        """A migration file (as discovery classified it), or an Alembic revision file wherever it
        lives: module constants `revision` and `down_revision` and an `upgrade()` function."""
        facts = self.files.get(path)
        return facts is not None and (facts.migration or "upgrade" in facts.functions and {"revision", "down_revision"} <= set(facts.constants))

    def qualify(self, path: str, dotted: str) -> str:
        """A name as file `path` writes it, qualified through the file's imports (`transaction.atomic`
        -> `django.db.transaction.atomic`); unchanged when its head is not imported."""
        return self._external(path, dotted) if path in self.files else dotted

    def class_symbol(self, path: str, dotted: str, imported: tuple[str, str, int] | None = None) -> ClassSymbol | None:
        found = self._locate(path, dotted, 0, imported)
        if found is None:
            return None
        where, names = found
        if len(names) != 1 or names[0] not in self.files[where].classes:
            return None
        return self._class(where, names[0])

    def lineage(self, path: str, dotted: str, imported: tuple[str, str, int] | None = None) -> tuple[str, ...]:
        """The qualified name of the class `dotted` names in file `path`, then its ancestors
        (a project class); the name qualified through the file's imports (any other).
        `imported`: the file's import of the name's head (its entry in the file's
        imports, module_imports), when the caller has it: the file's own symbols are then
        not read (a `--diff` scan decodes the index entry of each file it reads)."""
        if path not in self.files:
            return ()
        cls = self.class_symbol(path, dotted, imported)
        if cls is not None:
            return (cls.qualified, *self.ancestors(cls))
        return (self._external(path, dotted, imported),)

    def ancestry(self, cls: ClassSymbol) -> tuple[tuple[str, ClassSymbol | None], ...]:
        """Every base of `cls`, transitively, depth first in the order the bases are written
        (each base, then its own bases: the order attribute lookup follows short of diamonds),
        each once: (qualified name, its symbol when it is a project class, else None)."""
        key = ("ancestry", cls.qualified, cls.path)
        if key in self._memo:
            return self._memo[key]
        found: list[tuple[str, ClassSymbol | None]] = []
        seen = {cls.qualified}

        def visit(current: ClassSymbol) -> None:
            for base in current.bases:
                if base in seen or len(found) >= 64:
                    continue
                seen.add(base)
                parent = self.class_symbol(current.path, base)
                found.append((base, parent))
                if parent is not None:
                    visit(parent)

        self._memo[key] = ()  # a cycle through this class: its chain so far
        visit(cls)
        self._memo[key] = tuple(found)
        return self._memo[key]

    def ancestors(self, cls: ClassSymbol) -> tuple[str, ...]:
        """Qualified names of every base, transitively (project classes and external names),
        in `ancestry`'s order."""
        return tuple(name for name, _ in self.ancestry(cls))

    def class_constant(self, path: str, class_name: str, attribute: str) -> Constant | None:
        """`self.attribute` / `cls.attribute` read in a method of the class `class_name` of
        file `path`: a constant when the class (or a base) binds it once at class level to a
        constant and no method assigns it on the instance."""
        cls = self.class_symbol(path, class_name)
        if cls is None:
            return None
        facts = self.files[cls.path].classes[class_name.rsplit(".", 1)[-1]]
        if attribute in facts.assigned_on_instance:
            return None
        return self._attribute(cls, attribute, 0)

    # -- resolution --------------------------------------------------------------------------
    def _locate(self, path: str, dotted: str, hops: int, imported: tuple[str, str, int] | None = None) -> tuple[str, list[str]] | None:
        """The file a name lives in and the rest of its dotted path from there, following
        imports and re-exports (`imported`: the file's import of the name's head, if known)."""
        if hops > MAX_HOPS or path not in self.files:
            return None
        names = dotted.split(".")
        if imported is None:
            facts = self.files[path]
            imported = facts.imports.get(names[0])
            if imported is None:
                if facts.binds(names[0]):
                    return path, names
                return self._starred(path, names, hops) or self._absolute(path, dotted, hops + 1)
        target = self._import_target(path, *imported)
        return self._absolute(path, ".".join([target, *names[1:]]), hops + 1)

    def _absolute(self, near: str, dotted: str, hops: int) -> tuple[str, list[str]] | None:
        names = dotted.split(".")
        for cut in range(len(names) - 1, 0, -1):
            where = self.find_module(".".join(names[:cut]), near)
            if where is not None:
                rest = names[cut:]
                facts = self.files[where]
                if rest[0] in facts.imports:  # a re-export (`from .constants import X` in `__init__`)
                    return self._locate(where, ".".join(rest), hops + 1)
                if facts.binds(rest[0]):
                    return where, rest
                return self._starred(where, rest, hops)
        return None

    def _starred(self, path: str, names: list[str], hops: int) -> tuple[str, list[str]] | None:
        """A name that file `path` neither binds nor imports by name, found in a module it
        imports with `*` (a package's `__init__` re-exporting `from .views import *`)."""
        if hops > MAX_HOPS or names[0].startswith("_"):  # `*` leaves out private names
            return None
        for module, level in self.files[path].stars:
            where = self.find_module(self._import_target(path, module, "", level), path)
            if where is None or where == path:
                continue
            facts = self.files[where]
            if names[0] in facts.imports or facts.binds(names[0]):
                return self._locate(where, ".".join(names), hops + 1)
            found = self._starred(where, names, hops + 1)
            if found is not None:
                return found
        return None

    def _import_target(self, path: str, module: str, name: str, level: int) -> str:
        if level:
            here = self.modules.get(path)
            anchor_name = here.name if here is not None else module_name_for(path)
            package = here.package if here is not None else path.endswith("__init__.py")
            module = absolute_module(anchor_name, package, level, module)
        return f"{module}.{name}" if name else module

    def _constant(self, path: str, dotted: str, hops: int) -> Constant | None:
        found = self._locate(path, dotted, hops)
        if found is None:
            return None
        where, names = found
        facts = self.files[where]
        qualified = ".".join([self.modules[where].name if where in self.modules else module_name_for(where), *names])
        head = names[0]
        if head in facts.constants:
            expr = facts.constants[head]
            if len(names) > 1:
                # `CONST.upper()` is a call, not an attribute; only `.value` / `.name` of a
                # constant stay constants.
                return None if names[1:] not in (["value"], ["name"]) else self._of(where, qualified, expr)
            return self._of(where, qualified, expr)
        if head in facts.classes and len(names) >= 2:
            cls = self._class(where, head)
            if cls.enum and len(names) <= 3 and (len(names) == 2 or names[2] in ("value", "name", "label")):
                attribute = facts.classes[head].attributes
                if names[1] in attribute and not names[1].startswith("_"):
                    known = self._attribute(cls, names[1], hops) if len(names) == 3 and names[2] == "value" else None
                    return known or Constant(qualified, (UNKNOWN,))
                return None
            if len(names) == 2:
                return self._attribute(cls, names[1], hops)
        return None

    def _attribute(self, cls: ClassSymbol, attribute: str, hops: int) -> Constant | None:
        for owner in (cls, *(self.class_symbol(cls.path, base) for base in self.ancestors(cls))):
            if owner is None:
                continue
            facts = self.files[owner.path].classes[owner.qualified.rsplit(".", 1)[-1]]
            if attribute in facts.attributes:
                expr = facts.attributes[attribute]
                if expr is None:
                    return None
                return self._of(owner.path, f"{owner.qualified}.{attribute}", expr, hops)
        return None

    def _of(self, path: str, qualified: str, expr: Expr, hops: int = 0) -> Constant | None:
        parts = self._parts(path, expr, hops, frozenset())
        if parts is None:
            return None
        return Constant(qualified, parts, collection=_collection(expr))

    def _parts(self, path: str, expr: Expr, hops: int, slots: frozenset[str], owner: ClassSymbol | None = None) -> tuple[Part, ...] | None:
        if hops > MAX_HOPS:
            return None
        kind = expr.kind
        if kind == TEXT:
            return (Part(expr.text),)
        if kind == PARAM:
            return (Part(slot=expr.text),) if expr.text in slots else None
        if kind == CALL:
            return None
        if kind == REF and expr.text.startswith(("self.", "cls.")):
            return self._own(path, expr.text.partition(".")[2], owner, hops)
        if kind in (REF, IMPORTED):
            if expr.text in slots:
                return (Part(slot=expr.text),)
            target = self.constant(path, expr.text) if hops == 0 else self._constant(path, expr.text, hops + 1)
            if target is None:
                return None
            return (UNKNOWN,) if target.collection else target.parts
        items = []
        for item in expr.items:
            parts = self._parts(path, item, hops + 1, slots, owner)
            if parts is None:
                return None
            items.append(parts)
        if kind == CONCAT:
            return tuple(part for parts in items for part in parts)
        if any(part.slot is not None for parts in items for part in parts):
            return None  # a parameter inside a collection or an operation: not a template slot
        if kind == CHOICE and items and all(parts == items[0] for parts in items):
            return items[0]
        return (UNKNOWN,)  # COLLECTION, OPAQUE, CHOICE of different constants

    def _own(self, path: str, attribute: str, owner: ClassSymbol | None, hops: int) -> tuple[Part, ...] | None:
        """`self.X` read in a method of `owner`: a class constant the instance does not rebind,
        or a property that returns constant text (one template, or several of known text)."""
        if owner is None or not attribute or "." in attribute:
            return None
        constant = self.class_constant(owner.path, owner.qualified.rsplit(".", 1)[-1], attribute)
        if constant is not None:
            return (UNKNOWN,) if constant.collection else constant.parts
        member = self.member_summary(owner, attribute)
        if member is None or not member.prop or any(part.slot is not None for template in member.returns for part in template):
            return None
        return member.returns[0] if all(template == member.returns[0] for template in member.returns) else (UNKNOWN,)

    def _class(self, path: str, name: str) -> ClassSymbol:
        key = ("class", path, name)
        if key in self._memo:
            return self._memo[key]
        facts = self.files[path].classes[name]
        module = self.modules[path].name if path in self.modules else module_name_for(path)
        bases = []
        for base in facts.bases:
            located = self._locate(path, base, 0)
            if located is not None and len(located[1]) == 1 and located[1][0] in self.files[located[0]].classes:
                where = located[0]
                bases.append(f"{self.modules[where].name if where in self.modules else module_name_for(where)}.{located[1][0]}")
            else:
                bases.append(self._external(path, base))
        provisional = ClassSymbol(f"{module}.{name}", path, facts.line, tuple(bases), False)
        self._memo[key] = provisional
        enum = any(_is_enum_base(base) for base in (*bases, *self.ancestors(provisional)))
        symbol = ClassSymbol(provisional.qualified, path, facts.line, tuple(bases), enum)
        self._memo[key] = symbol
        return symbol

    def _external(self, path: str, dotted: str, imported: tuple[str, str, int] | None = None) -> str:
        """A name outside the project, qualified through the file's imports (`imported`: its
        head's import, if known)."""
        head, _, rest = dotted.partition(".")
        if imported is None:
            imported = self.files[path].imports.get(head)
        if imported is None:
            return dotted
        target = self._import_target(path, *imported)
        return f"{target}.{rest}" if rest else target


def _nearest(paths: tuple[str, ...], near: str) -> str | None:
    """The path sharing the most leading folders with `near`; None on a tie."""
    if len(paths) <= 1:
        return paths[0] if paths else None
    here = near.split("/")

    def shared(path: str) -> int:
        count = 0
        for mine, theirs in zip(here, path.split("/")):
            if mine != theirs:
                break
            count += 1
        return count

    ranked = sorted(paths, key=shared, reverse=True)
    return ranked[0] if shared(ranked[0]) > shared(ranked[1]) else None


def _is_enum_base(name: str) -> bool:
    module, _, leaf = name.rpartition(".")
    return leaf in ENUM_LEAVES and (module in ENUM_MODULES or module.startswith(ENUM_MODULES) or module == "")


def _as_member(callee: str, owner: str) -> str:
    """A callee as written inside a method of class `owner`: `self.helper` -> `Owner.helper`."""
    head, _, rest = callee.partition(".")
    return f"{owner}.{rest}" if owner and head in ("self", "cls") else callee


def _callee_key(facts: FileSymbols, caller: str, callee: str) -> str:
    """A callee as written in function `caller` of a file, as `member` finds it: `self.helper`
    in a method of `Owner` -> `Owner.helper`; in a function defined inside a function, a bare
    name the enclosing function also defines -> that definition (`create_app._page`)."""
    if caller in facts.nested and "." not in callee:
        scope = caller.rsplit(".", 1)[0]
        while scope:
            if f"{scope}.{callee}" in facts.nested:
                return f"{scope}.{callee}"
            scope = scope.rpartition(".")[0]
        return callee
    return _as_member(callee, caller.split(".")[0] if "." in caller else "")


def _collection(expr: Expr) -> bool:
    return expr.kind == COLLECTION or (expr.kind == CHOICE and all(_collection(item) for item in expr.items))


def _param_names(expr: Expr) -> frozenset[str]:
    names = {expr.text} if expr.kind == PARAM else set()
    for item in expr.items:
        names |= _param_names(item)
    return frozenset(names)


# --------------------------------------------------------------------------------------------
# The index provider


def package_kind(kind: FileKind) -> bool:
    """Whether an `__init__.py` of this kind is a package in the module table: a migration's
    symbols are its calls, imports and constants only (SymbolsProvider.collect)."""
    return kind is not FileKind.PYTHON_MIGRATION


class SymbolsProvider(IndexProvider):
    """The `symbols` section: a `ProjectSymbols`."""

    name = SECTION
    shared = True
    file_kinds = frozenset({FileKind.PYTHON, FileKind.PYTHON_MIGRATION})

    def collect(self, path: str, kind: FileKind, text: str, tree: ast.Module | None) -> Any:
        if tree is None:
            return None
        found = collect_symbols(path, tree, text)
        if kind is FileKind.PYTHON_MIGRATION:
            # A migration's symbols are its own; what it calls (a helper of the project, run in
            # the migration's transaction), and the constants it passes (argument facts), is
            # what the rest of the project needs to know.
            if not found.calls:
                return None
            found = FileSymbols(path, False, found.imports, found.constants, {}, {}, calls=found.calls, migration=True)
        return found.to_json()

    def merge(self, facts: Mapping[str, Any]) -> Any:
        return ProjectSymbols.build(FileSymbolsTable(facts))

    def before_fork(self, section: Any) -> None:
        """The reverse call index (`ProjectSymbols.call_index`): SQL sites ask `parameter_origin`
        of every parameter hole, so every worker that checks such a file would make it, and
        every file's FileSymbols with it (28 MiB more over two workers on Django's package)."""
        if isinstance(section, ProjectSymbols):
            section.call_index()


def _without_lines(data: Mapping[str, Any]) -> dict[str, Any]:
    """A file's facts without line numbers: an edit that only moves code answers every query
    the same way, so it must not re-check every file."""
    return {
        **data,
        "classes": {name: {k: v for k, v in cls.items() if k != "line"} for name, cls in data["classes"].items()},
        "functions": {name: {k: v for k, v in fn.items() if k != "line"} for name, fn in data["functions"].items()},
        "methods": {name: {k: v for k, v in fn.items() if k != "line"} for name, fn in data.get("methods", {}).items()},
        "calls": [[edge[0], edge[1], *edge[3:]] for edge in data.get("calls", ())],
        "errors": {name: [body[:2] for body in bodies] for name, bodies in data.get("errors", {}).items()},
    }


def _fingerprint(facts: Mapping[str, Any]) -> str:
    """Digest of what a query can observe. A module with no constant, class, summarised
    function or import, that is not a package, answers no query: adding one (a new view, a
    test) keeps the digest, so the rules that read `symbols` keep their cached results."""
    observable = {
        path: _without_lines(data)
        for path, data in facts.items()
        if data["package"] or data["constants"] or data["classes"] or data["imports"] or data.get("variables") or data.get("queries")
        or data.get("paging") or data.get("errors") or data.get("returns") or data.get("methods") or data.get("instances")
        or data.get("nested") or data.get("expiry")
        or any(function["returns"] for function in data["functions"].values())
    }
    return hashlib.blake2b(json.dumps(observable, sort_keys=True).encode(), digest_size=12).hexdigest()
