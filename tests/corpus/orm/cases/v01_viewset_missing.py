from rest_framework import generics, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response
from django.db.models import Prefetch
from shop.models import Customer, Item, Order, Product, Profile, Category
from shop.serializers import CustomerPaidSerializer, CustomerSerializer, ItemSerializer, OrderFlatSerializer, OrderSerializer, OrderTagsSerializer, ProductSerializer


class OrderViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Order.objects.all()  # expect: ORM004
    serializer_class = OrderSerializer
