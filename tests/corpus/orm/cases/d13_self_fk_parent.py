from shop.models import Customer, Item, Order, Product, Profile, Category

def tree():
    return [(c.name, c.parent.name) for c in Category.objects.all()]  # expect: ORM001
