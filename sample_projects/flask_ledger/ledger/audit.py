import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from flask import Blueprint, current_app, jsonify, request

bp = Blueprint("audit", __name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event TEXT NOT NULL,
    actor TEXT,
    payload TEXT,
    created_at TEXT NOT NULL
);
"""


def _connect():
    conn = sqlite3.connect(current_app.config["AUDIT_DB_PATH"])
    conn.row_factory = sqlite3.Row
    return conn


def init_app(app):
    with app.app_context():
        conn = _connect()
        conn.executescript(SCHEMA)
        conn.close()


def record_event(event, actor, payload):
    conn = _connect()
    with conn:
        conn.execute(
            "INSERT INTO audit_log (event, actor, payload, created_at) VALUES (?, ?, ?, ?)",
            (event, actor, json.dumps(payload), datetime.now(timezone.utc).isoformat()),
        )
    conn.close()


@bp.get("/")
def search():
    actor = request.args.get("actor", "")
    conn = _connect()
    rows = conn.execute(
        "SELECT id, event, actor, payload, created_at FROM audit_log WHERE actor = '{}' ORDER BY id DESC LIMIT 200".format(actor)
    ).fetchall()
    conn.close()
    return jsonify([dict(r) for r in rows])


@bp.get("/events")
def events_by_id():
    ids = request.args.getlist("id", type=int)
    marks = ",".join("?" * len(ids))
    conn = _connect()
    rows = conn.execute(
        f"SELECT id, event, actor, created_at FROM audit_log WHERE id IN ({marks}) ORDER BY id", ids
    ).fetchall()
    conn.close()
    return jsonify([dict(r) for r in rows])


@bp.post("/rotate")
def rotate():
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    archive = Path(current_app.config["AUDIT_ARCHIVE_DIR"]) / f"audit-{stamp}.jsonl"
    conn = _connect()
    with conn:
        rows = conn.execute("SELECT id, event, actor, payload, created_at FROM audit_log ORDER BY id").fetchall()
        with archive.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(dict(row)) + "\n")
        conn.execute("DELETE FROM audit_log")
    conn.close()
    return jsonify({"archived": len(rows), "file": archive.name})
