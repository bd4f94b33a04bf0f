from shop.models import Customer, Item, Order, Product, Profile, Category

def bios():
    return [c.profile.bio for c in Customer.objects.all()]  # expect: ORM001
