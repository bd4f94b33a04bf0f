ROOT_URLCONF = "shop.urls"
INSTALLED_APPS = ["django.contrib.auth", "rest_framework", "store"]
REST_FRAMEWORK = {  # expect: API005
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",  # expect: API001, API002
}
