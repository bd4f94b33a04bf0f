from __future__ import annotations

import re

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.project.ormvocab import DJANGO_SINGLE
from reviewer.orm.querysets import QueryTracker, chain_of, classify_call, is_wipe_command, is_wipe_command_module
from reviewer.rule import Example, Needs, PythonRule

# Purges and data-retention jobs delete on purpose.
PURGE_WORDS = re.compile(r"purge|gdpr|prune|cleanup|clean_up|hard_delete|harddelete|erase|anonymi[sz]|retention|expunge", re.I)

INVOICE = (
    "billing/models.py",
    "from django.db import models\n"
    "\n"
    "class LiveManager(models.Manager):\n"
    "    def get_queryset(self):\n"
    "        return super().get_queryset().filter(deleted_at__isnull=True)\n"
    "\n"
    "class Invoice(models.Model):\n"
    "    number = models.CharField(max_length=20)\n"
    "    deleted_at = models.DateTimeField(null=True, blank=True)\n"
    "    objects = LiveManager()\n"
    "    all_objects = models.Manager()\n"
    "\n"
    "    def delete(self, using=None, keep_parents=False):\n"
    "        self.deleted_at = timezone.now()\n"
    '        self.save(update_fields=["deleted_at"])\n',
)
PLAIN = (
    "billing/models.py",
    "from django.db import models\n"
    "\n"
    "class Invoice(models.Model):\n"
    "    number = models.CharField(max_length=20)\n"
    "    deleted_at = models.DateTimeField(null=True, blank=True)\n",
)


