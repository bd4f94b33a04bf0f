from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def names(session):
    return [b.author for b in session.scalars(select(Book).options(raiseload("*")))]
