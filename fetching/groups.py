"""Feed groups from the config: `[[feeds.groups]]` tables, each a set of feeds on one cron."""

from __future__ import annotations

from dataclasses import dataclass

from newscorpus.settings import Settings, SettingsError, reject_unknown_keys


@dataclass(frozen=True)
class FeedGroup:
    """Feeds polled together on one schedule (`cron` in `timezone`)."""

    name: str
    cron: str
    feeds: tuple[str, ...]
    timezone: str = "UTC"


def feed_groups(settings: Settings) -> list[FeedGroup]:
    """Every configured group, checked: a name, a cron string, a list of feed URLs."""
    raw = settings.section("feeds").get("groups", [])
    if not isinstance(raw, list):
        raise SettingsError(f"[feeds] groups in {settings.source} must be an array of tables")
    groups, names = [], set()
    for number, table in enumerate(raw, start=1):
        where = f"[[feeds.groups]] #{number} in {settings.source}"
        if not isinstance(table, dict):
            raise SettingsError(f"{where} must be a table")
        reject_unknown_keys(table, {"name", "cron", "feeds", "timezone"}, where)
        name, cron, feeds = table.get("name"), table.get("cron"), table.get("feeds", [])
        if not isinstance(name, str) or not name.strip():
            raise SettingsError(f"{where} needs a name")
        if name in names:
            raise SettingsError(f"{where}: the name {name!r} is used twice")
        if not isinstance(cron, str) or len(cron.split()) not in (5, 6):
            raise SettingsError(f"{where} ({name}) needs a cron string such as '*/30 * * * *'")
        if not isinstance(feeds, list) or not all(isinstance(f, str) for f in feeds):
            raise SettingsError(f"{where} ({name}): feeds must be a list of URLs")
        names.add(name)
        groups.append(
            FeedGroup(name, cron, tuple(feeds), str(table.get("timezone", FeedGroup.timezone)))
        )
    return groups


def configured_feeds(settings: Settings) -> list[str]:
    """Every feed of every group, each once, in config order."""
    return list(dict.fromkeys(feed for group in feed_groups(settings) for feed in group.feeds))
