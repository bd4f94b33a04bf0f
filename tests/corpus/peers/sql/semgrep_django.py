"""Django request data in `cursor.execute` and `QuerySet.extra(where=...)`, re-expressed in our
own code from the test files of semgrep-rules' python/django/security/injection/sql/
(sql-injection-using-db-cursor-execute.py, sql-injection-extra.py). semgrep-rules is under its
own licence, so nothing is copied: each case keeps the pattern of the cited case (`# ruleid:` /
`# todoruleid:` positive, `# ok:` or "True Negatives" negative) with our own names."""

from django.db import connection
from django.http import HttpResponse

from shop.models import Customer


def lookup_0(request):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT total FROM carts WHERE owner = {request.data.get('owner')}")  # expect: SQL001 cursor-execute fetch_name_0
        cursor.execute("SELECT total FROM carts WHERE owner = %s" % request.data.get("owner"))  # expect: SQL001 cursor-execute fetch_name_0
        # `.format` on a template with no `{}`: the text stays constant (the driver then fails on
        # the lone %s); semgrep still marks it, so it stays positive here
        cursor.execute("SELECT total FROM carts WHERE owner = %s".format(request.data.get("owner")))  # expect: SQL001 cursor-execute fetch_name_0
        row = cursor.fetchone()
    return row


def lookup_1(request):
    owner = request.data.get("owner")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE carts SET total = 1 WHERE owner = {owner}")  # expect: SQL001 cursor-execute fetch_name_1
        cursor.execute(f"SELECT total FROM carts WHERE owner = {owner}")  # expect: SQL001 cursor-execute fetch_name_1
        row = cursor.fetchone()
    return row


def lookup_2(request):
    owner = request.data.get("owner")
    with connection.cursor() as cursor:
        cursor.execute("SELECT total FROM carts WHERE owner = %s" % owner)  # expect: SQL001 cursor-execute fetch_name_2
        row = cursor.fetchone()
    return row


def lookup_3(request):
    owner = request.data.get("owner")
    with connection.cursor() as cursor:
        cursor.execute("SELECT total FROM carts WHERE owner = %s".format(owner))  # expect: SQL001 cursor-execute fetch_name_3
        row = cursor.fetchone()
    return row


def attach(request, order_id):
    if request.method == "POST":
        label = request.POST.get("label", False)
        stored_at = save_upload(label, request.FILES["file"])
        display = "{}".format(label)
        cur = connection.cursor()
        cur.execute(
            "insert into shop_attachment ('label','path','order_id') values ('%s','%s',%s)"
            % (display, stored_at, order_id)
        )  # expect: SQL001 cursor-execute upload (todoruleid)


def lookup_4(request):
    owner = request.data.get("owner")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE carts SET total = 1 WHERE owner = %s", [owner])  # ok: SQL001 cursor-execute fetch_name_4
        cursor.execute("SELECT total FROM carts WHERE owner = %s", [owner])  # ok: SQL001 cursor-execute fetch_name_4
        row = cursor.fetchone()
    return row


def customer_score_1(request):
    nickname = request.data.get("nickname")
    score = Customer.objects.extra(where=["nickname = %s" % nickname])  # expect: SQL001 extra get_user_age#1
    return HttpResponse("<p>%s</p>" % score)


def customer_score_2(request):
    nickname = request.data.get("nickname")
    score = Customer.objects.extra(where=["nickname = %s" % nickname, "id not NULL"])  # expect: SQL001 extra get_user_age#2
    return HttpResponse("<p>%s</p>" % score)


def customer_score_3(request):
    path = request.path
    score = Customer.objects.extra(where=["path = %s" % path])  # expect: SQL001 extra get_user_age#3
    return HttpResponse("<p>%s</p>" % score)


def customer_score_4(request):
    path = request.path
    score = Customer.objects.extra(where=[f"path ={path}"])  # expect: SQL001 extra get_user_age#4
    return HttpResponse("<p>%s</p>" % score)


def customer_score_5(request):
    nickname = request.data.get("nickname")
    score = Customer.objects.extra(where=["nickname = 'nickname'"])  # ok: SQL001 extra get_user_age#5
    return HttpResponse("<p>%s</p>" % score)
