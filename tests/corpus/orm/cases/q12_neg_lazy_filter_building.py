from shop.models import Customer, Item, Order, Product, Profile, Category

def search(words):
    qs = Product.objects.all()
    for word in words:
        qs = qs.filter(name__icontains=word)
    return qs
