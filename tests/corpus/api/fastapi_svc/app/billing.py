from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse

from app.db import get_db
from app.models import Invoice

router = APIRouter()


@router.post("/invoices", status_code=201)
def create_invoice(body: "InvoiceIn", db=Depends(get_db)):
    invoice = Invoice(amount=body.amount)
    db.add(invoice)
    db.commit()
    return invoice


@router.post("/invoices/search")
def search_invoices(body: "SearchIn", db=Depends(get_db)):
    db.add(SearchLog(q=body.q))
    return []


@router.get("/invoices/{iid}")
def invoice(iid: int, db=Depends(get_db)):
    found = db.get(Invoice, iid)
    if found is None:
        raise HTTPException(status_code=404, detail="invoice not found")
    return found


@router.post("/oauth/token")
def token(body: "TokenIn"):
    if not body.code:
        return JSONResponse(status_code=400, content={"error": "invalid_grant", "error_description": "no code"})
    return {"access_token": "x"}


@router.get("/invoices/{iid}/pdf")
def invoice_pdf(iid: int):
    try:
        return render(iid)
    except ValueError:
        return JSONResponse(status_code=422, content={"error": {"code": "BAD_ID", "message": "bad invoice id"}})


@router.put("/invoices/{iid}")
def update_invoice(iid: int, body: "InvoiceIn", db=Depends(get_db)):
    found = db.get(Invoice, iid)
    if found is None:
        return JSONResponse(status_code=404, content={"error": {"code": "NOT_FOUND", "message": "no invoice"}})
    found.amount = body.amount
    db.commit()
    return found
