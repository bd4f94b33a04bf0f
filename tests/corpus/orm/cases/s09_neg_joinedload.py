from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def titles(session):
    stmt = select(Book).options(joinedload(Book.author))
    return [(b.title, b.author.name) for b in session.scalars(stmt)]
