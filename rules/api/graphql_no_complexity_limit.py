from __future__ import annotations

import libcst as cst

from reviewer.web.graphqlfacts import UNLIMITED, bound_schema_line, schema_limits
from reviewer.model import Category, Confidence, Severity
from reviewer.names import dotted
from reviewer.rule import Example, Needs, PythonRule
from reviewer.ops.nodes import has_star_kwargs, keyword, positional

# Servers whose limits live on the Strawberry schema they are given (first argument or
# `schema=`), by qualified name; `X.as_view(...)` counts as X.
STRAWBERRY_SERVERS = frozenset({
    "strawberry.fastapi.GraphQLRouter", "strawberry.asgi.GraphQL",
    "strawberry.django.views.GraphQLView", "strawberry.django.views.AsyncGraphQLView",
    "strawberry.flask.views.GraphQLView", "strawberry.flask.views.AsyncGraphQLView",
    "strawberry.aiohttp.views.GraphQLView", "strawberry.sanic.views.GraphQLView",
    "strawberry.quart.views.GraphQLView", "strawberry.chalice.views.GraphQLView",
    "strawberry.litestar.make_graphql_controller", "strawberry.channels.GraphQLHTTPConsumer",
})
# Servers that take their limits as validation rules (`validation_rules=`, or Ariadne's
# `query_validator=`), on the call or as an attribute of a subclass.
RULE_SERVERS = frozenset({
    "graphene_django.views.GraphQLView", "graphql_server.flask.GraphQLView",
    "graphql_server.flask.graphqlview.GraphQLView", "flask_graphql.GraphQLView",
    "ariadne.asgi.GraphQL", "ariadne.wsgi.GraphQL", "ariadne.contrib.django.views.GraphQLView",
    "ariadne.graphql", "ariadne.graphql_sync",
})
RULE_KEYWORDS = ("validation_rules", "query_validator")
# Members of a view subclass that set or replace the validation step.
RULE_MEMBERS = frozenset({"validation_rules", "get_validation_rules", "execute_graphql_request", "query_validator"})


