"""The compose topology run natively: a real `prefect server start` backed by PostgreSQL,
`newscorpus import` reporting to it through PREFECT_API_URL with the corpus in its own
PostgreSQL database, then the run seen through the server's REST API and in its UI (Chromium).

One server and one import run per module: starting a Prefect server is slow on a small machine.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy.engine import make_url

from corpus.store import open_store
from tests.fetching.localsite import start_site
from tests.fetching.served import growing_feed
from tests.support import EXAMPLES, REPO, postgres_database, require_service

pytestmark = [pytest.mark.services, pytest.mark.slow]

SERVER_START_TIMEOUT = 120.0
IMPORT_TIMEOUT = 300
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
UI_TIMEOUT_MS = 60_000
COUNTS_ARTIFACT = "import-files-counts"
FAILURES_ARTIFACT = "import-files-failures"


@dataclass(frozen=True)
class PrefectServer:
    url: str
    log: Path

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = httpx.post(f"{self.api_url}{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()


@dataclass(frozen=True)
class ImportRun:
    corpus_url: str
    flow_run: dict[str, Any]


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def offline_env(prefect_home: Path, **extra: str) -> dict[str, str]:
    """This process's environment with Prefect isolated in `prefect_home` and kept offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(prefect_home),
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        **extra,
    )
    return env


def wait_until_healthy(process: subprocess.Popen[bytes], server: PrefectServer) -> None:
    """Poll /api/health until it answers; fail with the server's log if it dies or times out."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"prefect server exited with {process.returncode}:\n{tail(server.log)}")
        try:
            if httpx.get(f"{server.api_url}/health", timeout=5).json() is True:
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(1)
    pytest.fail(f"prefect server not healthy after {SERVER_START_TIMEOUT}s:\n{tail(server.log)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and whatever it started (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """`prefect server start` on a free loopback port, its state in a fresh PostgreSQL database."""
    home = tmp_path_factory.mktemp("prefect-server-home")
    port = free_loopback_port()
    server = PrefectServer(url=f"http://127.0.0.1:{port}", log=home / "server.log")
    with postgres_database() as url:
        state_url = make_url(url).set(drivername="postgresql+asyncpg")
        env = offline_env(
            home,
            PREFECT_API_DATABASE_CONNECTION_URL=state_url.render_as_string(hide_password=False),
            # Host and port as settings (not flags): the UI derives its API address from them.
            PREFECT_SERVER_API_HOST="127.0.0.1",
            PREFECT_SERVER_API_PORT=str(port),
            PREFECT_UI_ENABLED="true",
        )
        prefect = Path(sys.executable).parent / "prefect"
        with server.log.open("wb") as log:
            process = subprocess.Popen(
                [str(prefect), "server", "start"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_until_healthy(process, server)
            yield server
        finally:
            stop(process)


@pytest.fixture(scope="module")
def import_run(
    prefect_server: PrefectServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ImportRun]:
    """`newscorpus import` of the five seed articles, reporting to the server."""
    workdir = tmp_path_factory.mktemp("newscorpus-client")
    seeds = workdir / "articles"
    shutil.copytree(EXAMPLES, seeds)
    with postgres_database() as corpus_url:
        newscorpus = Path(sys.executable).parent / "newscorpus"
        result = subprocess.run(
            [str(newscorpus), "--db", corpus_url, "import", str(seeds)],
            env=offline_env(workdir / ".prefect", PREFECT_API_URL=prefect_server.api_url),
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=IMPORT_TIMEOUT,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        runs = prefect_server.post(
            "/flow_runs/filter",
            {
                "flows": {"name": {"any_": ["import_files"]}},
                "flow_runs": {"deployment_id": {"is_null_": True}},
            },
        )
        assert len(runs) == 1, f"expected one import_files run on the server, got {runs}"
        yield ImportRun(corpus_url=corpus_url, flow_run=runs[0])


def prefect_cli(server: PrefectServer, home: Path, *args: str, cwd: Path = REPO, **env: str) -> str:
    """Run `prefect ARGS` against the server (from the repository root); returns its output."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "prefect"), "--no-prompt", *args],
        env=offline_env(home, PREFECT_API_URL=server.api_url, **env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=IMPORT_TIMEOUT,
    )
    assert result.returncode == 0, f"prefect {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def artifact(server: PrefectServer, key: str, flow_run_id: str) -> dict[str, Any]:
    body = {"artifacts": {"key": {"any_": [key]}, "flow_run_id": {"any_": [flow_run_id]}}}
    (found,) = server.post("/artifacts/filter", body)
    return found


def test_flow_run_completed_on_the_server(import_run):
    assert import_run.flow_run["state_type"] == "COMPLETED"


def test_corpus_run_is_the_servers_flow_run(import_run):
    (run,) = open_store(import_run.corpus_url).recent_runs(5)
    assert run["status"] == "completed"
    assert run["prefect_flow_run_id"] == import_run.flow_run["id"]


