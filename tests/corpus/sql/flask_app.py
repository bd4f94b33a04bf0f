"""Flask views over sqlite3 and psycopg2."""
import sqlite3

from flask import Blueprint, g, jsonify, request

bp = Blueprint("ledger", __name__)
ENTRIES_TABLE = "entries"


def get_db():
    if "db" not in g:
        g.db = sqlite3.connect("ledger.db")
    return g.db


@bp.route("/accounts")
def bad_request_args():
    q = request.args.get("q", "")
    db = get_db()
    rows = db.execute("SELECT id FROM accounts WHERE holder LIKE '%" + q + "%'").fetchall()
    return jsonify(rows)


@bp.route("/entries")
def bad_request_direction():
    direction = request.args.get("dir", "ASC")
    cur = get_db().cursor()
    cur.execute(f"SELECT id FROM entries ORDER BY posted_at {direction}")
    return jsonify(cur.fetchall())


@bp.route("/audit", methods=["POST"])
def bad_request_json():
    actor = request.json["actor"]
    db = get_db()
    db.executescript(f"INSERT INTO audit (actor) VALUES ('{actor}');")
    return "", 204


@bp.route("/accounts/<name>")
def bad_path_name(name):
    db = get_db()
    return jsonify(db.execute(f"SELECT id FROM accounts WHERE name = '{name}'").fetchall())


@bp.route("/form", methods=["POST"])
def bad_form_value():
    memo = request.form["memo"]
    cur = get_db().cursor()
    cur.execute("UPDATE entries SET memo = '%s' WHERE id = 1" % memo)
    return "", 204


@bp.route("/v2/accounts")
def ok_request_args():
    q = request.args.get("q", "")
    db = get_db()
    return jsonify(db.execute("SELECT id FROM accounts WHERE holder LIKE ?", (f"%{q}%",)).fetchall())


@bp.route("/v2/accounts/<int:account_id>")
def ok_int_converter(account_id):
    db = get_db()
    return jsonify(db.execute(f"SELECT id FROM accounts WHERE id = {account_id}").fetchall())


@bp.route("/v2/entries")
def ok_direction_allowlist():
    direction = "DESC" if request.args.get("dir") == "desc" else "ASC"
    cur = get_db().cursor()
    cur.execute(f"SELECT id FROM entries ORDER BY posted_at {direction}")
    return jsonify(cur.fetchall())


@bp.route("/v2/entries/<int:entry_id>")
def ok_constant_table(entry_id):
    db = get_db()
    return jsonify(db.execute(f"SELECT id FROM {ENTRIES_TABLE} WHERE id = ?", (entry_id,)).fetchall())


@bp.route("/v2/audit", methods=["POST"])
def ok_named_style():
    db = get_db()
    db.execute("INSERT INTO audit (actor) VALUES (:actor)", {"actor": request.json["actor"]})
    return "", 204


@bp.route("/v2/schema")
def ok_executescript_constant():
    get_db().executescript("CREATE TABLE IF NOT EXISTS audit (actor TEXT); CREATE INDEX IF NOT EXISTS a ON audit (actor);")
    return "", 204
