"""`newscorpus serve`: one cron-scheduled deployment of `ingest_feeds` per feed group."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from localsite import Reply, article_html

from config import load_settings, settings_from
from corpus.store import open_store
from flows.serve import feed_deployments, on_demand_deployment

GROUPS = """
[[feeds.groups]]
name = "world"
cron = "*/30 * * * *"
feeds = ["https://news.example/world.xml", "https://news.example/atom.xml"]

[[feeds.groups]]
name = "morning"
cron = "0 6 * * *"
timezone = "Europe/Paris"
feeds = ["https://news.example/local.xml"]

[[feeds.groups]]
name = "someday"
cron = "0 0 * * *"
feeds = []

[[feeds.groups]]
name = "sitemaps-only"
cron = "0 * * * *"
sitemaps = ["https://news.example/news-sitemap.xml"]
"""


def test_deployments_are_built_for_groups_with_feeds(tmp_path):
    path = tmp_path / "groups.toml"
    path.write_text(GROUPS)
    deployments = feed_deployments(load_settings(path), "sqlite:///x.db", str(path))
    assert [d.name for d in deployments] == ["world", "morning", "sitemaps-only"]
    world = deployments[0]
    assert world.parameters == {
        "feeds": ["https://news.example/world.xml", "https://news.example/atom.xml"],
        "sitemaps": [],
        "database_url": "sqlite:///x.db",
        "config_path": str(path),
    }
    assert world.schedules[0].schedule.cron == "*/30 * * * *"
    assert deployments[1].schedules[0].schedule.timezone == "Europe/Paris"
    assert deployments[2].parameters["sitemaps"] == ["https://news.example/news-sitemap.xml"]
    # A poll that comes due while the group's last one still runs is cancelled, not run beside it.
    assert {(d.concurrency_limit, d.concurrency_options.collision_strategy.value)
            for d in deployments} == {(1, "CANCEL_NEW")}  # fmt: skip


def test_without_feed_groups_there_are_no_scheduled_deployments():
    assert feed_deployments(settings_from({"feeds": {"groups": []}})) == []


def test_the_on_demand_deployment_ingests_urls_without_a_schedule(tmp_path):
    deployment = on_demand_deployment("sqlite:///x.db", "my.toml")
    assert (deployment.name, deployment.schedules) == ("on-demand", [])
    assert deployment.parameters == {
        "urls": [],
        "database_url": "sqlite:///x.db",
        "config_path": "my.toml",
    }


def wait_for_deployments(
    process: subprocess.Popen, names: set[str], db_url: str, timeout: float = 120.0
) -> list:
    """The deployments called `names` that this `serve` process registered (they carry its
    database URL), once all of them are there."""
    from prefect import get_client

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline and process.poll() is None:
            ours = [
                d
                for d in client.read_deployments()
                if d.name in names and d.parameters.get("database_url") == db_url
            ]
            if {d.name for d in ours} == names:
                return ours
            time.sleep(0.5)
    process.kill()
    output = process.communicate()[0].decode(errors="replace")
    pytest.fail(f"serve did not register {sorted(names)}; its output:\n{output[-3000:]}")


def test_serve_registers_scheduled_deployments(prefect_harness, tmp_path, db_url):
    from prefect.settings import PREFECT_API_URL

    path = tmp_path / "groups.toml"
    path.write_text(GROUPS)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    command = [sys.executable, "-m", "newscorpus.cli", "--db", db_url, "--config", str(path)]
    process = subprocess.Popen(
        [*command, "serve"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deployments = wait_for_deployments(process, {"world", "morning", "on-demand"}, db_url)
    finally:
        process.terminate()
        process.communicate(timeout=60)
    from prefect import get_client

    with get_client(sync_client=True) as client:
        flows = {d.name: client.read_flow(d.flow_id).name for d in deployments}
    assert flows == {"world": "ingest_feeds", "morning": "ingest_feeds", "on-demand": "ingest_urls"}
    by_name = {d.name: d for d in deployments}
    assert by_name["on-demand"].schedules == []
    assert [s.schedule.cron for s in by_name["world"].schedules] == ["*/30 * * * *"]
    morning = by_name["morning"].schedules[0].schedule
    assert (morning.cron, morning.timezone) == ("0 6 * * *", "Europe/Paris")
    assert by_name["morning"].parameters["feeds"] == ["https://news.example/local.xml"]
    assert by_name["morning"].parameters["database_url"] == db_url


def test_serve_without_feed_groups_serves_the_on_demand_deployment(prefect_harness, tmp_path):
    from prefect.settings import PREFECT_API_URL

    db_url = f"sqlite:///{tmp_path / 'only-urls.db'}"
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    process = subprocess.Popen(
        [sys.executable, "-m", "newscorpus.cli", "--db", db_url, "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        (served,) = wait_for_deployments(process, {"on-demand"}, db_url)
    finally:
        process.terminate()
        output = process.communicate(timeout=60)[0].decode(errors="replace")
    assert served.schedules == []
    assert "no feed group with feeds" in output
    assert "serving only the on-demand ingest_urls deployment" in output


def test_a_run_of_the_served_on_demand_deployment_ingests_its_urls(prefect_harness, tmp_path, site):
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL

    page = site.route("/story", Reply(body=article_html("Harbour reopens", "harbour")))
    config = tmp_path / "fast.toml"
    config.write_text("[fetch]\nmin_host_interval_seconds = 0.0\n")
    db_url = f"sqlite:///{tmp_path / 'served.db'}"
    env = {
        **os.environ,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "NEWSCORPUS_FETCH_ALLOW_HOSTS": "127.0.0.1",
    }
    command = [sys.executable, "-m", "newscorpus.cli", "--db", db_url, "--config", str(config)]
    process = subprocess.Popen(
        [*command, "serve"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        (deployment,) = wait_for_deployments(process, {"on-demand"}, db_url)
        with get_client(sync_client=True) as client:
            deadline = time.monotonic() + 120
            flow_run = client.create_flow_run_from_deployment(
                deployment.id, parameters={"urls": [page]}
            )
            state = None
            while time.monotonic() < deadline:
                state = client.read_flow_run(flow_run.id).state
                if state.is_final():
                    break
                time.sleep(0.5)
    finally:
        process.terminate()
        output = process.communicate(timeout=60)[0].decode(errors="replace")
    assert state is not None and state.is_completed(), output[-3000:]
    records = list(open_store(db_url).iter_latest())
    assert [r["title"] for r in records] == ["Harbour reopens"]
    assert site.seen("/story")
