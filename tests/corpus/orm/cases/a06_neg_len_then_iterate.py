from shop.models import Customer, Item, Order, Product, Profile, Category

def page(customer):
    orders = Order.objects.filter(customer=customer)
    return {"count": len(orders), "totals": [o.total for o in orders]}
