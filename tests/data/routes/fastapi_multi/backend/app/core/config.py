from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    INTERNAL_PREFIX: str = "/internal"


settings = Settings()
