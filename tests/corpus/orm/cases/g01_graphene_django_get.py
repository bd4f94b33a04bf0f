import graphene
from shop.models import Customer


class OrderType(graphene.ObjectType):
    customer_name = graphene.String()

    def resolve_customer_name(parent, info):
        return Customer.objects.get(pk=parent.customer_id).name  # expect: ORM005
