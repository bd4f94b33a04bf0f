from django.urls import include, path

urlpatterns = [
    path("store/", include("store.urls")),  # expect: API012, OPS007
]
