from shop.models import Customer, Item, Order, Product, Profile, Category

def import_tags(rows):
    for row in rows:
        Product.objects.create(name=row["name"], category_id=row["category"], price=row["price"])  # expect: ORM003
