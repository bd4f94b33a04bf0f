from rest_framework import generics, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response
from django.db.models import Prefetch
from shop.models import Customer, Item, Order, Product, Profile, Category
from shop.serializers import CustomerPaidSerializer, CustomerSerializer, ItemSerializer, OrderFlatSerializer, OrderSerializer, OrderTagsSerializer, ProductSerializer


class PaidTotals(generics.ListAPIView):
    queryset = Customer.objects.prefetch_related("orders")  # expect: ORM004
    serializer_class = CustomerPaidSerializer
