from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def author_ids(session):
    return [b.author_id for b in session.scalars(select(Book))]
