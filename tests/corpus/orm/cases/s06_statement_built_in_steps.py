from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def cheap(session, limit):
    stmt = select(Book)
    stmt = stmt.where(Book.price < 10)
    stmt = stmt.limit(limit)
    return [b.author.name for b in session.scalars(stmt)]  # expect: ORM001
