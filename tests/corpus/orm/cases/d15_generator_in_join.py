from shop.models import Customer, Item, Order, Product, Profile, Category

def csv():
    return ",".join(p.category.name for p in Product.objects.order_by("name"))  # expect: ORM001
