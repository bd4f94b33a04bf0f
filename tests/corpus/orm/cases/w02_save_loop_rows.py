from shop.models import Customer, Item, Order, Product, Profile, Category

def mark_paid():
    for order in Order.objects.filter(paid=False):
        order.paid = True
        order.save()  # expect: ORM003
