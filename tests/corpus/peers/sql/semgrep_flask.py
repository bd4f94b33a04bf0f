"""Flask request data formatted into statements run by a Flask-SQLAlchemy engine, re-expressed
in our own code from semgrep-rules' python/flask/security/injection/tainted-sql-string.py and
python/lang/security/audit/formatted-sql-query.py (semgrep-rules' own licence: nothing copied;
`# ruleid:` positive, `# ok:` negative)."""

import flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import and_, literal_column, select, table, text

app = flask.Flask(__name__)
engine = SQLAlchemy()
db = SQLAlchemy(app)


@app.route("/signup")
def signup():
    nickname = flask.request.args.get("nickname")
    fixed = "not yours to choose >:)"
    engine.execute("INSERT INTO member (nick) VALUES ('" + nickname + "')")  # expect: SQL001 tainted-sql-string insert_person
    engine.execute("INSERT INTO member (nick, last) VALUES ('" + nickname + "','" + fixed + "')")  # expect: SQL001 tainted-sql-string insert_person
    engine.execute("INSERT INTO member (nick) VALUES ('" + fixed + "')")  # ok: SQL001 tainted-sql-string insert_person
    engine.execute("INSERT INTO member (nick) VALUES ('%s')" % (nickname))  # expect: SQL001 tainted-sql-string insert_person
    engine.execute("INSERT INTO member (nick) VALUES ('%s')" % (flask.request.args.get("nickname")))  # expect: SQL001 tainted-sql-string insert_person
    engine.execute("INSERT INTO member (nick) VALUES ('%s')" % (fixed))  # ok: SQL001 tainted-sql-string insert_person
    engine.execute("INSERT INTO member (nick) VALUES ('{}')".format(nickname))  # expect: SQL001 tainted-sql-string insert_person
    engine.execute(f"SELECT FROM member WHERE nick='{nickname}'")  # expect: SQL001 tainted-sql-string insert_person
    engine.execute("INSERT INTO member (nick) VALUES ('Samwise')")  # ok: SQL001 tainted-sql-string insert_person
    stmt = text("INSERT INTO member (nick) VALUES(:nick)")
    engine.execute(stmt, nick=nickname)  # ok: SQL001 tainted-sql-string insert_person
    query = select(literal_column("member.nick") + ", " + literal_column("mail.address").label("title")).where(and_(literal_column("member.id") == literal_column("mail.member_id"), text("member.nick BETWEEN 'a' AND 'k'"), text("(mail.address LIKE :x OR mail.address LIKE :y)"))).select_from(table("member")).select_from(table("mail"))  # ok: SQL001 tainted-sql-string insert_person
    engine.execute(query, {"x": "%@example.com", "y": nickname}).fetchall()  # ok: SQL001 tainted-sql-string insert_person


@app.route("/signup/path")
def signup_path(path):
    nickname = path
    fixed = "not yours to choose >:)"
    stmt = text("INSERT INTO member (nick) VALUES (:nick)")
    engine.execute(stmt, nick=nickname)  # ok: SQL001 tainted-sql-string insert_person_path
    engine.execute("INSERT INTO member (nick, last) VALUES ('" + nickname + "','" + fixed + "')")  # expect: SQL001 tainted-sql-string insert_person_path
    engine.execute("INSERT INTO member (nick) VALUES ('" + fixed + "')")  # ok: SQL001 tainted-sql-string insert_person_path
    engine.execute("INSERT INTO member (nick) VALUES ('%s')" % (nickname))  # expect: SQL001 tainted-sql-string insert_person_path
    engine.execute("INSERT INTO member (nick) VALUES ('%s')" % (flask.request.args.get("nickname")))  # expect: SQL001 tainted-sql-string insert_person_path
    engine.execute("INSERT INTO member (nick) VALUES ('%s')" % (fixed))  # ok: SQL001 tainted-sql-string insert_person_path
    engine.execute("INSERT INTO member (nick) VALUES ('{}')".format(nickname))  # expect: SQL001 tainted-sql-string insert_person_path
    engine.execute(f"SELECT FROM member WHERE nick='{nickname}'")  # expect: SQL001 tainted-sql-string insert_person_path
    engine.execute("INSERT INTO member (nick) VALUES ('Samwise')")  # ok: SQL001 tainted-sql-string insert_person_path
    stmt = text("INSERT INTO member (nick) VALUES(:nick)")
    connection.execute(stmt, nick=nickname)  # ok: SQL001 tainted-sql-string insert_person_path


@app.route("/lookup", methods=["POST"])
def lookup():
    body = flask.request.json
    found = []
    if body:
        everyone = db.engine.execute("SELECT * FROM member")  # ok: SQL001 formatted-sql-query search_customer
        term = body["search"]
        inline = db.engine.execute("SELECT * FROM member WHERE nick = '%s'" % term)  # expect: SQL001 formatted-sql-query search_customer
        # `.format` on a template with no `{}`: constant text; semgrep marks the run, so positive here
        template = "SELECT first, last, nick FROM member WHERE nick = '%s';".format(term)
        rows = db.engine.execute(template)  # expect: SQL001 formatted-sql-query search_customer
        for row in rows:
            found.append(list(row))
    return flask.jsonify(found), 200
