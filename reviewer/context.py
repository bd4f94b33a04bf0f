"""What a Python rule may ask about the file it is looking at.

One FileContext per file, shared by every rule of the batched visit, so each fact (imports,
scopes, sink matches, lifted SQL) is computed once for all rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, TypeVar

import libcst as cst

from reviewer.discovery import in_migrations_package
from reviewer.flow import Scopes
from reviewer.model import FileKind
from reviewer.names import ImportMap, dotted, module_name_for
from reviewer.project.symbols import SymbolsProvider
from reviewer.sql.sinkcalls import Sink, dialect_for, match_sink
from reviewer.sql.sites import SqlSite, lift_site
from reviewer.sql.sqltext import Lifter, Template

if TYPE_CHECKING:  # pragma: no cover
    from reviewer.index import ProjectIndex

T = TypeVar("T")

# Qualified names whose attributes are request data.
REQUEST_OBJECTS = frozenset({"flask.request", "quart.request"})
# Parameter defaults that mark a FastAPI parameter as injected, not client-supplied.
INJECTED_DEFAULTS = frozenset({"fastapi.Depends", "fastapi.Security", "Depends", "Security"})


class FileContext:
    def __init__(
        self,
        path: str,
        kind: FileKind,
        text: str,
        module: cst.Module,
        index: "ProjectIndex",
        dialect: str = "postgres",
        migration_tool: str | None = None,
    ) -> None:
        self.path = path
        self.kind = kind
        self.text = text
        self.module = module
        self.index = index
        self.migration_tool = migration_tool
        self.imports = ImportMap(module_name_for(path), is_package=path.endswith("__init__.py"))
        self.scopes = Scopes(self.imports)
        self._default_dialect = dialect
        self._sinks: dict[int, Sink | None] = {}
        self._sites: dict[int, SqlSite | None] = {}
        self._lifter = Lifter(self)
        # Per-file analyses several rules share (QueryTracker, ...), keyed by their class.
        self.facts: dict[type, Any] = {}

    @property
    def in_migration(self) -> bool:
        """A migration, or a helper module inside a migrations folder, or an Alembic revision
        file wherever it lives (module constants `revision` and `down_revision` and an
        `upgrade()` function, per the project symbols; those are the file's own facts, so the
        answer changes only with the file and needs no index section in a rule's cache key)."""
        if self.kind is FileKind.PYTHON_MIGRATION or in_migrations_package(self.path):
            return True
        return self.symbols is not None and self.symbols.migration(self.path)

    @property
    def dialect(self) -> str:
        return dialect_for(self, self._default_dialect)

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """Qualified name of a Name/Attribute chain through the file's imports."""
        return self.imports.resolve(node)

    @property
    def symbols(self):
        """The project's symbols (reviewer.project.symbols.ProjectSymbols), None without an index."""
        return SymbolsProvider.of(self.index)

    def project_constant(self, node: cst.BaseExpression):
        """The project constant a Name/Attribute chain names (a module constant of any module,
        an enum member, a class attribute, `self.X` of a class constant), or None."""
        symbols = self.symbols
        name = dotted(node)
        if symbols is None or name is None:
            return None
        head, _, rest = name.partition(".")
        if head in ("self", "cls"):
            owner = self.scopes.enclosing_class
            return symbols.class_constant(self.path, owner, rest) if owner and rest and "." not in rest else None
        if self.scopes.lookup(head) is not None and self.scopes.lookup(head)[0] is not self.scopes.module:
            return None  # a local name shadows the module's
        found = symbols.constant(self.path, name)
        if found is None:
            qualified = self.resolve(node)
            if qualified and qualified != name:
                found = symbols.constant(self.path, qualified)
        return found

    def project_summary(self, func: cst.BaseExpression):
        """The summary of a module-level helper (of any module) a call reaches, or None."""
        symbols = self.symbols
        name = dotted(func)
        if symbols is None or name is None or name.split(".")[0] in ("self", "cls"):
            return None
        if self.scopes.lookup(name.split(".")[0]) is not None:
            return None
        return symbols.summary(self.path, name) or (
            symbols.summary(self.path, self.resolve(func) or name) if self.resolve(func) != name else None
        )

    def parameter_origin(self, name: str) -> str | None:
        """Where the values of the parameter `name` the walk sees come from over the project's
        calls of its function (`ProjectSymbols.parameter_origin`: request data, constants,
        unknown), for a parameter of a module-level function or of a method of a module-level
        class (a closure reads its enclosing function's); None when `name` is no such parameter."""
        symbols = self.symbols
        if symbols is None:
            return None
        stack = self.scopes.stack
        for depth in range(len(stack) - 1, 0, -1):
            scope = stack[depth]
            if scope.kind == "class" and scope is not self.scopes.current:
                continue
            if name in scope.assignments:
                return None
            if name not in scope.parameters:
                continue
            node = scope.node
            if scope.kind != "function" or not isinstance(node, cst.FunctionDef):
                return None
            owner = stack[depth - 1]
            if depth == 1:
                function = node.name.value
            elif depth == 2 and owner.kind == "class":
                function = f"{owner.node.name.value}.{node.name.value}"  # type: ignore[union-attr]
            else:
                return None
            params = node.params
            positional = [param.name.value for param in (*params.posonly_params, *params.params)]
            if "." in function and positional and positional[0] in ("self", "cls"):
                positional = positional[1:]
            if name in ("self", "cls") and name not in positional:
                return None
            return symbols.parameter_origin(self.path, function, name, positional.index(name) if name in positional else -1)
        return None

    def sink(self, call: cst.Call) -> Sink | None:
        """The SQL execution sink this call is, if it is one (memoised per call node)."""
        key = id(call)
        if key not in self._sinks:
            self._sinks[key] = match_sink(call, self)
        return self._sinks[key]

    def sql_site(self, call: cst.Call) -> SqlSite | None:
        """The SQL this call sends to a database, lifted once (reviewer.sql.sites); None when
        it runs no SQL. Memoised per call: the first ask, while the call or the statement
        holding it is visited, resolves its local names."""
        key = id(call)
        if key not in self._sites:
            self._sites[key] = lift_site(call, self)
        return self._sites[key]

    def lift(self, expr: cst.BaseExpression) -> Template:
        """The SQL template an expression builds, as far as it can be known."""
        try:
            return self._lifter.lift(expr)
        except RecursionError:  # a concatenation of thousands of terms
            from reviewer.sql.sqltext import opaque

            return opaque(expr)

    def shared(self, factory: Callable[["FileContext"], T]) -> T:
        """The file's one instance of a shared analysis, created on first request (in a rule's
        `__init__`). The engine feeds its `visit_<Node>` / `leave_<Node>` methods during the
        batched walk, before the rules' visits and after their leaves, so the work is done
        once however many rules read it."""
        fact = self.facts.get(factory)  # type: ignore[arg-type]
        if fact is None:
            fact = self.facts[factory] = factory(self)  # type: ignore[index]
        return fact

    def line_of(self, node: cst.CSTNode) -> int:
        """1-based line of a node of this file, 0 if unknown. Positions are resolved on first
        use only, so call it when a finding is certain (messages that cite another line)."""
        positions = self.__dict__.get("_positions")
        if positions is None:
            from libcst.metadata import MetadataWrapper, PositionProvider

            positions = self.__dict__["_positions"] = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        span = positions.get(node)
        return span.start.line if span is not None else 0

    @property
    def orm_graph(self):
        """The project's ORM model graph (reviewer.orm.modelgraph.ModelGraph), built once per file."""
        graph = self.__dict__.get("_orm_graph")
        if graph is None:
            from reviewer.orm.modelgraph import ModelGraph, ModelGraphProvider

            graph = self.__dict__["_orm_graph"] = ModelGraph(ModelGraphProvider.of(self.index), self.path)
        return graph

    def is_request_data(self, expr: cst.BaseExpression, depth: int = 0) -> bool:
        """True when the expression reads client-controlled data: Flask's `request`, a
        Django/DRF `request` parameter, or a parameter of a route handler that no dependency
        injects; followed through local assignments."""
        if depth > 3:
            return False
        if _reads_self_request(expr):
            return True  # Django class-based views: self.request.GET / DRF self.request.data
        for name in _names_in(expr):
            qualified = self.resolve(name)
            if qualified in REQUEST_OBJECTS:
                return True
            parameter = self.scopes.parameter(name.value)
            if parameter is not None:
                if name.value == "request":
                    return True
                function = self.scopes.function
                if function is not None and function.is_handler and not self._injected(parameter.default):
                    return name.value != "self"
                continue
            found = self.scopes.lookup(name.value)
            if found is not None and found[0] is not self.scopes.module:
                if any(self.is_request_data(a.value, depth + 1) for a in found[1]):
                    return True
        return False

    def _injected(self, default: cst.BaseExpression | None) -> bool:
        if isinstance(default, cst.Call) and isinstance(default.func, (cst.Name, cst.Attribute)):
            return (self.resolve(default.func) or "") in INJECTED_DEFAULTS or dotted(default.func) in INJECTED_DEFAULTS
        return False


def _reads_self_request(expr: cst.BaseExpression) -> bool:
    """`self.request.<anything>` appears in the expression."""
    found = False

    class Finder(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> bool:
            nonlocal found
            if node.attr.value == "request" and isinstance(node.value, cst.Name) and node.value.value == "self":
                found = True
            return not found

    expr.visit(Finder())
    return found


def _names_in(expr: cst.BaseExpression) -> list[cst.Name]:
    """Names read by an expression (heads of attribute chains included, attributes not)."""
    found: list[cst.Name] = []

    class Collector(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False

        def visit_Name(self, node: cst.Name) -> None:
            found.append(node)

        def visit_Arg(self, node: cst.Arg) -> bool:
            node.value.visit(self)
            return False

    expr.visit(Collector())
    return found
