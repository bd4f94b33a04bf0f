from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("products", views.ProductViewSet)
router.register("tags", views.TagViewSet)

urlpatterns = [
    path("orders/", views.OrderList.as_view()),
    path("orders/<int:pk>/", views.OrderDetail.as_view()),
    path("reviews/", views.ReviewCreate.as_view()),
    path("legacy/products/", views.legacy_products),
    path("legacy/products/page/", views.legacy_products_page),
    path("legacy/products/<int:pk>/", views.legacy_product),
    re_path(r"^legacy/notes/(?P<pk>\d+)/$", views.legacy_note),
    path("api/featured/", views.featured),
    path("api/featured/<int:pk>/", views.featured_detail),
    path("api/checkout/", views.checkout),
    path("api/checkout/validated/", views.checkout_validated),
    path("api/receipts/<int:pk>/", views.receipt),
    path("api/carts/", views.create_cart),
    path("", include(router.urls)),
]
