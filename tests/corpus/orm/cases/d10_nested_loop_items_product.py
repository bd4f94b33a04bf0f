from shop.models import Customer, Item, Order, Product, Profile, Category

def products():
    out = []
    for order in Order.objects.prefetch_related("items"):
        for item in order.items.all():
            out.append(item.product.name)  # expect: ORM001
    return out
