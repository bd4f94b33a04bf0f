from shop.models import Customer, Item, Order, Product, Profile, Category

def paid_names():
    return [o.customer.name for o in Order.objects.paid()]  # expect: ORM001
