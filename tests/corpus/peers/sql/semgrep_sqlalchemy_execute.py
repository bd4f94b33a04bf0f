"""Formatted statements run on a SQLAlchemy engine or connection at module level, re-expressed
in our own code from semgrep-rules' python/sqlalchemy/security/sqlalchemy-execute-raw-query.py
(semgrep-rules' own licence: nothing copied; `# ruleid:` positive, `# ok:` negative). As there,
`title` and `author` are module names of unknown origin."""

from sqlalchemy import MetaData, String, and_, create_engine, insert, literal_column, select, table, text

engine = create_engine("postgresql://app@localhost/library")
engine.execute("INSERT INTO book (title) VALUES ('" + title + "')")  # expect: SQL001 execute-raw-query connectionless +
engine.execute("INSERT INTO book (title) VALUES ('" + title + "')", multi=False)  # expect: SQL001 execute-raw-query connectionless + multi
engine.execute("INSERT INTO book (title, author) VALUES ('" + title + "','" + author + "')")  # expect: SQL001 execute-raw-query connectionless two values
engine.execute("INSERT INTO book (title) VALUES ('%s')" % (title))  # expect: SQL001 execute-raw-query connectionless %
engine.execute("INSERT INTO book (title) VALUES ('{}')".format(title))  # expect: SQL001 execute-raw-query connectionless format
engine.execute(f"INSERT INTO book (title) VALUES ('{title}')")  # expect: SQL001 execute-raw-query connectionless f-string
statement = "INSERT INTO book (title) VALUES ('" + title + "')"
engine.execute(statement)  # expect: SQL001 execute-raw-query variable +
statement = "INSERT INTO book (title) VALUES ('%s')" % (title)
engine.execute(statement)  # expect: SQL001 execute-raw-query variable %
statement = "INSERT INTO book (title) VALUES ('{}')".format(title)
engine.execute(statement)  # expect: SQL001 execute-raw-query variable format
statement = f"INSERT INTO book (title) VALUES ('{title}')"
engine.execute(statement)  # expect: SQL001 execute-raw-query variable f-string
statement: str = f"INSERT INTO book (title) VALUES ('{title}')"
engine.execute(statement)  # expect: SQL001 execute-raw-query annotated variable
engine.execute("INSERT INTO book (title) VALUES ('The Hobbit')")  # ok: SQL001 execute-raw-query constant

connection = engine.connect()
connection.execute("INSERT INTO book (title) VALUES ('" + title + "')")  # expect: SQL001 execute-raw-query connection +
connection.execute("INSERT INTO book (title) VALUES ('%s')" % (title))  # expect: SQL001 execute-raw-query connection %
connection.execute("INSERT INTO book (title) VALUES ('{}')".format(title))  # expect: SQL001 execute-raw-query connection format
connection.execute(f"INSERT INTO book (title) VALUES ('{title}')")  # expect: SQL001 execute-raw-query connection f-string

with engine.connect() as conn:
    conn.execute("INSERT INTO book (title) VALUES ('" + title + "')")  # expect: SQL001 execute-raw-query with +
with engine.connect() as conn:
    conn.execute("INSERT INTO book (title) VALUES ('%s')" % (title))  # expect: SQL001 execute-raw-query with %
with engine.connect() as conn:
    conn.execute("INSERT INTO book (title) VALUES ('{}')".format(title))  # expect: SQL001 execute-raw-query with format
with engine.connect() as conn:
    conn.execute(f"INSERT INTO book (title) VALUES ('{title}')")  # expect: SQL001 execute-raw-query with f-string

with engine.connect() as conn:
    statement = "INSERT INTO book (title) VALUES ('" + title + "')"
    conn.execute(statement)  # expect: SQL001 execute-raw-query with variable +
with engine.connect() as conn:
    statement: str = "INSERT INTO book (title) VALUES ('" + title + "')"
    conn.execute(statement)  # expect: SQL001 execute-raw-query with annotated +
with engine.connect() as conn:
    statement = "INSERT INTO book (title) VALUES ('%s')" % (title)
    conn.execute(statement)  # expect: SQL001 execute-raw-query with variable %
with engine.connect() as conn:
    statement: str = "INSERT INTO book (title) VALUES ('%s')" % (title)
    conn.execute(statement)  # expect: SQL001 execute-raw-query with annotated %
with engine.connect() as conn:
    statement = "INSERT INTO book (title) VALUES ('{}')".format(title)
    conn.execute(statement)  # expect: SQL001 execute-raw-query with variable format
with engine.connect() as conn:
    statement: str = "INSERT INTO book (title) VALUES ('{}')".format(title)
    conn.execute(statement)  # expect: SQL001 execute-raw-query with annotated format
with engine.connect() as conn:
    statement = f"INSERT INTO book (title) VALUES ('{title}')"
    conn.execute(statement)  # expect: SQL001 execute-raw-query with variable f-string
with engine.connect() as conn:
    statement: str = f"INSERT INTO book (title) VALUES ('{title}')"
    conn.execute(statement)  # expect: SQL001 execute-raw-query with annotated f-string

bound = text("INSERT INTO book (title) VALUES(:title)")
connection.execute(bound, title="The Hobbit")  # ok: SQL001 execute-raw-query prepared statement
composed = select(literal_column("book.title", String) + ", " + literal_column("shelf.name").label("where")).where(and_(literal_column("book.id") == literal_column("shelf.book_id"), text("book.title BETWEEN 'a' AND 'k'"), text("(shelf.name LIKE :x OR shelf.name LIKE :y)"))).select_from(table("book")).select_from(table("shelf"))  # ok: SQL001 execute-raw-query composition
conn.execute(composed, {"x": "%fiction", "y": "%poetry"}).fetchall()  # ok: SQL001 execute-raw-query composition

with engine.connect() as conn:
    meta = MetaData()
    meta.reflect(bind=conn)
    books = meta.tables["book"]
    stmt = select(books).where(books.columns[column_name] == column_value)
    found = conn.execute(stmt)  # ok: SQL001 execute-raw-query expression language
with engine.connect() as conn:
    meta = MetaData()
    meta.reflect(bind=conn)
    books = meta.tables["book"]
    stmt = insert(books)
    rows = [{column_name: "Dune", column_price: 5}, {column_name: "Emma", column_price: 8}]
    conn.execute(stmt, rows)  # ok: SQL001 execute-raw-query expression insert
with engine.connect() as conn:
    meta = MetaData()
    meta.reflect(bind=conn)
    books = meta.tables["book"]
    stmt = insert(books) + "test"
    rows = [{column_name: "Dune", column_price: 5}, {column_name: "Emma", column_price: 8}]
    conn.execute(stmt, rows)  # expect: SQL001 execute-raw-query insert() + str
