from shop.models import Customer, Item, Order, Product, Profile, Category

def by_name():
    return {p.name: p.category.name for p in Product.objects.all()}  # expect: ORM001
