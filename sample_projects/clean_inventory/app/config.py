"""Runtime configuration. Every value comes from an INVENTORY_* environment variable."""

from functools import lru_cache

from pydantic import Field, PostgresDsn, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_", case_sensitive=False)

    database_url: PostgresDsn
    api_keys: list[SecretStr]
    supplier_api_url: str
    cors_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    rate_limit: str = "120/minute"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
