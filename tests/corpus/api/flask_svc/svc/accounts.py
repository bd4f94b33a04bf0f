import traceback

from flask import Blueprint, abort, jsonify, request

from .db import get_conn, get_cursor
from .schemas import AccountSchema

bp = Blueprint("accounts", __name__)
schema = AccountSchema()


def error(code, message, status):
    return jsonify({"error": {"code": code, "message": message, "details": {}}}), status


@bp.get("/")  # expect: API001
def list_accounts():
    cur = get_cursor()
    cur.execute("SELECT id, name FROM accounts ORDER BY id")
    return jsonify(cur.fetchall())


@bp.get("/paged")
def list_accounts_paged():
    page = request.args.get("page", 1, type=int)
    cur = get_cursor()
    cur.execute("SELECT id, name FROM accounts ORDER BY id LIMIT 50 OFFSET %s", ((page - 1) * 50,))
    return jsonify(cur.fetchall())


@bp.get("/sized")
def list_accounts_sized():
    per_page = request.args.get("per_page", 20, type=int)  # expect: API002
    cur = get_cursor()
    cur.execute("SELECT id, name FROM accounts ORDER BY id LIMIT %s", (per_page,))
    return jsonify(cur.fetchall())


@bp.get("/sized-clamped")
def list_accounts_sized_clamped():
    per_page = min(request.args.get("per_page", 20, type=int), 100)
    cur = get_cursor()
    cur.execute("SELECT id, name FROM accounts ORDER BY id LIMIT %s", (per_page,))
    return jsonify(cur.fetchall())


@bp.get("/unordered-page")
def unordered_page():
    page = request.args.get("page", 1, type=int)
    cur = get_cursor()
    cur.execute("SELECT id, name FROM accounts LIMIT 50 OFFSET %s", ((page - 1) * 50,))  # expect: API003
    return jsonify(cur.fetchall())


@bp.get("/totals")
def totals():
    cur = get_cursor()
    cur.execute("SELECT currency, SUM(balance) FROM accounts GROUP BY currency")
    return jsonify(cur.fetchall())


@bp.get("/by-ids")
def by_ids():
    ids = request.args.getlist("id", type=int)
    cur = get_cursor()
    cur.execute("SELECT id, name FROM accounts WHERE id IN %s", (tuple(ids),))
    return jsonify(cur.fetchall())


@bp.get("/<int:account_id>")
def get_account(account_id):
    cur = get_cursor()
    cur.execute("SELECT id, name FROM accounts WHERE id = %s", (account_id,))
    row = cur.fetchone()
    if row is None:
        return error("NOT_FOUND", "no account", 404)
    return jsonify(row)


@bp.get("/<int:account_id>/legacy")
def get_account_legacy(account_id):
    row = find(account_id)
    if row is None:
        return jsonify({"msg": "no account"}), 404  # expect: API004
    return jsonify(row)


@bp.get("/<int:account_id>/entries")  # expect: API001
def entries(account_id):
    cur = get_cursor()
    cur.execute("SELECT id, amount FROM entries WHERE account_id = %s ORDER BY id", (account_id,))
    rows = cur.fetchall()
    return jsonify({"account_id": account_id, "entries": rows})


@bp.get("/<int:account_id>/entry-count")
def entry_count(account_id):
    cur = get_cursor()
    cur.execute("SELECT id FROM entries WHERE account_id = %s", (account_id,))
    rows = cur.fetchall()
    return jsonify({"count": len(rows)})


@bp.post("/")  # expect: API015
def create_account():
    data = request.get_json()  # expect: API010
    conn = get_conn()
    conn.cursor().execute("INSERT INTO accounts (name) VALUES (%s)", (data["name"],))
    conn.commit()
    return jsonify({"ok": True})


@bp.post("/validated")
def create_account_validated():
    data = schema.load(request.get_json())
    conn = get_conn()
    conn.cursor().execute("INSERT INTO accounts (name) VALUES (%s)", (data["name"],))
    conn.commit()
    return jsonify({"ok": True}), 201


@bp.post("/<int:account_id>/transfers")
def transfer(account_id):
    payload = schema.load(request.json)
    if payload["amount"] > balance(account_id):
        return jsonify({"error": "insufficient funds"})  # expect: API006
    return jsonify({"ok": True}), 201


@bp.post("/<int:account_id>/close")
def close(account_id):
    try:
        do_close(account_id)
    except Exception as exc:
        return error("CLOSE_FAILED", f"could not close: {exc}", 500)  # expect: API007
    return jsonify({"closed": True})


@bp.post("/<int:account_id>/reopen")
def reopen(account_id):
    try:
        do_reopen(account_id)
    except Exception:
        return jsonify({"error": {"code": "X", "message": traceback.format_exc()}}), 500  # expect: API007
    return jsonify({"reopened": True})


@bp.post("/<int:account_id>/freeze")
def freeze(account_id):
    try:
        do_freeze(account_id)
    except KeyError:
        abort(500)  # expect: API008
    return jsonify({"frozen": True})


@bp.route("/<int:account_id>/ping-owner")  # expect: API009
def ping_owner(account_id):
    conn = get_conn()
    conn.cursor().execute("UPDATE accounts SET pinged_at = now() WHERE id = %s", (account_id,))
    conn.commit()
    return jsonify({"ok": True})


@bp.route("/<int:account_id>/notes", methods=["POST"])
def add_note(account_id):
    note = request.form["note"]  # expect: API010
    conn = get_conn()
    conn.cursor().execute("UPDATE accounts SET note = %s WHERE id = %s", (note, account_id))
    conn.commit()
    return jsonify({"ok": True})


@bp.get("/unsubscribe/<token>")
def unsubscribe(token):
    conn = get_conn()
    conn.cursor().execute("UPDATE accounts SET mail_opt_in = false WHERE token = %s", (token,))
    conn.commit()
    return jsonify({"ok": True})


@bp.delete("/<int:account_id>")
def delete_account(account_id):
    conn = get_conn()
    conn.cursor().execute("DELETE FROM accounts WHERE id = %s", (account_id,))
    conn.commit()
    return "", 204
