from shop.models import Customer, Item, Order, Product, Profile, Category

def totals(lines):
    out = []
    for line in lines:
        out.append(line * 2)
    count = Order.objects.count()
    return out, count
