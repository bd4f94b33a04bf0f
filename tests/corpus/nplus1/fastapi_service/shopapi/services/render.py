"""Presenters: they loop over the rows they are given."""


def render_orders(orders):
    return [{"id": o.id, "customer": o.customer.name} for o in orders]


def render_ids(orders):
    return [{"id": o.id, "customer": o.customer_id} for o in orders]
