"""`claimrec serve` for real: with no PREFECT_API_URL it starts its own Prefect server, serves the flow on a
cron schedule, runs it when asked, and stops the server when it is stopped. The UI address it prints works:
opened in headless Chromium, the page lists the deployment (the UI talks to this server's API, not to the
default port's).

Kept apart from tests/flows (whose session-wide test server is not used here): this test talks only to the
server that `claimrec serve` starts, in a PREFECT_HOME of its own.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import httpx
import pytest
from browser import chromium, open_page
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL, temporary_settings

from claimrec import settings

UI_WAIT_SECONDS = 60.0
"""How long the UI's page may take to show the deployment (the JS app loads, then asks the API)."""


class Output:
    """The lines a process prints, read in a thread so that the test can wait for one with a deadline."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            if found := re.search(pattern, line):
                return found
        pytest.fail(f"no line matching {pattern!r} within {timeout} s; output so far:\n" + "\n".join(self.lines))

    def rest(self) -> str:
        while (line := self._queue.get(timeout=30)) is not None:
            self.lines.append(line)
        return "\n".join(self.lines)


def shown_text(ui_page: str, expected: tuple[str, ...], timeout: float = UI_WAIT_SECONDS) -> str:
    """The text the page at `ui_page` shows once it contains every one of `expected` (the UI fills its parts
    in as their requests answer: read every 0.5 s, for at most `timeout` seconds); fails with the last text
    shown otherwise."""
    with chromium() as browser:
        page = open_page(browser, ui_page)
        try:
            deadline = time.monotonic() + timeout
            while True:
                text = page.evaluate("document.body.innerText")
                if all(e in text for e in expected):
                    return text
                if time.monotonic() > deadline:
                    pytest.fail(f"{ui_page} did not show {expected} within {timeout} s; it shows:\n{text}")
                time.sleep(0.5)
        finally:
            page.socket.close()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_serve_schedules_runs_and_stops_its_server(mini: Path) -> None:
    work = mini.parent
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(settings.DEFAULTS)
    env.update(PREFECT_HOME=str(work / "prefect-home"), PREFECT_RUNNER_POLL_FREQUENCY="1", NO_COLOR="1")
    serve = subprocess.Popen(
        [sys.executable, "-m", "claimrec", "serve", "--cron", "0 6 * * *", "--name", "nightly"],
        cwd=work,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(serve)
    try:
        server_pid = int(output.wait_for(r"^Prefect server started \(pid (\d+)\)$", 120).group(1))
        ui = output.wait_for(r"^Prefect UI:  (http://127\.0\.0\.1:\d+)$", 5).group(1)
        api = output.wait_for(r"^Prefect API: (http://127\.0\.0\.1:\d+/api)$", 5).group(1)
        assert api == f"{ui}/api"
        output.wait_for(r"^serving claimrec-pipeline/nightly on cron '0 6 \* \* \*' \(UTC\) with$", 30)

        with temporary_settings({PREFECT_API_URL: api}):
            deadline = time.monotonic() + 30
            with get_client(sync_client=True) as client:
                while True:  # serve registers the deployment just after printing its parameters
                    try:
                        deployment = client.read_deployment_by_name("claimrec-pipeline/nightly")
                        break
                    except ObjectNotFound:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.5)
            assert not deployment.paused
            assert [(s.schedule.cron, s.schedule.timezone, s.active) for s in deployment.schedules] == [
                ("0 6 * * *", "UTC", True)
            ]
            assert deployment.parameters == {
                "claims_dir": str(mini),
                "db_path": str(work / "claimrec.duckdb"),
                "reports_dir": str(work / "reports"),
                "fail_on_contradictions": None,
            }
            # the printed UI address works: its deployments page lists this deployment
            text = shown_text(f"{ui}/deployments", ("nightly", "claimrec-pipeline"))
            # the UI's words when it cannot reach its API (Prefect 3.9 says the second, naming the address it tried)
            assert "Unable to connect" not in text and "Can't connect" not in text
            flow_run = run_deployment("claimrec-pipeline/nightly", timeout=120, poll_interval=1)
        assert flow_run.state.is_completed(), flow_run.state

        with duckdb.connect(str(work / "claimrec.duckdb"), read_only=True) as con:
            assert con.execute("SELECT flow_run_id, status, n_claims FROM runs").fetchall() == [
                (str(flow_run.id), "succeeded", 7)
            ]
        assert (work / "reports" / "discrepancies.md").exists()
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(60)
        except subprocess.TimeoutExpired:
            serve.kill()
            raise
    text = output.rest()
    assert serve.returncode == 0, text
    assert text.splitlines()[-2:] == [f"Prefect server stopped (pid {server_pid})", "stopped serving"]
    assert _gone(server_pid)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{api}/health", timeout=2)
