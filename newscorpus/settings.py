"""Load settings: the shipped `config/newscorpus.toml` with the user's file merged over it."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from config import DEFAULT_CONFIG_FILE

DEFAULT_CONFIG_PATH = "config/newscorpus.toml"


class SettingsError(ValueError):
    """A configuration file is missing, unreadable or has a wrong key."""


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise SettingsError(f"cannot read config file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from exc


def reject_unknown_keys(table: dict[str, Any], allowed: Iterable[str], where: str) -> None:
    """A SettingsError naming the keys of `table` that are not `allowed`: a misspelt key must
    not silently fall back to a default (and loosen a limit)."""
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise SettingsError(f"{where}: unknown key(s) {unknown}")


@dataclass(frozen=True)
class Settings:
    """Merged configuration; each module reads its own section with `section()`."""

    data: dict[str, Any] = field(default_factory=dict)
    source: str = str(DEFAULT_CONFIG_FILE)

    def section(self, name: str, allowed: Iterable[str] | None = None) -> dict[str, Any]:
        """The table `[name]` (empty when absent); with `allowed`, other keys are an error."""
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise SettingsError(f"[{name}] in {self.source} must be a table")
        if allowed is not None:
            reject_unknown_keys(value, allowed, f"[{name}] in {self.source}")
        return value

    def get(self, section: str, key: str, default: Any = None) -> Any:
        return self.section(section).get(key, default)

    @property
    def database_url(self) -> str:
        return os.environ.get("NEWSCORPUS_DATABASE_URL") or self.get("database", "url")


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Shipped defaults, overridden by `path`, else `$NEWSCORPUS_CONFIG`, else
    `config/newscorpus.toml` in the working directory when it exists."""
    defaults = _read_toml(DEFAULT_CONFIG_FILE)
    explicit = path or os.environ.get("NEWSCORPUS_CONFIG")
    candidate = Path(explicit) if explicit else Path(DEFAULT_CONFIG_PATH)
    if not candidate.exists():
        if explicit:
            raise SettingsError(f"config file {candidate} does not exist")
        return Settings(defaults)
    if candidate.resolve() == DEFAULT_CONFIG_FILE:
        return Settings(defaults)
    return Settings(_merge(defaults, _read_toml(candidate)), source=str(candidate))


def build_section(cls: type, settings: Settings, name: str) -> Any:
    """Instantiate dataclass `cls` from `[name]`, with a clear error for unknown keys."""
    return cls(**settings.section(name, {f.name for f in fields(cls)}))
