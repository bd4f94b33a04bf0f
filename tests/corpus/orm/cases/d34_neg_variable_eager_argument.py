from shop.models import Customer, Item, Order, Product, Profile, Category

def names(fields):
    return [o.customer.name for o in Order.objects.select_related(*fields)]
