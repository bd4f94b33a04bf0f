from shop.models import Customer, Item, Order, Product, Profile, Category

def ids():
    return [o.customer.id for o in Order.objects.all()]  # expect: ORM001
