from shop.models import Customer, Item, Order, Product, Profile, Category

def companies():
    return [o.customer.company.name for o in Order.objects.select_related("customer__company")]
