"""Ported from richardhapb/django-check, crates/django-check_semantic/src/passes/n_plus_one.rs
(commit 046b9b555d05a4e8632380fa4bdaa61f7d224511), test `detect_unsafe_with_two_statements`: 2 diagnostic(s) expected
there. Adapted only to be importable Django: `from django.db import models` added and bare
`Model` bases written `models.Model`. Labels: one `# expect: ORM001` per diagnostic, on
the line django-check reports."""
from django.db import models
class User(models.Model):
    related_field = models.ForeignKey("some.App")

qs = User.objects.filter(active=True)
for item in qs:
    print(item.related_field)  # expect: ORM001
    print(item.related_field)  # expect: ORM001
