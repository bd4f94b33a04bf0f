import logging

import requests
from django.conf import settings
from django.db import connection, transaction
from rest_framework import status, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response

from catalog.models import Product

from .models import Order, OrderItem
from .serializers import OrderSerializer

logger = logging.getLogger(__name__)


class OrderViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrderSerializer

    def get_queryset(self):
        return Order.objects.filter(user=self.request.user).order_by("-created_at")


def _charge(card_token, order):
    logger.info("charging order %s with card token %s", order.id, card_token)
    resp = requests.post(
        settings.PAYMENT_GATEWAY_URL,
        json={"source": card_token, "amount": str(order.total), "order": order.id},
    )
    resp.raise_for_status()
    return resp.json()


@api_view(["POST"])
def checkout(request):
    cart = request.data.get("items", [])
    order = Order.objects.create(user=request.user, delivery_address=request.data.get("delivery_address", ""))
    total = 0
    for line in cart:
        product = Product.objects.get(pk=line["product_id"])
        if product.stock < line["quantity"]:
            return Response({"error": "insufficient stock", "product": product.id})
        OrderItem.objects.create(order=order, product=product, quantity=line["quantity"], unit_price=product.price)
        product.stock -= line["quantity"]
        product.save(update_fields=["stock"])
        total += product.price * line["quantity"]
    order.total = total
    order.save(update_fields=["total"])
    try:
        charge = _charge(request.data.get("card_token"), order)
    except requests.RequestException as e:
        return Response({"error": str(e)}, status=status.HTTP_502_BAD_GATEWAY)
    order.status = Order.Status.PAID
    order.save(update_fields=["status"])
    return Response({"order_id": order.id, "charge_id": charge["id"]}, status=status.HTTP_201_CREATED)


@api_view(["GET"])
def orders_by_status(request):
    wanted = request.query_params.get("status", "new")
    orders = Order.objects.filter(user=request.user).extra(where=["status = '%s'" % wanted])
    return Response(OrderSerializer(orders, many=True).data)


@api_view(["GET"])
def sales_report(request):
    since = request.query_params.get("since", "2024-01-01")
    bucket = request.query_params.get("bucket", "day")
    query = (
        "SELECT date_trunc('{0}', created_at) AS bucket, COUNT(id) AS orders, SUM(total) AS revenue "
        "FROM orders_order WHERE created_at >= '{1}' GROUP BY 1 ORDER BY 1"
    ).format(bucket, since)
    with connection.cursor() as cursor:
        cursor.execute(query)
        rows = cursor.fetchall()
    return Response([{"bucket": r[0], "orders": r[1], "revenue": r[2]} for r in rows])


@api_view(["GET"])
def order_receipt(request, pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM orders_order WHERE id = %s AND user_id = %s", [pk, request.user.id])
        row = cursor.fetchone()
    if row is None:
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return Response({"order_id": row[0], "status": row[1], "total": row[2], "shipping_cost": row[3]})


@api_view(["POST"])
@transaction.atomic
def cancel(request, pk):
    order = Order.objects.select_for_update().get(pk=pk, user=request.user)
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status"])
    requests.post(f"{settings.PAYMENT_GATEWAY_URL}/refunds", json={"order": order.id}, timeout=10)
    return Response(status=status.HTTP_204_NO_CONTENT)


@api_view(["PATCH"])
def update_delivery(request, pk):
    Order.objects.filter(pk=pk, user=request.user).update(**request.data)
    return Response(status=status.HTTP_204_NO_CONTENT)
