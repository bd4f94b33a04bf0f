from shop.models import Customer, Item, Order, Product, Profile, Category

def load(rows):
    Product.objects.bulk_create([Product(**r) for r in rows], batch_size=500)
