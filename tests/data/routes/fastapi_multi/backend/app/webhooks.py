from fastapi import APIRouter

router = APIRouter()


@router.post("/stripe")
def stripe_hook():
    return {}
