from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def one(session, book_id):
    book = session.get(Book, book_id, options=[selectinload(Book.reviews)])
    return [r.stars for r in book.reviews]
