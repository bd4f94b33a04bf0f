"""The shutdown facts OPS009 reads: SIGTERM handlers that exit before they do anything."""

from __future__ import annotations

import ast

from reviewer.ops.shutdown import collect_shutdown


def _abrupt(code: str) -> list[list]:
    facts = collect_shutdown("app/worker.py", ast.parse(code)) or {}
    return facts.get("abrupt", [])


def test_handlers_that_exit_at_once() -> None:
    code = (
        "import asyncio, signal, sys\nfrom signal import SIGTERM\n"
        "def bye(*_):\n    print('bye')\n    raise SystemExit(0)\n"
        "def drain(*_):\n    queue.join()\n    sys.exit(0)\n"
        "signal.signal(SIGTERM, bye)\n"
        "asyncio.get_event_loop().add_signal_handler(signal.SIGTERM, bye)\n"
        "signal.signal(signal.SIGTERM, drain)\n"
        "signal.signal(signal.SIGTERM, signal.SIG_DFL)\n"
    )
    assert _abrupt(code) == [[9, "bye()", "SystemExit", "SIGTERM handler"], [10, "bye()", "SystemExit", "SIGTERM handler"]]


def test_an_exit_of_our_own_is_not_sys_exit() -> None:
    code = "import signal\nfrom app.lifecycle import exit\nsignal.signal(signal.SIGTERM, lambda *_: exit())\n"
    assert _abrupt(code) == []
