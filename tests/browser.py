"""Headless Chromium for the tests, driven over the DevTools protocol with a small client on `websockets`
(already a dependency): no browser download, no driver.

The browser runs with no network features of its own (no background requests, updates, sync or extensions),
so that what a page fetches is what the page asks for. When /usr/bin/chromium is missing,
`.ci/install-chromium` installs it from Debian's packages; the browser tests are skipped, saying why, only
when that is impossible.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import ROOT

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = ROOT / ".ci" / "install-chromium"
OFFLINE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
    "--window-size=1280,2000",
)
"""Chromium's flags for the tests: headless, and nothing fetched but what a page asks for."""


class Page:
    """One Chromium page driven over the DevTools protocol: what it logged, fetched and threw is recorded."""

    def __init__(self, url: str) -> None:
        from websockets.sync.client import connect

        self.ids = itertools.count(1)
        self.events: list[dict] = []
        self.socket = connect(url, max_size=None, open_timeout=30)

    def send(self, method: str, params: dict | None = None, timeout: float = 30) -> dict:
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == event for e in self.events):
            self.events.append(json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic()))))

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries (failed loads among them)."""
        found = []
        for e in self.events:
            p = e.get("params", {})
            if e.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                found.append(" ".join(str(a.get("value", a.get("description"))) for a in p.get("args", [])))
            elif e.get("method") == "Runtime.exceptionThrown":
                found.append(p["exceptionDetails"].get("exception", {}).get("description", str(p)))
            elif e.get("method") == "Log.entryAdded" and p["entry"]["level"] == "error":
                found.append(p["entry"]["text"])
        return found

    def requested(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]


def chromium_or_skip() -> Path:
    """The Chromium binary, installed by .ci/install-chromium when missing; skip when it cannot be."""
    if not CHROMIUM.exists():
        done = subprocess.run([str(INSTALL)], capture_output=True, text=True, timeout=900)
        if done.returncode != 0 or not CHROMIUM.exists():
            pytest.skip(f"Chromium is missing and could not be installed: {(done.stderr or done.stdout)[-300:]}")
    return CHROMIUM


@contextlib.contextmanager
def chromium() -> Iterator[str]:
    """A headless Chromium with no network features, in a profile of its own; yields its DevTools HTTP
    address, and stops the browser and removes the profile on exit."""
    binary = chromium_or_skip()
    profile = Path(tempfile.mkdtemp(prefix="claimrec-chromium-"))
    process = subprocess.Popen(
        [
            str(binary),
            *OFFLINE_FLAGS,
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            assert process.poll() is None, "Chromium exited at start"
            assert time.monotonic() < deadline, "Chromium did not open its DevTools port"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port_file.read_text().split()[0]}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(browser: str, address: Path | str, offline: bool = False) -> Page:
    """Open `address` (a file, or a URL) in a new tab, wait until it has loaded and its script ran, and return
    the page. `offline` emulates a machine with no network: any request beyond the file fails."""
    request = urllib.request.Request(f"{browser}/json/new?about:blank", method="PUT")
    with urllib.request.urlopen(request, timeout=30) as answer:
        target = json.loads(answer.read())
    page = Page(target["webSocketDebuggerUrl"])
    for domain in ("Runtime", "Log", "Page", "Network"):
        page.send(f"{domain}.enable")
    if offline:
        page.send(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
    url = address.resolve().as_uri() if isinstance(address, Path) else address
    page.send("Page.navigate", {"url": url})
    page.wait_for("Page.loadEventFired")
    page.evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r, 100)))")
    return page
