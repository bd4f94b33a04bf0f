"""Ported from richardhapb/django-check, crates/django-check_semantic/src/passes/n_plus_one.rs
(commit 046b9b555d05a4e8632380fa4bdaa61f7d224511), test `access_using_relation_detected`: 1 diagnostic(s) expected
there. Adapted only to be importable Django: `from django.db import models` added and bare
`Model` bases written `models.Model`. Labels: one `# expect: ORM001` per diagnostic, on
the line django-check reports."""
from django.db import models
class TheoAnalysis(models.Model):
    name = models.CharField(max_length=20)

class Performance(models.Model):
    analysis = models.ManyToManyField("some.TheoAnalysis", related_name="performances")
    pattern = models.ForeignKey(Pattern)

class Pattern(models.Model):
    name = models.CharField(max_length=20)

a = TheoAnalysis.objects.get(id=1)
performances = a.performances

for p in performances:
    print(p.pattern)  # expect: ORM001
