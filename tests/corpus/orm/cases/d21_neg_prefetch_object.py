from shop.models import Customer, Item, Order, Product, Profile, Category

from django.db.models import Prefetch


def products():
    qs = Order.objects.prefetch_related(Prefetch("items", queryset=Item.objects.select_related("product")))
    return [[i.product.name for i in o.items.all()] for o in qs]
