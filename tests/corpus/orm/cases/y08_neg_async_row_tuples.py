from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

async def titles(session):
    result = await session.execute(select(Book))
    row = result.first()
    return row.title
