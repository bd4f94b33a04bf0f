from fastapi import APIRouter, Depends

from app.auth import get_current_user

router = APIRouter()


@router.get("/products")
def products():
    return []


@router.get("/products/{pid}")
def product(pid: int):
    return {}


@router.post("/reviews")
def add_review(body: dict):
    return body


@router.get("/wishlist")
def wishlist(user=Depends(get_current_user)):
    return []
