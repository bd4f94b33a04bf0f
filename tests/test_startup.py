"""Start-up: `reviewer --version`, `--help` and `init` import no analysis engine (libcst,
sqlglot, bandit) and no HTTP client; the commands that use them import them."""

from __future__ import annotations

import json
import subprocess
import sys

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