class SoftDeleteBypass(PythonRule):
    """Code hard-deletes rows of a model that the project deletes softly.

    A model with a `deleted_at` / `is_deleted` flag whose own `delete()` only sets the flag, or
    whose default manager hides flagged rows, promises that rows are kept: for audit, undo,
    references from other rows, or accounting. A queryset `delete()` skips the model's
    `delete()` and removes the rows for good (and cascades), so the promise holds only for
    code paths that happen to go through the instance.

    Reported (Django): a queryset `.delete()` (`Invoice.objects.filter(...).delete()`) on a
    model with a soft-delete flag whose soft-delete convention the project follows (the model
    or a base overrides `delete()`, or it has a custom default manager), unless its manager
    or queryset defines `delete()` itself; and an instance `.delete()` of such a model with a
    custom manager but no `delete()` override. Purge, GDPR, retention and cleanup code
    (named so), data migrations and wipe commands delete on purpose and are not reported.

    Not covered: reads through `all_objects` / `_base_manager` in request handlers, raw
    `DELETE FROM` statements, and SQLAlchemy models (whose soft-delete conventions are query
    filters a scan cannot see).

    Opt-in, as the catalogue specifies: whether a hard delete is wrong depends on why the
    model is soft-deleted. Its field precision on the ecosystem check's tuned projects is 0.00
    over 1 judged of 1 finding (`bench/ecosystem/verdicts.tsv`, scan `ops-4`): a function
    that destroys a whole organization, which hard-deletes its projects on purpose."""

    code = "ORM012"
    opt_in = True
    name = "soft-delete-bypass"
    summary = "Code hard-deletes rows of a model that the project deletes softly."
    category = Category.ORM
    severity = Severity.INFO
    confidence = Confidence.MEDIUM
    message = "`{call}` hard-deletes `{model}` rows, which the project soft-deletes through `{flag}` ({why})"
    fix = (
        "Delete softly: `Invoice.objects.filter(customer=c).update(deleted_at=timezone.now())`, or give the "
        "model's queryset a `delete()` that sets the flag; name purge jobs `purge_*` when the hard delete is meant"
    )
    seed = 'S1:126 "Implement soft deletes where appropriate"'
    references = ("https://docs.djangoproject.com/en/stable/topics/db/queries/#deleting-objects",)
    needs = Needs.words("delete")
    index_sections = ("orm_models", "symbols")
    invalid = (
        Example(
            "from billing.models import Invoice\n"
            "\n"
            "def cancel_invoices(customer):\n"
            "    Invoice.objects.filter(customer=customer).delete()\n",
            path="billing/services.py",
            files=(INVOICE,),
            lines=(4,),
        ),
        Example(
            "from billing.models import Invoice\n"
            "\n"
            "def remove(pk):\n"
            "    invoice = Invoice.objects.get(pk=pk)\n"
            "    invoice.delete()\n",
            path="billing/services.py",
            files=((INVOICE[0], INVOICE[1].split("\n    def delete")[0] + "\n"),),
            lines=(5,),
            note="an instance delete: the manager hides flagged rows but `delete()` is Django's",
        ),
    )
    valid = (
        Example(
            "from django.utils import timezone\n"
            "from billing.models import Invoice\n"
            "\n"
            "def cancel_invoices(customer):\n"
            "    Invoice.objects.filter(customer=customer).update(deleted_at=timezone.now())\n",
            path="billing/services.py",
            files=(INVOICE,),
        ),
        Example(
            "from billing.models import Invoice\n"
            "\n"
            "def remove(pk):\n"
            "    Invoice.objects.get(pk=pk).delete()\n",
            path="billing/services.py",
            files=(INVOICE,),
            note="near-miss: the instance `delete()` is the model's soft delete",
        ),
        Example(
            "from billing.models import Invoice\n"
            "\n"
            "def purge_deleted_invoices(before):\n"
            "    Invoice.all_objects.filter(deleted_at__lt=before).delete()\n",
            path="billing/services.py",
            files=(INVOICE,),
            note="near-miss: a purge job deletes flagged rows on purpose",
        ),
        Example(
            "from billing.models import Invoice\n"
            "\n"
            "def cancel_invoices(customer):\n"
            "    Invoice.objects.filter(customer=customer).delete()\n",
            path="billing/services.py",
            files=(PLAIN,),
            note="near-miss: a `deleted_at` column but no soft-delete convention (no `delete()` override, no manager)",
        ),
        Example(
            "def remove_item(db, item):\n    db.delete(item)\n    db.commit()\n",
            path="app/services/stock.py",
            note="near-miss: a SQLAlchemy session delete in a project without a soft-delete convention",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.tracker = context.shared(QueryTracker)
        self.active = not context.in_migration and not is_wipe_command_module(context.path) and not PURGE_WORDS.search(context.path)
        self.purges: list[cst.FunctionDef] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if is_wipe_command(node) or PURGE_WORDS.search(node.name.value):
            self.purges.append(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.purges and self.purges[-1] is node:
            self.purges.pop()

    def visit_Call(self, node: cst.Call) -> None:
        if not self.active or self.purges or not isinstance(node.func, cst.Attribute) or node.func.attr.value != "delete":
            return
        found = classify_call(node, self.tracker)
        if found is None or found.action != "write" or not found.model:
            return
        graph = self.tracker.graph
        facts = graph.model(found.model)
        if facts is None or facts.framework != "django" or not facts.soft_delete:
            return
        overrides = "delete" in facts.hooks
        custom_manager = bool(facts.managers)
        inner = {call.func.attr.value for call in found.chain[1:] if isinstance(call.func, cst.Attribute)}
        if found.method == "delete" or inner & DJANGO_SINGLE:  # an instance delete
            if overrides or not custom_manager:
                return
            why = "its manager hides flagged rows, its `delete()` is Django's"
        else:
            if not (overrides or custom_manager):
                return
            chain = chain_of(node)
            manager = chain[1][0].attr.value if chain and chain[1] else "objects"
            known, _ = graph.manager_method(graph.manager(found.model, manager), "delete")
            if known:
                return  # the queryset's own delete()
            why = "a queryset `delete()` skips the model's `delete()`" if overrides else "its manager hides flagged rows"
        self.report(node, call=found.label, model=found.model, flag=facts.soft_delete, why=why)
