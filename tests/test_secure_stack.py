"""The secured topology run natively: a `prefect server start` that requires an auth string
(as the compose stack's server does) and `newscorpus` reporting to it with the matching
PREFECT_API_AUTH_STRING, its corpus owned by a password-protected PostgreSQL role.

The role's password is then searched for everywhere it could leak: everything the Prefect
server holds (flow runs and their parameters, task runs, logs, artifacts, deployments) and
everything `newscorpus` printed, errors included. It must appear nowhere.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from corpus.store import open_store
from tests import test_topology
from tests.support import EXAMPLES, POSTGRES_ADMIN_URL, postgres_database
from tests.test_topology import (
    PrefectServer,
    free_loopback_port,
    offline_env,
    stop,
    wait_until_healthy,
)

pytestmark = [pytest.mark.services, pytest.mark.slow]

browser_page = test_topology.browser_page  # headless Chromium (fixture)

COMMAND_TIMEOUT = 300
SERVE_TIMEOUT = 180.0
NEWSCORPUS = str(Path(sys.executable).parent / "newscorpus")


@dataclass(frozen=True)
class SecuredServer:
    server: PrefectServer
    auth_string: str

    def client(self) -> Any:
        from prefect.client.orchestration import SyncPrefectClient

        return SyncPrefectClient(self.server.api_url, auth_string=self.auth_string)


@dataclass(frozen=True)
class SecretCorpus:
    """A corpus database owned by a role with a password, and the URL that carries it."""

    url: str
    password: str


@pytest.fixture(scope="module")
def secured_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredServer]:
    """`prefect server start` on a free loopback port with PREFECT_SERVER_API_AUTH_STRING."""
    home = tmp_path_factory.mktemp("secured-prefect-home")
    port = free_loopback_port()
    server = PrefectServer(url=f"http://127.0.0.1:{port}", log=home / "server.log")
    auth_string = f"newscorpus:{secrets.token_urlsafe(24)}"
    env = offline_env(
        home,
        PREFECT_SERVER_API_HOST="127.0.0.1",
        PREFECT_SERVER_API_PORT=str(port),
        PREFECT_SERVER_API_AUTH_STRING=auth_string,
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
        yield SecuredServer(server, auth_string)
    finally:
        stop(process)


@pytest.fixture(scope="module")
def secret_corpus() -> Iterator[SecretCorpus]:
    """A fresh database owned by a new login role with a random password (dropped after)."""
    role, password = f"newscorpus_role_{secrets.token_hex(5)}", f"pw{secrets.token_hex(16)}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with postgres_database() as url:
        database = make_url(url).database
        with admin.connect() as conn:
            conn.execute(text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'"))
            conn.execute(text(f'ALTER DATABASE "{database}" OWNER TO "{role}"'))
        try:
            corpus = make_url(url).set(username=role, password=password)
            yield SecretCorpus(corpus.render_as_string(hide_password=False), password)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    admin.dispose()


def newscorpus(
    workdir: Path, server: PrefectServer, *args: str, auth_string: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`newscorpus ARGS` reporting to `server`, with or without the API auth string."""
    extra = {"PREFECT_API_URL": server.api_url}
    if auth_string is not None:
        extra["PREFECT_API_AUTH_STRING"] = auth_string
    return subprocess.run(
        [NEWSCORPUS, *args],
        env=offline_env(workdir / ".prefect", **extra),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )


