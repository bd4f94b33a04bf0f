"""Start-up: `reviewer --version`, `--help` and `init` import no analysis engine (libcst,
sqlglot, bandit) and no HTTP client; the commands that use them import them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

HEAVY = ("bandit", "requests", "libcst", "sqlglot", "rich", "yaml", "reviewer.runner", "reviewer.registry")


def _imported_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_command_line_loads_no_engine() -> None:
    loaded = _imported_after("import reviewer.cli")
    assert [name for name in HEAVY if name in loaded] == []


def test_the_version_needs_no_engine() -> None:
    code = "from reviewer.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass"
    loaded = _imported_after(code)
    assert [name for name in HEAVY if name in loaded] == []


def test_a_scan_still_loads_the_engine(tmp_path) -> None:
    # Files a libcst rule needs (with the shipped rule catalogue, libcst is imported for them).
    shutil.copytree(Path(__file__).resolve().parent.parent / "sample_projects" / "django_shop", tmp_path, dirs_exist_ok=True)
    (tmp_path / "a.py").write_text("import os\nos.system('ls ' + input())\n", encoding="utf-8")
    code = f"from reviewer.cli import main\ntry:\n    main(['scan', {str(tmp_path)!r}, '--no-cache', '--quiet', '--format', 'json'])\nexcept SystemExit:\n    pass"
    loaded = _imported_after(code)
    assert {"bandit", "libcst", "reviewer.runner"} <= set(loaded)


def _rules_command(tmp_path, *args: str) -> tuple[str, list[str]]:
    """The output of `reviewer rules ARGS` run in `tmp_path` with its own cache folder, and the
    modules it imported."""
    code = (
        "import contextlib, io, os\n"
        f"os.chdir({str(tmp_path)!r})\n"
        f"os.environ['REVIEWER_CACHE_DIR'] = {str(tmp_path / 'cache')!r}\n"
        "from reviewer.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n"
        f"        main(['rules', *{list(args)!r}])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(json.dumps(out.getvalue()))"
    )
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    output, modules = done.stdout.strip().splitlines()[-2:]
    return json.loads(output), json.loads(modules)


def test_the_rule_list_needs_no_engine_once_it_is_cached(tmp_path) -> None:
    """`reviewer rules` loads the rule pack (libcst, sqlglot, bandit) once and keeps its table
    (reviewer.cli.catalogue); later runs print the same table without importing them."""
    first = {}
    for fmt in ("table", "json", "md"):
        first[fmt], loaded = _rules_command(tmp_path, "--format", fmt)
        assert "SQL001" in first[fmt]
        if fmt == "table":  # the first run: nothing cached yet
            assert {"reviewer.registry", "libcst", "bandit"} <= set(loaded)
    for fmt in ("table", "json", "md"):
        again, loaded = _rules_command(tmp_path, "--format", fmt)
        assert again == first[fmt]
        assert [name for name in HEAVY if name in loaded] == []


def test_the_cached_rule_list_is_the_list_of_the_loaded_rules(tmp_path) -> None:
    from reviewer import precision, registry as registry_module
    from reviewer.cli import rule_row, rules_markdown

    registry = registry_module.load(())
    field = precision.shipped()
    _rules_command(tmp_path)  # writes the cache
    shown, _ = _rules_command(tmp_path, "--format", "json")
    assert json.loads(shown) == [rule_row(rule, field) for rule in registry.rules]
    shown, _ = _rules_command(tmp_path, "--format", "md")
    assert shown == rules_markdown(registry, field)


def test_loading_every_rule_imports_no_libcst_matchers() -> None:
    """libcst.matchers builds hundreds of dataclasses when imported (about 0.2 s of CPU, in every
    worker process of a scan and in every `--diff` run); the rules walk trees with the engine's
    walk (reviewer.walk.descendants) instead."""
    code = "from reviewer import registry\nfor rule in registry.load(()).rules:\n    rule.loaded()"
    loaded = _imported_after(code)
    assert "libcst" in loaded and "libcst.matchers" not in loaded


def test_installed_versions_are_importlib_metadatas(tmp_path, monkeypatch) -> None:
    """reviewer.installed_version reads a `.dist-info` folder's Version itself (importing
    importlib.metadata is a tenth of a warm scan) and gives what importlib.metadata gives, for
    every distribution installed here; a layout it does not read is left to importlib.metadata,
    and `reviewer --version` imports no importlib.metadata."""
    import os
    import shutil
    from importlib import metadata

    from reviewer import installed_version

    names = {
        child.rpartition(".")[0].rpartition("-")[0]
        for entry in sys.path if os.path.isdir(entry or ".")
        for child in os.listdir(entry or ".") if child.endswith(".dist-info")
    }
    assert {"libcst", "sqlglot", "bandit"} <= names
    for name in names:
        assert installed_version(name) == metadata.version(name), name
        assert installed_version(name.upper().replace("_", "-")) == metadata.version(name), name
    assert installed_version("no-such-distribution-here") is None
    # A folder first on sys.path with two candidates, or an .egg-info: importlib.metadata decides.
    for layout in (("sqlglot-1.0.dist-info", "sqlglot-2.0.dist-info"), ("sqlglot-3.0.egg-info",)):
        for child in layout:
            (tmp_path / child).mkdir()
            (tmp_path / child / ("METADATA" if child.endswith("dist-info") else "PKG-INFO")).write_text(
                f"Metadata-Version: 2.1\nName: sqlglot\nVersion: {child.split('-')[1].rsplit('.', 1)[0]}\n"
            )
        monkeypatch.syspath_prepend(str(tmp_path))
        assert installed_version("sqlglot") == metadata.version("sqlglot")
        for child in layout:
            shutil.rmtree(tmp_path / child)
    # Run outside the checkout: its reviewer.egg-info, first on sys.path there, is such a layout.
    probe = "import sys\nfrom reviewer.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    print('importlib.metadata' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.stdout.split() == ["reviewer,", "version", metadata.version("reviewer"), "False"], done.stderr
