from shop.models import Customer, Item, Order, Product, Profile, Category

def details():
    return [(o.customer.name, [i.product.name for i in o.items.all()]) for o in Order.objects.with_details()]