@pytest.fixture(scope="module")
def import_outputs(
    secured_server: SecuredServer,
    secret_corpus: SecretCorpus,
    tmp_path_factory: pytest.TempPathFactory,
) -> list[str]:
    """`newscorpus import` of the five seeds into the secret corpus, reporting to the secured
    server with its auth string, then `runs` and `runs --json`: everything they printed."""
    workdir = tmp_path_factory.mktemp("secured-client")
    seeds = workdir / "articles"
    shutil.copytree(EXAMPLES, seeds)
    server, auth = secured_server.server, secured_server.auth_string
    imported = newscorpus(
        workdir, server, "--db", secret_corpus.url, "import", str(seeds), auth_string=auth
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    outputs = [imported.stdout, imported.stderr]
    for args in (["runs"], ["runs", "--json"]):
        shown = newscorpus(workdir, server, "--db", secret_corpus.url, *args, auth_string=auth)
        assert shown.returncode == 0, shown.stderr
        outputs += [shown.stdout, shown.stderr]
    return outputs


def test_the_api_refuses_calls_without_the_auth_string(secured_server):
    api = secured_server.server.api_url
    user, password = secured_server.auth_string.split(":", 1)
    assert httpx.get(f"{api}/health", timeout=30).status_code == 200, "health stays open"
    for auth in (None, (user, "not-the-password")):
        refused = httpx.post(f"{api}/flow_runs/filter", json={}, auth=auth, timeout=30)
        assert refused.status_code == 401, refused.text
    allowed = httpx.post(f"{api}/flow_runs/filter", json={}, auth=(user, password), timeout=30)
    assert allowed.status_code == 200, allowed.text


def test_newscorpus_without_the_auth_string_is_refused(secured_server, tmp_path):
    """No run sneaks past the server: the command fails and says the API refused it."""
    shutil.copytree(EXAMPLES, tmp_path / "articles")
    corpus = f"sqlite:///{tmp_path / 'corpus.db'}"
    refused = newscorpus(tmp_path, secured_server.server, "--db", corpus, "import", "articles")
    assert refused.returncode == 2
    assert "the Prefect API refused the request (401)" in refused.stderr
    assert "set PREFECT_API_AUTH_STRING" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_newscorpus_with_the_auth_string_runs_a_flow_on_the_server(
    secured_server, secret_corpus, import_outputs
):
    with secured_server.client() as client:
        runs = [run for run in client.read_flow_runs() if run.deployment_id is None]
    assert [(run.flow_id is not None, run.state_type.value) for run in runs] == [
        (True, "COMPLETED")
    ]
    (corpus_run,) = open_store(secret_corpus.url).recent_runs(5)
    assert corpus_run["prefect_flow_run_id"] == str(runs[0].id)
    assert open_store(secret_corpus.url).count_articles() == 5


def server_contents(secured: SecuredServer) -> str:
    """Everything the server holds about runs, as JSON text: flow runs with their parameters,
    task runs, every log line, every artifact, every deployment."""
    with secured.client() as client:
        records: list[Any] = [
            *client.read_flow_runs(),
            *client.read_task_runs(),
            *client.read_artifacts(),
            *client.read_deployments(),
        ]
        offset = 0
        while logs := client.read_logs(offset=offset, limit=200):
            records += logs
            offset += len(logs)
    return json.dumps([record.model_dump(mode="json") for record in records])


def test_the_password_reaches_no_parameter_log_or_artifact(
    secured_server, secret_corpus, import_outputs
):
    contents = server_contents(secured_server)
    corpus = make_url(secret_corpus.url)
    masked = corpus.render_as_string(hide_password=True)
    assert masked in contents, "the run logs which corpus it wrote to, password masked"
    assert '"database_url": null' in contents, "the URL with a password is no parameter"
    assert secret_corpus.password not in contents


def test_the_password_is_in_no_command_output(secret_corpus, import_outputs):
    assert "imported" in import_outputs[0] and '"status": "completed"' in import_outputs[4]
    for output in import_outputs:
        assert secret_corpus.password not in output


def test_database_errors_do_not_show_the_password(secured_server, secret_corpus, tmp_path):
    """A URL naming a missing database: the error says what failed, without the password."""
    missing = make_url(secret_corpus.url).set(database="newscorpus_no_such_database")
    url = missing.render_as_string(hide_password=False)
    failed = newscorpus(tmp_path, secured_server.server, "--db", url, "runs")
    assert failed.returncode == 2
    assert "newscorpus_no_such_database" in failed.stderr
    assert secret_corpus.password not in failed.stdout + failed.stderr


def wait_for_deployment(secured: SecuredServer, process: subprocess.Popen[str]) -> Any:
    """The on-demand deployment `serve` registers, once it is there."""
    deadline = time.monotonic() + SERVE_TIMEOUT
    with secured.client() as client:
        while time.monotonic() < deadline and process.poll() is None:
            found = [d for d in client.read_deployments() if d.name == "on-demand"]
            if found:
                return found[0]
            time.sleep(1)
    pytest.fail(f"serve registered no deployment (exit {process.poll()})")


def test_served_deployments_take_the_password_from_the_environment(
    secured_server, secret_corpus, import_outputs, tmp_path
):
    """`newscorpus serve` with a URL holding a password (as in the compose stack): the
    deployment carries no URL, and its runs still reach the corpus through the environment."""
    env = offline_env(
        tmp_path / ".prefect",
        PREFECT_API_URL=secured_server.server.api_url,
        PREFECT_API_AUTH_STRING=secured_server.auth_string,
        NEWSCORPUS_DATABASE_URL=secret_corpus.url,
    )
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [NEWSCORPUS, "serve"],
            env=env,
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    try:
        deployment = wait_for_deployment(secured_server, process)
        assert deployment.parameters == {"urls": [], "database_url": None, "config_path": None}
        with secured_server.client() as client:
            run = client.create_flow_run_from_deployment(deployment.id)
            deadline = time.monotonic() + SERVE_TIMEOUT
            while not (state := client.read_flow_run(run.id).state).is_final():
                assert time.monotonic() < deadline, f"run still {state.type}:\n{log.read_text()}"
                time.sleep(1)
    finally:
        stop(process)
    assert state.is_completed(), log.read_text()[-3000:]
    flows = [r["flow"] for r in open_store(secret_corpus.url).recent_runs(5)]
    assert flows == ["ingest_urls", "import_files"]
    assert secret_corpus.password not in server_contents(secured_server) + log.read_text()


def test_the_ui_asks_for_the_auth_string_before_showing_runs(
    secured_server, import_outputs, browser_page, tmp_path
):
    """A team member opens the UI: a login form; a wrong string is refused, the right one
    shows the runs."""
    with secured_server.client() as client:
        (run,) = [r for r in client.read_flow_runs() if r.deployment_id is None]
    page, url = browser_page, secured_server.server.url
    try:
        page.goto(f"{url}/runs")
        login = page.get_by_placeholder("admin:pass")
        login.fill("newscorpus:wrong")
        login.press("Enter")
        page.get_by_text("Authentication failed.").first.wait_for()
        page.get_by_placeholder("admin:pass").fill(secured_server.auth_string)
        page.get_by_placeholder("admin:pass").press("Enter")
        page.goto(f"{url}/runs")
        page.get_by_text(run.name, exact=True).first.wait_for()
    finally:
        page.screenshot(path=str(tmp_path / "prefect-ui-login.png"), full_page=True)
