from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def reviews(session):
    stmt = select(Author).options(selectinload(Author.books).selectinload(Book.reviews))
    return [[len(b.reviews) for b in a.books] for a in session.scalars(stmt)]
