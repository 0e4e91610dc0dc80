"""Headless Chromium through the DevTools protocol, for the report's browser check.

Starts Debian's ``chromium`` with a remote-debugging port, opens a page and answers: the
console messages and failed loads, the page's height, whether every in-page link resolves, and
screenshots at given widths. Only the test suite and ``scripts/screenshot_report.py`` use it.
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path


def chromium_path() -> str | None:
    """The chromium executable, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One headless Chromium process and one page (a context manager)."""

    def __init__(self, executable: str | None = None):
        self.executable = executable or chromium_path()
        if self.executable is None:
            raise RuntimeError("chromium is not installed (apt-get install chromium)")
        self.port = _free_port()
        self.profile = tempfile.mkdtemp(prefix="bp-chromium-")
        self.messages: list[dict] = []
        self._id = 0

    def __enter__(self) -> Browser:
        import websocket

        self.process = subprocess.Popen(
            [self.executable, "--headless", "--no-sandbox", "--disable-gpu",
             "--hide-scrollbars", f"--remote-debugging-port={self.port}",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json") as r:
                    pages = [p for p in json.load(r) if p.get("type") == "page"]
                if pages:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("chromium did not start")
            time.sleep(0.2)
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=60,
                                              suppress_origin=True)  # fmt: skip
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            self.process.wait(timeout=10)
            shutil.rmtree(self.profile, ignore_errors=True)

    def call(self, method: str, **params) -> dict:
        """Send one command and wait for its answer (events meanwhile are kept)."""
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.messages.append(message)

    def open(self, path: Path, width: int = 1280, height: int = 900) -> None:
        """Load a local file at a window size and wait for its load event."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)  # fmt: skip
        self.messages.clear()
        self.call("Page.navigate", url=Path(path).resolve().as_uri())
        deadline = time.monotonic() + 60
        while not any(m.get("method") == "Page.loadEventFired" for m in self.messages):
            if time.monotonic() > deadline:
                raise RuntimeError("the page did not finish loading")
            self.messages.append(json.loads(self.ws.recv()))

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and log entries of level error."""
        out = []
        for m in self.messages:
            method, params = m.get("method"), m.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error",
                                                                                "warning"):  # fmt: skip
                out.append(" ".join(str(a.get("value")) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                out.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error",
                                                                               "warning"):  # fmt: skip
                out.append(params["entry"].get("text", ""))
        return out

    def page_height(self) -> int:
        return int(self.evaluate("document.documentElement.scrollHeight"))

    def broken_links(self) -> list[str]:
        """In-page links (#anchor) whose target does not exist, and ids used twice."""
        return self.evaluate("""(() => {
            const bad = [];
            for (const a of document.querySelectorAll('a[href^="#"]')) {
                const id = decodeURIComponent(a.getAttribute('href').slice(1));
                if (!document.getElementById(id)) bad.push('missing #' + id);
            }
            const seen = {};
            for (const el of document.querySelectorAll('[id]')) {
                if (seen[el.id]) bad.push('duplicate id ' + el.id);
                seen[el.id] = true;
            }
            return bad;
        })()""")

    def overflowing_tables(self) -> list[str]:
        """Tables wider than their container (cut off or scrolling at this width)."""
        return self.evaluate("""(() => Array.from(document.querySelectorAll('table'))
            .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)
            .map(t => (t.querySelector('th') || {}).textContent || 'table'))()""")

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        """A PNG of the first screen (or of the whole page)."""
        params = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            width = self.evaluate("document.documentElement.scrollWidth")
            params["clip"] = {"x": 0, "y": 0, "width": width, "height": self.page_height(),
                              "scale": 1}  # fmt: skip
        data = self.call("Page.captureScreenshot", **params)["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)