class GraphqlNoComplexityLimit(PythonRule):
    """A GraphQL schema is served over HTTP with no limit on query depth, size, aliases or
    cost, so one request can ask for a deeply nested or heavily aliased query that makes the
    server resolve millions of fields.

    GraphQL lets the client choose the shape of the work: `friends { friends { friends ... } } }`
    or a thousand aliases of an expensive field is one small request. Limits are validation
    steps that refuse such documents before execution. The rule reports, at the view or
    router that serves a schema:

    - Strawberry (`GraphQLRouter`, `GraphQL`, `GraphQLView.as_view(schema=...)` of the
      Django, Flask, aiohttp, Sanic, Quart, Chalice, Litestar and Channels integrations, and
      project subclasses of those views) serving a `strawberry.Schema` built, in this module
      or another, with no `extensions=` or with a literal list that names no limiter
      (`QueryDepthLimiter`, `MaxTokensLimiter`, `MaxAliasesLimiter`, `AddValidationRules`
      with a depth rule, a cost or complexity extension). A schema whose extensions come from
      a helper or a parameter, or that cannot be traced, is not judged.
    - graphene-django, graphql-server / flask-graphql and Ariadne (`GraphQL`, `GraphQLView`,
      `graphql_sync`) without `validation_rules=` (Ariadne also `query_validator=`), when a
      project subclass of the view does not set `validation_rules` or replace
      `execute_graphql_request`.

    Not checked: a Graphene or graphql-core schema executed by hand in a handler
    (`schema.execute(...)`), where a limit would be a custom check before the call. Schemas
    served only to trusted internal callers can suppress the finding with a reason. No tuned
    project of the ecosystem check serves an unlimited schema (netbox and arize-phoenix limit
    depth and aliases; mlflow checks queries by hand; scan `api-4`): no field data."""

    code = "API013"
    opt_in = True  # field precision 0.50 over 1 judged findings on the tuned projects (label s11)
    name = "graphql-no-complexity-limit"
    summary = "A GraphQL schema is served without query depth, token, alias or cost limits."
    category = Category.API
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "GraphQL served by `{server}` has no query depth, token, alias or cost limit"
    fix = "{advice}"
    seed = 'S1:100 "Implement query complexity analysis"; S4:415'
    references = (
        "https://strawberry.rocks/docs/extensions/query-depth-limiter",
        "https://docs.graphene-python.org/en/latest/execution/queryvalidation/",
        "https://cheatsheetseries.owasp.org/cheatsheets/GraphQL_Cheat_Sheet.html",
    )
    needs = Needs.words("strawberry", "graphene", "graphql", "ariadne")
    index_sections = ("symbols", "graphql_schemas")
    invalid = (
        Example(
            "import strawberry\n"
            "from strawberry.fastapi import GraphQLRouter\n"
            "from app.types import Query, Mutation\n"
            "\n"
            "schema = strawberry.Schema(query=Query, mutation=Mutation)\n"
            'graphql_app = GraphQLRouter(schema, prefix="/graphql")\n',
            path="app/api.py",
            lines=(6,),
        ),
        Example(
            "from django.urls import path\n"
            "from strawberry.django.views import GraphQLView\n"
            "from shop.schema import schema\n"
            "\n"
            'urlpatterns = [path("graphql/", GraphQLView.as_view(schema=schema))]\n',
            path="shop/urls.py",
            lines=(5,),
            files=(
                ("shop/__init__.py", ""),
                ("shop/schema.py", "import strawberry\nfrom strawberry.extensions import MaskErrors\n\n"
                 "schema = strawberry.Schema(query=Query, extensions=[MaskErrors()])\n"),
            ),
            note="the schema is built in another module, with an extension that limits nothing",
        ),
        Example(
            "from django.urls import path\n"
            "from django.views.decorators.csrf import csrf_exempt\n"
            "from graphene_django.views import GraphQLView\n"
            "\n"
            'urlpatterns = [path("graphql", csrf_exempt(GraphQLView.as_view(graphiql=True)))]\n',
            path="shop/urls.py",
            lines=(5,),
        ),
        Example(
            "from ariadne.asgi import GraphQL\n"
            "from app.schema import schema\n"
            "\n"
            "app = GraphQL(schema, debug=False)\n",
            path="app/main.py",
            lines=(4,),
        ),
    )
    valid = (
        Example(
            "import strawberry\n"
            "from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter\n"
            "from strawberry.fastapi import GraphQLRouter\n"
            "\n"
            "schema = strawberry.Schema(query=Query, extensions=[\n"
            "    QueryDepthLimiter(max_depth=10), MaxTokensLimiter(max_token_count=2000), MaxAliasesLimiter(max_alias_count=20)])\n"
            "graphql_app = GraphQLRouter(schema)\n",
            path="app/api.py",
        ),
        Example(
            "import strawberry\n"
            "from strawberry.fastapi import GraphQLRouter\n"
            "\n"
            "def build(extensions):\n"
            "    return strawberry.Schema(query=Query, extensions=extensions)\n"
            "\n"
            "router = GraphQLRouter(build([lambda: QueryDepthLimiter(max_depth=20)]))\n",
            path="app/api.py",
            note="near-miss: the schema comes from a helper whose extensions the caller chooses: not judged",
        ),
        Example(
            "import strawberry\n"
            "from strawberry.django.views import GraphQLView\n"
            "\n"
            "schema = strawberry.Schema(query=Query, extensions=schema_extensions())\n"
            "view = GraphQLView.as_view(schema=schema)\n",
            path="app/urls.py",
            note="near-miss: extensions from a helper (netbox builds its limiters so): not judged",
        ),
        Example(
            "from graphene.validation import depth_limit_validator\n"
            "from graphene_django.views import GraphQLView\n"
            "from django.urls import path\n"
            "\n"
            'urlpatterns = [path("graphql", GraphQLView.as_view(validation_rules=(depth_limit_validator(10),)))]\n',
            path="shop/urls.py",
        ),
        Example(
            "from graphene_django.views import GraphQLView\n"
            "\n"
            "class LimitedView(GraphQLView):\n"
            "    validation_rules = (depth_limit_validator(10),)\n"
            "\n"
            'view = LimitedView.as_view(graphiql=False)\n',
            path="shop/views.py",
            note="near-miss: a project subclass sets the validation rules",
        ),
        Example(
            "from ariadne.asgi import GraphQL\n"
            "from ariadne.validation import cost_validator\n"
            "\n"
            "app = GraphQL(schema, validation_rules=[cost_validator(maximum_cost=1000)])\n",
            path="app/main.py",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        target = node.func
        if isinstance(target, cst.Attribute) and target.attr.value == "as_view":
            target = target.value
        if not isinstance(target, (cst.Name, cst.Attribute)):
            return
        server, members = self._server(target)
        if server is None:
            return
        if server in STRAWBERRY_SERVERS:
            argument = keyword(node, "schema") or positional(node, 0)
            if argument is not None and self._strawberry_limits(argument.value) == UNLIMITED:
                self.report(node, server=dotted(target) or server,
                            advice="Add limits to the schema: `strawberry.Schema(..., extensions=[QueryDepthLimiter(max_depth=10), "
                                   "MaxTokensLimiter(max_token_count=2000), MaxAliasesLimiter(max_alias_count=20)])`")
            return
        if any(keyword(node, name) is not None for name in RULE_KEYWORDS) or has_star_kwargs(node) or members & RULE_MEMBERS:
            return
        self.report(node, server=dotted(target) or server,
                    advice="Pass validation rules that bound the query: `validation_rules=(depth_limit_validator(10),)` "
                           "(graphene), `validation_rules=[cost_validator(maximum_cost=1000)]` (Ariadne)")

    def _server(self, target: cst.BaseExpression) -> tuple[str | None, set[str]]:
        """The known server a callee is (directly or as a project subclass), and the members
        the project classes on the way define."""
        qualified = self.context.resolve(target) or ""
        if qualified in STRAWBERRY_SERVERS or qualified in RULE_SERVERS:
            return qualified, set()
        symbols = self.context.symbols
        name = dotted(target)
        cls = symbols.class_symbol(self.context.path, name) if symbols is not None and name else None
        if cls is None:
            return None, set()
        members: set[str] = set(symbols.files[cls.path].classes[cls.qualified.rsplit(".", 1)[-1]].attributes)
        for base in symbols.ancestors(cls):
            if base in STRAWBERRY_SERVERS or base in RULE_SERVERS:
                return base, members
            parent = symbols.class_symbol(cls.path, base)
            if parent is not None:
                members |= set(symbols.files[parent.path].classes[parent.qualified.rsplit(".", 1)[-1]].attributes)
        return None, set()

    def _strawberry_limits(self, schema: cst.BaseExpression) -> str | None:
        """The limits of the Strawberry schema an expression is, None when it cannot be traced."""
        index = self.context.index
        if isinstance(schema, cst.Call):
            return schema_limits(index, self.context.path, self.context.line_of(schema))
        name = dotted(schema)
        if name is None:
            return None
        found = self.context.scopes.lookup(name) if isinstance(schema, cst.Name) else None
        if found is not None and found[0] is not self.context.scopes.module:
            values = found[1]
            if len(values) == 1 and isinstance(values[0].value, cst.Call):
                return schema_limits(index, self.context.path, self.context.line_of(values[0].value))
            return None
        symbols = self.context.symbols
        where = symbols.definition(self.context.path, name) if symbols is not None else None
        if where is None or not where[1]:
            return None
        line = bound_schema_line(index, where[0], where[1])
        return schema_limits(index, where[0], line) if line is not None else None
