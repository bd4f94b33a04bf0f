"""Headless Chromium for tests, driven over the DevTools protocol on a pipe.

`--remote-debugging-pipe` makes Chromium read protocol messages from its file descriptor 3 and
write them to 4, each a JSON text ended by a NUL byte: no port is opened, nothing listens on the
network, and no websocket client (no extra package) is needed. The browser runs in its own
process group with a throwaway profile and is shut down through the protocol, its group killed
if it does not exit, so a test leaves no process behind.

`find()` names the browser (Debian's `chromium` package), or None; tests skip on None."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# A bound on waiting for the browser: a hang fails the test with this message instead of
# blocking the suite. Not a timing assertion: nothing is measured.
PATIENCE = 90.0
FLAGS = (
    "--headless",
    "--no-sandbox",  # the sandbox needs user namespaces, which containers and root often lack
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--mute-audio",
    "--remote-debugging-pipe",
)

# Puts the pipe's ends on descriptors 3 and 4, then becomes the browser (a shell cannot name a
# descriptor above 9, and pytest's own descriptors push the pipe's above it).
ON_FDS_3_AND_4 = (
    "import fcntl, os, sys; "
    "ends = [fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3]]; "
    "os.dup2(ends[0], 3); os.dup2(ends[1], 4); "
    "os.execv(sys.argv[3], sys.argv[3:])"
)


def find() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class BrowserError(Exception):
    pass


class Chromium:
    """One browser process; `open(url)` gives a Page. Use as a context manager."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_browser, self._write = os.pipe()
        self._read, from_browser = os.pipe()
        self._log = open(profile.parent / f"{profile.name}.log", "wb")
        self.log_path = Path(self._log.name)

        self.process = subprocess.Popen(
            [sys.executable, "-c", ON_FDS_3_AND_4, str(to_browser), str(from_browser), executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            pass_fds=(to_browser, from_browser),
            start_new_session=True,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode("utf-8") + b"\0")
        reply = self._wait(lambda received: received.get("id") == self._next_id, f"the reply to {method}")
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_for_event(self, method: str, session: str) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        return self._wait(lambda received: received.get("method") == method and received.get("sessionId") == session, method)

    def _wait(self, wanted, what: str) -> dict[str, Any]:
        deadline = time.monotonic() + PATIENCE
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                received = json.loads(raw)
                if "method" in received:
                    self.events.append(received)
                if wanted(received):
                    return received
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._read], [], [], max(0.0, left))
            if not ready:
                raise BrowserError(f"Chromium sent no {what} within {PATIENCE:.0f} s; its log: {self.log_path}")
            chunk = os.read(self._read, 1 << 16)
            if not chunk:
                raise BrowserError(f"Chromium closed the pipe while we waited for {what}; its log: {self.log_path}")
            self._buffer += chunk

    def open(self, url: str, width: int = 1280, height: int = 900) -> "Page":
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(f"{domain}.enable", session)
        self.call("Emulation.setDeviceMetricsOverride", session, width=width, height=height, deviceScaleFactor=1, mobile=False)
        self.call("Page.navigate", session, url=url)
        self.wait_for_event("Page.loadEventFired", session)
        return Page(self, session)

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                try:
                    self.call("Browser.close")
                except (BrowserError, OSError):
                    pass
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            else:
                # Helpers (zygote, renderers) of a browser that exited are in its group too.
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            os.close(self._write)
            os.close(self._read)
            self._log.close()


class Page:
    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page; an exception fails the call."""
        result = self.browser.call(
            "Runtime.evaluate", self.session, expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, and log entries of level error or
        warning (a blocked load, a Content-Security-Policy violation) the page has produced."""
        found = []
        for event in self.browser.events:
            if event.get("sessionId") != self.session:
                continue
            params = event.get("params", {})
            method = event.get("method")
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                found.append(f"console.{params['type']}: {[arg.get('value', arg.get('description')) for arg in params.get('args', [])]}")
            elif method == "Runtime.exceptionThrown":
                found.append(f"exception: {params.get('exceptionDetails')}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                found.append(f"log: {params['entry'].get('text')} ({params['entry'].get('url', '')})")
        return found

    def requests(self) -> list[str]:
        """The URLs the page asked for."""
        return [
            event["params"]["request"]["url"]
            for event in self.browser.events
            if event.get("sessionId") == self.session and event.get("method") == "Network.requestWillBeSent"
        ]

    def screenshot(self, path: Path, height: int | None = None, width: int = 1280) -> None:
        """A PNG of the page from its top: `height` pixels of it, or all of it up to 4,000."""
        import base64

        full = int(self.evaluate("Math.ceil(document.documentElement.scrollHeight)"))
        clip = {"x": 0, "y": 0, "width": width, "height": min(height or full, full, 4000), "scale": 1}
        shot = self.browser.call("Page.captureScreenshot", self.session, format="png", captureBeyondViewport=True, clip=clip)
        path.write_bytes(base64.b64decode(shot["data"]))


def main(argv: list[str]) -> int:
    """`python -m tests.chromium REPORT.html OUT.png`: the screenshot in docs/html-report.md, the
    report's top 1,500 pixels with its first (most severe) finding opened."""
    import tempfile

    executable = find()
    if executable is None or len(argv) != 2:
        print("usage: python -m tests.chromium REPORT.html OUT.png (needs chromium on PATH)", file=sys.stderr)
        return 2
    report, out = Path(argv[0]).resolve(), Path(argv[1])
    with tempfile.TemporaryDirectory() as scratch, Chromium(executable, Path(scratch) / "profile") as browser:
        page = browser.open(report.as_uri())
        page.evaluate("document.querySelector('#findings-table tbody tr.finding')?.click()")
        page.screenshot(out, height=1500)
        problems = page.problems()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
