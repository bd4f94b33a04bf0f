import traceback
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select, text

from app.db import get_db
from app.models import Audit, User

router = APIRouter(prefix="/users")


def api_error(code, message, status):
    return JSONResponse(status_code=status, content={"error": {"code": code, "message": message, "details": {}}})


async def http_error(request, exc):
    return api_error("HTTP_ERROR", str(exc.detail), exc.status_code)


@router.get("")  # expect: API001
def list_users(db=Depends(get_db)):
    return db.scalars(select(User)).all()


@router.get("/paged")
def list_users_paged(limit: int = Query(50, ge=1, le=200), offset: int = 0, db=Depends(get_db)):
    return db.scalars(select(User).order_by(User.id).limit(limit).offset(offset)).all()


@router.get("/annotated")
def list_users_annotated(limit: Annotated[int, Query(le=100)] = 20, db=Depends(get_db)):
    return db.scalars(select(User).order_by(User.id).limit(limit)).all()


@router.get("/unbounded-size")
def list_users_big(limit: int = 100, db=Depends(get_db)):  # expect: API002
    return db.scalars(select(User).order_by(User.id).limit(limit)).all()


@router.get("/clamped")
def list_users_clamped(limit: int = 100, db=Depends(get_db)):
    limit = min(limit, 500)
    return db.scalars(select(User).order_by(User.id).limit(limit)).all()


@router.get("/unordered")
def list_users_unordered(limit: int = Query(10, le=50), offset: int = Query(0, ge=0), db=Depends(get_db)):
    stmt = select(User).where(User.active)
    return db.scalars(stmt.offset(offset).limit(limit)).all()  # expect: API003


@router.get("/raw-page")
def raw_page(limit: int = Query(10, le=50), offset: int = Query(0, ge=0), db=Depends(get_db)):
    rows = db.execute(
        text("SELECT id, email FROM users LIMIT :limit OFFSET :offset"),  # expect: API003
        {"limit": limit, "offset": offset},
    ).mappings().all()
    return [dict(r) for r in rows]


@router.get("/count")
def count_users(db=Depends(get_db)):
    rows = db.scalars(select(User)).all()
    return {"count": len(rows)}


@router.get("/{uid}")
def get_user(uid: int, db=Depends(get_db)):
    user = db.get(User, uid)
    if user is None:
        return api_error("NOT_FOUND", "user not found", 404)
    return user


@router.get("/{uid}/legacy")
def get_user_legacy(uid: int, db=Depends(get_db)):
    user = db.get(User, uid)
    if user is None:
        return JSONResponse(status_code=404, content={"message": "user not found"})  # expect: API004
    return user


@router.get("/{uid}/broken")
def get_user_broken(uid: int, db=Depends(get_db)):
    user = db.get(User, uid)
    if user is None:
        raise HTTPException(status_code=500, detail="user not found")  # expect: API008
    return user


@router.post("")  # expect: API015
def create_user(body: dict, db=Depends(get_db)):
    user = User(email=body["email"])
    db.add(user)
    db.commit()
    return user


@router.post("/with-model", status_code=201)
def create_user_with_model(body: "UserIn", db=Depends(get_db)):
    db.add(User(email=body.email))
    db.commit()
    return {"ok": True}


@router.post("/raw", status_code=201)
async def create_user_raw(request: Request, db=Depends(get_db)):
    data = await request.json()  # expect: API010
    db.add(User(email=data["email"]))
    db.commit()


@router.post("/validated", status_code=201)
async def create_user_validated(request: Request, db=Depends(get_db)):
    body = UserIn.model_validate(await request.json())
    db.add(User(email=body.email))
    db.commit()


@router.get("/{uid}/touch")  # expect: API009
def touch_user(uid: int, db=Depends(get_db)):
    db.add(Audit(user_id=uid))
    db.commit()
    return {"ok": True}


@router.get("/verify/{token}")
def verify_email(token: str, db=Depends(get_db)):
    db.execute(text("UPDATE users SET verified = true WHERE token = :t"), {"t": token})
    db.commit()
    return {"verified": True}


@router.post("/{uid}/charge")
def charge_user(uid: int):
    try:
        return billing_charge(uid)
    except CardDeclined:
        return {"error": {"code": "CARD_DECLINED", "message": "declined"}}  # expect: API006
    except Exception as e:
        raise HTTPException(status_code=502, detail=str(e))  # expect: API007


@router.post("/{uid}/charge-safe")
def charge_user_safe(uid: int):
    try:
        return billing_charge(uid)
    except CardDeclined:
        return api_error("CARD_DECLINED", "declined", 402)
    except Exception:
        return api_error("UPSTREAM", "payment provider unavailable", 502)


@router.get("/{uid}/debug")
def debug_user(uid: int):
    try:
        return load(uid)
    except Exception:
        return JSONResponse(status_code=500, content={"error": {"code": "X", "message": traceback.format_exc()}})  # expect: API007


@router.get("/{uid}/status-weird")
def weird(uid: int):
    return JSONResponse(status_code=299, content={"ok": True})  # expect: API008


@router.get("/{uid}/report")
def report(uid: int):
    return JSONResponse(content={"success": False, "reason": "not ready"})  # expect: API006
