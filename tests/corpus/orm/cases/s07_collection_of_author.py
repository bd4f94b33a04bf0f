from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, contains_eager, raiseload, Session
from app.models import Author, Book, Review

def reviewers(session, author_id):
    author = session.get(Author, author_id)
    return [[r.stars for r in b.reviews] for b in author.books]  # expect: ORM001
