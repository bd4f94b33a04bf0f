import enum
from typing import Final
from django.db import models

ITEMS_TABLE = "inventory_item"
ARCHIVE_TABLE: Final = ITEMS_TABLE + "_archive"
SORTABLE = ("name", "created_at")
NOTE = "it's archived"
ORDERS_BY_NAME = "SELECT id FROM orders WHERE name = '%s'"


class Status(enum.Enum):
    ACTIVE = "active"
    RETIRED = "retired"


class Kind(models.TextChoices):
    TOOL = "tool", "Tool"


class Tables:
    AUDIT = "inventory_audit"
