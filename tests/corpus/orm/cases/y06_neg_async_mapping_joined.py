from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

async def publisher(session, book_id):
    book = await session.get(Book, book_id)
    return book.publisher.name, book.author_id
