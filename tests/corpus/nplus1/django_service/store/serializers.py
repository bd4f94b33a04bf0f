from rest_framework import serializers

from store.models import Order


class OrderSummarySerializer(serializers.ModelSerializer):
    paid_total = serializers.ReadOnlyField(source="total_paid")

    class Meta:
        model = Order
        fields = ["id", "reference", "paid_total"]


class OrderLabelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["id", "reference", "customer_name", "tag_labels"]
