from fastapi import FastAPI, HTTPException

from app import billing, catalog, users

app = FastAPI(title="corpus")  # expect: API005, OPS007

app.add_exception_handler(HTTPException, users.http_error)
app.include_router(users.router)  # expect: API012
app.include_router(catalog.router, prefix="/catalog")
app.include_router(billing.router, prefix="/billing")
