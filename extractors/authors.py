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


def _is_description(words: list[str], particles: set[str]) -> bool:
    """Words that describe a person rather than name one: a phrase with several lower-case
    words ("Mykolo Romerio universiteto … profesorius" after "Povilas Aleksandravičius,")."""
    lower = [word for word in words if _is_lower(word) and word not in particles]
    return len(lower) >= metadata_rules()["authors"]["description_lower_words"]


def _parts(candidate: str, rules: RuleSet) -> list[str]:
    """The names a candidate lists: after a leading label ("Source: …") or a byline word inside
    it ("Capital Von Jemima Kelly"), split at the language's name joiners and commas; then at
    lower-case words that are not particles ("Jane Doe og John Roe"), where a later part is
    kept only when it has two words. A part after the first that describes the person
    (`_is_description`: an affiliation, a job title) is no name."""
    candidate = _LABEL.sub("", candidate)
    words = candidate.split()
    for start in range(len(words) - 1):
        if names := rules.byline_authors(" ".join(words[start:])):
            return names
    found: list[str] = []
    particles = set(metadata_rules()["authors"]["name_particles"])
    for index, part in enumerate(rules.name_joiner.split(candidate)):
        pieces = part.split()
        if not any(word[:1].isupper() for word in pieces):
            found.append(part)
            continue
        if index and _is_description(pieces, particles):
            continue
        runs: list[list[str]] = [[]]
        for word in pieces:
            if _is_lower(word) and word not in particles:
                runs.append([])
            else:
                runs[-1].append(word)
        found += [" ".join(run) for n, run in enumerate(runs) if run and (n == 0 or len(run) > 1)]
    return found


def _names(candidate: str, rules: RuleSet, sites: list[str]) -> list[str | None]:
    """The names a candidate lists (`_parts` cut by `person_name`); a candidate that is (part of)
    the site's name is kept as the page spells it ("FOCUS online", not "FOCUS")."""
    names = [person_name(part, rules) for part in _parts(candidate, rules)]
    key = compact(candidate)
    if key and any(key in compact(site) for site in sites):
        return [" ".join(candidate.split())]
    return names


def author_names(
    sources: Iterable[Iterable[str]], rules: RuleSet, sites: list[str], organizations: list[str]
) -> list[str]:
    """The people named by the first of `sources` (lists of candidates, best first; the first is
    the JSON-LD people) that names any, each once. The site's own name is no author beside people
    ("Condé Nast" next to the writer) unless the JSON-LD credits it as an author organisation:
    the JSON-LD author organisations ("dpa", "ndr.de", as the page spells them) stand beside the
    JSON-LD people, and alone on a page that names no person; else the page is credited to the
    site's name found in its meta tags or byline."""
    credits: list[str] = []
    for rank, candidates in enumerate(sources):
        names: list[str] = []
        seen: set[str] = set()
        for name in (name for text in candidates for name in _names(text, rules, sites)):
            # Outside JSON-LD, a one-word "name" is a handle, a button ("Follow"), a place, half
            # of a split "Last, First" or a label cut off its value ("Quelle sid" -> "Quelle").
            if not name or (rank and " " not in name):
                continue
            if (key := compact(name)) not in seen:
                seen.add(key)
                names.append(name)
        if people := [name for name in names if not names_site(name, sites)]:
            beside = organizations if rank == 0 else []
            return people + [org for org in beside if compact(org) not in seen]
        credits = credits or names
    return organizations or credits
