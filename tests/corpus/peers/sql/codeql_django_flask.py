"""Flask route feeding Django's raw SQL APIs, re-expressed from CodeQL's
python/ql/test/query-tests/Security/CWE-089-SqlInjection/sql_injection.py (github/codeql, MIT;
`# $ Alert` lines are positive, the `GOOD` lines negative). Names are our own."""

from django.db import connection, models
from django.db.models.expressions import RawSQL
from flask import Flask

app = Flask(__name__)


class Member(models.Model):
    pass


@app.route("/members/<nickname>")
def show_member(nickname):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM members WHERE nickname = %s", nickname)  # ok: SQL001 sql_injection.py:17
        Member.objects.raw("SELECT * FROM members WHERE nickname = %s", (nickname,))  # ok: SQL001 sql_injection.py:18
        cursor.execute("SELECT * FROM members WHERE nickname = '%s'" % nickname)  # expect: SQL001 sql_injection.py:21
        Member.objects.annotate(RawSQL("insert into nick_log ('nick') values ('%s')" % nickname))  # expect: SQL001 sql_injection.py:24
        Member.objects.raw("insert into nick_log ('nick') values ('%s')" % nickname)  # expect: SQL001 sql_injection.py:25
        Member.objects.extra("insert into nick_log ('nick') values ('%s')" % nickname)  # expect: SQL001 sql_injection.py:26
