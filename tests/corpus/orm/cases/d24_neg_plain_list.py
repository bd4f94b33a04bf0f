from shop.models import Customer, Item, Order, Product, Profile, Category

def names(orders):
    return [o.customer.name for o in orders]
