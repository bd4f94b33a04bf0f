from rest_framework import serializers

from shop.models import Customer, Item, Order, Product


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "category"]


class ItemSerializer(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = Item
        fields = ["id", "product", "product_name", "quantity"]


class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    items = ItemSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = ["id", "customer", "customer_name", "items", "total"]


class OrderTagsSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["id", "tags"]


class OrderFlatSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["id", "customer", "total"]


class CustomerSerializer(serializers.ModelSerializer):
    company = serializers.StringRelatedField()
    order_count = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ["id", "name", "company", "order_count"]

    def get_order_count(self, obj):
        return obj.orders.count()


class CustomerPaidSerializer(serializers.ModelSerializer):
    paid_total = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ["id", "paid_total"]

    def get_paid_total(self, obj):
        return sum(o.total for o in obj.orders.filter(paid=True))
