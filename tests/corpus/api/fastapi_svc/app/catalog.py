from fastapi import APIRouter, Depends
from fastapi_pagination import Page
from fastapi_pagination.ext.sqlalchemy import paginate
from sqlalchemy import func, select, text

from app.db import get_db
from app.models import Product

router = APIRouter()


@router.get("/products", response_model=Page[ProductOut])
def products(db=Depends(get_db)):
    return paginate(db, select(Product).order_by(Product.id))


@router.get("/products/all", response_model=list[ProductOut])  # expect: API001
def all_products(db=Depends(get_db)):
    rows = db.execute(select(Product)).scalars().all()
    return [ProductOut.from_orm(p) for p in rows]


@router.get("/products/by-ids")
def products_by_ids(ids: list[int], db=Depends(get_db)):
    return db.scalars(select(Product).where(Product.id.in_(ids))).all()


@router.get("/products/top")
def top_products(db=Depends(get_db)):
    return db.execute(text("SELECT id, name FROM products ORDER BY sales DESC LIMIT 10")).mappings().all()


@router.get("/products/stats")
def product_stats(db=Depends(get_db)):
    return db.execute(text("SELECT category, COUNT(*) FROM products GROUP BY category")).mappings().all()


@router.get("/products/everything")  # expect: API001
def everything(db=Depends(get_db)):
    return db.execute(text("SELECT id, name, price FROM products ORDER BY id")).mappings().all()


@router.get("/products/{pid}")
def product(pid: int, db=Depends(get_db)):
    return db.get(Product, pid)


@router.delete("/products/{pid}", status_code=204)
def delete_product(pid: int, db=Depends(get_db)):
    db.delete(db.get(Product, pid))
    db.commit()


@router.get("/products/{pid}/views")
def product_views(pid: int, db=Depends(get_db)):
    return {"views": db.scalar(select(func.count()).where(Product.id == pid))}
