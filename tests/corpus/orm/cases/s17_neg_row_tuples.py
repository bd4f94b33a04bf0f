from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def pairs(session):
    return [row.title for row in session.execute(select(Book.title, Book.price))]
