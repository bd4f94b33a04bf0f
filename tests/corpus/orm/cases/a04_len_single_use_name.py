from shop.models import Customer, Item, Order, Product, Profile, Category

def how_many(customer):
    orders = Order.objects.filter(customer=customer)
    return len(orders)  # expect: ORM007
