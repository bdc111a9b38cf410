"""The deployment files describe one consistent topology: compose file, Dockerfile, prefect.yaml.

Docker is not available on the test machine, so the compose file is checked by parsing it;
`test_topology.py` runs the same topology natively.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy.engine import URL, make_url

REPO = Path(__file__).resolve().parent.parent
COMPOSE_VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")
SECRETS = ("POSTGRES_PASSWORD", "NEWSCORPUS_PREFECT_AUTH_STRING")


class MissingVariable(LookupError):
    """A `${NAME:?message}` with NAME unset or empty: `docker compose` refuses to start."""


def stack_env_file() -> dict[str, str]:
    """The variables of a .env as `make stack-env` writes it."""
    script = REPO / "docker" / "stack_env.py"
    spec = importlib.util.spec_from_file_location("stack_env", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return parse_env_file(module.stack_env())


def parse_env_file(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and line[0] != "#")
    return {name.strip(): value.strip() for name, value in pairs}


STACK_ENV = stack_env_file()


def interpolate(value: str, environ: dict[str, str] | None = None) -> str:
    """Resolve compose's `${NAME}`, `${NAME:-default}` and `${NAME:?message}` the way
    `docker compose` does with the variables `environ` (default: a `make stack-env` .env)."""
    environ = STACK_ENV if environ is None else environ

    def resolve(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        if environ.get(name):
            return environ[name]
        if operator == "?":
            raise MissingVariable(f"{name}: {argument}")
        return argument if operator == "-" else ""

    return COMPOSE_VARIABLE.sub(resolve, value)


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
    _address, host, container = interpolate(str(mapping)).split(":")
    assert host == container, "the UI must be reachable on the same port as the server listens"
    return int(container)


def test_compose_has_the_five_services(services):
    assert set(services) == {"postgres", "prefect-server", "app", "dask-scheduler", "dask-worker"}


def test_the_app_extracts_on_the_dask_workers_of_the_stack(services):
    """`runner = "dask"` through the environment, on the stack's scheduler; the workers join
    that scheduler and report their task runs to the Prefect server, as the app does."""
    from config import settings_from

    app, scheduler, worker = services["app"], services["dask-scheduler"], services["dask-worker"]
    environ = {name: interpolate(str(value)) for name, value in app["environment"].items()}
    pipeline = settings_from({}, environ=environ).pipeline
    assert pipeline.runner == "dask"
    address = httpx.URL(pipeline.dask_address.replace("tcp://", "http://"))
    assert address.host == "dask-scheduler"
    command = scheduler["command"]
    assert command[:2] == ["dask", "scheduler"]
    assert command[command.index("--port") + 1] == str(address.port)
    assert "--no-dashboard" in command
    assert published_port(scheduler) == address.port
    assert worker["command"][:3] == ["dask", "worker", pipeline.dask_address]
    assert worker["command"][worker["command"].index("--nthreads") + 1] == "1"
    assert env(worker, "PREFECT_API_URL") == env(app, "PREFECT_API_URL")
    assert worker["depends_on"]["dask-scheduler"]["condition"] == "service_healthy"
    probe = " ".join(scheduler["healthcheck"]["test"])
    assert str(address.port) in probe


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
        "dask-scheduler": {"condition": "service_healthy"},
    }


def test_postgres_data_survives_restarts(services):
    compose = load_yaml("docker-compose.yml")
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "postgres-data" in compose["volumes"]


def test_prefect_stays_offline_in_every_prefect_container(services):
    for name in ("prefect-server", "app", "dask-worker"):
        assert services[name]["environment"]["DO_NOT_TRACK"] == "1"
        assert services[name]["environment"]["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"


def test_server_and_app_run_the_pinned_image(services):
    """All run the image built from our Dockerfile, installed with constraints.txt."""
    for name in ("prefect-server", "app", "dask-scheduler", "dask-worker"):
        assert services[name]["build"] == "."
        assert services[name]["image"] == services["app"]["image"]
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, flags=re.MULTILINE)
    assert re.search(r"pip install -c constraints\.txt \"?\.(\[s3\])?\"?", dockerfile)
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


# --- security: secrets, authentication, exposure ------------------------------------------


def compose_text() -> str:
    return (REPO / "docker-compose.yml").read_text(encoding="utf-8")


def every_value(services: dict[str, Any]) -> list[str]:
    """Every environment value, port and volume string of every service."""
    values = []
    for service in services.values():
        values += [str(v) for v in service.get("environment", {}).values()]
        values += [str(v) for v in service.get("ports", []) + service.get("volumes", [])]
    return values


@pytest.mark.parametrize("secret", SECRETS)
def test_stack_refuses_to_start_without_each_secret(services, secret):
    """`${NAME:?...}` everywhere a secret is used: compose stops with a message naming the
    variable and `make stack-env`; no value falls back to a default password."""
    without = {name: value for name, value in STACK_ENV.items() if name != secret}
    uses = [value for value in every_value(services) if secret in value]
    assert uses, f"{secret} is not used by the stack"
    for value in uses:
        with pytest.raises(MissingVariable, match=rf"{secret}: .*make stack-env"):
            interpolate(value, without)
        with pytest.raises(MissingVariable):
            interpolate(value, {**without, secret: ""})


def test_no_default_secrets_anywhere_in_the_compose_file():
    text = compose_text()
    defaulted = {name for name, op in re.findall(r"\$\{(\w+):?([-?])", text) if op == "-"}
    assert not {n for n in defaulted if re.search("PASSWORD|AUTH|SECRET|TOKEN", n)}
    assert "newscorpus:newscorpus@" not in text and "newscorpus}" not in text
    urls = re.findall(r"postgresql\+\w+://\S+", text)
    assert len(urls) == 2
    for url in urls:
        assert url.startswith(f"{url.split(':')[0]}://newscorpus:${{POSTGRES_PASSWORD:?"), url


def test_published_ports_listen_on_loopback_by_default(services):
    for name, service in services.items():
        for mapping in service.get("ports", []):
            address, host_port, _ = interpolate(str(mapping)).split(":")
            assert address == "127.0.0.1", f"{name} publishes {mapping} beyond loopback"
            team = interpolate(
                str(mapping), {**STACK_ENV, "NEWSCORPUS_PUBLISH_ADDRESS": "10.0.0.5"}
            )
            assert team == f"10.0.0.5:{host_port}:{host_port}"


def test_prefect_api_requires_the_auth_string_the_clients_send(services):
    """The server demands the auth string; every container that calls the API sends it."""
    server = services["prefect-server"]
    secret = STACK_ENV["NEWSCORPUS_PREFECT_AUTH_STRING"]
    assert env(server, "PREFECT_SERVER_API_AUTH_STRING") == secret
    assert re.fullmatch(r"[\w.-]+:\S{32,}", secret), "user:password with a long random password"
    clients = [
        name for name, s in services.items() if "PREFECT_API_URL" in s.get("environment", {})
    ]
    assert "app" in clients
    for name in clients:
        assert env(services[name], "PREFECT_API_AUTH_STRING") == secret


def test_health_check_needs_no_credentials(services):
    """Prefect leaves GET /api/health open, so the health check carries no secret."""
    probe = " ".join(services["prefect-server"]["healthcheck"]["test"])
    assert "/api/health" in probe and "AUTH" not in probe and "Authorization" not in probe


def test_env_example_and_stack_env_set_exactly_the_required_secrets():
    example = parse_env_file((REPO / ".env.example").read_text(encoding="utf-8"))
    required = set(re.findall(r"\$\{(\w+):\?", compose_text()))
    assert required == set(SECRETS) == set(example) == set(STACK_ENV)
    assert all(value == "" for value in example.values()), ".env.example holds no secret"
    assert all(len(value) >= 32 for value in STACK_ENV.values())
    documented = (REPO / ".env.example").read_text(encoding="utf-8")
    for optional in set(re.findall(r"\$\{(\w+):-", compose_text())):
        assert f"# {optional}=" in documented, f"{optional} is not documented in .env.example"


def test_stack_env_names_no_prefect_setting():
    """Prefect reads PREFECT_* from a .env in its working directory: the stack's .env must not
    turn a local `newscorpus`/`prefect` run in this checkout into an authenticated client."""
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    names = set(STACK_ENV) | set(re.findall(r"^#? ?(\w+)=", example, flags=re.MULTILINE))
    assert names and not {name for name in names if name.startswith("PREFECT_")}


def test_secrets_stay_out_of_git_and_the_image():
    assert ".env" in (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert "/.env" in (REPO / ".gitignore").read_text(encoding="utf-8").split()


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions, one list per `FROM` stage."""
    stages: list[list[str]] = []
    for line in (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("FROM "):
            stages.append([])
        if stages and line.strip() and not line.lstrip().startswith("#"):
            stages[-1].append(line)
    return stages


def test_image_runs_as_an_unprivileged_user():
    final = dockerfile_stages()[-1]
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users, "the final stage sets no USER: the containers would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_final_image_installs_nothing_and_keeps_no_build_tools():
    """The install happens in an earlier stage; the final one copies the finished environment
    and installs no packages (no compiler, no pip run, no source tree)."""
    *builders, final = dockerfile_stages()
    assert builders, "single-stage Dockerfile: the source tree and the installer stay in it"
    text = "\n".join(final)
    assert "COPY --from=" in text
    assert not re.search(r"pip install|apt-get|apk add|gcc|build-essential|COPY \. ", text)


def test_make_stack_env_writes_private_random_secrets_and_never_overwrites(tmp_path):
    import subprocess
    import sys

    script = str(REPO / "docker" / "stack_env.py")
    first, second = tmp_path / "one.env", tmp_path / "two.env"
    for target in (first, second):
        subprocess.run([sys.executable, script, str(target)], check=True, timeout=60)
    assert first.stat().st_mode & 0o777 == 0o600
    one, two = parse_env_file(first.read_text()), parse_env_file(second.read_text())
    assert set(one) == set(SECRETS) and all(one[name] != two[name] for name in SECRETS)
    before = first.read_text()
    result = subprocess.run(
        [sys.executable, script, str(first)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "left unchanged" in result.stdout
    assert first.read_text() == before
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^stack-env:\n\t.*docker/stack_env\.py \.env$", makefile, re.MULTILINE)


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
