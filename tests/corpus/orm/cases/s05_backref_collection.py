from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def counts(session):
    return {a.name: len(a.books) for a in session.scalars(select(Author))}  # expect: ORM001
