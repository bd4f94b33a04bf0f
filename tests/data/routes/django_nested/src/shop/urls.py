from django.urls import include, path, re_path

from . import views

app_name = "shop"

order_patterns = [
    path("<int:pk>/", views.order_detail, name="detail"),
    re_path(r"^(?P<pk>[0-9]+)/cancel/$", views.cancel_order, name="cancel"),
]

urlpatterns = [
    path("orders/", include(order_patterns)),
    path("cart/", views.CartView.as_view(), name="cart"),
]
