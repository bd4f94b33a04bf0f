from . import web_bp


@web_bp.route("/")
def index():
    return ""


@web_bp.route("/search", methods=["GET", "POST"])
def search():
    return ""
