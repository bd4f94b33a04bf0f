from shop.models import Customer, Item, Order, Product, Profile, Category

from django.db.models import Prefetch


def big():
    qs = Order.objects.prefetch_related(Prefetch("items", queryset=Item.objects.filter(quantity__gt=5), to_attr="big_items"))
    return [len(o.big_items) for o in qs]
