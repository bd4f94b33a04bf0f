from store.models import Customer, Order
from store.schema_base import ModelObjectType


class OrderType(ModelObjectType):
    class Meta:
        model = Order


class CustomerType(ModelObjectType):
    class Meta:
        model = Customer

    def resolve_paid_orders(parent, info):
        return Order.objects.filter(customer=parent, paid=True)  # expect: ORM005

    def resolve_order_count(parent, info):
        return Order.objects.filter(customer_id=parent.id).count()  # expect: ORM005

    def resolve_display_name(parent, info):
        return parent.name.title()


class Query(ModelObjectType):
    def resolve_recent_orders(root, info):
        return Order.objects.order_by("-id")[:20]
