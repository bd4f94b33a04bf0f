from flask_restful import Resource

from app.api import api


class UserList(Resource):
    def get(self):
        return []

    def post(self):
        return {}, 201


class User(Resource):
    def get(self, user_id):
        return {}

    def delete(self, user_id):
        return "", 204


api.add_resource(UserList, "/users")
api.add_resource(User, "/users/<int:user_id>")
