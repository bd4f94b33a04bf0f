"""SQLAlchemy `text()` / `TextClause` given request data, re-expressed from CodeQL's
python/ql/test/query-tests/Security/CWE-089-SqlInjection/sqlalchemy_textclause.py (github/codeql,
MIT; `# $ Alert` lines positive, `GOOD` negative). Names are our own."""

import sqlalchemy
import sqlalchemy.orm
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
engine = sqlalchemy.create_engine("sqlite://")
Base = sqlalchemy.orm.declarative_base()
db = SQLAlchemy(app)


class Member(Base):
    __tablename__ = "members"

    id = sqlalchemy.Column(sqlalchemy.Integer, primary_key=True)
    nickname = sqlalchemy.Column(sqlalchemy.String)


@app.route("/members/<nickname>")
def show_member(nickname):
    session = sqlalchemy.orm.Session(engine)

    stmt = sqlalchemy.text("SELECT * FROM members WHERE nickname = '{}'".format(nickname))  # expect: SQL001 sqlalchemy_textclause.py:27
    rows = session.execute(stmt).fetchall()

    quoted = sqlalchemy.text("'{}'".format(nickname))  # expect: SQL001 sqlalchemy_textclause.py:31
    stmt = sqlalchemy.select(Member).where(Member.nickname == quoted)
    rows = session.execute(stmt).scalars().all()

    stmt = sqlalchemy.select(Member).where(Member.nickname == nickname)
    rows = session.execute(stmt).scalars().all()  # ok: SQL001 sqlalchemy_textclause.py:36

    c1 = sqlalchemy.text(nickname)  # expect: SQL001 sqlalchemy_textclause.py:41
    c2 = sqlalchemy.text(text=nickname)  # expect: SQL001 sqlalchemy_textclause.py:42
    c3 = sqlalchemy.sql.text(nickname)  # expect: SQL001 sqlalchemy_textclause.py:43
    c4 = sqlalchemy.sql.text(text=nickname)  # expect: SQL001 sqlalchemy_textclause.py:44
    c5 = sqlalchemy.sql.expression.text(nickname)  # expect: SQL001 sqlalchemy_textclause.py:45
    c6 = sqlalchemy.sql.expression.text(text=nickname)  # expect: SQL001 sqlalchemy_textclause.py:46
    c7 = sqlalchemy.sql.expression.TextClause(nickname)  # expect: SQL001 sqlalchemy_textclause.py:47
    c8 = sqlalchemy.sql.expression.TextClause(text=nickname)  # expect: SQL001 sqlalchemy_textclause.py:48
    c9 = db.text(nickname)  # expect: SQL001 sqlalchemy_textclause.py:50
    c10 = db.text(text=nickname)  # expect: SQL001 sqlalchemy_textclause.py:51
