from shop.models import Customer, Item, Order, Product, Profile, Category

def process(ids):
    for batch in chunked(ids, 500):
        yield list(Order.objects.filter(pk__in=batch))
