from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def load(session, rows):
    for n, r in enumerate(rows):
        session.add(Review(**r))
        if n % 1000 == 0:
            session.commit()
    session.commit()
