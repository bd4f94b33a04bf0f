"""The ORM query vocabulary: which Django QuerySet and SQLAlchemy methods keep rows, narrow
them to one, drop the instances, or load relations eagerly. Shared by the per-file query
tracker (`reviewer.orm.querysets`, libcst) and the per-function query summaries of the project
model (`reviewer.project.queries`, ast)."""

from __future__ import annotations

from typing import Iterable, Sequence

# Django QuerySet methods that return another queryset of the same model.
DJANGO_CHAIN = frozenset(
    {
        "all", "filter", "exclude", "order_by", "distinct", "annotate", "alias", "using", "reverse",
        "defer", "only", "select_for_update", "none", "extra", "complex_filter", "iterator",
        "union", "intersection", "difference",
    }
)
DJANGO_SINGLE = frozenset({"get", "first", "last", "earliest", "latest"})
DJANGO_VALUES = frozenset({"values", "values_list", "dates", "datetimes"})
DJANGO_EAGER = frozenset({"select_related", "prefetch_related"})
SA_CHAIN = frozenset(
    {
        "where", "filter", "filter_by", "order_by", "limit", "offset", "join", "outerjoin", "distinct",
        "group_by", "having", "execution_options", "correlate", "with_for_update", "select_from",
        "join_from", "params", "unique", "all", "fetchall", "yield_per", "slice", "scalars",
        "enable_eagerloads", "populate_existing", "autoflush",
    }
)
SA_SINGLE = frozenset(
    {"first", "one", "one_or_none", "scalar", "scalar_one", "scalar_one_or_none", "get", "first_or_404", "get_or_404", "one_or_404"}
)
SA_SELECT = frozenset({"sqlalchemy.select", "sqlalchemy.future.select", "sqlalchemy.sql.select", "sqlmodel.select", "sqlalchemy.sql.expression.select"})
# Loader options that load the path (or forbid lazy loading of it: raiseload).
SA_EAGER_LOADERS = frozenset({"joinedload", "selectinload", "subqueryload", "contains_eager", "raiseload", "immediateload", "noload"})
SA_PATH_LOADERS = frozenset({"defaultload", "lazyload", "load_only", "defer", "undefer", "undefer_group", "with_expression", "selectin_polymorphic"})
# Loader options that name columns or subclasses, not a relation path.
SA_COLUMN_LOADERS = frozenset({"load_only", "defer", "undefer", "undefer_group", "with_expression", "selectin_polymorphic"})
# Methods of a relationship attribute that still name it in a loader option: a filtered
# (`selectinload(Fleet.instances.and_(Instance.deleted == False))`) or subclass
# (`joinedload(Order.owner.of_type(Admin))`) load of the same relation.
SA_ATTRIBUTE_REFINERS = frozenset({"and_", "of_type"})
SA_SESSION_ROWS = frozenset({"scalars", "execute"})
# Methods that turn SQLAlchemy results into plain rows (no ORM instances).
SA_PLAIN_ROWS = frozenset({"mappings", "tuples"})
WRAPPERS = frozenset({"list", "sorted", "tuple", "reversed", "iter"})
DJANGO_READS = frozenset({"get", "first", "last", "exists", "count", "aggregate", "latest", "earliest", "get_or_create", "in_bulk", "contains"})
SA_READ_METHODS = frozenset({"first", "one", "one_or_none", "scalar", "scalar_one", "scalar_one_or_none", "all", "count", "get", "first_or_404", "get_or_404", "one_or_404"})
SESSION_WORDS = ("session", "db", "conn", "connection", "con", "cnx", "cur", "cursor", "sess", "transaction", "tx")


def sessionish(name: str) -> bool:
    """A dotted name that reads as a database session or connection (`db`, `self.session`)."""
    last = name.lower().rsplit(".", 1)[-1]
    return bool(last) and (last in SESSION_WORDS or last.endswith(("session", "_db", "conn", "cursor")))


def django_paths(text: str) -> set[tuple[str, ...]]:
    """`a__b__c` -> (a,), (a, b), (a, b, c)."""
    parts = tuple(p for p in text.split("__") if p)
    return {parts[: i + 1] for i in range(len(parts))}


def sa_eager_paths(steps: Iterable[tuple[str, Sequence[tuple[str, ...] | None]]]) -> set[tuple[str, ...]] | None:
    """Relation paths a chained SQLAlchemy loader option (`joinedload(A.b).selectinload(B.c)`)
    loads eagerly; None when it cannot be read. `steps` are its calls, innermost first, each as
    (loader name, the path pieces of each positional argument: `A.b` gives ("b",), "b.c" gives
    ("b", "c"), None for one that cannot be read). The `ast` walker of the project model and the
    libcst walker of the rules each read their tree into steps; this is what the steps mean."""
    covered: set[tuple[str, ...]] = set()
    path: tuple[str, ...] = ()
    for loader, arguments in steps:
        if loader == "Load":
            continue
        if loader not in SA_EAGER_LOADERS and loader not in SA_PATH_LOADERS:
            return None
        if loader in SA_COLUMN_LOADERS:
            continue
        for pieces in arguments:
            if pieces is None:
                return None
            path = path + pieces
            if loader in SA_EAGER_LOADERS:
                covered.add(path)
    return covered


def path_pieces(text: str) -> tuple[str, ...] | None:
    """A loader option's string argument as path pieces (`"items.product"`); None for a wildcard."""
    return None if "*" in text else tuple(text.split("."))