def test_counts_artifact_on_the_server(prefect_server, import_run):
    counts = artifact(prefect_server, COUNTS_ARTIFACT, import_run.flow_run["id"])
    assert counts["type"] == "table"
    rows = {row["metric"]: row["value"] for row in json.loads(counts["data"])}
    assert (rows["imported"], rows["new"], rows["failures"]) == (5, 5, 0)


def test_failures_artifact_on_the_server(prefect_server, import_run):
    failures = artifact(prefect_server, FAILURES_ARTIFACT, import_run.flow_run["id"])
    assert failures["type"] == "markdown"


def test_corpus_lands_in_its_own_postgres_database(import_run):
    assert open_store(import_run.corpus_url).count_articles() == 5


def test_runs_names_the_flow_run_and_links_to_the_ui(prefect_server, import_run, tmp_path):
    newscorpus = Path(sys.executable).parent / "newscorpus"
    result = subprocess.run(
        [str(newscorpus), "runs", "--db", import_run.corpus_url],
        env=offline_env(tmp_path / ".prefect", PREFECT_API_URL=prefect_server.api_url),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=IMPORT_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    flow_run = import_run.flow_run
    link = f"{prefect_server.url}/runs/flow-run/{flow_run['id']}"
    assert f"    prefect flow run {flow_run['name']} {flow_run['id']} {link}" in result.stdout


def documented_parameters(deployment: str) -> dict[str, Any]:
    project = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    (found,) = [d for d in project["deployments"] if d["name"] == deployment]
    return found["parameters"]


@pytest.fixture(scope="module")
def work_pool(prefect_server: PrefectServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The process work pool prefect.yaml names, created as documented."""
    home = tmp_path_factory.mktemp("work-pool") / ".prefect"
    prefect_cli(prefect_server, home, "work-pool", "create", "newscorpus", "--type", "process")
    return "newscorpus"


def deployment_named(server: PrefectServer, flow: str, name: str) -> dict[str, Any]:
    body = {"flows": {"name": {"any_": [flow]}}, "deployments": {"name": {"any_": [name]}}}
    (found,) = server.post("/deployments/filter", body)
    return found


def test_work_pool_route_runs_a_prefect_yaml_deployment(prefect_server, work_pool, tmp_path):
    """prefect.yaml as documented: process pool, `prefect deploy`, then a worker started
    elsewhere runs the flow in NEWSCORPUS_HOME (the pull step), where its relative paths hold."""
    home = tmp_path / ".prefect"
    prefect_cli(prefect_server, home, "deploy", "--name", "import-examples")
    prefect_cli(prefect_server, home, "deployment", "run", "import_files/import-examples")
    with postgres_database() as corpus_url:
        prefect_cli(
            prefect_server,
            home,
            *("worker", "start", "--pool", "newscorpus", "--run-once"),
            cwd=tmp_path,
            NEWSCORPUS_HOME=str(REPO),
            NEWSCORPUS_DATABASE_URL=corpus_url,
        )
        deployment = deployment_named(prefect_server, "import_files", "import-examples")
        (run,) = prefect_server.post(
            "/flow_runs/filter", {"flow_runs": {"deployment_id": {"any_": [deployment["id"]]}}}
        )
        assert run["state_type"] == "COMPLETED", run["state"]
        assert run["parameters"] == documented_parameters("import-examples")
        assert open_store(corpus_url).count_articles() == 5


SCHEDULED_RUNS_TIMEOUT = 300.0
EVERY_20_SECONDS = "* * * * * */20"  # cron with a seconds field


@pytest.fixture
def growing_feed_site() -> Iterator[str]:
    """A loopback feed that lists one more article each time it is read."""
    site, server = start_site()
    try:
        yield growing_feed(site)
    finally:
        server.shutdown()
        server.server_close()


def completed_runs(server: PrefectServer, deployment_id: str) -> list[dict[str, Any]]:
    body = {
        "flow_runs": {
            "deployment_id": {"any_": [deployment_id]},
            "state": {"type": {"any_": ["COMPLETED"]}},
        }
    }
    return server.post("/flow_runs/filter", body)


def wait_for_scheduled_runs(
    server: PrefectServer, flow: str, name: str, process: subprocess.Popen[Any], log: Path
) -> list[dict[str, Any]]:
    """Two completed scheduled runs of deployment flow/name (bounded; fails with the log)."""
    deadline = time.monotonic() + SCHEDULED_RUNS_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            deployment = deployment_named(server, flow, name)
        except ValueError:  # not registered yet
            time.sleep(1)
            continue
        if len(runs := completed_runs(server, deployment["id"])) >= 2:
            return runs
        time.sleep(1)
    pytest.fail(f"no two scheduled {flow}/{name} runs completed:\n{tail(log)}")


def start_in_group(command: list[str], env: dict[str, str], cwd: Path, log: Path) -> Any:
    with log.open("wb") as out:
        return subprocess.Popen(
            command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def test_serve_against_a_postgres_backed_server_runs_its_schedule(
    prefect_server, growing_feed_site, tmp_path
):
    """`newscorpus serve` with PREFECT_API_URL: the server's scheduler (on PostgreSQL) creates
    the runs, serve executes them, each stores the feed's new article."""
    config = tmp_path / "groups.toml"
    config.write_text(
        f'[fetch]\nmin_host_interval_seconds = 0.0\n[[feeds.groups]]\nname = "pg-fast"\n'
        f'cron = "{EVERY_20_SECONDS}"\nfeeds = ["{growing_feed_site}"]\n'
    )
    env = offline_env(
        tmp_path / ".prefect",
        PREFECT_API_URL=prefect_server.api_url,
        NEWSCORPUS_FETCH_ALLOW_HOSTS="127.0.0.1",
    )
    log = tmp_path / "serve.log"
    newscorpus = str(Path(sys.executable).parent / "newscorpus")
    with postgres_database() as corpus_url:
        command = [newscorpus, "serve", "--db", corpus_url, "--config", str(config)]
        process = start_in_group(command, env, tmp_path, log)
        try:
            runs = wait_for_scheduled_runs(prefect_server, "ingest_feeds", "pg-fast", process, log)
        finally:
            stop(process)
        assert f"Prefect UI at {prefect_server.url}" in log.read_text()
        stored = {r["prefect_flow_run_id"]: r for r in open_store(corpus_url).recent_runs(50)}
        for run in runs[:2]:
            assert stored[run["id"]]["status"] == "completed"
            assert stored[run["id"]]["counts"]["new"] >= 1
        assert open_store(corpus_url).count_articles() >= 2


def test_work_pool_route_runs_a_scheduled_deployment(
    prefect_server, work_pool, growing_feed_site, tmp_path
):
    """prefect.yaml's nightly-feeds deployment on a 20-second interval: the server schedules
    it, a process worker runs it from NEWSCORPUS_HOME with the feeds of NEWSCORPUS_CONFIG."""
    home = tmp_path / ".prefect"
    prefect_cli(prefect_server, home, "deploy", "--name", "nightly-feeds", "--interval", "20")
    config = tmp_path / "groups.toml"
    config.write_text(
        f'[fetch]\nmin_host_interval_seconds = 0.0\n[[feeds.groups]]\nname = "pool"\n'
        f'cron = "0 2 * * *"\nfeeds = ["{growing_feed_site}"]\n'
    )
    log = tmp_path / "worker.log"
    with postgres_database() as corpus_url:
        env = offline_env(
            home,
            PREFECT_API_URL=prefect_server.api_url,
            NEWSCORPUS_HOME=str(REPO),
            NEWSCORPUS_DATABASE_URL=corpus_url,
            NEWSCORPUS_CONFIG=str(config),
            NEWSCORPUS_FETCH_ALLOW_HOSTS="127.0.0.1",
        )
        prefect = str(Path(sys.executable).parent / "prefect")
        worker = start_in_group(
            [prefect, "worker", "start", "--pool", work_pool], env, tmp_path, log
        )
        try:
            runs = wait_for_scheduled_runs(
                prefect_server, "ingest_feeds", "nightly-feeds", worker, log
            )
        finally:
            stop(worker)
        assert all(run["auto_scheduled"] for run in runs)
        assert open_store(corpus_url).count_articles() >= 2


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[Any]:
    """A page in Debian's headless Chromium with a fresh profile (no Playwright download)."""
    require_service(
        "Chromium", Path(CHROMIUM).exists(), "install Debian's chromium (apt-get install chromium)"
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            page = context.new_page()
            page.set_default_timeout(UI_TIMEOUT_MS)
            yield page
        finally:
            context.close()


def test_prefect_ui_shows_run_and_counts(prefect_server, import_run, browser_page, tmp_path):
    """What did last night's run do? The UI lists the run, and its counts artifact shows 5 new."""
    from playwright.sync_api import expect

    page, run = browser_page, import_run.flow_run
    try:
        page.goto(f"{prefect_server.url}/runs")
        # The list shows the run (other tests of this module add scheduled runs beside it);
        # its page is then opened by its address, not by a click that a re-render can swallow.
        page.get_by_text(run["name"], exact=True).first.wait_for()
        page.goto(f"{prefect_server.url}/runs/flow-run/{run['id']}")
        page.get_by_text("Completed", exact=True).first.wait_for()
        page.get_by_text("import_files", exact=True).first.wait_for()

        page.goto(f"{prefect_server.url}/artifacts")
        page.get_by_text(COUNTS_ARTIFACT, exact=True).first.click()
        page.wait_for_url(f"**/artifacts/key/{COUNTS_ARTIFACT}")
        page.get_by_text(run["name"], exact=True).first.wait_for()

        counts = artifact(prefect_server, COUNTS_ARTIFACT, run["id"])
        page.get_by_text(counts["id"][:8], exact=True).first.click()
        page.wait_for_url(f"**/artifacts/artifact/{counts['id']}")
        new_row = page.locator("tr").filter(has=page.get_by_text("new", exact=True))
        expect(new_row.locator("td")).to_have_text(["new", "5"])
    finally:
        page.screenshot(path=str(tmp_path / "prefect-ui.png"), full_page=True)
