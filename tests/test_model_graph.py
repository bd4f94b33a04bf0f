"""The model graph keeps the models of several services in one repository apart (issue 12):
two services that both define `Product` each see their own relations, and each model's
per-instance write hooks."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import scan_tree, write_tree

MONOREPO = {
    "svc_a/shop/__init__.py": "",
    "svc_a/shop/models.py": "from django.db import models\n"
    "class Vendor(models.Model):\n    name = models.CharField(max_length=80)\n"
    "class Product(models.Model):\n    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE)\n",
    "svc_a/shop/views.py": "from shop.models import Product\n"
    "def names():\n    return [p.vendor.name for p in Product.objects.all()]\n",
    "svc_b/shop/__init__.py": "",
    "svc_b/shop/models.py": "from django.db import models\n"
    "class Product(models.Model):\n    vendor = models.CharField(max_length=80)\n"
    "    def save(self, *args, **kwargs):\n        self.vendor = self.vendor.strip()\n        super().save(*args, **kwargs)\n",
    "svc_b/shop/views.py": "from shop.models import Product\n"
    "def names():\n    return [p.vendor.upper() for p in Product.objects.all()]\n"
    "def load(rows):\n    for row in rows:\n        Product.objects.create(**row)\n",
    "svc_a/shop/load.py": "from shop.models import Product\n"
    "def load(rows):\n    for row in rows:\n        Product.objects.create(**row)\n",
}


def test_two_services_defining_the_same_model_keep_their_own_relations(tmp_path: Path) -> None:
    root = write_tree(tmp_path, MONOREPO)
    result = scan_tree(root, select=("ORM001", "ORM003"))
    found = sorted((f.rule, f.path, f.line) for f in result.findings)
    # svc_a: `vendor` is a foreign key (N+1), and its Product has no save() override (bulk is fine).
    # svc_b: `vendor` is a text column, and its Product overrides save() (row by row on purpose).
    assert found == [("ORM001", "svc_a/shop/views.py", 3), ("ORM003", "svc_a/shop/load.py", 4)]
    message = next(f.message for f in result.findings if f.rule == "ORM001")
    assert "svc_a.shop.models.Product.vendor" in message


def test_each_service_alone_gives_the_same_findings(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {k: v for k, v in MONOREPO.items() if k.startswith("svc_a/")})
    found = sorted((f.rule, f.path, f.line) for f in scan_tree(root, select=("ORM001", "ORM003")).findings)
    assert found == [("ORM001", "svc_a/shop/views.py", 3), ("ORM003", "svc_a/shop/load.py", 4)]


SOFT_DELETE = {
    "core/__init__.py": "",
    "core/mixins.py": "from django.db import models\n"
    "class SoftDeleteModel(models.Model):\n    deleted_at = models.DateTimeField(null=True)\n"
    "    class Meta:\n        abstract = True\n"
    "    def delete(self, using=None, keep_parents=False):\n        self.deleted_at = now()\n        self.save()\n",
    "billing/__init__.py": "",
    "billing/models.py": "from django.db import models\nfrom core.mixins import SoftDeleteModel\n"
    "class Invoice(SoftDeleteModel):\n    number = models.CharField(max_length=20)\n"
    "class Payment(models.Model):\n    amount = models.IntegerField()\n",
    "billing/services.py": "from billing.models import Invoice, Payment\n"
    "def cancel(customer):\n    Invoice.objects.filter(customer=customer).delete()\n"
    "    Payment.objects.filter(customer=customer).delete()\n",
}


def test_a_soft_delete_flag_and_delete_override_are_inherited_from_a_base_in_another_module(tmp_path: Path) -> None:
    root = write_tree(tmp_path, SOFT_DELETE)
    result = scan_tree(root, select=("ORM012",))
    found = [(f.rule, f.path, f.line) for f in result.findings]
    # Invoice inherits `deleted_at` and the soft `delete()`; Payment has neither.
    assert found == [("ORM012", "billing/services.py", 3)]
    assert "`deleted_at`" in result.findings[0].message
