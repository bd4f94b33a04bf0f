from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def reviews(session: Session):
    out = []
    for book in session.execute(select(Book)).scalars():
        out.append(len(book.reviews))  # expect: ORM001
    return out
