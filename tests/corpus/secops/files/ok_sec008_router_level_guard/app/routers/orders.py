from fastapi import APIRouter, Depends

from app.auth import require_user

router = APIRouter(prefix="/orders", dependencies=[Depends(require_user)])


@router.get("")
def list_orders():
    return []


@router.post("")
def create_order(body: dict):
    return body


@router.delete("/{oid}")
def cancel_order(oid: int):
    return None
