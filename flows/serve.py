"""`newscorpus serve`: one scheduled deployment of `ingest_feeds` per configured feed group,
served by this process with `prefect.serve` (runs appear in the Prefect UI)."""

from __future__ import annotations

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from fetching.groups import feed_groups
from flows.ingest_feeds import ingest_feeds
from newscorpus.settings import Settings, SettingsError


def feed_deployments(
    settings: Settings, database_url: str | None = None, config_path: str | None = None
) -> list[RunnerDeployment]:
    """A deployment `ingest_feeds/<group>` on the group's cron for each group with feeds."""
    deployments = []
    for group in feed_groups(settings):
        if not group.feeds:
            continue
        deployments.append(
            ingest_feeds.to_deployment(
                name=group.name,
                schedules=[Cron(group.cron, timezone=group.timezone)],
                parameters={
                    "feeds": list(group.feeds),
                    "database_url": database_url,
                    "config_path": config_path,
                },
                description=f"Poll the {len(group.feeds)} feed(s) of group {group.name!r}.",
                tags=["newscorpus", "feeds"],
            )
        )
    if not deployments:
        raise SettingsError(
            f"no feed group with feeds in {settings.source}: add a [[feeds.groups]] table "
            "with name, cron and feeds (see docs/fetching.md)"
        )
    return deployments


def serve_feed_groups(
    settings: Settings, database_url: str | None = None, config_path: str | None = None
) -> None:
    """Register the deployments and run their scheduled flow runs until interrupted."""
    serve(*feed_deployments(settings, database_url, config_path))
