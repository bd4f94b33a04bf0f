import logging

from flask import Flask, jsonify

from . import accounts, audit, db, reports
from .config import Config


def create_app(config_object=Config):
    app = Flask(__name__)
    app.config.from_object(config_object)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    audit.init_app(app)

    app.register_blueprint(accounts.bp, url_prefix="/api/v1/accounts")
    app.register_blueprint(reports.bp, url_prefix="/api/v1/reports")
    app.register_blueprint(audit.bp, url_prefix="/api/v1/audit")

    @app.errorhandler(404)
    def not_found(error):
        return jsonify({"message": "resource not found"}), 404

    @app.errorhandler(500)
    def server_error(error):
        return jsonify({"message": "internal server error"}), 500

    return app
