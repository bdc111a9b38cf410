"""Load settings: the user's TOML file and `NEWSCORPUS_*` environment variables over the models'
defaults, all of it checked at once. Every environment variable of newscorpus is read here.

A mistake becomes one `SettingsError` line naming the file (or variable), the section, the key
and the problem, e.g. `[dedup] in my.toml: num_perm = '128': must be an integer`.
"""

from __future__ import annotations

import os
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from config.errors import SettingsError, describe, read_toml
from config.models import Settings
from config.rules import check_rule_files

ENV_PREFIX = "NEWSCORPUS_"
CONFIG_ENV = "NEWSCORPUS_CONFIG"
# Read when it exists and neither --config nor NEWSCORPUS_CONFIG names a file.
DEFAULT_CONFIG_PATH = "config/newscorpus.toml"
DEFAULTS_SOURCE = "the shipped defaults"


def _env_value(raw: str, annotation: Any) -> Any:
    """An environment string as the value a TOML file would give: strings stay strings, lists
    of strings are comma-separated, anything else is read as a TOML value (`64`, `true`,
    `0.5`, `[{name = "x", ...}]`) and left a string, to be refused with its name, if it is none."""
    if annotation is str:
        return raw
    if typing.get_origin(annotation) is tuple and typing.get_args(annotation)[0] is str:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    try:
        return tomllib.loads(f"value = {raw}")["value"]
    except tomllib.TOMLDecodeError:
        return raw


def environment_overrides(environ: Mapping[str, str]) -> dict[str, dict[str, tuple[str, Any]]]:
    """`{section: {key: (variable, value)}}` from non-empty `NEWSCORPUS_<SECTION>_<KEY>`
    variables. Variables naming no section (NEWSCORPUS_CONFIG, other tools') are not ours;
    an unknown key of a known section is kept so that validation refuses it by name."""
    found: dict[str, dict[str, tuple[str, Any]]] = {}
    for variable, raw in environ.items():
        if not variable.startswith(ENV_PREFIX) or not raw.strip():
            continue
        name = variable[len(ENV_PREFIX) :].lower()
        for section, field in Settings.model_fields.items():
            if name.startswith(section + "_"):
                key = name[len(section) + 1 :]
                model = typing.cast(type[BaseModel], field.annotation)
                known = model.model_fields.get(key)
                value = _env_value(raw, known.annotation if known else str)
                found.setdefault(section, {})[key] = (variable, value)
    return found


def settings_from(
    tables: Mapping[str, Any],
    source: str = DEFAULTS_SOURCE,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from parsed TOML `tables` (missing keys keep their defaults) with the
    `NEWSCORPUS_*` overrides found in `environ`; a SettingsError for the first mistake."""
    env = environment_overrides(environ or {})
    merged = dict(tables)
    for section, values in env.items():
        table = merged.get(section, {})
        if isinstance(table, dict):
            merged[section] = {**table, **{key: value for key, (_, value) in values.items()}}
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        raise SettingsError(describe(exc, source, tuple(Settings.model_fields), env)) from None
    settings._source = source
    return settings


def load_settings(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """The file `path`, else `$NEWSCORPUS_CONFIG`, else `config/newscorpus.toml` in the working
    directory when it exists, over the defaults, with `NEWSCORPUS_*` overrides; then the rule
    files the settings name. Everything is checked here, before any work starts."""
    environ = os.environ if environ is None else environ
    explicit = path or environ.get(CONFIG_ENV)
    candidate = Path(explicit) if explicit else Path(DEFAULT_CONFIG_PATH)
    if not candidate.exists():
        if explicit:
            raise SettingsError(f"config file {candidate} does not exist")
        settings = settings_from({}, DEFAULTS_SOURCE, environ)
    else:
        settings = settings_from(read_toml(candidate), str(candidate), environ)
    check_rule_files(settings.extraction.rule_languages)
    return settings
