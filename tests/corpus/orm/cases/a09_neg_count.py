from shop.models import Customer, Item, Order, Product, Profile, Category

def how_many(customer):
    return Order.objects.filter(customer=customer).count()
