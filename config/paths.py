"""Where the shipped configuration lives."""

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG_FILE = CONFIG_DIR / "newscorpus.toml"
RULES_DIR = CONFIG_DIR / "rules"
