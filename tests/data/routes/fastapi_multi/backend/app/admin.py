from fastapi import FastAPI

admin_app = FastAPI()


@admin_app.post("/reindex")
def reindex():
    return {}
