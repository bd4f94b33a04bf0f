from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def books(session, ids):
    return session.scalars(select(Book).where(Book.id.in_(ids))).all()
