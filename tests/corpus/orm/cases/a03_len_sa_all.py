from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def count_books(session):
    return len(session.scalars(select(Book)).all())  # expect: ORM007
