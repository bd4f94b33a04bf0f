from fastapi import FastAPI

from app import constants, webhooks
from app.admin import admin_app
from app.api import api_router
from app.core.config import settings
from app.internal import plugins, stats

app = FastAPI(title="shop")
app.include_router(api_router, prefix=constants.API_PREFIX)
app.include_router(stats.router, prefix=settings.INTERNAL_PREFIX)
app.mount("/admin", admin_app)

EXTRA_ROUTERS = [(webhooks.router, "/hooks")]
for router, prefix in EXTRA_ROUTERS:
    app.include_router(router, prefix=prefix)

for router in plugins.discover():
    app.include_router(router)


@app.get("/healthz")
def healthz():
    return {"ok": True}
