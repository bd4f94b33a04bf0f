from shop.models import Customer, Item, Order, Product, Profile, Category

def reassign(customer):
    for o in Order.objects.filter(paid=False):
        o.customer = customer
        o.save()  # expect: ORM003
