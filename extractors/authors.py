"""Author names: people, not bylines, job titles, dates or the publisher.

Names come from the page's JSON-LD first (people, then organisations when no person is named),
then from its meta tags and bylines. Each candidate is cut to the name it starts with: at the
first lower-case word that is not a name particle ("Phil Helsel is a reporter"), before trailing
date words ("Jeff Foust Monday"); a candidate made only of date words ("November") or longer than
a name, and a repeat of a name already found ("Sophie-Foster"), is dropped; the site's own name
is dropped when people are named too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from extractors.headline import compact, names_site
from extractors.metadata_rules import metadata_rules
from extractors.rules import RuleSet

_WORD = re.compile(r"\w+")
_LABEL = re.compile(r"^[^\W\d]+(?:\s[^\W\d]+)?\s*:\s+")  # "Quelle: dpa", "Text: Jane Doe"
_ASIDE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")  # "Elena Oberholzer (obe)"


def _is_lower(word: str) -> bool:
    return word[:1].islower()


def _is_date_word(word: str, rules: RuleSet) -> bool:
    parts = _WORD.findall(word.lower())
    return all(p.isdigit() or p in rules.date_words or p in rules.month_numbers for p in parts)


def person_name(candidate: str, rules: RuleSet) -> str | None:
    """The name `candidate` starts with, or None when it holds none (see the module docstring).
    A candidate written all in lower case ("viktor hedlund") is not cut at lower-case words."""
    limits = metadata_rules()["authors"]
    particles = set(limits["name_particles"])
    candidate = _ASIDE.sub(" ", candidate).strip(" ,;:|-–—…")
    cased = any(word[:1].isupper() for word in candidate.split())
    kept: list[str] = []
    for word in candidate.split():
        if cased and _is_lower(word) and word not in particles:
            break
        kept.append(word)
    while kept and (_is_date_word(kept[-1], rules) or kept[-1] in particles):
        kept.pop()
    if not kept or len(kept) > limits["max_name_words"]:
        return None
    if all(_is_date_word(word, rules) for word in kept):
        return None
    return " ".join(kept).strip(" ,;:|-–—") or None


def _parts(candidate: str, rules: RuleSet) -> list[str]:
    """The names a candidate lists: after a leading label ("Source: …") or a byline word inside
    it ("Capital Von Jemima Kelly"), split at the language's name joiners and commas; then at
    lower-case words that are not particles ("Jane Doe og John Roe"), where a later part is
    kept only when it has two words."""
    candidate = _LABEL.sub("", candidate)
    words = candidate.split()
    for start in range(len(words) - 1):
        if names := rules.byline_authors(" ".join(words[start:])):
            return names
    found: list[str] = []
    particles = set(metadata_rules()["authors"]["name_particles"])
    for part in rules.name_joiner.split(candidate):
        pieces = part.split()
        if not any(word[:1].isupper() for word in pieces):
            found.append(part)
            continue
        runs: list[list[str]] = [[]]
        for word in pieces:
            if _is_lower(word) and word not in particles:
                runs.append([])
            else:
                runs[-1].append(word)
        found += [" ".join(run) for n, run in enumerate(runs) if run and (n == 0 or len(run) > 1)]
    return found


def author_names(
    sources: Iterable[Iterable[str]], rules: RuleSet, sites: list[str], organizations: list[str]
) -> list[str]:
    """The people named by the first of `sources` (lists of candidates, best first) that names
    any, each once. The site's own name is no author beside people ("Condé Nast" next to the
    writer); a page that names no person is credited to the site or its JSON-LD organisations."""
    credits: list[str] = []
    for candidates in sources:
        names: list[str] = []
        seen: set[str] = set()
        parts = (part for candidate in candidates for part in _parts(candidate, rules))
        for name in (person_name(part, rules) for part in parts):
            if name and (key := compact(name)) not in seen:
                seen.add(key)
                names.append(name)
        if people := [name for name in names if not names_site(name, sites)]:
            return people
        credits = credits or names
    return credits or organizations
