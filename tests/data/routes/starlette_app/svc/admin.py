from starlette.applications import Starlette
from starlette.routing import Route


async def stats(request): ...


admin_app = Starlette(routes=[Route("/stats", stats)])
