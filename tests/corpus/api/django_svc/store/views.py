import json

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.views.decorators.http import require_GET, require_POST
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.response import Response

from .models import Note, Order, Product, Review, Tag
from .pagination import SafePages
from .serializers import OrderSerializer, ProductSerializer, ReviewSerializer, TagSerializer


class ProductViewSet(viewsets.ModelViewSet):
    queryset = Product.objects.order_by("id")
    serializer_class = ProductSerializer
    pagination_class = SafePages

    @action(detail=False, methods=["get"])
    def cheapest(self, request):
        return Response(ProductSerializer(Product.objects.order_by("price")[:10], many=True).data)

    @action(detail=True, methods=["get"])  # expect: API009
    def refresh_price(self, request, pk=None):
        product = self.get_object()
        product.price = fetch_price(product.sku)
        product.save()
        return Response({"price": product.price})

    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        product = self.get_object()
        product.archived = True
        product.save()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TagViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Tag.objects.order_by("name")
    serializer_class = TagSerializer


class OrderList(generics.ListCreateAPIView):
    serializer_class = OrderSerializer
    pagination_class = SafePages

    def get_queryset(self):
        return Order.objects.filter(user=self.request.user).order_by("-id")


class OrderDetail(generics.RetrieveAPIView):
    serializer_class = OrderSerializer

    def get_queryset(self):
        return Order.objects.filter(user=self.request.user)


class ReviewCreate(generics.GenericAPIView):
    def post(self, request):
        review = Review.objects.create(product_id=request.data["product"], body=request.data["body"])  # expect: API010
        return Response({"id": review.id})  # expect: API015


@require_GET  # expect: API001
def legacy_products(request):
    return JsonResponse(list(Product.objects.values("id", "name")), safe=False)


@require_GET
def legacy_products_page(request):
    paginator = Paginator(Product.objects.filter(active=True), 25)  # expect: API003
    page = paginator.get_page(request.GET.get("page"))
    return JsonResponse({"results": list(page.object_list.values("id", "name"))})


def legacy_product(request, pk):
    try:
        product = Product.objects.get(pk=pk)
    except Product.DoesNotExist:
        return JsonResponse({"error": {"code": "NOT_FOUND", "message": "no product"}}, status=404)
    return JsonResponse({"id": product.id, "name": product.name})


@require_POST
def legacy_note(request, pk):
    data = json.loads(request.body)  # expect: API010
    Note.objects.filter(pk=pk).update(text=data["text"])
    return JsonResponse({"ok": True})


@api_view(["GET"])  # expect: API001
def featured(request):
    return Response(ProductSerializer(Product.objects.filter(featured=True), many=True).data)


@api_view(["GET"])
def featured_detail(request, pk):
    product = Product.objects.filter(pk=pk).first()
    if product is None:
        return Response({"detail": "Not found."}, status=404)  # expect: API004
    return Response(ProductSerializer(product).data)


@api_view(["POST"])
def checkout(request):
    cart = request.data.get("items", [])  # expect: API010
    if not cart:
        return Response({"error": "empty cart"})  # expect: API006
    try:
        order = place(cart)
    except Exception as err:
        return Response({"error": {"code": "FAILED", "message": repr(err)}}, status=500)  # expect: API007
    return Response({"order": order.id}, status=status.HTTP_201_CREATED)


@api_view(["POST"])
def checkout_validated(request):
    serializer = OrderSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    order = serializer.save()
    return Response({"order": order.id}, status=status.HTTP_201_CREATED)


@api_view(["GET"])
def receipt(request, pk):
    try:
        order = Order.objects.get(pk=pk, user=request.user)
    except Order.DoesNotExist:
        return Response({"error": {"code": "NOT_FOUND", "message": "no receipt"}}, status=status.HTTP_404_NOT_FOUND)
    return Response(OrderSerializer(order).data)


@api_view(["POST"])
def create_cart(request):
    serializer = CartSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    cart = serializer.save()
    return Response({"cart": cart.id}, status=status.HTTP_201_CREATED)
