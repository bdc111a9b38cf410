"""Configuration, the lowest layer: typed settings models with every default, the commented
`newscorpus.toml` users copy and edit, and the per-language rule lists under `rules/`.

`load_settings()` reads the user's file over the defaults plus `NEWSCORPUS_*` environment
overrides and checks all of it (and the rule files) before any work starts.
"""

from config.errors import SettingsError
from config.loading import ENV_PREFIX, load_settings, settings_from
from config.models import (
    DatabaseSettings,
    DedupSettings,
    ExtractionSettings,
    FeedGroup,
    FeedsSettings,
    FetchSettings,
    LanguageSettings,
    PipelineSettings,
    Settings,
)
from config.paths import CONFIG_DIR, DEFAULT_CONFIG_FILE, RULES_DIR

__all__ = [
    "CONFIG_DIR",
    "DEFAULT_CONFIG_FILE",
    "ENV_PREFIX",
    "RULES_DIR",
    "DatabaseSettings",
    "DedupSettings",
    "ExtractionSettings",
    "FeedGroup",
    "FeedsSettings",
    "FetchSettings",
    "LanguageSettings",
    "PipelineSettings",
    "Settings",
    "SettingsError",
    "load_settings",
    "settings_from",
]
