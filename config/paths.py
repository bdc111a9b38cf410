"""Where the shipped configuration lives."""

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG_FILE = CONFIG_DIR / "newscorpus.toml"
RULES_DIR = CONFIG_DIR / "rules"
# Rule files that hold language-independent rules; every other `rules/*.toml` is a language.
SHARED_RULE_FILES = ("structure", "metadata")


def rule_languages_shipped(rules_dir: Path = RULES_DIR) -> list[str]:
    """The language codes that have a rule file in `rules_dir`, sorted."""
    return sorted(p.stem for p in rules_dir.glob("*.toml") if p.stem not in SHARED_RULE_FILES)
