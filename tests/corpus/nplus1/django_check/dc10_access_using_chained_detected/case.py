"""Ported from richardhapb/django-check, crates/django-check_semantic/src/passes/n_plus_one.rs
(commit 046b9b555d05a4e8632380fa4bdaa61f7d224511), test `access_using_chained_detected`: 1 diagnostic(s) expected
there. Adapted only to be importable Django: `from django.db import models` added and bare
`Model` bases written `models.Model`. Labels: one `# expect: ORM001` per diagnostic, on
the line django-check reports."""
from django.db import models
class TheoAnalysis(models.Model):
    pattern = models.ForeignKey("app.Pattern")

class Performance(models.Model):
    analysis = models.ForeignKey("some.TheoAnalysis")

class Pattern(models.Model):
    name = models.CharField(max_length=20)


performances = Performance.objects.select_related("analysis").all()

for p in performances:
    # analysis is ok
    # pattern is N+1
    print(p.analysis.pattern)  # expect: ORM001
