from django.contrib import admin
from django.urls import include, path

from accounts import urls as accounts_urls
from config.constants import API_ROOT

urlpatterns = [
    path("admin/", admin.site.urls),
    path(API_ROOT, include("config.api_urls")),
]
urlpatterns += [
    path("accounts/", include((accounts_urls.account_patterns, "accounts"), namespace="accounts")),
]
