from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

async def first_author(session):
    book = (await session.scalars(select(Book).order_by(Book.id))).first()
    return book.author  # expect: ORM006
