from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

async def author_name(session, book_id):
    book = await session.get(Book, book_id)
    return book.author.name  # expect: ORM006
