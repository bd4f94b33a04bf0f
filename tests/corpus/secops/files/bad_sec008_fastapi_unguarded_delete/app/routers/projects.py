from fastapi import APIRouter, Depends

from app.auth import get_current_user
from app.db import get_db

router = APIRouter(prefix="/projects")


@router.get("")
def list_projects(user=Depends(get_current_user), db=Depends(get_db)):
    return db.projects_for(user)


@router.post("")
def create_project(body: dict, user=Depends(get_current_user), db=Depends(get_db)):
    return db.create_project(user, body)


@router.patch("/{pid}")
def rename_project(pid: int, body: dict, user=Depends(get_current_user), db=Depends(get_db)):
    return db.rename(pid, body["name"])


@router.delete("/{pid}")
def delete_project(pid: int, db=Depends(get_db)):
    db.delete_project(pid)
