"""`newscorpus serve`: one scheduled deployment of `ingest_feeds` per configured feed group,
plus an on-demand `ingest_urls` deployment, served by this process with `prefect.serve`
(runs appear in the Prefect UI, where the on-demand one is started with a list of URLs)."""

from __future__ import annotations

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from config import Settings
from flows.ingest_feeds import ingest_feeds
from flows.ingest_urls import ingest_urls

ON_DEMAND = "on-demand"


def feed_deployments(
    settings: Settings, database_url: str | None = None, config_path: str | None = None
) -> list[RunnerDeployment]:
    """A deployment `ingest_feeds/<group>` on the group's cron for each group with feeds."""
    deployments = []
    for group in settings.feeds.groups:
        if not group.feeds and not group.sitemaps:
            continue
        deployments.append(
            ingest_feeds.to_deployment(
                name=group.name,
                schedules=[Cron(group.cron, timezone=group.timezone)],
                parameters={
                    "feeds": list(group.feeds),
                    "sitemaps": list(group.sitemaps),
                    "database_url": database_url,
                    "config_path": config_path,
                },
                description=f"Poll the {len(group.feeds)} feed(s) and {len(group.sitemaps)} "
                f"sitemap(s) of group {group.name!r}.",
                tags=["newscorpus", "feeds"],
            )
        )
    return deployments


def on_demand_deployment(
    database_url: str | None = None, config_path: str | None = None
) -> RunnerDeployment:
    """`ingest_urls/on-demand`: no schedule; started from the UI (or `prefect deployment run
    'ingest_urls/on-demand' --param urls=[...]`) with the URLs to ingest."""
    return ingest_urls.to_deployment(
        name=ON_DEMAND,
        parameters={"urls": [], "database_url": database_url, "config_path": config_path},
        description="Fetch and ingest a list of article URLs: start a custom run with `urls`.",
        tags=["newscorpus", "urls"],
    )


def serve_deployments(deployments: list[RunnerDeployment]) -> None:
    """Register the deployments and run their flow runs until interrupted."""
    serve(*deployments)
