from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def names(session):
    return [b.author.name for b in session.query(Book).filter(Book.price > 5).all()]  # expect: ORM001
