def customer_names(orders):
    return [o.customer.name for o in orders]


def order_keys(orders):
    return [o.customer_id for o in orders]
