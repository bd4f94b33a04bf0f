from django.http import JsonResponse

from store import services
from store.presenters import customer_names, order_keys
from store.services import OrderService, order_ids, orders_prefetched, paid_orders, paid_orders_with_customer


def names(request):
    return JsonResponse({"names": [o.customer.name for o in paid_orders()]})  # expect: ORM001


def tags(request):
    out = []
    for o in services.paid_orders():
        out.append([t.label for t in o.tags.all()])  # expect: ORM001
    return JsonResponse({"tags": out})


def customer_orders(request, customer_id):
    rows = OrderService.for_customer(customer_id)
    return JsonResponse({"c": [o.customer.company.name for o in rows]})  # expect: ORM001


def companies(request):
    return JsonResponse({"c": [o.customer.company.name for o in paid_orders_with_customer()]})  # expect: ORM001


def presented(request):
    return JsonResponse({"names": customer_names(paid_orders())})  # expect: ORM001


def line_products(request):
    out = []
    for o in paid_orders():
        for line in o.lines.all():  # expect: ORM001
            out.append(line.product.name)  # expect: ORM001
    return JsonResponse({"products": out})


# -- near-misses -------------------------------------------------------------------------


def names_eager(request):
    return JsonResponse({"names": [o.customer.name for o in paid_orders_with_customer()]})


def prefetched(request):
    out = []
    for o in orders_prefetched():
        out.append(([t.label for t in o.tags.all()], [line.product.name for line in o.lines.all()]))
    return JsonResponse({"rows": out})


def ids(request):
    return JsonResponse({"ids": [row["customer_id"] for row in order_ids()]})


def keys(request):
    return JsonResponse({"keys": order_keys(paid_orders())})


def presented_eager(request):
    return JsonResponse({"names": customer_names(paid_orders_with_customer())})


def full(request, customer_id):
    return JsonResponse({"c": [o.customer.company.name for o in OrderService.for_customer_full(customer_id)]})


def foreign_keys(request):
    return JsonResponse({"ids": [o.customer_id for o in paid_orders()]})


def labels(request):
    return JsonResponse({"labels": [label.title() for label in ("new", "paid")]})
