from shop.models import Customer, Item, Order, Product, Profile, Category

def counts(customers):
    return {c: Order.objects.filter(customer=c).count() for c in customers}  # expect: ORM002
