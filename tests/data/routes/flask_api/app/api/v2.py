from flask import Blueprint

v2_bp = Blueprint("v2", __name__, url_prefix="/v2")


@v2_bp.route("/status")
def status():
    return {}
