"""Django / DRF views and managers."""
from django.db import connection, connections
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.http import JsonResponse
from django.views import View
from rest_framework.decorators import api_view
from rest_framework.response import Response

from shop.models import Order, Product

SORTABLE = {"name": "name", "price": "price", "newest": "created_at DESC"}
PRODUCT_TABLE = "catalog_product"


@api_view(["GET"])
def bad_search_raw(request):
    term = request.query_params.get("q", "")
    return Response(list(Product.objects.raw("SELECT * FROM catalog_product WHERE name LIKE '%" + term + "%'")))


@api_view(["GET"])
def bad_cursor_fstring(request, slug):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, name FROM catalog_product WHERE slug = '{slug}'")
        return Response(cursor.fetchall())


@api_view(["GET"])
def bad_extra_where(request):
    wanted = request.GET.get("status")
    return Response(list(Order.objects.extra(where=["status = '%s'" % wanted]).values("id")))


@api_view(["GET"])
def bad_extra_select(request):
    field = request.GET["field"]
    return Response(list(Order.objects.extra(select={"value": "SELECT " + field + " FROM shop_meta"}).values("value")))


def bad_rawsql_annotation(request):
    column = request.GET.get("column", "price")
    qs = Product.objects.annotate(val=RawSQL(f"SELECT MAX({column}) FROM catalog_price", []))
    return JsonResponse({"n": qs.count()})


class BadReportView(View):
    def get(self, request):
        since = self.request.GET.get("since")
        cursor = connection.cursor()
        cursor.execute("SELECT COUNT(id) FROM shop_order WHERE created_at >= '%s'" % since)
        return JsonResponse({"count": cursor.fetchone()[0]})


@api_view(["POST"])
def bad_bulk_status(request):
    status = request.data["status"]
    ids = ",".join(str(i) for i in request.data["ids"])
    with connections["default"].cursor() as cur:
        cur.execute("UPDATE shop_order SET status = '{}' WHERE id IN ({})".format(status, ids))
    return Response(status=204)


@api_view(["GET"])
def bad_order_by_param(request):
    sort = request.query_params.get("sort", "id")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, total FROM shop_order ORDER BY " + sort)
        return Response(cursor.fetchall())


def bad_manager_helper(customer_name):
    sql = "SELECT * FROM shop_order WHERE customer_name = '%s'" % customer_name
    return Order.objects.raw(sql)


@api_view(["GET"])
def ok_search_raw(request):
    term = request.query_params.get("q", "")
    return Response(list(Product.objects.raw("SELECT * FROM catalog_product WHERE name LIKE %s", ["%" + term + "%"])))


@api_view(["GET"])
def ok_cursor_params(request, slug):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name FROM catalog_product WHERE slug = %s", [slug])
        return Response(cursor.fetchall())


@api_view(["GET"])
def ok_extra_params(request):
    wanted = request.GET.get("status")
    return Response(list(Order.objects.extra(where=["status = %s"], params=[wanted]).values("id")))


@api_view(["GET"])
def ok_sort_allowlist(request):
    sort = SORTABLE.get(request.query_params.get("sort"), "id")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, total FROM shop_order ORDER BY {sort}")
        return Response(cursor.fetchall())


def ok_constant_table(pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {PRODUCT_TABLE} WHERE id = %s", [pk])
        return cursor.fetchone()


def ok_meta_table(pk):
    table = Product._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()


def ok_quote_name(column, pk):
    quoted = connection.ops.quote_name(column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted} FROM shop_order WHERE id = %s", [pk])
        return cursor.fetchone()


@api_view(["GET"])
def ok_int_cast(request):
    limit = int(request.GET.get("limit", 20))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM shop_order ORDER BY id LIMIT {limit}")
        return Response(cursor.fetchall())


def ok_orm_only(request):
    name = request.GET.get("name")
    return list(Product.objects.filter(Q(name__icontains=name) | Q(sku=name)).update(price=F("price") * 2))


def ok_log_only(request):
    user = request.GET.get("user")
    message = f"SELECT issued for {user}"
    print(message)
    return message


def ok_rawsql_params(request):
    column_value = request.GET.get("v")
    return Product.objects.annotate(flag=RawSQL("SELECT COUNT(id) FROM catalog_price WHERE code = %s", [column_value]))
