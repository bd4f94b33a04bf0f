from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

from sqlalchemy import insert


def load(session, rows):
    for r in rows:
        session.execute(insert(Review).values(**r))  # expect: ORM003
