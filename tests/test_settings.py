"""Settings: the user's file over the shipped defaults; misspelt keys are errors, not defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import SettingsError, load_settings
from extractors import ExtractionConfig


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_users_keys_override_the_defaults_and_the_rest_stay(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "[extraction]\nmax_input_bytes = 1000\n"))
    config = ExtractionConfig.from_settings(settings)
    assert config.max_input_bytes == 1000
    assert config.max_html_chars == ExtractionConfig.max_html_chars
    assert settings.database.url == "sqlite:///./data/newscorpus.db"


@pytest.mark.parametrize(
    ("text", "build", "where"),
    [
        ("[extraction]\nmax_input_byte = 1\n", ExtractionConfig.from_settings, "[extraction]"),
        ("[language]\nsed = 1\n", ExtractionConfig.from_settings, "[language]"),
        ("[fetch]\nmax_body = 1\n", lambda s: s.fetch, "[fetch]"),
        ("[dedup]\njacard_threshold = 0.1\n", lambda s: s.dedup, "[dedup]"),
    ],
)  # fmt: skip
def test_a_misspelt_key_is_an_error_naming_it(tmp_path: Path, text: str, build, where: str) -> None:
    misspelt = text.split("\n")[1].split(" =")[0]
    with pytest.raises(
        SettingsError, match=rf"\{where} in .*my.toml: unknown key\(s\) \['{misspelt}'\]"
    ):
        build(load_settings(write(tmp_path, text)))


def test_a_missing_or_broken_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "absent.toml")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(write(tmp_path, "[extraction\n"))
