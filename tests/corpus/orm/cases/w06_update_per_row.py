from shop.models import Customer, Item, Order, Product, Profile, Category

def bump(ids):
    for pk in ids:
        Order.objects.filter(pk=pk).update(total=0)  # expect: ORM003
