from fastapi import APIRouter

debug_router = APIRouter(prefix="/debug")


@debug_router.get("/ping")
def ping():
    return "pong"


def discover():
    return [debug_router]
