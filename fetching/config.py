"""Fetch settings: the `[fetch]` config section plus the NEWSCORPUS_FETCH_ALLOW_HOSTS override."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from newscorpus.settings import Settings

ALLOW_HOSTS_ENV = "NEWSCORPUS_FETCH_ALLOW_HOSTS"


@dataclass(frozen=True)
class FetchConfig:
    """HTTP limits and manners. Every network wait is bounded here, on the client itself:
    a Prefect task timeout cannot interrupt blocking I/O."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    write_timeout: float = 10.0
    pool_timeout: float = 10.0
    # Wall-clock ceiling for one response body, against servers that drip bytes slowly.
    max_fetch_seconds: float = 120.0
    max_body_bytes: int = 10_000_000
    max_redirects: int = 5
    retries: int = 3
    backoff_seconds: float = 1.0
    backoff_max_seconds: float = 60.0
    retry_after_max_seconds: float = 120.0
    min_host_interval_seconds: float = 1.0
    # A site whose robots.txt asks for a longer Crawl-delay is skipped (with the reason).
    max_crawl_delay_seconds: float = 30.0
    user_agent: str = "newscorpus/0.1 (+https://example.invalid/newscorpus)"
    obey_robots: bool = True
    allow_hosts: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchConfig:
        """`[fetch]` over the defaults; a non-empty NEWSCORPUS_FETCH_ALLOW_HOSTS replaces
        `allow_hosts`. Unknown keys are an error, so a typo cannot silently loosen a limit."""
        values = dict(settings.section("fetch", {f.name for f in fields(cls)}))
        env = os.environ.get(ALLOW_HOSTS_ENV, "")
        if env.strip():
            values["allow_hosts"] = env.split(",")
        values["allow_hosts"] = tuple(
            host.strip().lower() for host in values.get("allow_hosts", ()) if host.strip()
        )
        return cls(**values)
