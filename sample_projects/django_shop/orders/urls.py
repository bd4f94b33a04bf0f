from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("orders", views.OrderViewSet, basename="order")

urlpatterns = [
    path("checkout/", views.checkout),
    path("orders/by-status/", views.orders_by_status),
    path("orders/reports/sales/", views.sales_report),
    path("orders/<int:pk>/receipt/", views.order_receipt),
    path("orders/<int:pk>/cancel/", views.cancel),
    path("orders/<int:pk>/delivery/", views.update_delivery),
    path("", include(router.urls)),
]
