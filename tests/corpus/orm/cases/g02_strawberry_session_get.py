import strawberry
from app.models import Author


@strawberry.type
class BookNode:
    author_id: strawberry.Private[int]

    @strawberry.field
    def author_name(self, info: strawberry.Info) -> str:
        session = info.context["session"]
        return session.get(Author, self.author_id).name  # expect: ORM005
