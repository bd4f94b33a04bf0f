from shop.models import Customer, Item, Order, Product, Profile, Category

def how_many(customer):
    return len(Order.objects.filter(customer=customer))  # expect: ORM007
