from shop.models import Customer, Item, Order, Product, Profile, Category

def totals():
    data = {}
    for item in Item.objects.filter(quantity__gt=1):
        data[item.order.pk] = item.order.total  # expect: ORM001
    return data
