from flask import Flask

from app.admin import admin_bp
from app.api import api_bp
from app.web import web_bp


def create_app():
    app = Flask(__name__)
    app.register_blueprint(api_bp, url_prefix="/api")
    app.register_blueprint(web_bp)
    app.register_blueprint(admin_bp, url_prefix=app.config["ADMIN_URL"])
    return app
