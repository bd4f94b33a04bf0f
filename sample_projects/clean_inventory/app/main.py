"""Application factory wiring: middleware, error handlers, routers, lifespan."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from slowapi import Limiter
from slowapi.middleware import SlowAPIASGIMiddleware
from slowapi.util import get_remote_address

from app.config import get_settings
from app.db import engine
from app.errors import register_exception_handlers
from app.logging_config import configure_logging
from app.routers import health, items, suppliers, warehouses
from app.security import require_api_key

settings = get_settings()
configure_logging(settings.log_level)
logger = logging.getLogger(__name__)

limiter = Limiter(key_func=get_remote_address, default_limits=[settings.rate_limit])


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.supplier_http = httpx.AsyncClient(
        base_url=settings.supplier_api_url,
        timeout=httpx.Timeout(5.0, connect=2.0),
    )
    logger.info("startup_complete")
    try:
        yield
    finally:
        await app.state.supplier_http.aclose()
        await asyncio.to_thread(engine.dispose)
        logger.info("shutdown_complete")


app = FastAPI(title="Inventory service", version="1.4.0", lifespan=lifespan)
app.state.limiter = limiter
register_exception_handlers(app)

app.add_middleware(SlowAPIASGIMiddleware)
app.add_middleware(
    CORSMiddleware,
    allow_origins=settings.cors_origins,
    allow_credentials=False,
    allow_methods=["GET", "POST", "PATCH", "DELETE"],
    allow_headers=["Content-Type", "X-API-Key", "X-Request-ID"],
    expose_headers=["X-Request-ID"],
)
app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")

api_v1 = APIRouter(prefix="/api/v1", dependencies=[Depends(require_api_key)])
api_v1.include_router(warehouses.router)
api_v1.include_router(items.router)
api_v1.include_router(suppliers.router)

app.include_router(health.router)
app.include_router(api_v1)
