import strawberry


@strawberry.type
class BookNode:
    author_id: strawberry.Private[int]

    @strawberry.field
    async def author_name(self, info: strawberry.Info) -> str:
        author = await info.context["authors"].load(self.author_id)
        return author.name
