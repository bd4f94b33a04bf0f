from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.orm.querysets import QueryTracker, classify_call, names_in
from reviewer.rule import Example, Needs, PythonRule

STRAWBERRY_TYPES = ("strawberry.type", "strawberry.interface", "strawberry_django.type", "strawberry.django.type")
STRAWBERRY_FIELDS = ("strawberry.field", "strawberry_django.field", "strawberry.django.field")
GRAPHENE_BASES = ("ObjectType", "DjangoObjectType", "SQLAlchemyObjectType")
GRAPHENE_MODULES = ("graphene", "graphene_django", "graphene_sqlalchemy")
LOADER_METHODS = frozenset({"load", "load_many"})


class GraphqlResolverNPlusOne(PythonRule):
    """A GraphQL field resolver runs a database query keyed by its parent object, without a
    DataLoader. A list of 100 parents resolves the field 100 times, so one GraphQL request
    becomes 101 queries; a DataLoader collects the keys of one tick and fetches them in one
    batch.

    Strawberry: a `@strawberry.field` method of a `@strawberry.type` class whose query reads
    `self`. Graphene: a `resolve_<field>(parent, info)` method of an `ObjectType` (or
    `DjangoObjectType`) whose query reads the parent. Resolvers that call `<loader>.load(...)`
    are batched and are not reported; root resolvers whose query does not depend on the
    parent are not N+1. A resolver that returns a lazy queryset keyed by the parent
    (`Book.objects.filter(author=parent)`) is reported too. A graphene type is also one whose
    base chain reaches a graphene type through project classes of other modules (`class
    UserType(ModelObjectType)`): the class hierarchy of the project model
    (`ProjectSymbols.ancestors`). Whether the type is reachable through a list field is not checked,
    hence medium confidence."""

    code = "ORM005"
    opt_in = True  # field precision below 0.85 on the tuned projects (reviewer/field_precision.json)
    name = "graphql-resolver-n-plus-one"
    summary = "A GraphQL field resolver queries the database per parent object, without a DataLoader."
    category = Category.ORM
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "Possible N+1: resolver `{resolver}` runs `{call}` once per parent object"
    fix = (
        "Batch it with a DataLoader: `return await info.context[\"loader\"].load({key})` where the loader's "
        "batch function fetches every key in one query (`WHERE id IN (...)`)"
    )
    seed = 'S1:98 "Implement DataLoader for N+1 prevention"; S1:65'
    references = ("https://strawberry.rocks/docs/guides/dataloaders", "https://docs.graphene-python.org/en/latest/execution/dataloader/")
    needs = Needs.words("strawberry", "graphene", "ObjectType")
    index_sections = ("orm_models", "symbols")
    invalid = (
        Example(
            "import strawberry\n"
            "from sqlalchemy import select\n"
            "@strawberry.type\n"
            "class Book:\n"
            "    title: str\n"
            "    author_id: strawberry.Private[int]\n"
            "    @strawberry.field\n"
            "    async def author(self) -> 'Author':\n"
            "        async with async_session() as s:\n"
            "            return await s.execute(select(AuthorModel).where(AuthorModel.id == self.author_id))\n",
            lines=(10,),
        ),
        Example(
            "import graphene\n"
            "class BookType(graphene.ObjectType):\n"
            "    reviews = graphene.List(ReviewType)\n"
            "    def resolve_reviews(parent, info):\n"
            "        cur = info.context.db.cursor()\n"
            "        cur.execute('SELECT id, stars FROM reviews WHERE book_id = %s', (parent.id,))\n"
            "        return cur.fetchall()\n",
            lines=(6,),
        ),
        Example(
            "from shop.models import Order\n"
            "from shop.schema_base import ModelObjectType\n"
            "class CustomerType(ModelObjectType):\n"
            "    def resolve_orders(parent, info):\n"
            "        return Order.objects.filter(customer=parent)\n",
            path="shop/schema.py",
            files=(
                ("shop/models.py", "from django.db import models\nclass Order(models.Model):\n    customer_id = models.IntegerField()\n"),
                ("shop/schema_base.py", "from graphene_django import DjangoObjectType\nclass ModelObjectType(DjangoObjectType):\n    class Meta:\n        abstract = True\n"),
            ),
            lines=(5,),
            note="a graphene type through a project base class of another module; the lazy queryset is keyed by the parent",
        ),
    )
    valid = (
        Example(
            "import strawberry\n"
            "@strawberry.type\n"
            "class Book:\n"
            "    author_id: strawberry.Private[int]\n"
            "    @strawberry.field\n"
            "    async def author(self, info: strawberry.Info) -> 'Author':\n"
            "        return await info.context['author_loader'].load(self.author_id)\n",
            note="DataLoader",
        ),
        Example(
            "import graphene\n"
            "class Query(graphene.ObjectType):\n"
            "    books = graphene.List(BookType)\n"
            "    def resolve_books(root, info):\n"
            "        cur = info.context.db.cursor()\n"
            "        cur.execute('SELECT id, title FROM books ORDER BY id LIMIT 50')\n"
            "        return cur.fetchall()\n",
            note="near-miss: a root resolver whose query does not depend on the parent",
        ),
        Example(
            "import strawberry\n"
            "from app.models import Dataset\n"
            "@strawberry.type\n"
            "class DatasetType:\n"
            "    id: int\n"
            "    @strawberry.field\n"
            "    def last_updated_at(self, info) -> str:\n"
            "        return info.context.last_updated_at.get(Dataset, self.id)\n",
            path="app/types.py",
            files=(("app/models.py", "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
                                     "class Base(DeclarativeBase): ...\n"
                                     "class Dataset(Base):\n"
                                     "    __tablename__ = 'datasets'\n"
                                     "    id: Mapped[int] = mapped_column(primary_key=True)\n"),),
            note="near-miss: `.get(Model, key)` on an in-memory cache, not on a session",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.tracker = context.shared(QueryTracker)
        self.classes: list[str] = []  # "strawberry", "graphene" or "" per enclosing class
        self.resolvers: list[dict] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        kind = ""
        for decorator in node.decorators:
            target = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            if (self.context.resolve(target) or "") in STRAWBERRY_TYPES:
                kind = "strawberry"
        for base in node.bases:
            name = (self.context.resolve(base.value) or "").rsplit(".", 1)[-1]
            if name in GRAPHENE_BASES:
                kind = "graphene"
        if not kind and node.bases and self._graphene_ancestor(node.name.value):
            kind = "graphene"
        self.classes.append(kind)

    def _graphene_ancestor(self, name: str) -> bool:
        """The class hierarchy of the project model: a base chain through project classes
        of any module (`class UserType(ModelObjectType)`) that reaches a graphene type."""
        symbols = self.context.symbols
        cls = symbols.class_symbol(self.context.path, name) if symbols is not None else None
        if cls is None:
            return False
        for ancestor in symbols.ancestors(cls):
            module, _, leaf = ancestor.rpartition(".")
            if leaf in GRAPHENE_BASES and module.split(".")[0] in GRAPHENE_MODULES:
                return True
        return False

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        if self.classes:
            self.classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        stack = self.context.scopes.stack  # the function's own scope is already pushed
        kind = self.classes[-1] if self.classes and len(stack) >= 2 and stack[-2].kind == "class" else ""
        parent = None
        params = node.params.params
        if kind == "strawberry" and params and self._is_field(node):
            parent = params[0].name.value
        elif kind == "graphene" and node.name.value.startswith("resolve_") and params:
            parent = params[0].name.value
        self.resolvers.append({"node": node, "parent": parent, "queries": [], "loader": False})

    def _is_field(self, node: cst.FunctionDef) -> bool:
        for decorator in node.decorators:
            target = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            if (self.context.resolve(target) or "") in STRAWBERRY_FIELDS:
                return True
        return False

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        resolver = self.resolvers.pop() if self.resolvers else None
        if resolver is None or resolver["parent"] is None or resolver["loader"] or not resolver["queries"]:
            return
        call, key = resolver["queries"][0]
        text = " ".join(self.context.module.code_for_node(call).split())
        self.report(
            call,
            resolver=node.name.value,
            call=text if len(text) <= 60 else text[:57] + "...",
            key=key,
        )

    def visit_Return(self, node: cst.Return) -> None:
        """A resolver that returns a lazy queryset keyed by the parent (`Book.objects.filter(
        author=parent)`): the query runs when the field is resolved, once per parent."""
        resolver = self.resolvers[-1] if self.resolvers else None
        if resolver is None or resolver["parent"] is None or node.value is None:
            return
        rows = self.tracker.rows_of(node.value)
        if rows is None or not rows.many or rows.via[0]:
            return
        parent = resolver["parent"]
        if any(n.value == parent for n in names_in(node.value)):
            resolver["queries"].append((node.value, f"{parent}.id"))

    def visit_Call(self, node: cst.Call) -> None:
        resolver = next((r for r in reversed(self.resolvers) if r["parent"] is not None), None)
        if resolver is None:
            return
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in LOADER_METHODS:
            resolver["loader"] = True
            return
        found = classify_call(node, self.tracker)
        if found is None or found.action != "read":
            return
        parent = resolver["parent"]
        keyed = [n for n in names_in(node) if n.value == parent]
        if keyed:
            resolver["queries"].append((node, f"{parent}.id"))
