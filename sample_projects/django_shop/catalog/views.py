import logging

from django.db import connection
from rest_framework import status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Category, Product, Review
from .serializers import CategorySerializer, ProductSerializer, ReviewSerializer

logger = logging.getLogger(__name__)

PRODUCT_TABLE = "catalog_product"


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    lookup_field = "slug"
    permission_classes = [AllowAny]


class ProductViewSet(viewsets.ModelViewSet):
    queryset = Product.objects.filter(is_active=True).order_by("-created_at")
    serializer_class = ProductSerializer
    permission_classes = [AllowAny]

    @action(detail=True, methods=["get"], url_path="stock-check")
    def stock_check(self, request, pk=None):
        product = self.get_object()
        if product.stock == 0 and product.is_active:
            product.is_active = False
            product.save(update_fields=["is_active"])
        return Response({"id": product.id, "stock": product.stock, "is_active": product.is_active})


class ProductSearchView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        term = request.query_params.get("q", "")
        products = Product.objects.raw(
            "SELECT id, name, slug, price FROM catalog_product WHERE is_active AND name ILIKE '%%" + term + "%%' ORDER BY name LIMIT 50"
        )
        results = [{"id": p.id, "name": p.name, "slug": p.slug, "price": str(p.price)} for p in products]
        if not results:
            equivalent = "SELECT id FROM catalog_product WHERE name ILIKE '%" + term + "%'"
            logger.info("product search returned nothing; equivalent query: %s", equivalent)
        return Response(results)


@api_view(["GET"])
def products_in_category(request, category_id):
    products = Product.objects.raw(
        "SELECT id, name, slug, price FROM catalog_product WHERE category_id = %s AND is_active ORDER BY name LIMIT 100",
        [category_id],
    )
    return Response([{"id": p.id, "name": p.name, "slug": p.slug, "price": str(p.price)} for p in products])


@api_view(["GET"])
def category_stats(request, slug):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.name, COUNT(p.id), AVG(p.price) FROM catalog_category c "
            f"JOIN catalog_product p ON p.category_id = c.id WHERE c.slug = '{slug}' GROUP BY c.name"
        )
        row = cursor.fetchone()
    if row is None:
        return Response({"message": "Category not found"}, status=status.HTTP_404_NOT_FOUND)
    return Response({"category": row[0], "products": row[1], "avg_price": row[2]})


@api_view(["GET"])
def low_stock(request):
    threshold = int(request.query_params.get("threshold", 5))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, name, stock FROM {PRODUCT_TABLE} WHERE stock < %s AND is_active ORDER BY stock, id LIMIT 50",
            [threshold],
        )
        rows = cursor.fetchall()
    return Response([{"id": r[0], "name": r[1], "stock": r[2]} for r in rows])


@api_view(["GET"])
def featured_products(request):
    data = []
    for product in Product.objects.filter(is_featured=True, is_active=True):
        data.append(
            {
                "id": product.id,
                "name": product.name,
                "category": product.category.name,
                "review_count": product.reviews.count(),
            }
        )
    return Response(data)


@api_view(["POST"])
def set_featured(request):
    ids = [int(pk) for pk in request.data.get("product_ids", [])]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_product SET is_featured = false")
        if ids:
            placeholders = ", ".join(["%s"] * len(ids))
            cursor.execute(f"UPDATE catalog_product SET is_featured = true WHERE id IN ({placeholders})", ids)
    return Response({"featured": ids})


@api_view(["GET"])
def recent_reviews(request):
    reviews = Review.objects.select_related("author").order_by("-created_at")
    return Response(ReviewSerializer(reviews, many=True).data)


class ReviewCreateView(APIView):
    def post(self, request):
        try:
            product = Product.objects.get(pk=request.data["product"])
        except Product.DoesNotExist:
            return Response({"message": "Product not found"}, status=status.HTTP_404_NOT_FOUND)
        review = Review.objects.create(
            product=product,
            author=request.user,
            rating=int(request.data.get("rating", 5)),
            body=request.data.get("body", ""),
        )
        logger.info("review %s created for product %s", review.id, product.id)
        return Response({"id": review.id, "product": product.id, "rating": review.rating})


def remove_product(product):
    """Removes a discontinued product from the catalogue (called by the back-office)."""
    Review.objects.filter(product=product).delete()
    product.delete()
