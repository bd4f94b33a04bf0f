ROOT_URLCONF = "config.urls"
INSTALLED_APPS = ["rest_framework", "shop", "accounts", "catalog"]
