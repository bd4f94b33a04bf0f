from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

async def reviews(session, book_id):
    result = await session.execute(select(Book).where(Book.id == book_id))
    book = result.scalar_one()
    return [r.stars for r in book.reviews]  # expect: ORM006
