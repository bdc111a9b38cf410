"""The deployment files describe one consistent topology: compose file, Dockerfile, prefect.yaml.

Docker is not available on the test machine, so the compose file is checked by parsing it;
`test_topology.py` runs the same topology natively.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy.engine import URL, make_url

REPO = Path(__file__).resolve().parent.parent
COMPOSE_DEFAULT = re.compile(r"\$\{(\w+):-([^}]*)\}")


def interpolate(value: str) -> str:
    """Resolve compose's `${NAME:-default}` the way `docker compose` does with NAME unset."""
    return COMPOSE_DEFAULT.sub(lambda match: match.group(2), value)


def load_yaml(name: str) -> dict[str, Any]:
    with (REPO / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    return load_yaml("docker-compose.yml")["services"]


def env(service: dict[str, Any], name: str) -> str:
    return interpolate(service["environment"][name])


def database_url(service: dict[str, Any], name: str) -> URL:
    return make_url(env(service, name))


def published_port(service: dict[str, Any]) -> int:
    (mapping,) = service["ports"]
    host, container = str(mapping).split(":")
    assert host == container, "the UI must be reachable on the same port as the server listens"
    return int(container)


def test_compose_has_the_three_services(services):
    assert set(services) == {"postgres", "prefect-server", "app"}


def test_prefect_server_state_lives_in_the_postgres_service(services):
    url = database_url(services["prefect-server"], "PREFECT_API_DATABASE_CONNECTION_URL")
    assert url.drivername == "postgresql+asyncpg"
    assert (url.host, url.port, url.database) == ("postgres", 5432, "prefect")
    assert url.username == services["postgres"]["environment"]["POSTGRES_USER"]
    assert url.password == interpolate(services["postgres"]["environment"]["POSTGRES_PASSWORD"])


def test_corpus_is_its_own_postgres_database(services):
    corpus = database_url(services["app"], "NEWSCORPUS_DATABASE_URL")
    prefect = database_url(services["prefect-server"], "PREFECT_API_DATABASE_CONNECTION_URL")
    assert corpus.drivername == "postgresql+psycopg"
    assert (corpus.host, corpus.port) == ("postgres", 5432)
    assert corpus.database == "newscorpus"
    assert corpus.database != prefect.database


def test_init_script_creates_exactly_the_databases_the_urls_name(services):
    scripts = sorted((REPO / "docker" / "postgres-init").glob("*.sql"))
    mounted = [v for v in services["postgres"]["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert mounted == ["./docker/postgres-init:/docker-entrypoint-initdb.d:ro"]
    sql = "\n".join(script.read_text(encoding="utf-8") for script in scripts)
    created = set(re.findall(r"^CREATE DATABASE (\w+);", sql, flags=re.MULTILINE))
    wanted = {
        database_url(services["prefect-server"], "PREFECT_API_DATABASE_CONNECTION_URL").database,
        database_url(services["app"], "NEWSCORPUS_DATABASE_URL").database,
    }
    assert created == wanted == {"prefect", "newscorpus"}


def test_app_reports_to_the_prefect_server(services):
    server = services["prefect-server"]
    api = httpx.URL(env(services["app"], "PREFECT_API_URL"))
    assert (api.scheme, api.host, api.path) == ("http", "prefect-server", "/api")
    assert api.port == published_port(server) == 4200
    command = server["command"]
    assert command[:3] == ["prefect", "server", "start"]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert int(command[command.index("--port") + 1]) == api.port
    assert services["app"]["command"] == ["newscorpus", "serve"]


def test_browser_reaches_the_api_on_the_published_port(services):
    ui_api = httpx.URL(env(services["prefect-server"], "PREFECT_UI_API_URL"))
    assert (ui_api.host, ui_api.port, ui_api.path) == ("localhost", 4200, "/api")


def test_health_checks_gate_the_start_order(services):
    postgres, server, app = services["postgres"], services["prefect-server"], services["app"]
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert "/api/health" in " ".join(server["healthcheck"]["test"])
    assert server["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert app["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "prefect-server": {"condition": "service_healthy"},
    }


def test_postgres_data_survives_restarts(services):
    compose = load_yaml("docker-compose.yml")
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "postgres-data" in compose["volumes"]


def test_prefect_stays_offline_in_every_prefect_container(services):
    for name in ("prefect-server", "app"):
        assert services[name]["environment"]["DO_NOT_TRACK"] == "1"
        assert services[name]["environment"]["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"


def test_server_and_app_run_the_pinned_image(services):
    """Both run the image built from our Dockerfile, installed with constraints.txt."""
    for name in ("prefect-server", "app"):
        assert services[name]["build"] == "."
        assert services[name]["image"] == services["app"]["image"]
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, flags=re.MULTILINE)
    assert re.search(r"pip install -c constraints\.txt \.", dockerfile)
    pins = (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines()
    assert "prefect==3.8.8" in pins and "fastapi==0.150.0" in pins


def test_build_context_leaves_out_local_state():
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".git", ".prefect", "data"} <= set(ignored)


def test_app_config_file_is_mounted_where_the_app_reads_it(services):
    app = services["app"]
    mounts = {
        target: interpolate(source)
        for source, target, *_ in (volume.rsplit(":", 2) for volume in app["volumes"])
    }
    config_path = env(app, "NEWSCORPUS_CONFIG")
    assert (REPO / mounts[config_path]).is_file()


# --- prefect.yaml -------------------------------------------------------------------------


def deployments() -> list[dict[str, Any]]:
    return load_yaml("prefect.yaml")["deployments"]


def deployment_cases() -> list[Any]:
    return [pytest.param(deployment, id=deployment["name"]) for deployment in deployments()]


def load_entrypoint(entrypoint: str) -> Any:
    """Import `path/to/module.py:function` as the worker would, from the repository root."""
    path, _, function = entrypoint.partition(":")
    if not (REPO / path).is_file():
        raise FileNotFoundError(f"{entrypoint}: {path} does not exist")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return getattr(module, function)


@pytest.mark.parametrize("deployment", deployment_cases())
def test_every_deployment_calls_an_existing_flow_with_valid_parameters(deployment):
    """Every entrypoint imports to a Prefect flow, and its parameters bind to the signature."""
    from prefect import Flow

    flow = load_entrypoint(deployment["entrypoint"])
    assert isinstance(flow, Flow)
    inspect.signature(flow.fn).bind(**deployment.get("parameters", {}))


def test_deployments_run_on_the_process_pool_from_the_checkout():
    project = load_yaml("prefect.yaml")
    (step,) = project["pull"]
    assert step == {
        "prefect.deployments.steps.set_working_directory": {"directory": "{{ $NEWSCORPUS_HOME }}"}
    }
    for deployment in project["deployments"]:
        assert deployment["work_pool"]["name"] == "newscorpus"
    assert project["prefect-version"] == "3.8.8"


def test_feeds_are_ingested_on_a_valid_cron_schedule():
    from prefect.client.schemas.schedules import CronSchedule

    (feeds,) = [d for d in deployments() if d["entrypoint"].endswith(":ingest_feeds")]
    (schedule,) = feeds["schedules"]
    CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
