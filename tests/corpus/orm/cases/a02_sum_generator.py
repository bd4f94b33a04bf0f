from shop.models import Customer, Item, Order, Product, Profile, Category

def revenue(customer):
    return sum(o.total for o in Order.objects.filter(customer=customer, paid=True))  # expect: ORM007
