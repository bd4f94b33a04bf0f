from fastapi import APIRouter

from app.api.routes import items, users
from app.constants import V1

api_router = APIRouter(prefix=V1)
api_router.include_router(users.router, prefix="/users", tags=["users"])
api_router.include_router(items.router)
