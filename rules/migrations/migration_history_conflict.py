from __future__ import annotations

from collections import defaultdict

from reviewer import migrations as mig
from reviewer.model import Category, Confidence, Location, Severity
from reviewer.rule import Example, ProjectRule

ENV = (("alembic/env.py", ""),)
_DJANGO = "from django.conf import settings\nfrom django.db import migrations\n\nclass Migration(migrations.Migration):\n"
SHOP = (
    ("shop/migrations/__init__.py", ""),
    ("shop/migrations/0001_initial.py", _DJANGO + "    dependencies = []\n    operations = []\n"),
    ("shop/migrations/0002_price.py", _DJANGO + '    dependencies = [("shop", "0001_initial")]\n    operations = []\n'),
)


class MigrationHistoryConflict(ProjectRule):
    """The migration history cannot be applied deterministically: two Alembic heads (or
    duplicate revision ids, or a `down_revision` that does not exist), two leaf migrations in
    one Django app without a merge migration, duplicate Flyway / golang-migrate / dbmate /
    goose / Supabase versions, a Flyway undo or golang-migrate down file without its up file,
    or two identifiers that PostgreSQL's 63-byte truncation turns into one name (a single long
    name is only truncated, and MySQL and SQLite do not truncate: neither is reported). `alembic upgrade head` and `manage.py migrate` refuse to run, or run in an
    order nobody chose. Intentional Alembic branches (`branch_labels`) and squashed Django
    migrations (`replaces`) are understood, and so are Django `dependencies` written as a
    concatenation (`[...] + settings.EXTRA`): its literal parts are read, and when a part
    cannot be read (it may name any migration) an app's leaves are not counted. As Django does,
    every module of an app's `migrations` package is a migration, numbered past 9999 or not
    numbered at all. A squashed
    Alembic base (a revision with no `down_revision`) that reuses the id of the last revision it
    replaces, kept in another folder (`versions/legacy/`, a version location a separate config
    loads to bring old databases up to the squash), is the squash, not a duplicate.

    Always listed, also on released and squashed migrations: a conflict is a property of the
    whole graph that the next deploy applies, not of one migration that has already run.
    """

    code = "MIG011"
    # Opt-in until the field has judged 5 of its findings (reviewer.precision.MIN_EVIDENCE); first findings on held-out cohorts: 0 true of 7 (c6, c7).
    opt_in = True
    name = "migration-history-conflict"
    summary = "The migration history cannot be applied deterministically (two heads, duplicate versions)."
    category = Category.MIGRATIONS
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    message = "{what}"
    fix = "Merge the branches (`alembic merge heads`, `manage.py makemigrations --merge`) or renumber the file; shorten long names"
    seed = 'S1:83 "Use database migrations for schema changes"; S4:423 "Version-controlled schema changes"'
    references = ("https://alembic.sqlalchemy.org/en/latest/branches.html", "https://squawkhq.com/docs/identifier-too-long")
    index_sections = (mig.SECTION,)
    invalid = (
        Example('revision = "b7"\ndown_revision = "a0"\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n',
                path="alembic/versions/b7_add_tier.py", lines=(1,),
                files=ENV + (("alembic/versions/a0_base.py", 'revision = "a0"\ndown_revision = None\n'),
                             ("alembic/versions/a1_add_plan.py", 'revision = "a1"\ndown_revision = "a0"\n'))),
        Example('revision = "e3"\ndown_revision = "e1"\n', path="alembic/versions/expand/e3_add_column.py", lines=(1,),
                files=ENV + (("alembic/versions/a0_base.py", 'revision = "a0"\ndown_revision = None\n'),
                             ("alembic/versions/expand/e1_initial.py",
                              'revision = "e1"\ndown_revision = "a0"\nbranch_labels = ("expand",)\n'),
                             ("alembic/versions/expand/e2_add_index.py", 'revision = "e2"\ndown_revision = "e1"\n')),
                note="two heads on one named branch"),
        Example(_DJANGO + '    dependencies = [("shop", "0001_initial")] + [("billing", "0001_initial")]\n    operations = []\n',
                path="shop/migrations/0003_tier.py", lines=(4,), files=SHOP,
                note="two leaves (0002, 0003): a concatenation of literal lists is read whole"),
        Example("CREATE TABLE b (id bigint);\n", path="db/migrations/V2__b.sql", lines=(1,),
                files=(("db/migrations/V2__a.sql", "CREATE TABLE a (id bigint);\n"),), note="duplicate Flyway version"),
    )
    valid = (
        Example(
            "from django.conf import settings\nfrom django.db import migrations\n\n"
            "def get_dependencies():\n"
            '    dependencies = [("shop", "0002_price")]\n'
            '    if "billing" in settings.INSTALLED_APPS:\n'
            '        dependencies.append(("billing", "0001_initial"))\n'
            "    return dependencies\n\n"
            "class Migration(migrations.Migration):\n"
            "    dependencies = get_dependencies()\n"
            "    operations = []\n",
            path="shop/migrations/0003_settings.py",
            files=(
                ("shop/migrations/__init__.py", ""),
                ("shop/migrations/0001_initial.py", "from django.db import migrations\n\nclass Migration(migrations.Migration):\n"
                 "    dependencies = []\n    operations = []\n"),
                ("shop/migrations/0002_price.py", "from django.db import migrations\n\nclass Migration(migrations.Migration):\n"
                 '    dependencies = [("shop", "0001_initial")]\n    operations = []\n'),
            ),
            note="near-miss: dependencies a module function builds (weblate's optional billing app) still link 0002 to 0003",
        ),
        Example('revision = "e2"\ndown_revision = "e1"\n', path="alembic/versions/expand/e2_add_index.py",
                files=ENV + (("alembic/versions/a0_base.py", 'revision = "a0"\ndown_revision = None\n'),
                             ("alembic/versions/expand/e1_initial.py",
                              'revision = "e1"\ndown_revision = "a0"\nbranch_labels = ("expand",)\n'),
                             ("alembic/versions/contract/c1_initial.py",
                              'revision = "c1"\ndown_revision = "a0"\nbranch_labels = ("contract",)\n'),
                             ("alembic/versions/contract/c2_drop_column.py", 'revision = "c2"\ndown_revision = "c1"\n')),
                note="near-miss: one head per named branch (keystone's expand / contract), labelled where each forks"),
        Example(_DJANGO + '    dependencies = [("shop", "0002_price")] + settings.SHOP_EXTRA_DEPENDENCIES\n'
                "    operations = []\n",
                path="shop/migrations/0003_tier.py", files=SHOP,
                note="near-miss: the literal part of a concatenation (django-helpdesk) links 0002 to 0003; the part "
                     "read from settings is unknown, never 'no dependency'"),
        Example(_DJANGO + '    dependencies = [("shop", "fill_prices")]\n    operations = []\n',
                path="shop/migrations/0003_tier.py",
                files=SHOP + (("shop/migrations/fill_prices.py", _DJANGO + '    dependencies = [("shop", "0002_price")]\n'
                                                                          "    operations = []\n"),
                              ("shop/migrations/10012_plan.py", _DJANGO + '    dependencies = [("shop", "0003_tier")]\n'
                                                                        "    operations = []\n")),
                note="near-miss: Django loads every module of the package, numbered past 9999 or not numbered at all "
                     "(arches): 0002 -> fill_prices -> 0003 -> 10012 is one line, with one leaf"),
        Example('revision = "b7"\ndown_revision = "a1"\n', path="alembic/versions/b7_add_tier.py",
                files=ENV + (("alembic/versions/a0_base.py", 'revision = "a0"\ndown_revision = None\n'),
                             ("alembic/versions/a1_test.py", 'revision = "a1"\ndown_revision = "a0"\n')),
                note="near-miss: a revision whose slug makes its file name end in `_test.py` (ethyca-fides) is a "
                     "revision, not a test file"),
        Example('revision = "a9"\ndown_revision = "a0"\n', path="alembic/versions/legacy/a9_add_plan.py",
                files=ENV + (("alembic/versions/legacy/a0_base.py", 'revision = "a0"\ndown_revision = None\n'),
                             ("alembic/versions/0001_squash.py", 'revision = "a9"\ndown_revision = None\n'),
                             ("alembic/versions/b1_add_tier.py", 'revision = "b1"\ndown_revision = "a9"\n')),
                note="near-miss: a squashed base reusing the id of the last legacy revision, the legacy ones kept in a "
                     "folder of their own for old databases (zou)"),
        Example('revision = "c3"\ndown_revision = ("a1", "b7")\n', path="alembic/versions/c3_merge.py",
                files=ENV + (("alembic/versions/a0_base.py", 'revision = "a0"\ndown_revision = None\n'),
                             ("alembic/versions/a1_add_plan.py", 'revision = "a1"\ndown_revision = "a0"\n'),
                             ("alembic/versions/b7_add_tier.py", 'revision = "b7"\ndown_revision = "a0"\n'))),
    )

    def check(self, index) -> None:
        all_units = mig.units(index)
        streams = defaultdict(list)
        for unit in all_units:
            streams[(unit.form, unit.tool, unit.stream)].append(unit)
        for (form, tool, _), members in sorted(streams.items()):
            if form == mig.ALEMBIC:
                self._alembic(members)
            elif form == mig.DJANGO:
                self._django(members)
            elif tool not in ("loose", "generic", "runner"):  # a project's own runner: its own versioning
                self._sql(tool, members)
        self._truncation_collisions(all_units)

    def _truncation_collisions(self, all_units) -> None:
        """Long identifiers that PostgreSQL's truncation makes equal. A single long name is only
        truncated (with a NOTICE; later commands truncate it the same way), and on MySQL or
        SQLite nothing happens at all: only a collision breaks a migration."""
        by_prefix: dict[bytes, dict[str, tuple]] = defaultdict(dict)
        for unit in all_units:
            for item in unit.ops:
                for name in item.names:
                    by_prefix[name.encode()[: mig.MAX_IDENTIFIER]].setdefault(name, (item, unit.path))
        for prefix, names in sorted(by_prefix.items()):
            if len(names) < 2:
                continue
            first, *others = sorted(names)
            for name in others:
                item, path = names[name]
                self.report(mig.where(item), f"Identifiers `{name}` and `{first}` are the same in their first "
                            f"{mig.MAX_IDENTIFIER} bytes: PostgreSQL truncates both to one name",
                            severity=Severity.MEDIUM, path=path)  # fmt: skip

    def _at(self, unit) -> Location:
        line = unit.revision_line or unit.line or 1
        return Location(line, 1, line, 1)

    def _alembic(self, members) -> None:
        by_revision = defaultdict(list)
        for unit in members:
            if unit.revision:
                by_revision[unit.revision].append(unit)
        for revision, units in by_revision.items():
            if _squash(units):
                continue
            for unit in units[1:]:
                self.report(self._at(unit), f"Revision id `{revision}` is also declared by `{units[0].name}`", path=unit.path)
        parents = {parent for unit in members for parent in unit.down_revision}
        for unit in members:
            for parent in unit.down_revision:
                if parent not in by_revision:
                    self.report(self._at(unit), f"`down_revision` `{parent}` does not exist", path=unit.path)
        heads = [u for u in members if u.revision and u.revision not in parents]
        by_branch = defaultdict(list)
        for unit in heads:
            by_branch[_branch(unit, by_revision)].append(unit)
        for branch, tips in sorted(by_branch.items()):
            if len(tips) < 2:
                continue
            names = ", ".join(sorted(u.revision for u in tips))
            where = f"Alembic branch `{', '.join(branch)}`" if branch else "Alembic history"
            for unit in tips:
                self.report(self._at(unit), f"{where} has {len(tips)} heads ({names})", path=unit.path)

    def _django(self, members) -> None:
        names = {u.name for u in members}
        named = {dep[1] for u in members for dep in u.dependencies}
        depended = named & names
        replaced = {dep[1] for u in members for dep in u.replaces}
        leaves = []
        for unit in members:
            if unit.name in depended or unit.name in replaced and any(u.replaces for u in members):
                continue
            # Once the replaced files of a squash are deleted, later migrations still name the
            # last replaced one (weblate: 0015 depends on 0014), which Django maps to the squash.
            if unit.replaces and any(dep[1] in named for dep in unit.replaces):
                continue
            leaves.append(unit)
        if len(leaves) > 1 and not any(mig.UNKNOWN_DEPENDENCY in u.dependencies for u in members):
            # a part of some migration's dependencies that cannot be read (`[...] +
            # settings.EXTRA`) may name one of these leaves: the count is not known
            listed = ", ".join(sorted(u.name for u in leaves))
            for unit in leaves:
                self.report(self._at(unit), f"Django app has {len(leaves)} leaf migrations ({listed}) and no merge migration",
                            path=unit.path)

    def _sql(self, tool, members) -> None:
        seen = defaultdict(list)
        for unit in members:
            if tool == "flyway":
                if unit.flyway == "R" or not unit.version:
                    continue
                seen[(unit.flyway, unit.version, unit.dialect)].append(unit)
            elif tool == "golang-migrate":
                seen[(unit.direction, unit.version, unit.dialect)].append(unit)
            elif unit.version:
                seen[("", unit.version, unit.dialect)].append(unit)  # `1_x.sql.postgres` beside `1_x.sql.sqlite`
        for key, units in seen.items():
            for unit in sorted(units, key=lambda u: u.name)[1:]:
                self.report(Location(1, 1, 1, 1), f"Version `{key[1]}` is also used by `{sorted(units, key=lambda u: u.name)[0].name}`",
                            path=unit.path)
        if tool == "flyway":
            versions = {u.version for u in members if u.flyway == "V"}
            for unit in members:
                if unit.flyway == "U" and unit.version not in versions:
                    self.report(Location(1, 1, 1, 1), f"Undo migration `{unit.name}` has no `V{unit.version}` migration",
                                path=unit.path)
        if tool == "golang-migrate":
            ups = {u.pair for u in members if u.direction == mig.UP}
            for unit in members:
                if unit.direction == mig.DOWN and unit.pair not in ups:
                    self.report(Location(1, 1, 1, 1), f"Down migration `{unit.name}` has no matching `.up.sql` file",
                                path=unit.path)


def _squash(units) -> bool:
    """Two declarations of one revision id that are a squash and the revision it stands in for:
    one is a base (no `down_revision`), the other has a parent, and they are in different
    folders (the replaced history kept apart, loaded only to bring old databases up to it)."""
    if len(units) != 2:
        return False
    base, other = sorted(units, key=lambda u: bool(u.down_revision))
    return not base.down_revision and bool(other.down_revision) and base.path.rsplit("/", 1)[0] != other.path.rsplit("/", 1)[0]


def _branch(unit, by_revision) -> tuple[str, ...]:
    """The labels of the named branch a revision is on: its own `branch_labels`, else those of
    the nearest revision below it that has some (Alembic labels a branch where it forks, and
    the label names every revision above it: keystone's `expand` and `contract` branches each
    end in a head of their own, by design); () for no named branch, or below a merge."""
    seen: set[str] = set()
    while unit is not None and unit.revision not in seen:
        labels = tuple(sorted(label for label in unit.branch_labels if label))
        if labels:
            return labels
        seen.add(unit.revision)
        below = [by_revision[parent][0] for parent in unit.down_revision if parent in by_revision]
        unit = below[0] if len(below) == 1 else None
    return ()
