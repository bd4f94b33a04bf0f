from shop.models import Customer, Item, Order, Product, Profile, Category

def names():
    return [o.customer.name for o in Order.objects.select_related("customer")]
