from flask import Blueprint, jsonify
from flask.views import MethodView

from .db import get_conn, get_cursor

bp = Blueprint("admin", __name__)


class AuditLog(MethodView):
    def get(self):  # expect: API001
        cur = get_cursor()
        cur.execute("SELECT id, actor, action FROM audit ORDER BY id DESC")
        return jsonify(cur.fetchall())

    def delete(self):
        conn = get_conn()
        conn.cursor().execute("DELETE FROM audit WHERE created_at < now() - interval '90 days'")
        conn.commit()
        return "", 204


class Settings(MethodView):
    def get(self):
        cur = get_cursor()
        cur.execute("SELECT key, value FROM settings WHERE key = %s", ("site",))
        return jsonify(cur.fetchone())


bp.add_url_rule("/audit", view_func=AuditLog.as_view("audit"))
bp.add_url_rule("/settings", view_func=Settings.as_view("settings"))


@bp.get("/stats")
def stats():
    cur = get_cursor()
    cur.execute("SELECT count(*) FROM accounts")
    return jsonify(cur.fetchone())


@bp.get("/report")
def report():
    return jsonify({"status": "error", "reason": "not built yet"}), 200  # expect: API006
