from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def by_titles(session, titles):
    found = []
    for title in titles:
        found.append(session.scalars(select(Book).where(Book.title == title)).first())  # expect: ORM002
    return found
