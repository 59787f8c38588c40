"""`claimrec serve`: the claimrec-pipeline flow served as a Prefect deployment that runs on a cron schedule.

Prefect schedules runs only on a real server: the temporary server a flow starts for itself refuses to
("Cannot schedule flows on an ephemeral server"). So when no PREFECT_API_URL is configured, `serve` starts
`prefect server start` on a free port of 127.0.0.1 (its database under PREFECT_HOME, its UI pointed at that
port's API), waits until the server's health check answers, and stops the server again when serving ends:
on Ctrl-C, on SIGTERM, or on an error. With PREFECT_API_URL configured (environment or Prefect profile), it
serves on that server.

The deployment's schedule stays active when serving stops (`pause_on_shutdown=False`): runs that come due
meanwhile wait on the server until a `serve` process is back.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from claimrec import settings
from claimrec.errors import ServeError

SERVER_START_SECONDS = 180.0
"""How long to wait for a local Prefect server to answer its health check (generous: a first start creates
and migrates the server's database before it answers)."""
SERVER_STOP_SECONDS = 30.0
DESCRIPTION = "Reconcile the claims folder and publish the database and the reports (served by `claimrec serve`)."


def cron_schedule(cron: str, timezone: str = "UTC") -> Any:
    """A Prefect cron schedule; ValueError with a readable message for a bad expression or time zone."""
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.schedules import Cron

    try:
        CronSchedule(cron=cron, timezone=timezone)
    except ValueError as exc:
        errors = getattr(exc, "errors", None)
        message = errors()[0]["msg"].removeprefix("Value error, ") if errors else str(exc)
        raise ValueError(message) from None
    return Cron(cron, timezone=timezone)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalServer:
    """A `prefect server start` subprocess on a free port of 127.0.0.1, in a process group of its own, its UI
    pointed at its own API (`PREFECT_SERVER_UI_API_URL`; left at its default, the UI would look for the API on
    port 4200 and show "Unable to connect to Prefect server")."""

    def __init__(self, home: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_url = f"{self.url}/api"
        home.mkdir(parents=True, exist_ok=True)
        self.log_path = home / "claimrec-serve-server.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = SERVER_START_SECONDS) -> None:
        """Start the server and wait until /api/health answers; ServeError (server stopped) if it does not."""
        import httpx

        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        settings.apply_defaults(env)
        # the UI asks the API at this address, which defaults to port 4200 whatever `--port` says
        env["PREFECT_SERVER_UI_API_URL"] = self.api_url
        command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(self.port)]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while True:
            code = self.process.poll()
            if code is not None:
                raise ServeError(f"the Prefect server stopped while starting (exit code {code}):\n{self._log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200:
                    return
            if time.monotonic() > deadline:
                self.stop()
                raise ServeError(
                    f"the Prefect server on {self.url} did not answer its health check within"
                    f" {timeout:.0f} s:\n{self._log_tail()}"
                )
            time.sleep(0.25)

    def stop(self, timeout: float = SERVER_STOP_SECONDS) -> None:
        """Stop the server (SIGTERM to its process group, SIGKILL if it does not stop in time); idempotent."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        except OSError:
            return f"(no log at {self.log_path})"
        return "\n".join(text) + f"\n(the whole log: {self.log_path})"


class _Stop(Exception):
    """SIGTERM arrived before Prefect's runner took over the signal."""


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into an exception so that `finally` blocks run (Prefect's runner installs its own handler,
    which shuts the runner down gracefully, once it starts)."""

    def stop(signum: int, frame: object) -> None:
        raise _Stop

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def prefect_server(say: Callable[[str], None]) -> Iterator[tuple[str, bool]]:
    """The API URL of the Prefect server to serve on, and whether it was started here: the configured one, or
    a local one started here and stopped on exit."""
    from prefect.settings import get_current_settings

    configured = get_current_settings().api.url
    if configured:
        _check_reachable(configured)
        say(f"Prefect API: {configured} (PREFECT_API_URL)")
        ui = get_current_settings().ui_url
        if ui:
            say(f"Prefect UI:  {ui}")
        yield configured, False
        return
    server = LocalServer(Path(get_current_settings().home))
    say(f"starting a Prefect server on 127.0.0.1:{server.port} (log: {server.log_path})")
    try:
        server.start()
        say(f"Prefect server started (pid {server.process.pid})")
        say(f"Prefect UI:  {server.url}")
        say(f"Prefect API: {server.api_url}")
        yield server.api_url, True
    finally:
        if server.process is not None and server.process.poll() is None:
            server.stop()
            say(f"Prefect server stopped (pid {server.process.pid})")


def _check_reachable(api_url: str) -> None:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        problem = client.api_healthcheck()
    if problem is not None:
        raise ServeError(f"cannot reach the Prefect server at {api_url} (PREFECT_API_URL): {problem}")


def serve(
    schedule: Any,
    claims_dir: Path,
    db_path: Path,
    reports_dir: Path,
    *,
    fail_on_contradictions: int | None = None,
    name: str = "served",
    say: Callable[[str], None] = print,
) -> None:
    """Serve the flow as deployment `claimrec-pipeline/<name>` on `schedule` (see `cron_schedule`) until
    Ctrl-C or SIGTERM. The paths are made absolute and become the deployment's parameters."""
    settings.apply_defaults()  # before Prefect is imported; the flow-run processes inherit them
    parameters = {
        "claims_dir": str(claims_dir.resolve()),
        "db_path": str(db_path.resolve()),
        "reports_dir": str(reports_dir.resolve()),
        "fail_on_contradictions": fail_on_contradictions,
    }
    try:
        with _stop_on_sigterm(), prefect_server(say) as (api_url, started):
            _serve_flow(api_url, schedule, parameters, name, say, started)
    except (KeyboardInterrupt, _Stop):
        pass
    say("stopped serving")


@contextlib.contextmanager
def _api_url(api_url: str) -> Iterator[None]:
    """Point this process, and the flow-run processes Prefect's runner starts, at `api_url`."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    previous = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = api_url
    try:
        with temporary_settings({PREFECT_API_URL: api_url}):
            yield
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous


def _serve_flow(
    api_url: str, schedule: Any, parameters: dict, name: str, say: Callable[[str], None], started: bool
) -> None:
    import httpx
    from prefect.deployments.runner import EntrypointType

    with _api_url(api_url):
        from claimrec.flow import FLOW_NAME, claimrec_pipeline

        say(f"serving {FLOW_NAME}/{name} on cron {schedule.cron!r} ({schedule.timezone}) with")
        for key, value in parameters.items():
            say(f"  {key:<22} {value}")
        say(f"run it now: PREFECT_API_URL={api_url} prefect deployment run '{FLOW_NAME}/{name}'")
        say("Ctrl-C or SIGTERM stops serving" + (" and the Prefect server" if started else ""))
        try:
            claimrec_pipeline.serve(
                name=name,
                schedules=[schedule],
                parameters=parameters,
                pause_on_shutdown=False,
                description=DESCRIPTION,
                tags=["claimrec"],
                print_starting_message=False,
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        except httpx.HTTPError as exc:  # Prefect's client errors are httpx errors
            raise ServeError(f"the Prefect server at {api_url} refused or failed a request: {exc}") from exc
