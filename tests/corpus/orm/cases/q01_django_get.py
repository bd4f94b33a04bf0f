from shop.models import Customer, Item, Order, Product, Profile, Category

def prices(cart):
    total = 0
    for line in cart:
        product = Product.objects.get(pk=line["product_id"])  # expect: ORM002
        total += product.price * line["quantity"]
    return total
