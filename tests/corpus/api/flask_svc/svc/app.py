from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from . import accounts, admin


def create_app():
    app = Flask(__name__)
    app.register_blueprint(accounts.bp, url_prefix="/api/v1/accounts")
    app.register_blueprint(admin.bp, url_prefix="/api/v1/admin")

    @app.errorhandler(HTTPException)
    def http_error(error):
        return jsonify({"error": {"code": error.name.upper(), "message": error.description}}), error.code

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    return app
