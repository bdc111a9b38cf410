"""Prefect for this project: offline defaults, and the local Prefect server newscorpus runs.

Offline and quiet by default: no telemetry, and state under a project-local PREFECT_HOME
(`./.prefect`) unless the user set one. With PREFECT_API_URL set, runs are reported to that
server. Without it, newscorpus starts a local Prefect server as its own child process (not
Prefect's temporary one, which outlives a killed parent and runs no scheduler):

- one-shot commands get a bare API on a free loopback port, for the length of the command;
- `serve` gets a full server (UI and services, the scheduler among them) on 127.0.0.1:4200,
  or a free port when 4200 is taken.

The child dies with newscorpus however newscorpus ends: it is stopped on a normal exit, and
the kernel kills it (PR_SET_PDEATHSIG) when newscorpus is killed, even by SIGKILL.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

UI_PORT = 4200
START_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 5.0
_PR_SET_PDEATHSIG = 1


def configure_prefect_environment() -> None:
    """Set the defaults in `os.environ`; values the user already set are kept."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
    # The ephemeral API's 20 s start-up default is too short on a busy two-core machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def interrupt_on_signals() -> None:
    """SIGINT and SIGTERM raise KeyboardInterrupt (even where a shell started newscorpus with
    SIGINT ignored), so the run is recorded as cancelled and the local server is stopped
    instead of the process vanishing mid-run."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.default_int_handler)


class ServerStartError(RuntimeError):
    """The local Prefect server did not come up; the message carries its last output."""


@dataclass
class LocalServer:
    """A local Prefect server, started (it answers once `wait_until_ready` returns)."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    answered: bool = False

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    def wait_until_ready(self) -> None:
        """Return once the server answers its health check; ServerStartError (with the
        server's last output) when it exits or stays silent for START_TIMEOUT_SECONDS."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.answered:
            if self.process.poll() is not None:
                raise ServerStartError(f"the local Prefect server exited:\n{_tail(self.log)}")
            if time.monotonic() > deadline:
                raise ServerStartError(
                    "the local Prefect server did not answer within "
                    f"{START_TIMEOUT_SECONDS:.0f} s:\n{_tail(self.log)}"
                )
            with suppress(httpx.HTTPError, ValueError):
                self.answered = httpx.get(f"{self.api_url}/health", timeout=5).json() is True
            if not self.answered:
                time.sleep(0.1)


def listening_socket(port: int = 0) -> socket.socket:
    """A socket listening on 127.0.0.1:`port` (0: a free port), held from now on, so the
    server it is handed to cannot lose its port to another process; OSError when taken."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT, never a listener
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def _die_with_parent() -> None:
    """In the child before exec: the kernel sends SIGKILL when newscorpus dies (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _server_command(listening: socket.socket) -> list[str]:
    return [sys.executable, "-m", "newscorpus.prefect_server", str(listening.fileno())]


def _server_environment(port: int, full: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    if full:  # the UI calls the API at the server's host and port
        env.update(
            PREFECT_UI_ENABLED="true",
            PREFECT_SERVER_API_HOST="127.0.0.1",
            PREFECT_SERVER_API_PORT=str(port),
        )
    else:  # a bare API: no UI, no services, like Prefect's own temporary server
        env.update(PREFECT_UI_ENABLED="false", PREFECT__SERVER_EPHEMERAL="1")
        # Block types are for the UI (a full server registers them); checking whether they
        # changed costs a command's server half a second of start-up.
        env.update(
            PREFECT_API_BLOCKS_REGISTER_ON_START="false",
            PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION="false",
        )
    return env


def _tail(log: Path, lines: int = 20) -> str:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server's process group: SIGTERM, then SIGKILL after a few seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except ProcessLookupError:
        pass


def _flush_to_api() -> None:
    """Send Prefect's queued logs and events while the server still answers."""
    if "prefect" not in sys.modules:
        return
    from prefect._internal.concurrency.services import QueueService

    QueueService.drain_all(timeout=STOP_TIMEOUT_SECONDS)


