from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def load(session, rows):
    for r in rows:
        session.add(Review(**r))
        session.commit()  # expect: ORM003
