from django.urls import include, path, re_path

from config.routers import router

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/shop/", include("shop.urls", namespace="shop")),
    re_path(r"^v2/", include("catalog.urls")),
]
