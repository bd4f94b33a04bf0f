from shop.models import Customer, Item, Order, Product, Profile, Category

def big_items():
    orders = Order.objects.prefetch_related("items")
    return [o.items.filter(quantity__gt=5).count() for o in orders]  # expect: ORM001
