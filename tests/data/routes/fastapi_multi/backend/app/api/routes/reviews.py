from fastapi import APIRouter

router = APIRouter()


@router.get("")
def list_reviews(item_id: int):
    return []


@router.delete("/{review_id}", status_code=204)
def delete_review(item_id: int, review_id: int):
    return None
