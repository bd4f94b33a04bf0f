from django.db import models
from django.db.models import Sum


class Company(models.Model):
    name = models.CharField(max_length=100)


class Customer(models.Model):
    name = models.CharField(max_length=100)
    company = models.ForeignKey(Company, on_delete=models.CASCADE)


class Tag(models.Model):
    label = models.CharField(max_length=50)


class Product(models.Model):
    name = models.CharField(max_length=100)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    tags = models.ManyToManyField(Tag)
    paid = models.BooleanField(default=False)

    @property
    def total_paid(self):
        return Payment.objects.filter(order=self).aggregate(total=Sum("amount"))["total"] or 0

    @property
    def tag_labels(self):
        return [tag.label for tag in self.tags.all()]

    @property
    def customer_name(self):
        return self.customer.name

    @property
    def reference(self):
        return f"ORD-{self.pk:06d}"

    def open_lines(self):
        return self.lines.filter(quantity__gt=0).count()

    def notify_lines(self, notifier):
        for line in self.lines.all():
            notifier.send(line.pk)


class Payment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    amount = models.IntegerField()


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.CASCADE)
    quantity = models.IntegerField()
