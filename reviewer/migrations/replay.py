"""Merging the units of every file into the `migrations` section: units in path order, and
each Django app's migrations replayed in order over the model state, so that an `AlterField`
becomes the schema operations it stands for (SET NOT NULL, a new index or constraint, a type
change) against the field it replaces."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

from reviewer.migrations.ops import DJANGO, DJANGO_DB_TYPES, DjangoField, MigrationSection, Operation, SessionSettings, Unit, evolve, from_json


def merge(facts: Mapping[str, Mapping[str, Any]]) -> MigrationSection:
    """The section from the per-file facts (path -> {"unit": ...} or {"settings": ...}, as
    `loader.to_facts` writes them)."""
    timeouts: set[str] = set()
    units: list[Unit] = []
    for path in sorted(facts):
        data = facts[path]
        if "settings" in data:
            timeouts.update(from_json(SessionSettings, data["settings"]).timeouts)
        else:
            units.append(from_json(Unit, data["unit"]))
    streams: dict[str, list[int]] = {}
    for position, unit in enumerate(units):
        streams.setdefault(unit.form + ":" + unit.stream, []).append(position)
    for key, members in streams.items():
        if key.startswith(DJANGO + ":"):
            ordered = sorted(members, key=lambda position: units[position].name)
            for position, replayed in zip(ordered, _replay_django([units[p] for p in ordered])):
                units[position] = replayed
    fingerprint = hashlib.blake2b(json.dumps(facts, sort_keys=True).encode(), digest_size=12).hexdigest()
    return MigrationSection(tuple(units), tuple(sorted(timeouts)), fingerprint)


def _replay_django(members: list[Unit]) -> list[Unit]:
    """The members of one app, in order, with state-only and derived operations resolved."""
    state: dict[str, dict[str, DjangoField]] = {}
    unmanaged: set[str] = set()
    out = []
    for unit in members:
        ops: list[Operation] = []
        derived: list[Operation] = []
        for item in unit.ops:
            table = item.table
            if item.kind == "create_table" and table and item.unmanaged:
                unmanaged.add(table)
            if table in unmanaged:
                ops.append(evolve(item, db=False))  # Django issues no SQL for unmanaged and proxy models
                continue
            ops.append(item)
            if not table:
                continue
            if item.kind == "create_table":
                state[table] = {f.name: f for f in item.fields}
            elif item.kind == "add_column" and item.field is not None:
                state.setdefault(table, {})[item.column] = item.field  # type: ignore[index]
            elif item.kind == "drop_column":
                state.get(table, {}).pop(item.column, None)  # type: ignore[arg-type]
            elif item.kind == "rename_column" and item.to:
                fields = state.get(table, {})
                if item.column in fields:
                    fields[item.to] = fields.pop(item.column)  # type: ignore[arg-type]
            elif item.kind == "rename_table" and item.to:
                state[item.to] = state.pop(table, {})
            elif item.kind == "drop_table":
                state.pop(table, None)
            elif item.kind == "alter_field" and item.field is not None:
                derived.extend(_altered(item, state.setdefault(table, {}).get(item.column), item.field))  # type: ignore[arg-type]
                state[table][item.column] = item.field  # type: ignore[index]
        ops.extend(derived)
        ops.sort(key=lambda o: (o.line, o.col))
        out.append(evolve(unit, ops=tuple(ops)))
    return out


def _altered(item: Operation, old: DjangoField | None, new: DjangoField) -> list[Operation]:
    """The schema operations an AlterField from field `old` to `new` stands for."""
    if old is None or not item.db or not new.column or not old.column:
        return []  # unknown previous state, state-only, or a many-to-many (no column)
    base = Operation("other", item.table, item.line, item.col, item.direction, item.tx, code=item.code, new=item.new, db=item.db)
    found = []
    if old.null and not new.null:
        found.append(evolve(base, kind="set_not_null", column=item.column))
    if not old.null and new.null:
        found.append(evolve(base, kind="drop_not_null", column=item.column))
    if new.index and not old.index and not new.unique:
        found.append(evolve(base, kind="create_index"))
    if new.unique and not old.unique:
        found.append(evolve(base, kind="add_constraint", ctype="unique"))
    if new.fk and not old.fk:
        found.append(evolve(base, kind="add_constraint", ctype="fk"))
    old_db, new_db = DJANGO_DB_TYPES.get(old.field_class), DJANGO_DB_TYPES.get(new.field_class)
    changed_class = old_db is not None and new_db is not None and old_db != new_db and not (old_db == "varchar" and new_db == "text")
    shrunk = old.field_class == new.field_class and old.max_length and new.max_length and new.max_length < old.max_length
    if changed_class or shrunk:
        found.append(evolve(base, kind="alter_type", column=item.column,
                            type=f"{old.field_class}->{new.field_class}" if changed_class else
                            f"max_length {old.max_length}->{new.max_length}"))
    return found
