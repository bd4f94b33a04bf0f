from shop.models import Customer, Item, Order, Product, Profile, Category

def subtree():
    return [[child.name for child in c.children.all()] for c in Category.objects.filter(parent=None)]  # expect: ORM001
