"""Date stamps in text: dateline lines ("Published 16:12 IST, October 23rd 2021") become the
article's `published` date, and comment headers ("SamW October 30, 2021 at 3:42 am") are
recognised as the start of reader comments.

A line is a stamp only when every word in it is part of a date: numbers, month and weekday
names, a time of day, a time-zone abbreviation or one of the language's small filler words
(all listed per language in `config/rules/*.toml`), so headlines that mention a year are not.
"""

from __future__ import annotations

import re
from datetime import date

from extractors.rules import RuleSet

_ISO_DATE = re.compile(r"\b((?:19|20)\d{2})([-./])(\d{1,2})\2(\d{1,2})\b")
_DOTTED_DATE = re.compile(r"\b(\d{1,2})([./-])(\d{1,2})\2((?:19|20)\d{2})\b")
_TIME_ZONE = re.compile(r"\b[A-Z]{2,5}\b")
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th|er|e|o|a|º)?$")
_MAX_NAME_WORDS = 4
_LIST_MARK = re.compile(r"^[-–•*]\s+")
_LABEL = re.compile(r"^[^\W\d]+(?:\s[^\W\d]+){0,2}\s*:\s*")


def _day(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _numeric_date(text: str) -> tuple[str | None, str]:
    """An all-digits date ("2021-10-23", "2021/10/23", "23.10.2021", "23-10-2021",
    "10/23/2021") and the text without it. Day first unless a slashed date can only be US order."""
    if match := _ISO_DATE.search(text):
        year, _, month, day = match.groups()
        return _day(int(year), int(month), int(day)), text[: match.start()] + text[match.end() :]
    if match := _DOTTED_DATE.search(text):
        first, sep, second, year_text = match.groups()
        day, month = (int(first), int(second))
        if sep == "/" and int(second) <= 31 and int(first) <= 12:  # US order: month/day
            day, month = month, day
        return _day(int(year_text), month, day), text[: match.start()] + text[match.end() :]
    return None, text


def _worded_date(text: str, rules: RuleSet) -> str | None:
    """A date written with a month name, when every other word is a date word."""
    words = re.findall(r"\w+", text.lower())
    year = month = day = None
    for word in words:
        if word.isdigit() and len(word) == 4 and word[:2] in {"19", "20"} and year is None:
            year = int(word)
        elif word in rules.month_numbers and month is None:
            month = rules.month_numbers[word]
        elif (ordinal := _ORDINAL.match(word)) and day is None:
            day = int(ordinal.group(1))
        elif word not in rules.date_words:
            return None
    if year is None or month is None or day is None:
        return None
    return _day(year, month, day)


def parse_date_stamp(line: str, rules: RuleSet) -> str | None:
    """ISO date of a dateline stamp: an optional "Published"/"Updated"... prefix (or any short
    label ending in a colon, in any language: "기사입력 :[ 2018-08-25 15:24 ]"), then a date."""
    if len(line) > rules.setting("dates", "max_stamp_chars") or not rules.year.search(line):
        return None
    text = _LABEL.sub("", _LIST_MARK.sub("", line))
    text = rules.date_prefix.sub("", text) if rules.date_prefix else text
    found, rest = _numeric_date(text)  # before times of day: "06.01" is not 6:01
    if found:
        return found if _only_date_words(_without_times(rest, rules), rules) else None
    return _worded_date(_without_times(text, rules), rules)


def _without_times(text: str, rules: RuleSet) -> str:
    """The text with times of day ("16:25", "10h15", "3:42 pm") blanked, and time zones
    ("IST") when there is a time: "2018.04.05 ~ OPEN RUN" is no stamp."""
    blanked = rules.time_of_day.sub(" ", text)
    return _TIME_ZONE.sub(" ", blanked) if blanked != text else blanked


def stamp_has_time(line: str, rules: RuleSet) -> bool:
    """Whether a date stamp gives a time of day besides its date ("06.01" of "06.01.2026" is
    none)."""
    return bool(rules.time_of_day.search(_numeric_date(line)[1]))


def _only_date_words(text: str, rules: RuleSet) -> bool:
    return all(word in rules.date_words for word in re.findall(r"\w+", text.lower()))


def is_comment_header(line: str, rules: RuleSet) -> bool:
    """A reader-comment header: a short name, then a date and a time of day. A labelled or
    bylined dateline ("Sendung: hr-INFO, 25.04.2024, 10.45 Uhr", "Von dpa 30.04.2024, 18:58")
    has the same shape: a name with a colon, a year or a byline word in it is none."""
    if len(line) > rules.setting("dates", "max_stamp_chars"):
        return False
    if not stamp_has_time(line, rules) or parse_date_stamp(line, rules):
        return False
    words = line.split()
    for cut in range(1, min(_MAX_NAME_WORDS, len(words) - 2) + 1):
        name = " ".join(words[:cut])
        if _is_dateline_label(name, rules):
            return False
        if any(ch.isalpha() for ch in name) and parse_date_stamp(" ".join(words[cut:]), rules):
            return True
    return False


def _is_dateline_label(name: str, rules: RuleSet) -> bool:
    """What stands before a dateline's date, never in a commenter's name: a "Published" word,
    a byline word, a label's colon or a date."""
    if ":" in name or rules.year.search(name):
        return True
    return any(prefix and prefix.match(name) for prefix in (rules.date_prefix, rules.byline))
