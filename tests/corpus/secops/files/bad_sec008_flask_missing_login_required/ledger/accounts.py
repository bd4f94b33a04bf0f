from flask import Blueprint, jsonify, request
from flask_login import login_required

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


@bp.get("/")
@login_required
def index():
    return jsonify([])


@bp.get("/<int:account_id>")
@login_required
def show(account_id):
    return jsonify({"id": account_id})


@bp.post("/<int:account_id>/close")
@login_required
def close(account_id):
    return jsonify({"closed": account_id})


@bp.route("/<int:account_id>/transfers", methods=["POST"])
def transfer(account_id):
    return jsonify(request.json), 201
