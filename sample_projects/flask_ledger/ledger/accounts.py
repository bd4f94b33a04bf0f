import logging

from flask import Blueprint, current_app, jsonify, request

from .audit import record_event
from .db import get_conn, get_cursor

bp = Blueprint("accounts", __name__)
log = logging.getLogger(__name__)


@bp.get("/")
def list_accounts():
    cur = get_cursor()
    cur.execute(
        "SELECT id, holder_name, email, currency, balance_cents, created_at FROM accounts ORDER BY id"
    )
    return jsonify(cur.fetchall())


@bp.get("/<int:account_id>")
def get_account(account_id):
    cur = get_cursor(dict_rows=False)
    cur.execute("SELECT * FROM accounts WHERE id = %s", (account_id,))
    row = cur.fetchone()
    if row is None:
        return jsonify({"error": "account not found"}), 404
    return jsonify(
        {"id": row[0], "holder_name": row[1], "email": row[2], "balance_cents": row[3], "currency": row[5]}
    )


@bp.post("/")
def create_account():
    data = request.get_json()
    conn = get_conn()
    cur = conn.cursor()
    cur.execute(
        "INSERT INTO accounts (holder_name, email, currency, balance_cents) VALUES (%s, %s, %s, 0) RETURNING id",
        (data["holder_name"], data.get("email"), data.get("currency", "EUR")),
    )
    account_id = cur.fetchone()[0]
    conn.commit()
    record_event("account.created", data.get("holder_name"), {"account_id": account_id})
    return jsonify({"id": account_id})


@bp.get("/search")
def search_accounts():
    q = request.args.get("q", "")
    query = "SELECT id, holder_name, email, balance_cents FROM accounts WHERE holder_name ILIKE '%%%s%%' ORDER BY holder_name LIMIT 50" % q
    cur = get_cursor()
    cur.execute(query)
    return jsonify(cur.fetchall())


@bp.post("/<int:account_id>/transfers")
def transfer(account_id):
    payload = request.json
    amount = int(payload["amount_cents"])
    target_id = int(payload["to_account_id"])
    current_app.logger.info(
        "transfer %s -> %s requested, auth=%s", account_id, target_id, request.headers.get("Authorization")
    )
    conn = get_conn()
    cur = conn.cursor()
    cur.execute("SELECT balance_cents FROM accounts WHERE id = %s", (account_id,))
    row = cur.fetchone()
    if row is None:
        return jsonify({"error": "account not found"}), 404
    balance = row[0]
    if balance < amount:
        return jsonify({"error": "insufficient funds", "balance_cents": balance})
    cur.execute("UPDATE accounts SET balance_cents = %s WHERE id = %s", (balance - amount, account_id))
    cur.execute("UPDATE accounts SET balance_cents = balance_cents + %s WHERE id = %s", (amount, target_id))
    cur.execute(
        "INSERT INTO entries (account_id, amount_cents, memo, reconciled) VALUES (%s, %s, %s, false), (%s, %s, %s, false)",
        (account_id, -amount, f"transfer to {target_id}", target_id, amount, f"transfer from {account_id}"),
    )
    conn.commit()
    record_event("transfer.created", str(account_id), {"to": target_id, "amount_cents": amount})
    return jsonify({"from": account_id, "to": target_id, "amount_cents": amount}), 201


@bp.get("/<int:account_id>/entries")
def list_entries(account_id):
    direction = request.args.get("order", "desc")
    cur = get_cursor()
    cur.execute(
        f"SELECT id, amount_cents, memo, posted_at FROM entries WHERE account_id = {account_id} ORDER BY posted_at {direction}"
    )
    return jsonify(cur.fetchall())


@bp.post("/<int:account_id>/entries/import")
def import_entries(account_id):
    body = request.get_json()
    period = body.get("period", "current")
    table = "entries" if period == "current" else "entries_archive_" + period
    rows = [(account_id, int(e["amount_cents"]), e.get("memo", ""), e["posted_at"]) for e in body["entries"]]
    conn = get_conn()
    cur = conn.cursor()
    cur.executemany(
        "INSERT INTO {} (account_id, amount_cents, memo, posted_at, reconciled) VALUES (%s, %s, %s, %s, false)".format(table),
        rows,
    )
    conn.commit()
    return jsonify({"imported": len(rows)}), 201


@bp.post("/interest")
def apply_interest():
    rate = float(request.args.get("rate", "0.001"))
    cur = get_cursor()
    cur.execute("SELECT id, balance_cents FROM accounts WHERE balance_cents > 0 ORDER BY id")
    accounts = cur.fetchall()
    conn = get_conn()
    write = conn.cursor()
    for acct in accounts:
        interest = int(acct["balance_cents"] * rate)
        write.execute(
            "INSERT INTO entries (account_id, amount_cents, memo, reconciled) VALUES (%s, %s, 'monthly interest', false)",
            (acct["id"], interest),
        )
        write.execute(
            "UPDATE accounts SET balance_cents = balance_cents + %s WHERE id = %s", (interest, acct["id"])
        )
        conn.commit()
    log.info("interest applied to %s accounts", len(accounts))
    return jsonify({"accounts": len(accounts)})
