from flask.views import MethodView
from flask_smorest import Blueprint

blp = Blueprint("pets", __name__, url_prefix="/pets", description="Pets")


@blp.route("/")
class Pets(MethodView):
    @blp.response(200)
    def get(self):
        return []

    def post(self):
        return {}


@blp.route("/<int:pet_id>")
class PetById(MethodView):
    def get(self, pet_id):
        return {}

    def delete(self, pet_id):
        return None


@blp.route("/<int:pet_id>/photo", methods=["PUT"])
def upload_photo(pet_id):
    return {}
