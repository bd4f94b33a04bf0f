from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("categories", views.CategoryViewSet)
router.register("products", views.ProductViewSet)

urlpatterns = [
    path("search/", views.ProductSearchView.as_view()),
    path("categories/<int:category_id>/products/", views.products_in_category),
    path("categories/<slug:slug>/stats/", views.category_stats),
    path("low-stock/", views.low_stock),
    path("featured/", views.featured_products),
    path("featured/set/", views.set_featured),
    path("reviews/recent/", views.recent_reviews),
    path("reviews/", views.ReviewCreateView.as_view()),
    path("", include(router.urls)),
]
