from shop.models import Customer, Item, Order, Product, Profile, Category

def companies():
    qs = Order.objects.select_related("customer")
    return [o.customer.company.name for o in qs]  # expect: ORM001
