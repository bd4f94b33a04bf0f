from shop.models import Customer, Item, Order, Product, Profile, Category

def names():
    out = []
    for o in Order.objects.filter(paid=True):
        out.append(o.customer.name)  # expect: ORM001
    return out
