"""Ported from richardhapb/django-check, crates/django-check_semantic/src/passes/n_plus_one.rs
(commit 046b9b555d05a4e8632380fa4bdaa61f7d224511), test `detect_n1_filter_directly_in_for`: 1 diagnostic(s) expected
there. Adapted only to be importable Django: `from django.db import models` added and bare
`Model` bases written `models.Model`. Labels: one `# expect: ORM001` per diagnostic, on
the line django-check reports."""
from django.db import models
class User(models.Model):
    pass

class Order(models.Model):
    user = models.ForeignKey(User, related_name="orders")

user = User.objects.get(id=1)
for order in user.orders.filter(id__lt=10):
    print(order)  # Should NOT warn (no relation access)
    print(order.user)  # Should warn (N+1)  # expect: ORM001
