"""Typed settings: one model per section of `newscorpus.toml`, the single source of every default.

Every model is strict (a TOML string is never read as a number or a boolean), refuses keys it
does not know (a misspelt key must not silently fall back to a default) and checks ranges and
names. To add a setting, add a field here with its default and a line in `newscorpus.toml`
(`tests/test_config_models.py` keeps the two equal).
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
)
from pydantic_core import PydanticCustomError

from config.paths import RULES_DIR, rule_languages_shipped


def list_to_tuple(value: Any) -> Any:
    """TOML arrays arrive as lists; the models keep tuples (immutable, hashable)."""
    return tuple(value) if isinstance(value, list) else value


def _strip_entries(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(value.strip() for value in values if value.strip())


Strings = Annotated[tuple[str, ...], BeforeValidator(list_to_tuple)]
NonEmpty = Annotated[str, Field(min_length=1)]
Share = Annotated[float, Field(gt=0.0, le=1.0)]


class Section(BaseModel):
    """A config table: strict types, no unknown keys, immutable once loaded."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class DatabaseSettings(Section):
    """`[database]`: where the corpus is stored."""

    url: NonEmpty = "sqlite:///./data/newscorpus.db"

    @field_validator("url")
    @classmethod
    def _is_a_database_url(cls, url: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(url)
        except ArgumentError as exc:
            raise ValueError(f"not an SQLAlchemy database URL ({exc})") from None
        return url


Runner = Literal["processes", "sequential", "dask"]
RUNNERS: tuple[str, ...] = typing.get_args(Runner)


class PipelineSettings(Section):
    """`[pipeline]`: how inputs are batched into Prefect tasks and where extraction runs:
    `processes` (worker processes on this machine, `workers` of them, 0 for one per core),
    `sequential` (everything in the flow's process) or `dask` (a dask.distributed cluster: the
    scheduler at `dask_address`, or a local cluster of `workers` processes when it is empty).
    Storing and dedup always run in the flow's process, one batch after the other."""

    batch_size: int = Field(64, ge=1)
    runner: Runner = "processes"
    workers: int = Field(0, ge=0)
    dask_address: str = ""

    @field_validator("dask_address")
    @classmethod
    def _is_a_scheduler_address(cls, address: str) -> str:
        if address and "://" not in address:
            raise ValueError(f"{address!r} is not a scheduler address (tcp://HOST:PORT)")
        return address


def _known_rule_languages(codes: tuple[str, ...]) -> tuple[str, ...]:
    known = rule_languages_shipped()
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValueError(
            f"no rule file for {', '.join(map(repr, unknown))} in {RULES_DIR} "
            f"(known: {', '.join(known)})"
        )
    return codes


class ExtractionSettings(Section):
    """`[extraction]`: input limits and the debris rule languages."""

    max_input_bytes: int = Field(20_000_000, ge=1)
    min_text_chars: int = Field(1, ge=0)
    max_html_chars: int = Field(2_000_000, ge=1)
    max_tree_elements: int = Field(60_000, ge=1)
    max_text_chars: int = Field(2_000_000, ge=1)
    rule_languages: Annotated[Strings, AfterValidator(_known_rule_languages)] = (
        "en", "de", "fr", "es", "ru",
    )  # fmt: skip


class LanguageSettings(Section):
    """`[language]`: language detection."""

    seed: int = Field(0, ge=0)
    min_chars: int = Field(20, ge=0)


def _lower_case_hosts(hosts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(host.lower() for host in _strip_entries(hosts))


class FetchSettings(Section):
    """`[fetch]`: HTTP limits and manners. Every network wait is bounded here, on the client
    itself: a Prefect task timeout cannot interrupt blocking I/O."""

    connect_timeout: float = Field(10.0, gt=0)
    read_timeout: float = Field(30.0, gt=0)
    write_timeout: float = Field(10.0, gt=0)
    pool_timeout: float = Field(10.0, gt=0)
    max_fetch_seconds: float = Field(120.0, gt=0)
    max_body_bytes: int = Field(10_000_000, ge=1)
    max_redirects: int = Field(5, ge=0)
    source_backoff_seconds: float = Field(1800.0, ge=0)
    source_backoff_max_seconds: float = Field(7 * 86400.0, ge=0)
    max_sitemap_depth: int = Field(3, ge=0)
    max_sitemaps: int = Field(1000, ge=1)
    max_sitemap_entries: int = Field(50_000, ge=1)
    discovery_paths: Strings = (
        "/feed", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml",
        "/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml",
    )  # fmt: skip
    retries: int = Field(3, ge=0)
    backoff_seconds: float = Field(1.0, ge=0)
    backoff_max_seconds: float = Field(60.0, ge=0)
    retry_after_max_seconds: float = Field(120.0, ge=0)
    min_host_interval_seconds: float = Field(1.0, ge=0)
    concurrent_fetches: int = Field(32, ge=1)
    concurrent_fetches_per_host: int = Field(1, ge=1)
    max_crawl_delay_seconds: float = Field(30.0, ge=0)
    user_agent: NonEmpty = "newscorpus/0.1 (+https://example.invalid/newscorpus)"
    obey_robots: bool = True
    allow_hosts: Annotated[Strings, AfterValidator(_lower_case_hosts)] = ()


def _cron(cron: str) -> str:
    if len(cron.split()) not in (5, 6):
        raise ValueError("needs a cron string such as '*/30 * * * *'")
    return cron


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (e.g. 'UTC', 'Europe/Paris')") from None
    return name


class FeedGroup(Section):
    """`[[feeds.groups]]`: feeds and sitemaps polled together on one schedule (`cron` in
    `timezone`)."""

    name: Annotated[str, AfterValidator(str.strip), Field(min_length=1)]
    cron: Annotated[str, AfterValidator(_cron)]
    feeds: Strings = ()
    sitemaps: Strings = ()
    timezone: Annotated[str, AfterValidator(_time_zone)] = "UTC"


class FeedsSettings(Section):
    """`[feeds]`: the feed groups `ingest-feeds` polls and `serve` schedules."""

    groups: Annotated[tuple[FeedGroup, ...], BeforeValidator(list_to_tuple)] = ()

    @field_validator("groups")
    @classmethod
    def _names_are_unique(cls, groups: tuple[FeedGroup, ...]) -> tuple[FeedGroup, ...]:
        names = [group.name for group in groups]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"the name {twice[0]!r} is used twice")
        return groups

    def all_feeds(self) -> list[str]:
        """Every feed of every group, each once, in config order."""
        return list(dict.fromkeys(feed for group in self.groups for feed in group.feeds))

    def all_sitemaps(self) -> list[str]:
        """Every sitemap of every group, each once, in config order."""
        return list(dict.fromkeys(url for group in self.groups for url in group.sitemaps))


def _redis_url(url: str) -> str:
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("must start with redis://, rediss:// or unix://")
    return url


class DedupSettings(Section):
    """`[dedup]`: exact and near-duplicate detection (see newscorpus.toml for each key)."""

    near_duplicates: bool = True
    num_perm: int = Field(128, ge=16)
    seed: int = Field(1, ge=0)
    word_shingle: int = Field(5, ge=1)
    char_shingle: int = Field(4, ge=1)
    lsh_threshold: Share = 0.2
    lsh_false_negative_weight: float = Field(0.7, gt=0.0, lt=1.0)
    jaccard_threshold: Share = 0.6
    containment_threshold: Share = 0.7
    min_shingles: int = Field(10, ge=0)
    min_containment_shingles: int = Field(30, ge=0)
    merge_size_ratio: Share = 0.5
    site_furniture_share: Share = 0.1
    site_furniture_min_pages: int = Field(1, ge=1)
    index: Literal["memory", "redis"] = "memory"
    redis_url: Annotated[str, AfterValidator(_redis_url)] = "redis://127.0.0.1:6379/0"
    redis_prefix: NonEmpty = "newscorpus"


class ExportSettings(Section):
    """`[export]`: the size of Parquet row groups and of the part files of a directory export."""

    row_group_rows: int = Field(10_000, ge=1)
    part_size_mb: int = Field(256, ge=1)


# Storage options that would put a secret in the settings file: credentials come from the
# environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...) or fsspec's own configuration.
SECRET_OPTIONS = frozenset(
    {"key", "secret", "token", "password", "session_token", "access_key", "secret_key",
     "aws_access_key_id", "aws_secret_access_key", "aws_session_token"}
)  # fmt: skip


# The error type of a refused credential: its message never repeats the value (config/errors.py).
CREDENTIALS_REFUSED = "credentials_refused"
_USE_THE_ENVIRONMENT = (
    "credentials do not go in the settings file; set them in the environment "
    "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)"
)


def _no_credentials_in_url(location: str) -> str:
    if "://" in location and "@" in location.split("://", 1)[1].split("/", 1)[0]:
        raise PydanticCustomError(
            CREDENTIALS_REFUSED, "user or password in the URL: " + _USE_THE_ENVIRONMENT
        )
    return location


def _no_secret_options(options: dict[str, Any]) -> dict[str, Any]:
    secrets = sorted(name for name in options if name.lower() in SECRET_OPTIONS)
    if secrets:
        raise PydanticCustomError(
            CREDENTIALS_REFUSED, f"{', '.join(secrets)}: {_USE_THE_ENVIRONMENT}"
        )
    return options


class ArchiveSettings(Section):
    """[archive]: every original (fetched page, imported file) kept in rolling WARC files, in a
    folder or at an fsspec URL (`s3://bucket/prefix`) opened with `storage_options`."""

    enabled: bool = True
    dir: Annotated[str, AfterValidator(_no_credentials_in_url)] = ""
    max_file_mb: int = Field(100, ge=1)
    storage_options: Annotated[
        dict[str, str | int | float | bool], AfterValidator(_no_secret_options)
    ] = Field(default_factory=dict)


class Settings(Section):
    """The whole configuration: one attribute per section; `source` names where it came from."""

    database: DatabaseSettings = DatabaseSettings()
    pipeline: PipelineSettings = PipelineSettings()
    extraction: ExtractionSettings = ExtractionSettings()
    language: LanguageSettings = LanguageSettings()
    fetch: FetchSettings = FetchSettings()
    feeds: FeedsSettings = FeedsSettings()
    dedup: DedupSettings = DedupSettings()
    export: ExportSettings = ExportSettings()
    archive: ArchiveSettings = ArchiveSettings()

    _source: str = PrivateAttr(default="the shipped defaults")

    @property
    def source(self) -> str:
        """The file (and environment variables) these settings were read from."""
        return self._source
