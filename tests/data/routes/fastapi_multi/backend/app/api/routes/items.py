from fastapi import APIRouter

from . import reviews

router = APIRouter(prefix="/items", tags=["items"])
router.include_router(reviews.router, prefix="/{item_id}/reviews")


@router.post("/", status_code=201)
def create_item():
    return {}
