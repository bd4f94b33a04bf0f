CORS_ALLOWED_ORIGINS = ["https://shop.example.com"]
CORS_ALLOW_CREDENTIALS = True
