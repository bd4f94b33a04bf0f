import graphene
from shop.models import Order


class CustomerType(graphene.ObjectType):
    order_count = graphene.Int()

    def resolve_order_count(self, info):
        return Order.objects.filter(customer_id=self.id).count()  # expect: ORM005
