from django.views import View
from django.views.decorators.http import require_GET, require_POST


@require_GET
def order_detail(request, pk):
    ...


@require_POST
def cancel_order(request, pk):
    ...


class CartView(View):
    def get(self, request):
        ...

    def post(self, request):
        ...
