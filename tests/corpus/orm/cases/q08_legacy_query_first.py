from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def authors(session, names):
    return [session.query(Author).filter(Author.name == n).first() for n in names]  # expect: ORM002
