"""`newscorpus serve`: one scheduled deployment of `ingest_feeds` per configured feed group,
plus an on-demand `ingest_urls` deployment, served by this process with `prefect.serve`
(runs appear in the Prefect UI, where the on-demand one is started with a list of URLs)."""

from __future__ import annotations

from prefect import get_client, serve
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterName,
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import (
    ConcurrencyLimitConfig,
    ConcurrencyLimitStrategy,
    StateType,
)
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron
from prefect.states import Cancelled

from config import Settings
from corpus.store import open_existing_store
from flows.ingest_feeds import ingest_feeds
from flows.ingest_urls import ingest_urls

ON_DEMAND = "on-demand"


def feed_deployments(
    settings: Settings, database_url: str | None = None, config_path: str | None = None
) -> list[RunnerDeployment]:
    """A deployment `ingest_feeds/<group>` on the group's cron for each group with feeds. A
    group polls once at a time: a poll that comes due while the last one still runs is
    cancelled (it would find what that one is storing), never run beside it."""
    deployments = []
    for group in settings.feeds.groups:
        if not group.feeds and not group.sitemaps:
            continue
        deployments.append(
            RunnerDeployment.from_flow(
                ingest_feeds,
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
                concurrency_limit=ConcurrencyLimitConfig(
                    limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
                ),
            )
        )
    return deployments


def on_demand_deployment(
    database_url: str | None = None, config_path: str | None = None
) -> RunnerDeployment:
    """`ingest_urls/on-demand`: no schedule; started from the UI (or `prefect deployment run
    'ingest_urls/on-demand' --param urls=[...]`) with the URLs to ingest."""
    return RunnerDeployment.from_flow(
        ingest_urls,
        name=ON_DEMAND,
        parameters={"urls": [], "database_url": database_url, "config_path": config_path},
        description="Fetch and ingest a list of article URLs: start a custom run with `urls`.",
        tags=["newscorpus", "urls"],
    )


def serve_deployments(deployments: list[RunnerDeployment], database_url: str) -> None:
    """Register the deployments and run their flow runs until interrupted (Ctrl-C, SIGTERM);
    runs the interruption cut short end Cancelled in Prefect and `cancelled` in the corpus."""
    try:
        serve(*deployments)
    finally:
        cancelled = cancel_unfinished_runs(deployments)
        if cancelled:
            with open_existing_store(database_url) as store:
                store.cancel_running(cancelled)


def cancel_unfinished_runs(deployments: list[RunnerDeployment]) -> list[str]:
    """Set the deployments' pending, running or crashed flow runs Cancelled; their ids."""
    names = [d.name for d in deployments]
    flows = list({d.flow_name for d in deployments if d.flow_name})
    unfinished = [StateType.PENDING, StateType.RUNNING, StateType.CRASHED, StateType.CANCELLING]
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=flows)),
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=names)),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=unfinished))
            ),
        )
        for run in runs:
            message = "newscorpus serve was stopped during this run"
            client.set_flow_run_state(run.id, Cancelled(message=message), force=True)
    return [str(run.id) for run in runs]
