"""A FastAPI query parameter concatenated into SQL and run on a DB-API cursor whose connection
comes from a module global, a helper or a class, re-expressed from CodeQL's
python/ql/test/query-tests/Security/CWE-089-SqlInjection/app.py and db_connection.py
(github/codeql, MIT; the `# $ Alert` lines are positive). Names are our own."""

from fastapi import FastAPI
from hdbcli import dbapi

app = FastAPI()

shared_conn = dbapi.connect(address="localhost", port=30015, user="app", password="x")


class Connections:
    def __init__(self):
        self._conn = dbapi.connect(address="localhost", port=30015, user="app", password="x")

    def get_conn(self):
        return self._conn


wrapped_conn = Connections().get_conn()
raw_conn = Connections()._conn
_connections = None


def get_conn():
    global _connections
    if _connections is None:
        _connections = Connections()
    return _connections.get_conn()


connections = Connections()


@app.get("/search1/")
async def search1(term: str):
    query = "select * from products where title=" + term
    cursor = shared_conn.cursor()
    cursor.execute(query)  # expect: SQL001 app.py:23
    cursor.close()


@app.get("/search2/")
async def search2(term: str):
    query = "select * from products where title=" + term
    cursor = wrapped_conn.cursor()
    cursor.execute(query)  # expect: SQL001 app.py:30
    cursor.close()


@app.get("/search3/")
async def search3(term: str):
    query = "select * from products where title=" + term
    cursor = raw_conn.cursor()
    cursor.execute(query)  # expect: SQL001 app.py:37
    cursor.close()


@app.get("/search4/")
async def search4(term: str):
    query = "select * from products where title=" + term
    cursor = get_conn().cursor()
    cursor.execute(query)  # expect: SQL001 app.py:44
    cursor.close()


@app.get("/search5/")
async def search5(term: str):
    query = "select * from products where title=" + term
    cursor = connections.get_conn().cursor()
    cursor.execute(query)  # expect: SQL001 app.py:51
    cursor.close()
