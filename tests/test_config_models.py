"""The settings models: defaults equal the shipped file, strict types, ranges and names, one-line
errors naming file, section and key, NEWSCORPUS_* overrides, and the rule files' shape."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from config import (
    DEFAULT_CONFIG_FILE,
    RULES_DIR,
    Settings,
    SettingsError,
    load_settings,
    settings_from,
)
from config.paths import rule_languages_shipped
from config.rules import check_rule_files


def write(tmp_path: Path, text: str, name: str = "my.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_file_holds_every_key_with_the_models_defaults() -> None:
    with DEFAULT_CONFIG_FILE.open("rb") as handle:
        shipped = tomllib.load(handle)
    defaults = Settings().model_dump()
    assert {section: set(keys) for section, keys in shipped.items()} == {
        section: set(keys) for section, keys in defaults.items()
    }
    assert settings_from(shipped) == Settings()


def test_the_shipped_rule_files_are_valid() -> None:
    languages = tuple(rule_languages_shipped())
    assert set(languages) >= set(Settings().extraction.rule_languages)
    check_rule_files(languages)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[database]\nurll = "sqlite:///x.db"',
            r"\[database\] in .*my.toml: unknown key\(s\) \['urll'\]",
        ),
        (
            "[pipeline]\nbatchsize = 8",
            r"\[pipeline\] in .*my.toml: unknown key\(s\) \['batchsize'\]",
        ),
        ("[feeds]\ngroup = []", r"\[feeds\] in .*my.toml: unknown key\(s\) \['group'\]"),
        ("[dedupe]\nnum_perm = 64", r"my.toml: unknown section \[dedupe\] \(known: database, "),
        ("dedup = 3", r"\[dedup\] in .*my.toml: must be a table"),
        (
            "[pipeline]\nbatch_size = 0",
            r"\[pipeline\] .*batch_size = 0: must be greater than or equal to 1",
        ),
        ("[pipeline]\nbatch_size = -5", r"batch_size = -5: must be greater than or equal to 1"),
        ('[pipeline]\nbatch_size = "sixty-four"', r"batch_size = 'sixty-four': must be an integer"),
        ("[pipeline]\nbatch_size = 8.0", r"batch_size = 8.0: must be an integer"),
        ('[dedup]\nnum_perm = "128"', r"\[dedup\] .*num_perm = '128': must be an integer"),
        ("[dedup]\nnum_perm = 8", r"num_perm = 8: must be greater than or equal to 16"),
        (
            '[extraction]\nmax_input_bytes = "20MB"',
            r"\[extraction\] .*max_input_bytes = '20MB': must be an integer",
        ),
        (
            "[extraction]\nmax_input_bytes = -1",
            r"max_input_bytes = -1: must be greater than or equal to 1",
        ),
        ('[dedup]\nnear_duplicates = "no"', r"near_duplicates = 'no': must be true or false"),
        ("[dedup]\nnear_duplicates = 0", r"near_duplicates = 0: must be true or false"),
        (
            '[extraction]\nrule_languages = ["xx"]',
            r"rule_languages = \['xx'\]: no rule file for 'xx' .*\(known: de, en, es, fr, ru\)",
        ),
        ('[extraction]\nrule_languages = "en"', r"rule_languages = 'en': must be a list"),
        ('[fetch]\nretries = "three"', r"\[fetch\] .*retries = 'three': must be an integer"),
        ("[fetch]\nread_timeout = 0", r"read_timeout = 0: must be greater than 0"),
        ('[fetch]\nallow_hosts = "127.0.0.1"', r"allow_hosts = '127.0.0.1': must be a list"),
        ('[dedup]\nindex = "sqlite"', r"index = 'sqlite': must be 'memory' or 'redis'"),
        (
            "[dedup]\njaccard_threshold = 1.5",
            r"jaccard_threshold = 1.5: must be less than or equal to 1",
        ),
        (
            '[dedup]\nredis_url = "localhost:6379"',
            r"redis_url = 'localhost:6379': must start with redis://",
        ),
        ('[database]\nurl = "not a url"', r"url = 'not a url': not an SQLAlchemy database URL"),
        ('[language]\nmin_chars = "20"', r"\[language\] .*min_chars = '20': must be an integer"),
        (
            '[[feeds.groups]]\nname = "a"\ncron = "* * * * *"\ntimezone = "Mars/Olympus"',
            r"\[\[feeds.groups\]\] #1 in .*timezone = 'Mars/Olympus': unknown time zone",
        ),
        (
            '[[feeds.groups]]\nname = "a"\ncron = "* * * * *"\n'
            '[[feeds.groups]]\nname = "a"\ncron = "0 * * * *"',
            r"the name 'a' is used twice",
        ),
    ],
)
def test_each_mistake_is_one_line_naming_file_section_key_and_problem(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(SettingsError, match=expected) as caught:
        load_settings(write(tmp_path, text), environ={})
    assert "\n" not in str(caught.value)


def test_several_mistakes_are_counted_on_the_one_line(tmp_path: Path) -> None:
    text = '[pipeline]\nbatch_size = 0\n[dedup]\nnum_perm = "128"\nseed = -1\n'
    with pytest.raises(SettingsError, match=r"batch_size = 0: .* \(and 2 more problems\)$"):
        load_settings(write(tmp_path, text), environ={})


def test_the_users_file_keeps_the_other_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "[dedup]\nnum_perm = 64\n"), environ={})
    assert settings.dedup.num_perm == 64
    assert settings.dedup.seed == Settings().dedup.seed
    assert settings.pipeline == Settings().pipeline
    assert settings.source.endswith("my.toml")


def test_environment_overrides_every_kind_of_key(tmp_path: Path) -> None:
    user = write(tmp_path, "[pipeline]\nbatch_size = 8\n[fetch]\nallow_hosts = ['a.example']\n")
    environ = {
        "NEWSCORPUS_CONFIG": str(user),
        "NEWSCORPUS_DATABASE_URL": "sqlite:///elsewhere.db",
        "NEWSCORPUS_PIPELINE_BATCH_SIZE": "16",
        "NEWSCORPUS_DEDUP_NEAR_DUPLICATES": "false",
        "NEWSCORPUS_DEDUP_JACCARD_THRESHOLD": "0.5",
        "NEWSCORPUS_EXTRACTION_RULE_LANGUAGES": "en, de",
        "NEWSCORPUS_FETCH_ALLOW_HOSTS": " 127.0.0.1, Intranet.Example ,",
        "NEWSCORPUS_FETCH_USER_AGENT": "bot/1 (+https://x.example)",
        "NEWSCORPUS_FEEDS_GROUPS": '[{name = "w", cron = "0 * * * *", feeds = ["https://a/x"]}]',
        "NEWSCORPUS_LANGUAGE_SEED": "",  # empty: not set
        "NEWSCORPUS_HOME": "/elsewhere",  # not a section: another tool's variable
        "NEWSCORPUS_CONFIG_FILE": "compose.toml",
    }
    settings = load_settings(environ=environ)
    assert settings.source == str(user)
    assert settings.database.url == "sqlite:///elsewhere.db"
    assert settings.pipeline.batch_size == 16
    assert settings.dedup.near_duplicates is False
    assert settings.dedup.jaccard_threshold == 0.5
    assert settings.extraction.rule_languages == ("en", "de")
    assert settings.fetch.allow_hosts == ("127.0.0.1", "intranet.example")
    assert settings.fetch.user_agent == "bot/1 (+https://x.example)"
    assert settings.feeds.all_feeds() == ["https://a/x"]
    assert settings.language.seed == Settings().language.seed


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (
            "NEWSCORPUS_PIPELINE_BATCH_SIZE",
            "0",
            r"\[pipeline\] in NEWSCORPUS_PIPELINE_BATCH_SIZE: batch_size = 0: must be greater",
        ),
        (
            "NEWSCORPUS_PIPELINE_BATCH_SIZE",
            "sixty-four",
            r"NEWSCORPUS_PIPELINE_BATCH_SIZE: batch_size = 'sixty-four': must be an integer",
        ),
        (
            "NEWSCORPUS_DEDUP_NEAR_DUPLICATES",
            "no",
            r"NEWSCORPUS_DEDUP_NEAR_DUPLICATES: near_duplicates = 'no': must be true or false",
        ),
        (
            "NEWSCORPUS_DEDUP_NUM_PERMS",
            "64",
            r"\[dedup\] in NEWSCORPUS_DEDUP_NUM_PERMS: unknown key\(s\) \['num_perms'\]",
        ),
        (
            "NEWSCORPUS_EXTRACTION_RULE_LANGUAGES",
            "en,xx",
            r"NEWSCORPUS_EXTRACTION_RULE_LANGUAGES: rule_languages = .*no rule file for 'xx'",
        ),
        (
            "NEWSCORPUS_CONFIG",
            "/nonexistent/newscorpus.toml",
            r"config file /nonexistent/newscorpus.toml does not exist",
        ),
    ],
)
def test_a_bad_environment_variable_is_named(variable: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError, match=expected):
        load_settings(environ={variable: value})


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        (
            "en.toml",
            '"share( this| the)?',
            '"share( this',
            r"\[lines\] in .*en.toml: share: 'share\( this\( article.*"
            r"is not a valid regular expression: missing \)",
        ),
        (
            "en.toml",
            "[sections]",
            "[section]",
            r"en.toml: unknown section \[section\] \(known: lines, sections, header, dates\)",
        ),
        (
            "de.toml",
            "name_joiners =",
            "name_joiner =",
            r"\[header\] in .*de.toml: unknown key\(s\) \['name_joiner'\]",
        ),
        (
            "fr.toml",
            "months = [[",
            'months = [["extra"], [',
            r"\[dates\] in .*fr.toml: months: needs 12 lists of month names",
        ),
        (
            "structure.toml",
            "max_authors = 4",
            'max_authors = "4"',
            r"\[bylines\] in .*structure.toml: max_authors = '4': must be an integer",
        ),
        (
            "structure.toml",
            "max_stamp_chars = 70\n",
            "",
            r"\[dates\] in .*structure.toml: needs a max_stamp_chars",
        ),
        (
            "structure.toml",
            "year = '(19|20)",
            "year = '(19|20",
            r"structure.toml: year = .*is not a valid regular expression",
        ),
    ],
)
def test_a_broken_rule_file_is_named_with_its_table_and_key(
    rules_copy: Path, name: str, old: str, new: str, expected: str
) -> None:
    path = rules_copy / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SettingsError, match=expected) as caught:
        check_rule_files(("en", "de", "fr"), rules_copy)
    assert "\n" not in str(caught.value)


def test_settings_are_immutable() -> None:
    settings = Settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.pipeline.batch_size = 1  # type: ignore[misc]
