from shop.models import Customer, Item, Order, Product, Profile, Category

def labels():
    return [[t.label for t in o.tags.all()] for o in Order.objects.all()]  # expect: ORM001
