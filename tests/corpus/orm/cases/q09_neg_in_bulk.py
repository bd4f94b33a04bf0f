from shop.models import Customer, Item, Order, Product, Profile, Category

def prices(cart):
    products = Product.objects.in_bulk([line["product_id"] for line in cart])
    return sum(products[line["product_id"]].price for line in cart)
