"""Rule data for the cleaners, loaded from `config/rules/`: per-language phrases and structure.

Each language file (`en.toml`, `de.toml`, ...) lists whole-line regular expressions by kind;
the rules of every configured language apply together, because the language of a page is only
known after extraction. `structure.toml` holds the language-independent settings.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from config import RULES_DIR, ExtractionSettings
from extractors import regex_syntax

DEFAULT_LANGUAGES = ExtractionSettings().rule_languages
# Debris phrases are short; longer paragraphs are article text and are not matched at all.
MAX_DEBRIS_CHARS = 1200
_MEMO_SIZE = 50_000


def _whole_line(patterns: list[str]) -> re.Pattern[str] | None:
    """A pattern matching a line that is wholly one of `patterns`; None for no patterns."""
    return _any_whole_line(patterns) if patterns else None


def _any_whole_line(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\Z", re.IGNORECASE)


def fold_case(text: str) -> str:
    """`text` case-folded so that letters the regex engine matches case-insensitively become
    equal ("ß"/"ẞ", "ſ"/"s", "K" Kelvin/"k"), dotless "ı" and dotted "İ" included as "i"."""
    return text.casefold().replace("ı", "i").replace("\u0307", "")


def _first_literals(items: regex_syntax.ParsedPattern) -> set[str] | None:
    """Literal texts one of which starts any match of the parsed pattern `items` (leading word
    boundaries skipped, alternatives expanded), or None when it does not start with literal text."""
    starts = {""}
    for op, arg in items:
        if op is regex_syntax.LITERAL:
            starts = {start + chr(arg) for start in starts}
            continue
        if op is regex_syntax.AT and starts == {""}:
            continue
        if op is regex_syntax.SUBPATTERN:
            inner = _first_literals(arg[3])
        elif op is regex_syntax.BRANCH:
            branches = [_first_literals(branch) for branch in arg[1]]
            found = [branch for branch in branches if branch is not None]
            inner = set[str]().union(*found) if len(found) == len(branches) else None
        else:
            inner = None
        if inner is not None:
            starts = {start + text for start in starts for text in inner}
        break
    return None if "" in starts else starts


def required_words(pattern: str) -> frozenset[str] | None:
    """For a pattern that starts with a wildcard run (".{0,300}\\b(we|this site) uses cookies..."),
    the case-folded texts one of which a line must contain to match it; None for other patterns.
    Such patterns are slow (the regex engine tries every start of the run): a line containing
    none of these texts cannot match and is not tried."""
    items = list(regex_syntax.parse(pattern, re.IGNORECASE))
    if not items or items[0][0] is not regex_syntax.MAX_REPEAT:
        return None
    *_, repeated = items[0][1]
    if list(repeated) != [(regex_syntax.ANY, None)]:
        return None
    literals = _first_literals(items[1:])
    return frozenset(fold_case(text) for text in literals) if literals else None


@dataclass(frozen=True)
class LineKind:
    """The patterns of one debris kind: those tried on every line, combined into one regular
    expression, and wildcard-led ones tried only on lines containing one of their words."""

    name: str
    pattern: re.Pattern[str] | None
    guarded: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]

    @classmethod
    def compile(cls, name: str, patterns: list[str]) -> LineKind:
        words = {pattern: required_words(pattern) for pattern in patterns}
        return cls(
            name,
            _whole_line([pattern for pattern in patterns if words[pattern] is None]),
            tuple(
                (re.compile("|".join(map(re.escape, sorted(found)))), _any_whole_line([pattern]))
                for pattern, found in words.items()
                if found is not None
            ),
        )

    def matches(self, line: str, folded: str) -> bool:
        """True when the whole of `line` (`folded`: its `fold_case`) is one of the patterns."""
        if self.pattern and self.pattern.match(line):
            return True
        return any(pattern.match(line) for words, pattern in self.guarded if words.search(folded))


@dataclass(frozen=True)
class RuleSet:
    """Compiled rules: debris line kinds, section headings, date prefixes and structure."""

    line_kinds: tuple[LineKind, ...]
    end_heading: re.Pattern[str] | None
    teaser_heading: re.Pattern[str] | None
    date_prefix: re.Pattern[str] | None
    tagline: re.Pattern[str] | None
    byline: re.Pattern[str] | None
    name_joiner: re.Pattern[str]
    bracket_credit: re.Pattern[str]
    month_numbers: dict[str, int]
    date_words: frozenset[str]
    year: re.Pattern[str]
    time_of_day: re.Pattern[str]
    languages: tuple[str, ...]
    structure: dict[str, Any]
    _memo: dict[str, tuple[str | None, bool, bool]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def _classify(self, line: str) -> tuple[str | None, bool, bool]:
        """(debris kind, end heading?, teaser heading?) of `line`, remembered: the cleaning
        steps ask about the same lines several times."""
        if (known := self._memo.get(line)) is not None:
            return known
        if len(line) > MAX_DEBRIS_CHARS:
            found: tuple[str | None, bool, bool] = (None, False, False)
        else:
            found = (
                self._match_kind(line),
                bool(self.end_heading and self.end_heading.match(line)),
                bool(self.teaser_heading and self.teaser_heading.match(line)),
            )
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[line] = found
        return found

    def _match_kind(self, line: str) -> str | None:
        folded = fold_case(line)
        for kind in self.line_kinds:
            if kind.matches(line, folded):
                return kind.name
        return "caption" if self.bracket_credit.search(line) else None

    def debris_kind(self, line: str) -> str | None:
        """The kind of debris `line` is ("share", "caption", ...), or None for a content line."""
        return self._classify(line)[0]

    def is_end_heading(self, line: str) -> bool:
        """A heading after which only reader comments follow ("Leave a Reply", "Comments")."""
        return self._classify(line)[1]

    def is_teaser_heading(self, line: str) -> bool:
        """A heading that introduces a list of teaser headlines ("Related posts", "Don't miss")."""
        return self._classify(line)[2]

    def is_tagline(self, line: str) -> bool:
        """A site tagline shown above the headline ("Creating new perspectives since 2009")."""
        return bool(self.tagline and self.tagline.match(line))

    def byline_authors(self, line: str) -> list[str] | None:
        """The names of a byline ("By Jane Doe and John Smith", "Von Max Muster"), or None when
        `line` is not one: after the prefix, only 1 to `max_authors` names of 1 to
        `max_name_words` capitalised words each (so "By the end of the day, ..." is no byline)."""
        match = self.byline.match(line) if self.byline else None
        if not match:
            return None
        limits = self.structure["bylines"]
        names = [part.strip() for part in self.name_joiner.split(match.group("names"))]
        if not 0 < len(names) <= limits["max_authors"]:
            return None
        for name in names:
            words = name.split()
            if not 0 < len(words) <= limits["max_name_words"]:
                return None
            particles = limits["name_particles"]
            if not all(word[0].isupper() for word in words if word.lower() not in particles):
                return None
        return names

    def setting(self, section: str, key: str) -> Any:
        return self.structure[section][key]


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


@lru_cache(maxsize=8)
def load_rules(
    languages: tuple[str, ...] = DEFAULT_LANGUAGES, rules_dir: Path = RULES_DIR
) -> RuleSet:
    """The rules of `languages` (files `<code>.toml` in `rules_dir`) plus `structure.toml`."""
    kinds: dict[str, list[str]] = {}
    ends: list[str] = []
    teasers: list[str] = []
    prefixes: list[str] = []
    taglines: list[str] = []
    bylines: list[str] = []
    joiners: list[str] = []
    month_numbers: dict[str, int] = {}
    date_words: set[str] = set()
    for code in languages:
        path = rules_dir / f"{code}.toml"
        if not path.exists():
            raise FileNotFoundError(f"no rule file for language {code!r}: {path}")
        data = _read(path)
        for kind, patterns in data.get("lines", {}).items():
            kinds.setdefault(kind, []).extend(patterns)
        ends.extend(data.get("sections", {}).get("end", []))
        teasers.extend(data.get("sections", {}).get("teasers", []))
        taglines.extend(data.get("header", {}).get("taglines", []))
        bylines.extend(data.get("header", {}).get("bylines", []))
        joiners.extend(data.get("header", {}).get("name_joiners", []))
        dates = data.get("dates", {})
        prefixes.extend(dates.get("prefixes", []))
        for number, names in enumerate(dates.get("months", []), start=1):
            month_numbers.update((name, number) for name in names)
        date_words.update(dates.get("weekdays", []) + dates.get("fillers", []))
    line_kinds = tuple(LineKind.compile(kind, patterns) for kind, patterns in kinds.items())
    date_prefix = (
        re.compile("^(?:" + "|".join(prefixes) + r")\b\W*", re.IGNORECASE) if prefixes else None
    )
    structure = _read(rules_dir / "structure.toml")
    return RuleSet(
        line_kinds=line_kinds,
        end_heading=_whole_line(ends),
        teaser_heading=_whole_line(teasers),
        date_prefix=date_prefix,
        tagline=_whole_line(taglines),
        byline=(
            re.compile(r"(?:" + "|".join(bylines) + r")\s*:?\s+(?P<names>\S.{0,150})\Z", re.I)
            if bylines
            else None
        ),
        name_joiner=re.compile(r"\s*(?:[,&;]|\b(?:" + "|".join(joiners or ["and"]) + r")\b)\s*"),
        bracket_credit=re.compile(structure["captions"]["bracket_credit"] + r"\s*\Z"),
        month_numbers=month_numbers,
        date_words=frozenset(date_words),
        year=re.compile(rf"\b{structure['dates']['year']}\b"),
        time_of_day=re.compile(rf"\b{structure['dates']['time']}", re.IGNORECASE),
        languages=tuple(languages),
        structure=structure,
    )