@contextmanager
def local_server(
    listening: socket.socket | None = None, full: bool = False
) -> Iterator[LocalServer]:
    """A Prefect server in a child process serving on `listening` (a free 127.0.0.1 port by
    default), its state under PREFECT_HOME and its output in PREFECT_HOME/server.log; `full`
    adds the UI and the services (scheduler). PREFECT_API_URL points at it until the block
    ends. The block is entered as soon as the child starts, so the caller's own start-up
    overlaps the server's: call `wait_until_ready` before the first request."""
    home = Path(os.environ["PREFECT_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    listening = listening or listening_socket()
    port = listening.getsockname()[1]
    log = home / "server.log"
    # Its own session: Ctrl-C in the terminal reaches newscorpus only, which then finishes
    # reporting its run to this server before stopping it.
    with listening, log.open("wb") as out:
        process = subprocess.Popen(
            _server_command(listening),
            env=_server_environment(port, full),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            pass_fds=[listening.fileno()],
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads run yet
        )
    server = LocalServer(url=f"http://127.0.0.1:{port}", process=process, log=log)
    previous = os.environ.get("PREFECT_API_URL")
    try:
        os.environ["PREFECT_API_URL"] = server.api_url
        yield server
    finally:
        if server.answered:
            _flush_to_api()
        _stop(process)
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous


@dataclass(frozen=True)
class PrefectApi:
    """The Prefect API a command reports to: `ui_url` is the local server's address when
    newscorpus started one (None for PREFECT_API_URL's); `wait_until_ready` returns once it
    answers."""

    ui_url: str | None
    wait_until_ready: Callable[[], None]

    @contextmanager
    def flow_settings(self) -> Iterator[None]:
        """Settings for running a flow here: on a command's own local server, without flow
        run heartbeats. They tell a lasting server that a run still lives; this one ends with
        the command, and the engine waits up to a second for the heartbeat thread at the end
        of every run."""
        if self.ui_url is None:
            yield
            return
        from prefect.settings import temporary_settings

        with temporary_settings(updates={"flows.heartbeat_frequency": None}):
            yield


@contextmanager
def prefect_api(full: bool = False) -> Iterator[PrefectApi]:
    """The Prefect server a command reports to: PREFECT_API_URL when set, else a local server
    started for the command (`full` for `serve`: UI on 4200 or a free port, with scheduler).
    A local server may still be starting when the block is entered: the command does its own
    start-up meanwhile and calls `wait_until_ready` before running a flow."""
    configure_prefect_environment()
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    interrupt_on_signals()
    try:
        if configured_api_url():
            yield PrefectApi(None, lambda: None)
        else:
            with _started_server(full) as server:
                yield PrefectApi(server.url, server.wait_until_ready)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)


def environment_api_url() -> str | None:
    """PREFECT_API_URL as the environment sets it (None when unset or empty)."""
    return os.environ.get("PREFECT_API_URL") or None


def configured_api_url() -> str | None:
    """PREFECT_API_URL from the environment, or from Prefect's settings when this process
    already configured Prefect (e.g. a test harness)."""
    if url := environment_api_url():
        return url
    if "prefect.settings" in sys.modules:
        from prefect.settings import PREFECT_API_URL

        return PREFECT_API_URL.value()
    return None


@contextmanager
def _started_server(full: bool) -> Iterator[LocalServer]:
    """A local server for this command; `full` (serve) prefers port 4200 for its UI."""
    listening = None
    if full:
        try:
            listening = listening_socket(UI_PORT)
        except OSError:
            listening = listening_socket()
            port = listening.getsockname()[1]
            print(f"newscorpus: port {UI_PORT} is taken; the Prefect UI uses port {port}")
    with local_server(listening, full=full) as server:
        yield server
