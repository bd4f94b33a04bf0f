"""String clauses given to SQLAlchemy `Query` methods, re-expressed in our own code from
semgrep-rules' python/sqlalchemy/security/sqlalchemy-{filter,orderby,groupby,having,distinct}-
sql-injection.py and sqlalchemy-sql-injection.py (semgrep-rules' own licence: nothing copied;
`# ruleid:` positive, `# ok:` negative). `session`, `Model`, `Grant` and `query` are names of
unknown origin, as there."""


def filter_bad_1(value):
    session.query(Account).filter("col={}".format(value))  # expect: SQL001 filter bad1


def filter_bad_2(value):
    rows = Model.query.join(Grant).filter(
        "oops{}".format(value)
    )  # expect: SQL001 filter bad2


def filter_bad_3(value):
    rows = Model.query.filter(
        "oops{}".format(value)
    )  # expect: SQL001 filter bad3


def filter_ok_1(cls, grant: "Grant", token_name: str) -> str:
    rows = cls.query(Grant).filter(
        cls.id == Grant.token_id,
    )  # ok: SQL001 filter ok1


def filter_ok_2(cls, grant: "Grant", token_name: str) -> str:
    rows = cls.query.join(Grant).filter(
        cls == other
    )  # ok: SQL001 filter ok2


def filter_ok_3(value):
    rows = Model.query.filter(
        "oops{}".format(value=3)
    )  # ok: SQL001 filter ok3


def order_by_bad_1(value):
    session.query(Account).order_by("col={}".format(value))  # expect: SQL001 orderby bad1


def order_by_bad_2(value):
    rows = Model.query.join(Grant).order_by(
        "oops{}".format(value)
    )  # expect: SQL001 orderby bad2


def order_by_bad_3(value):
    rows = Model.query.order_by(
        "oops{}".format(value)
    )  # expect: SQL001 orderby bad3


def order_by_bad_4(value):
    rows = query.order_by("oops{}".format(value)).limit(limit)  # expect: SQL001 orderby bad4


def order_by_ok_1(cls, grant: "Grant", token_name: str) -> str:
    rows = cls.query(Grant).order_by(
        cls.id == Grant.token_id,
    )  # ok: SQL001 orderby ok1


def order_by_ok_2(cls, grant: "Grant", token_name: str) -> str:
    rows = cls.query.join(Grant).order_by(
        cls == other
    )  # ok: SQL001 orderby ok2


def order_by_ok_3(value):
    rows = Model.query.order_by(
        "oops{}".format(value=3)
    )  # ok: SQL001 orderby ok3


def order_by_ok_4(value):
    rows = query.order_by(desc(Scan.started_at)).limit(limit)  # ok: SQL001 orderby ok4


def group_by_bad_1(value):
    session.query(Account).group_by("col={}".format(value))  # expect: SQL001 groupby bad1


def group_by_bad_2(value):
    rows = Model.query.join(Grant).group_by(
        "oops{}".format(value)
    )  # expect: SQL001 groupby bad2


def group_by_bad_3(value):
    rows = Model.query.group_by(
        "oops{}".format(value)
    )  # expect: SQL001 groupby bad3


def group_by_bad_4(value):
    rows = query.group_by("oops{}".format(value)).limit(limit)  # expect: SQL001 groupby bad4


def group_by_ok_1(cls, grant: "Grant", token_name: str) -> str:
    rows = cls.query(Grant).group_by(
        cls.id == Grant.token_id,
    )  # ok: SQL001 groupby ok1


def group_by_ok_2(cls, grant: "Grant", token_name: str) -> str:
    rows = cls.query.join(Grant).group_by(
        cls == other
    )  # ok: SQL001 groupby ok2


def group_by_ok_3(value):
    rows = Model.query.group_by(
        "oops{}".format(value=3)
    )  # ok: SQL001 groupby ok3


def group_by_ok_4(value):
    rows = query.group_by(desc(Scan.started_at)).limit(limit)  # ok: SQL001 groupby ok4


def having_bad_1(value):
    session.query(Account).having("col={}".format(value))  # expect: SQL001 having bad1


def having_bad_2(value):
    rows = Model.query.join(Grant).having(
        "oops{}".format(value)
    )  # expect: SQL001 having bad2


def having_bad_3(value):
    rows = Model.query.having(
        "oops{}".format(value)
    )  # expect: SQL001 having bad3


def having_bad_4(value):
    rows = query.having("oops{}".format(value)).limit(limit)  # expect: SQL001 having bad4


def having_ok_1(cls, grant: "Grant", token_name: str) -> str:
    rows = cls.query(Grant).having(
        cls.id == Grant.token_id,
    )  # ok: SQL001 having ok1


def having_ok_2(cls, grant: "Grant", token_name: str) -> str:
    rows = cls.query.join(Grant).having(
        cls == other
    )  # ok: SQL001 having ok2


def having_ok_3(value):
    rows = Model.query.having(
        "oops{}".format(value=3)
    )  # ok: SQL001 having ok3


def having_ok_4(value):
    rows = query.having(desc(Scan.started_at)).limit(limit)  # ok: SQL001 having ok4


def distinct_bad_1(value):
    session.query(Account).distinct("col={}".format(value))  # expect: SQL001 distinct bad1


def distinct_bad_2(value):
    rows = Model.query.join(Grant).distinct(
        "oops{}".format(value)
    )  # expect: SQL001 distinct bad2


def distinct_bad_3(value):
    rows = Model.query.distinct(
        "oops{}".format(value)
    )  # expect: SQL001 distinct bad3


def distinct_bad_4(value):
    rows = query.distinct("oops{}".format(value)).limit(limit)  # expect: SQL001 distinct bad4


def distinct_ok_1(cls, grant: "Grant", token_name: str) -> str:
    rows = cls.query(Grant).distinct(
        cls.id == Grant.token_id,
    )  # ok: SQL001 distinct ok1


def distinct_ok_2(cls, grant: "Grant", token_name: str) -> str:
    rows = cls.query.join(Grant).distinct(
        cls == other
    )  # ok: SQL001 distinct ok2


def distinct_ok_3(value):
    rows = Model.query.distinct(
        "oops{}".format(value=3)
    )  # ok: SQL001 distinct ok3


def distinct_ok_4(value):
    rows = query.distinct(desc(Scan.started_at)).limit(limit)  # ok: SQL001 distinct ok4


def combined_bad_5(value):
    rows = query.filter("oops{}".format(value)).limit(limit)  # expect: SQL001 sqlalchemy-sql-injection bad5


def combined_ok_3(value):
    rows = Model.query.group_by(
        value=3)  # ok: SQL001 sqlalchemy-sql-injection ok3


def combined_ok_5(value):
    rows = query.filter(value == 5).limit(limit)  # ok: SQL001 sqlalchemy-sql-injection ok5


def combined_ok_6(value):
    rows = query.filter("oops{}".bindparams(value)).limit(limit)  # ok: SQL001 sqlalchemy-sql-injection ok6
