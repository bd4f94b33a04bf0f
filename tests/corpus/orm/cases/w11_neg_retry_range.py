from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def save(session):
    for attempt in range(3):
        try:
            session.commit()
            return
        except Exception:
            session.rollback()
