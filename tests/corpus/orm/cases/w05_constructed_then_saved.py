from shop.models import Customer, Item, Order, Product, Profile, Category

def copy(names):
    for name in names:
        tag = Product(name=name, price=0, category_id=1)
        tag.save()  # expect: ORM003
