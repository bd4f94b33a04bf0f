"""The rule table that `reviewer rules` prints, cached between runs.

Loading the rule pack imports every rule module, hence libcst, sqlglot and bandit (whose test
list comes from its plugin entry points): about 0.5 s of CPU, for a table that needs none of
them. The table's rows are kept in the user cache folder, keyed by what they are made of:
reviewer's version and source files, the rule packs' files (path, size and modification time,
as `make` judges them) and bandit's version. A change to any of them makes a new key, and the
next run loads the rules and writes the table again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from reviewer.cache import keep, read_kept, sources_key
from reviewer.config import builtin_pack

PACKAGE = Path(__file__).resolve().parent.parent
LAYOUT = "rules-v1"
# The folder of the user cache the table is kept in.
FOLDER = "catalogue"


def key(packs: tuple[str, ...]) -> str:
    """What the rule table of these packs (after the built-in one) is made of
    (reviewer.cache.sources_key)."""
    return sources_key(LAYOUT, (PACKAGE, builtin_pack(), *map(Path, packs)))


def cached_rows(packs: tuple[str, ...], env: Mapping[str, str] = os.environ) -> list[dict[str, Any]] | None:
    """The rows of the rule table, when a run with the same rules wrote them; else None."""
    rows = read_kept(FOLDER, key(packs), env)
    return rows if isinstance(rows, list) and all(isinstance(row, dict) for row in rows) else None


def store(packs: tuple[str, ...], rows: list[dict[str, Any]], env: Mapping[str, str] = os.environ) -> None:
    """Keep the rows for the next run; a cache that cannot be written is skipped."""
    keep(FOLDER, key(packs), rows, env)
