from shop.models import Customer, Item, Order, Product, Profile, Category

def orders_with_customers():
    return Order.objects.select_related("customer")


def names():
    return [o.customer.name for o in orders_with_customers()]
