"""The metadata rules (`config/rules/metadata.toml`): schema.org types, separators, name shapes."""

from __future__ import annotations

import tomllib
from functools import cache
from typing import Any

from config import RULES_DIR


@cache
def metadata_rules() -> dict[str, Any]:
    """The parsed `metadata.toml`, read once."""
    with (RULES_DIR / "metadata.toml").open("rb") as handle:
        return tomllib.load(handle)
