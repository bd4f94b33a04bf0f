from shop.models import Customer, Item, Order, Product, Profile, Category

def report(only_paid):
    qs = Order.objects.all()
    if only_paid:
        qs = qs.filter(paid=True)
    rows = []
    for order in qs:
        rows.append(order.customer.name)  # expect: ORM001
    return rows
