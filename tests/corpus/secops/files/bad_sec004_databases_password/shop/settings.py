DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "PASSWORD": "Sh0pPr0d-2023-x91",
    }
}
