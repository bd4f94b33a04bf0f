from store.services import paid_orders, paid_orders_with_customer


def totals():
    return [(o.pk, o.total_paid) for o in paid_orders()]  # expect: ORM002


def open_line_counts():
    out = {}
    for o in paid_orders():
        out[o.pk] = o.open_lines()  # expect: ORM002
    return out


def labels():
    return [(o.customer_name, o.tag_labels) for o in paid_orders()]  # expect: ORM002 ORM002


def totals_for(name):
    out = {}
    for o in paid_orders().filter(**{f"customer__{name}": "x"}):
        out[o.pk] = o.total_paid  # expect: ORM002
    return out


# -- near-misses ---------------------------------------------------------------------------


def references():
    return [o.reference for o in paid_orders()]


def customer_names():
    return [o.customer_name for o in paid_orders_with_customer()]


def notify_all(notifier):
    for o in paid_orders():
        o.notify_lines(notifier)  # a procedure per row: the loop's unit of work


def archive(orders_to_archive):
    for o in paid_orders():
        # A write per row: ORM003's finding; ORM002 does not report it as a hidden query.
        o.save()  # expect: ORM003
