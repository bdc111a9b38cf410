"""Shipped defaults: `newscorpus.toml` and the per-language rule lists under `rules/`.

Users edit a copy (or this file in a checkout); `newscorpus.settings` merges theirs over these.
"""

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG_FILE = CONFIG_DIR / "newscorpus.toml"
RULES_DIR = CONFIG_DIR / "rules"
