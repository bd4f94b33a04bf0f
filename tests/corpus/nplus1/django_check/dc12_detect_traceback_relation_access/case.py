"""Ported from richardhapb/django-check, crates/django-check_semantic/src/passes/n_plus_one.rs
(commit 046b9b555d05a4e8632380fa4bdaa61f7d224511), test `detect_traceback_relation_access`: 1 diagnostic(s) expected
there. Adapted only to be importable Django: `from django.db import models` added and bare
`Model` bases written `models.Model`. Labels: one `# expect: ORM001` per diagnostic, on
the line django-check reports."""
from django.db import models
class TheoAnalysis(models.Model):
    tier = models.CharField(max_length=11, choices=Tiers.choices)

class Tier1(models.Model):
    analysis = models.ForeignKey("theo.TheoAnalysis", on_delete=models.CASCADE, related_name="tier1s", null=True)

def foo(t1: QuerySet[Tier1]):
    for t in t1:
        print(t.analysis)

tier1 = Tier1.objects.all()
foo(tier1)  # expect: ORM001
