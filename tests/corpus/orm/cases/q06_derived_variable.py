from shop.models import Customer, Item, Order, Product, Profile, Category

def check(lines):
    for line in lines:
        pk = int(line["id"])
        if Product.objects.filter(pk=pk).exists():  # expect: ORM002
            yield pk
