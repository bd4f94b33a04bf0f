from .constants import ARCHIVE_TABLE
