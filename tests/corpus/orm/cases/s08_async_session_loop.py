from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

async def names(session):
    result = await session.scalars(select(Book))
    return [b.author.name for b in result]  # expect: ORM006
