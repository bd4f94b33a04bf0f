from shop.models import Customer


class Presenter:
    def resolve_customer(self, info):
        return Customer.objects.get(pk=self.customer_id)
