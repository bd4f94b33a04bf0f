from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def publishers(session):
    return [b.publisher.name for b in session.scalars(select(Book))]
