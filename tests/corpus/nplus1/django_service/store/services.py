from django.db.models import Prefetch

from store.models import Order, OrderLine


def paid_orders():
    return Order.objects.filter(paid=True)


def paid_orders_with_customer():
    return Order.objects.filter(paid=True).select_related("customer")


def orders_prefetched():
    return Order.objects.prefetch_related(
        "tags", Prefetch("lines", queryset=OrderLine.objects.select_related("product"))
    )


def order_ids():
    return Order.objects.values("id", "customer_id")


class OrderService:
    @staticmethod
    def for_customer(customer_id):
        return Order.objects.filter(customer_id=customer_id).order_by("-id")

    @staticmethod
    def for_customer_full(customer_id):
        return Order.objects.filter(customer_id=customer_id).select_related("customer__company")
