"""The shape of the rule files in `rules/`: their tables, keys and types, and that every
pattern compiles. `check_rule_files` runs when the settings load, so a broken rule file stops
the command with one line instead of failing every input of a run."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from config.errors import SettingsError, describe, read_toml
from config.models import Strings, list_to_tuple
from config.paths import RULES_DIR


def _compiles(patterns: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in patterns:
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from None
    return patterns


def _compiles_one(pattern: str) -> str:
    return _compiles((pattern,))[0]


Patterns = Annotated[Strings, AfterValidator(_compiles)]
Pattern = Annotated[str, AfterValidator(_compiles_one)]
Count = Annotated[int, Field(ge=0)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]


class RuleTable(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class SectionRules(RuleTable):
    """`[sections]`: headings after which only comments follow, headings of teaser lists."""

    end: Patterns = ()
    teasers: Patterns = ()


class HeaderRules(RuleTable):
    """`[header]`: site taglines, byline prefixes and the words joining author names."""

    taglines: Patterns = ()
    bylines: Patterns = ()
    name_joiners: Patterns = ()


def _twelve_months(months: tuple[Strings, ...]) -> tuple[Strings, ...]:
    if months and len(months) != 12:
        raise ValueError(f"needs 12 lists of month names (January first), not {len(months)}")
    return months


class DateRules(RuleTable):
    """`[dates]`: date-line prefixes, month names (one list per month), weekdays, fillers."""

    prefixes: Patterns = ()
    months: Annotated[
        tuple[Strings, ...], BeforeValidator(list_to_tuple), AfterValidator(_twelve_months)
    ] = ()
    weekdays: Strings = ()
    fillers: Strings = ()


class LanguageRules(RuleTable):
    """A language file (`en.toml`, ...): debris line patterns by kind and the tables above."""

    lines: dict[str, Patterns] = {}
    sections: SectionRules = SectionRules()
    header: HeaderRules = HeaderRules()
    dates: DateRules = DateRules()


class HtmlStructure(RuleTable):
    drop_tags: Strings
    widget_words: Strings
    follow_prose_chars: Count
    heading_prose_chars: Count
    follow_past_debris: Strings
    prose_line_chars: Count
    lost_body_share: Share
    link_list_items: Count
    link_cluster_links: Count
    link_list_share: Share
    link_text_share: Share
    max_control_box_chars: Count
    max_teaser_article_chars: Count
    content_words: Strings
    box_words: Strings
    max_long_paragraphs: Count
    long_paragraph_chars: Count
    max_widget_chars: Count
    min_widget_link_share: Share
    contact_plea_chars: Count
    contact_plea_words: Count


class TextStructure(RuleTable):
    sentence_cost: float
    fragment_cost: float
    wrapped_line_chars: Count
    edge_fragment_cost: float
    edge_max_debt: float
    bridge_back_lines: Count
    bridge_back_share: Share
    bridge_forward_lines: Count
    bridge_forward_share: Share
    debris_cost: float
    cjk_weight: float = Field(ge=1.0)
    short_line_chars: Count
    menu_run_lines: Count
    menu_item_words: Count
    label_repeats: int = Field(ge=2)
    glued_links: Count
    glued_link_words: Count
    glued_teaser_run: Count
    max_edge_fragments: Count
    min_core_score: float
    min_core_lines: Count
    boundary_overrule: float = Field(ge=1.0)
    bridge_gap_lines: Count
    bridge_share: Share
    title_lookback: Count
    list_marks: Count
    list_rows: Count
    list_pair_marks: Count
    list_row_cost: float
    printed_again_chars: Count
    bridge_paragraph_score: float


class DateStructure(RuleTable):
    max_stamp_chars: Count
    time: Pattern
    year: Pattern


class CaptionStructure(RuleTable):
    bracket_credit: Pattern


class BylineStructure(RuleTable):
    max_authors: int = Field(ge=1)
    max_name_words: int = Field(ge=1)
    name_particles: Strings
    edge_paragraphs: Count


class Structure(RuleTable):
    """`structure.toml`: the language-independent settings; every key is required."""

    html: HtmlStructure
    text: TextStructure
    dates: DateStructure
    captions: CaptionStructure
    bylines: BylineStructure


class JsonLdRules(RuleTable):
    article_types: Strings
    organization_types: Strings


class TitleRules(RuleTable):
    separators: Patterns
    max_affixes: Count
    heading_tags: Strings
    min_shortened_share: float = Field(gt=0, le=1)
    min_site_links: int = Field(ge=1)
    max_chars: int = Field(ge=1)
    max_affix_words: Count


class AuthorRules(RuleTable):
    max_name_words: int = Field(ge=1)
    description_lower_words: int = Field(ge=1)
    byline_prose_chars: int = Field(ge=1)
    name_particles: Strings


class MetadataRules(RuleTable):
    """`metadata.toml`: the language-independent title, author and JSON-LD rules."""

    jsonld: JsonLdRules
    title: TitleRules
    authors: AuthorRules


@lru_cache(maxsize=32)
def _check(path: Path, model: type[RuleTable], stamp: tuple[int, int]) -> None:
    try:
        model.model_validate(read_toml(path))
    except ValidationError as exc:
        raise SettingsError(describe(exc, str(path), tuple(model.model_fields))) from None


def check_rule_files(languages: tuple[str, ...], rules_dir: Path = RULES_DIR) -> None:
    """A SettingsError for the first problem in `structure.toml`, `metadata.toml` or a
    language file in use (each file is checked once per change)."""
    files = [
        (rules_dir / "structure.toml", Structure),
        (rules_dir / "metadata.toml", MetadataRules),
    ]
    files += [(rules_dir / f"{code}.toml", LanguageRules) for code in languages]
    for path, model in files:
        try:
            stat = path.stat()
        except OSError as exc:
            raise SettingsError(f"cannot read rule file {path}: {exc.strerror}") from exc
        _check(path, model, (stat.st_mtime_ns, stat.st_size))
