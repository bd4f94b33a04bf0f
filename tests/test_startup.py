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
