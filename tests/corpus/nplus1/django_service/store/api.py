from rest_framework import generics

from store.models import Order
from store.serializers import OrderLabelSerializer, OrderSummarySerializer


class OrderSummaryList(generics.ListAPIView):
    queryset = Order.objects.all()  # expect: ORM004
    serializer_class = OrderSummarySerializer


class OrderLabelList(generics.ListAPIView):
    queryset = Order.objects.all()  # expect: ORM004
    serializer_class = OrderLabelSerializer


# -- near-miss: the queryset loads what the properties read --------------------------------


class OrderLabelListEager(generics.ListAPIView):
    queryset = Order.objects.select_related("customer").prefetch_related("tags")
    serializer_class = OrderLabelSerializer
