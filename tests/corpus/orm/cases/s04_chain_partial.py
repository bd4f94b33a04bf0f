from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def stars(session):
    stmt = select(Review).options(joinedload(Review.book))
    return [r.book.author.name for r in session.scalars(stmt)]  # expect: ORM001
