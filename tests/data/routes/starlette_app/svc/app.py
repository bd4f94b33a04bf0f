from starlette.applications import Starlette
from starlette.routing import Mount, Route, WebSocketRoute

from svc import users
from svc.admin import admin_app

routes = [
    Route("/", users.homepage),
    Mount("/users", routes=users.routes),
    Mount("/api", routes=[Route("/items/{item_id}", users.Item), WebSocketRoute("/ws", users.ws)]),
    Mount("/admin", app=admin_app),
]

app = Starlette(routes=routes)
