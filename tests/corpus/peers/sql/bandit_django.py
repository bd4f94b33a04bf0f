"""Django `QuerySet.extra()` and `RawSQL` calls re-expressed from bandit's
examples/django_sql_injection_extra.py and examples/django_sql_injection_raw.py (bandit 1.9.4,
Apache-2.0). bandit's functional tests count 11 and 6 findings (B610, B611) on them: it reports
every call whose SQL argument is not a plain literal. Every value here is a literal of this
file, written by the developer, so no caller controls the SQL: labelled negative (reviewer's
rule: a constant is never an injection). Names are our own; lines cite the example."""

from django.contrib.auth.models import Group
from django.db.models.expressions import RawSQL

Group.objects.filter(name="staff").extra(
    select={"flag": "fixed"},
    where=["fixed"],
    tables=["fixed"],
)  # ok: SQL001 django_sql_injection_extra.py:3
Group.objects.filter(name="staff").extra({"flag": "fixed"})  # ok: SQL001 django_sql_injection_extra.py:8
Group.objects.filter(name="staff").extra(select={"flag": "fixed"})  # ok: SQL001 django_sql_injection_extra.py:9
Group.objects.filter(name="staff").extra(where=["fixed"])  # ok: SQL001 django_sql_injection_extra.py:10
Group.objects.filter(name="staff").extra(dict(maybe="unsafe"))  # ok: SQL001 django_sql_injection_extra.py:12
Group.objects.filter(name="staff").extra(select=dict(maybe="unsafe"))  # ok: SQL001 django_sql_injection_extra.py:13
crafted = '"name") AS "name", * FROM "auth_group" WHERE 1=1 OR "name"=? --'
Group.objects.filter(name="staff").extra(select={"flag": crafted})  # ok: SQL001 django_sql_injection_extra.py:15
Group.objects.filter(name="staff").extra(select={"flag": "%sfixed" % "un"})  # ok: SQL001 django_sql_injection_extra.py:16
Group.objects.filter(name="staff").extra(select={"flag": "{}fixed".format("un")})  # ok: SQL001 django_sql_injection_extra.py:17
where_list = ["1=1) OR 1=1 AND (1=1"]
Group.objects.filter(name="staff").extra(where=where_list)  # ok: SQL001 django_sql_injection_extra.py:20
where_text = "1=1) OR 1=1 AND (1=1"
Group.objects.filter(name="staff").extra(where=[where_text])  # ok: SQL001 django_sql_injection_extra.py:22
Group.objects.filter(name="staff").extra(where=["%sfixed" % "un"])  # ok: SQL001 django_sql_injection_extra.py:23
Group.objects.filter(name="staff").extra(where=["{}fixed".format("un")])  # ok: SQL001 django_sql_injection_extra.py:24
table_list = ['django_session" WHERE "auth_group"."name"="staff']
Group.objects.all().extra(tables=table_list).distinct()  # ok: SQL001 django_sql_injection_extra.py:27
table_text = 'django_session" WHERE "auth_group"."name"="staff'
Group.objects.all().extra(tables=[table_text]).distinct()  # ok: SQL001 django_sql_injection_extra.py:29

Group.objects.annotate(value=RawSQL("fixed", []))  # ok: SQL001 django_sql_injection_raw.py:4
Group.objects.annotate(value=RawSQL("%sfixed" % "un", []))  # ok: SQL001 django_sql_injection_raw.py:5
Group.objects.annotate(value=RawSQL("{}fixed".format("un"), []))  # ok: SQL001 django_sql_injection_raw.py:6
raw_text = '"name") AS "value" FROM "auth_group" WHERE "name"="staff" --'
Group.objects.annotate(value=RawSQL(raw_text, []))  # ok: SQL001 django_sql_injection_raw.py:8
raw_text = '"name") AS "value" FROM "auth_group"' \
    ' WHERE "name"="staff" OR 1=%s --'
Group.objects.annotate(value=RawSQL(raw_text, [0]))  # ok: SQL001 django_sql_injection_raw.py:11
Group.objects.annotate(value=RawSQL(sql="{}fixed".format("un"), params=[]))  # ok: SQL001 django_sql_injection_raw.py:12
Group.objects.annotate(value=RawSQL(params=[], sql="{}fixed".format("un")))  # ok: SQL001 django_sql_injection_raw.py:13
