from fastapi import APIRouter, Depends

from app.auth import get_current_user

router = APIRouter(prefix="/auth")


@router.get("/me")
def me(user=Depends(get_current_user)):
    return user


@router.patch("/me")
def update_me(body: dict, user=Depends(get_current_user)):
    return body


@router.post("/password")
def change_password(body: dict, user=Depends(get_current_user)):
    return None


@router.post("/login")
def login(body: dict):
    return {"token": "..."}


@router.post("/register")
def register(body: dict):
    return body
