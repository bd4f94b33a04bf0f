from shop.models import Customer, Item, Order, Product, Profile, Category

def paid_orders():
    return Order.objects.filter(paid=True)


def names():
    return [o.customer.name for o in paid_orders()]  # expect: ORM001
