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

from extractors.headline import compact
from extractors.metadata_rules import metadata_rules
from extractors.rules import RuleSet

_WORD = re.compile(r"\w+")


def _is_lower(word: str) -> bool:
    return word[:1].islower()


def person_name(candidate: str, rules: RuleSet) -> str | None:
    """The name `candidate` starts with, or None when it holds none (see the module docstring)."""
    limits = metadata_rules()["authors"]
    particles = set(limits["name_particles"])
    kept: list[str] = []
    for word in candidate.split():
        if _is_lower(word) and word not in particles:
            break
        kept.append(word)
    while kept and all(w.lower() in rules.date_words or w.lower() in rules.month_numbers
                       for w in _WORD.findall(kept[-1]) or ["-"]):  # fmt: skip
        kept.pop()
    while kept and kept[-1] in particles:
        kept.pop()
    if not kept or len(kept) > limits["max_name_words"]:
        return None
    words = [w.lower() for w in _WORD.findall(" ".join(kept))]
    if not words or all(w.isdigit() or w in rules.month_numbers for w in words):
        return None
    return " ".join(kept).strip(" ,;:|-–—")


def author_names(
    candidates: Iterable[str], rules: RuleSet, sites: list[str], organizations: Iterable[str] = ()
) -> list[str]:
    """The people among `candidates`, each once; when none is a person, the organisations."""
    names: list[str] = []
    seen: set[str] = set()
    for candidate in candidates:
        name = person_name(candidate, rules)
        if name and (key := compact(name)) and key not in seen:
            seen.add(key)
            names.append(name)
    site_keys = {compact(site) for site in sites}
    people = [name for name in names if compact(name) not in site_keys]
    if people:
        return people
    return names or [name for name in organizations if name.strip()]
