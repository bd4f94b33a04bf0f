from shop.models import Customer, Item, Order, Product, Profile, Category

def latest():
    order = Order.objects.order_by("-pk").first()
    return order.customer.name if order else None
