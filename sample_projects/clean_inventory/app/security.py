"""API-key guard applied to every /api/v1 route."""

import hmac

from fastapi import Security
from fastapi.security import APIKeyHeader

from app.config import get_settings
from app.errors import UnauthorizedError

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def require_api_key(api_key: str | None = Security(api_key_header)) -> None:
    if not api_key:
        raise UnauthorizedError("Missing API key")
    presented = api_key.encode()
    if not any(
        hmac.compare_digest(presented, allowed.get_secret_value().encode())
        for allowed in get_settings().api_keys
    ):
        raise UnauthorizedError("Invalid API key")
