from shop.models import Customer, Item, Order, Product, Profile, Category

def flags():
    return {status: Order.objects.filter(paid=status).exists() for status in (True, False)}
