import strawberry


@strawberry.type
class BookNode:
    title: str

    @strawberry.field
    def shout(self) -> str:
        return self.title.upper()
