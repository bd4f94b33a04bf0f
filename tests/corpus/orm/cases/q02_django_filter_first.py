from shop.models import Customer, Item, Order, Product, Profile, Category

def first_orders(customer_ids):
    return [Order.objects.filter(customer_id=cid).first() for cid in customer_ids]  # expect: ORM002
