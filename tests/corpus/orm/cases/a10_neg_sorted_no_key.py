from shop.models import Customer, Item, Order, Product, Profile, Category

def names():
    return sorted(Product.objects.values_list("name", flat=True))
