from shop.models import Customer, Item, Order, Product, Profile, Category

def receipt(pk):
    order = Order.objects.get(pk=pk)
    return [item.product.name for item in order.items.all()]  # expect: ORM001
