import strawberry
from strawberry.fastapi import GraphQLRouter

from app.db import SessionLocal
from app.models import Order


@strawberry.type
class OrderType:
    id: int
    status: str


@strawberry.type
class Query:
    @strawberry.field
    def order(self, id: int) -> OrderType | None:
        with SessionLocal() as db:
            found = db.get(Order, id)
            return OrderType(id=found.id, status=found.status) if found else None


schema = strawberry.Schema(query=Query)
graphql_router = GraphQLRouter(schema)
