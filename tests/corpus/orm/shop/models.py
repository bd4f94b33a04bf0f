from django.db import models


class Company(models.Model):
    name = models.CharField(max_length=100)


class CustomerManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().select_related("company")


class Customer(models.Model):
    name = models.CharField(max_length=100)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="customers")
    objects = models.Manager()
    with_company = CustomerManager()


class Profile(models.Model):
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE)
    bio = models.TextField()


class Category(models.Model):
    name = models.CharField(max_length=100)
    parent = models.ForeignKey("self", null=True, on_delete=models.SET_NULL, related_name="children")


class Product(models.Model):
    name = models.CharField(max_length=100)
    category = models.ForeignKey(Category, on_delete=models.PROTECT)
    price = models.IntegerField()


class Tag(models.Model):
    label = models.CharField(max_length=50)


class OrderQuerySet(models.QuerySet):
    def with_details(self):
        return self.select_related("customer").prefetch_related("items__product")

    def paid(self):
        return self.filter(paid=True)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    tags = models.ManyToManyField(Tag)
    paid = models.BooleanField(default=False)
    total = models.IntegerField(default=0)
    objects = OrderQuerySet.as_manager()


class Item(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("shop.Product", on_delete=models.PROTECT)
    quantity = models.IntegerField()
