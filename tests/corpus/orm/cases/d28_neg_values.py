from shop.models import Customer, Item, Order, Product, Profile, Category

def names():
    return [row["customer__name"] for row in Order.objects.values("customer__name")]
