from shop.models import Customer, Item, Order, Product, Profile, Category

def one(pk):
    order = Order.objects.get(pk=pk)
    return order.customer.name, [t.label for t in order.tags.all()]
