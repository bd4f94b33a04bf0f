from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def titles(session: Session):
    books = session.scalars(select(Book).where(Book.price > 10)).all()
    return [(b.title, b.author.name) for b in books]  # expect: ORM001
