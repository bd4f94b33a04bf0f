from shop.models import Customer, Item, Order, Product, Profile, Category

def numbered():
    return [(n, o.customer.name) for n, o in enumerate(Order.objects.all())]  # expect: ORM001
