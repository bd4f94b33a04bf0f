import logging

import requests
from flask import Blueprint, current_app, jsonify, request

from .db import get_conn, get_cursor

bp = Blueprint("reports", __name__)
log = logging.getLogger(__name__)

ENTRIES_TABLE = "entries"


@bp.get("/balances")
def balances():
    ids = request.args.getlist("id", type=int)
    if not ids:
        return jsonify({"error": {"code": "MISSING_IDS", "message": "at least one id is required"}}), 400
    placeholders = ", ".join(["%s"] * len(ids))
    cur = get_cursor()
    cur.execute(
        f"SELECT id, holder_name, balance_cents, currency FROM accounts WHERE id IN ({placeholders}) ORDER BY id",
        ids,
    )
    return jsonify(cur.fetchall())


@bp.get("/overview")
def overview():
    ids = request.args.getlist("id", type=int)
    cur = get_cursor()
    result = []
    for account_id in ids:
        cur.execute("SELECT id, holder_name, balance_cents FROM accounts WHERE id = %s", (account_id,))
        row = cur.fetchone()
        if row is not None:
            result.append(row)
    return jsonify(result)


@bp.get("/monthly/<int:account_id>")
def monthly_totals(account_id):
    cur = get_cursor()
    cur.execute(
        f"SELECT date_trunc('month', posted_at) AS month, SUM(amount_cents) AS total_cents FROM {ENTRIES_TABLE} WHERE account_id = %s GROUP BY 1 ORDER BY 1",
        (account_id,),
    )
    return jsonify(cur.fetchall())


@bp.get("/statement/<int:account_id>")
def statement(account_id):
    since = request.args.get("since", "1970-01-01")
    cur = get_cursor()
    try:
        cur.execute(
            "SELECT id, amount_cents, memo, posted_at FROM entries WHERE account_id = %s AND posted_at >= %s ORDER BY posted_at, id",
            (account_id, since),
        )
        rows = cur.fetchall()
    except Exception as e:
        log.exception("statement query failed for account %s", account_id)
        return jsonify({"error": {"code": "STATEMENT_FAILED", "message": str(e)}}), 500
    return jsonify({"account_id": account_id, "entries": rows})


@bp.get("/export/<int:account_id>")
def export_command(account_id):
    fmt = request.args.get("format", "csv")
    copy_cmd = (
        f"\\copy (SELECT id, amount_cents, memo, posted_at FROM entries WHERE account_id = {account_id}) "
        f"TO 'ledger_{account_id}.{fmt}' WITH (FORMAT {fmt}, HEADER)"
    )
    return jsonify({"account_id": account_id, "psql": copy_cmd})


@bp.get("/net-worth")
def net_worth():
    currency = request.args.get("currency", "EUR")
    rates = requests.get(current_app.config["FX_API_URL"], params={"base": currency}).json()["rates"]
    cur = get_cursor()
    cur.execute(
        "SELECT currency, SUM(balance_cents) AS total_cents FROM accounts GROUP BY currency ORDER BY currency"
    )
    total_cents = 0
    for row in cur.fetchall():
        rate = 1 if row["currency"] == currency else rates[row["currency"]]
        total_cents += int(row["total_cents"] / rate)
    return jsonify({"currency": currency, "total_cents": total_cents})


@bp.get("/reconcile/<int:account_id>")
def reconcile(account_id):
    conn = get_conn()
    cur = conn.cursor()
    cur.execute("UPDATE entries SET reconciled = true WHERE account_id = %s AND NOT reconciled", (account_id,))
    reconciled = cur.rowcount
    cur.execute("UPDATE accounts SET reconciled_at = now() WHERE id = %s", (account_id,))
    conn.commit()
    return jsonify({"account_id": account_id, "reconciled_entries": reconciled})
