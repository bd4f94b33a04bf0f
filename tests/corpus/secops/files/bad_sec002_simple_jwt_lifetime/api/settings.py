from datetime import timedelta

SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": timedelta(days=30), "ROTATE_REFRESH_TOKENS": True}
