from flask import Blueprint
from flask_restful import Api

from app.api.v2 import v2_bp

api_bp = Blueprint("api", __name__)
api = Api(api_bp, prefix="/v1")
api_bp.register_blueprint(v2_bp)

from app.api import resources  # noqa: E402,F401
