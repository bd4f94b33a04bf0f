"""bench/header_triggers.py: a provider that skips files naming its triggers only in their
leading comments (`triggers_in_code`) must lose no facts by it."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HEADER = "# Licensed under the Apache License, Version 2.0. See the License for the specific\n# language governing permissions and limitations under the License.\n\n"


def _tool():
    spec = importlib.util.spec_from_file_location("bench_header_triggers", REPO / "bench" / "header_triggers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_licence_header_skips_files_without_losing_facts(tmp_path: Path, capsys) -> None:
    (tmp_path / "models.py").write_text(HEADER + "def total(values):\n    return sum(values)\n", encoding="utf-8")
    (tmp_path / "limits.py").write_text(HEADER + "from slowapi import Limiter\n\nlimiter = Limiter(key_func=str)\n", encoding="utf-8")
    assert _tool().main([str(tmp_path), "--json"]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert (result["python_files"], result["skipped"]["ratelimit"], result["with_facts"]) == (2, 1, 0)


def test_a_provider_whose_facts_need_no_trigger_in_code_is_caught(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """The routes' facts list a module's classes once it names a framework anywhere: skipping
    leading comments would lose them, and the tool says so."""
    from reviewer.web.routes import RoutesProvider

    (tmp_path / "views.py").write_text("# Views of the django app.\n\nclass Home:\n    pass\n", encoding="utf-8")
    assert _tool().main([str(tmp_path), "--json"]) == 0  # the routes' provider reads it
    capsys.readouterr()
    assert _tool().main([str(tmp_path), "--json", "--every-provider"]) == 1
    assert json.loads(capsys.readouterr().out)[0]["examples"] == [["routes", "views.py"]]
    monkeypatch.setattr(RoutesProvider, "triggers_in_code", True)
    assert _tool().main([str(tmp_path), "--json"]) == 1
    [result] = json.loads(capsys.readouterr().out)
    assert result["examples"] == [["routes", "views.py"]]
