from shop.models import Customer, Item, Order, Product, Profile, Category

def ids():
    return [o.customer_id for o in Order.objects.all()]
