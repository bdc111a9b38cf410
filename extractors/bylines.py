"""The author search of trafilatura (`trafilatura.metadata.extract_author`, version 2.3.1),
without its cost: the same byline candidates in the same order, the same text, except that the
text of buttons ("Show authors") is no part of a byline.

trafilatura copies the whole page, removes comment sections, dates, figures and sidebars from
the copy, then evaluates three XPaths over all of it, one after the other. Here one pass over
the page's elements tests each element's tag and attributes against the three searches (as
data below), and only the candidates are checked for lying in, or holding, a discarded part;
the text of a candidate holding one is read without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.etree import Element, XPath
from lxml.html import HtmlElement

from extractors.metadata_rules import metadata_rules
from extractors.rules import RuleSet
from extractors.trafilatura_compat import REGEXP_NS, normalize_authors, trim

_MAX_AUTHOR_CHARS = 120
# The parts removed before the search (trafilatura's `AUTHOR_DISCARD_XPATHS`), as a test on an
# element's ancestors or descendants.
_DISCARDED = (
    "{axis}::*[self::a or self::div or self::section or self::span]["
    "@id='comments' or @class='comments' or @class='title' or @class='date' or "
    "re:test(@id, '^comments|comment-?list|ProductReviews') or "
    "re:test(@class, '^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|"
    "embedly-instagram|article-(?:share|support)|print|category|meta-date|meta-reviewer') or "
    "contains(@data-component, 'Figure')] | {axis}::time | {axis}::figure"
)
_IN_DISCARDED = XPath(
    f"boolean({_DISCARDED.format(axis='ancestor-or-self')})", namespaces={"re": REGEXP_NS}
)
_HOLDS_DISCARDED = XPath(
    f"boolean({_DISCARDED.format(axis='descendant')})", namespaces={"re": REGEXP_NS}
)
_IS_DISCARDED = XPath(f"boolean({_DISCARDED.format(axis='self')})", namespaces={"re": REGEXP_NS})
_CONTROLS = frozenset({"button"})
_BOLD = frozenset({"strong", "b"})
_NAME_LIST = re.compile(r"\s*/\s*")


@dataclass(frozen=True)
class BylineSearch:
    """One of trafilatura's byline XPaths (`AUTHOR_XPATHS`) as a test on one element: its tag
    is one of `tags` (any tag when None) and an attribute equals one of the listed values,
    contains a text, or has a match of a (case-sensitive) regular expression; an element whose
    tag is in `always` is a candidate whatever its attributes."""

    tags: frozenset[str] | None
    equals: tuple[tuple[str, frozenset[str]], ...] = ()
    contains: tuple[tuple[str, str], ...] = ()
    searches: tuple[tuple[str, re.Pattern[str]], ...] = ()
    always: frozenset[str] = frozenset()
    rel_me_child: bool = False  # XPath `rel='me'`: a child element <rel> whose text is "me"

    def finds(self, element: HtmlElement) -> bool:
        """True when `element` is one of this search's candidates."""
        tag = element.tag
        if tag in self.always:
            return True
        if self.tags is not None and tag not in self.tags:
            return False
        get = element.get
        return (
            any(get(name) in values for name, values in self.equals)
            or any(text in (get(name) or "") for name, text in self.contains)
            or any(pattern.search(get(name) or "") for name, pattern in self.searches)
            or (
                self.rel_me_child
                and any(child.text_content() == "me" for child in element.iterchildren("rel"))
            )
        )


BYLINE_SEARCHES = (
    # specific and almost specific
    BylineSearch(
        tags=frozenset({"a", "address", "div", "link", "p", "span", "strong"}),
        equals=(
            ("rel", frozenset({"author"})),
            ("id", frozenset({"author"})),
            ("class", frozenset({"author"})),
            ("itemprop", frozenset({"author name"})),
            ("data-testid", frozenset({"AuthorCard", "AuthorURL"})),
        ),
        searches=(("class", re.compile("author-?name|AuthorName|authorName")),),
        always=frozenset({"author"}),
        rel_me_child=True,
    ),
    # almost generic and generic
    BylineSearch(
        tags=frozenset({"a", "div", "h3", "h4", "p", "span"}),
        equals=(("class", frozenset({"byline", "username", "byl", "BBL"})),),
        contains=(("itemprop", "author"),),
        searches=(
            ("id", re.compile("author|zuozhe|bianji|xiaobian")),
            (
                "class",
                re.compile(
                    "author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|"
                    "journalist-name"
                ),
            ),
        ),
    ),
    # last resort: any element
    BylineSearch(
        tags=None,
        contains=(("data-component", "Byline"), ("itemprop", "author")),
        searches=(
            ("id", re.compile("[Aa]uthor")),
            ("class", re.compile("[Aa]uthor|screenname|writer|[Bb]yline")),
        ),
    ),
)


def _attribute_hints(searches: tuple[BylineSearch, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Per attribute the searches read, one expression matching every value any of them could
    accept (each equal value or contained text is also a substring): an element none of whose
    attributes matches its hint, is not a candidate."""
    alternatives: dict[str, list[str]] = {}
    for search in searches:
        for name, values in search.equals:
            alternatives.setdefault(name, []).extend(map(re.escape, sorted(values)))
        for name, text in search.contains:
            alternatives.setdefault(name, []).append(re.escape(text))
        for name, pattern in search.searches:
            alternatives.setdefault(name, []).append(pattern.pattern)
    return tuple((name, re.compile("|".join(found))) for name, found in alternatives.items())


_HINTS = _attribute_hints(BYLINE_SEARCHES)
_ALWAYS = frozenset().union(*(search.always for search in BYLINE_SEARCHES))


def _may_be_candidate(element: HtmlElement) -> bool:
    """A quick necessary condition for `BylineSearch.finds`, true for few elements."""
    if element.tag in _ALWAYS or element.find("rel") is not None:
        return True
    get = element.get
    for name, hint in _HINTS:
        value = get(name)
        if value and hint.search(value):
            return True
    return False


def byline_candidates(tree: HtmlElement) -> list[HtmlElement]:
    """Every search's candidates in document order, the first search's first."""
    found: list[list[HtmlElement]] = [[] for _ in BYLINE_SEARCHES]
    for element in tree.iter(Element):
        if not _may_be_candidate(element):
            continue
        for candidates, search in zip(found, BYLINE_SEARCHES, strict=True):
            if search.finds(element):
                candidates.append(element)
    return [element for candidates in found for element in candidates]


def _texts(element: HtmlElement, skip_discarded: bool) -> list[str]:
    """The text of `element` without its buttons and, with `skip_discarded`, without its
    discarded parts (their tails stay, as when trafilatura deletes them)."""
    texts = [element.text or ""] if isinstance(element.tag, str) else []
    for child in element:
        skipped = not isinstance(child.tag, str) or child.tag in _CONTROLS
        if not skipped and not (skip_discarded and _IS_DISCARDED(child)):
            texts += _texts(child, skip_discarded)
        texts.append(child.tail or "")
    return texts


def find_author(tree: HtmlElement) -> str | None:
    """The author names trafilatura's `extract_author` finds ("Jane Doe; John Roe"), or None.
    A candidate inside a discarded part is skipped; one holding a discarded part is read
    without it."""
    for element in byline_candidates(tree):
        if _IN_DISCARDED(element):
            continue
        content = trim(" ".join(_texts(element, bool(_HOLDS_DISCARDED(element)))))
        if content and 2 < len(content) < _MAX_AUTHOR_CHARS:
            return normalize_authors(None, content)
    return None


def _bold_names(paragraph: HtmlElement, rules: RuleSet) -> list[str]:
    """The names a paragraph lists when all of its text is one bold run of 1 to `max_authors`
    names of 2 to `max_name_words` capitalised words ("Mathatisi Sebusi/Mohalenyane Phakela");
    else none."""
    parts = [child for child in paragraph if _has_text(child.text_content())]
    if _has_text(paragraph.text) or len(parts) != 1 or parts[0].tag not in _BOLD:
        return []
    if any(_has_text(child.tail) for child in paragraph):
        return []
    text = " ".join(parts[0].text_content().split())
    names = [name for part in _NAME_LIST.split(text) for name in rules.name_joiner.split(part)]
    particles = set(rules.setting("bylines", "name_particles"))
    longest = rules.setting("bylines", "max_name_words")
    for name in names:
        words = name.split()
        if not 2 <= len(words) <= longest or any(ch.isdigit() for ch in name):
            return []
        if not all(word[:1].isupper() or word in particles for word in words):
            return []
    return names if len(names) <= rules.setting("bylines", "max_authors") else []


def _has_text(text: str | None) -> bool:
    return bool(text and text.strip())


def bold_byline(tree: HtmlElement, rules: RuleSet) -> list[str]:
    """The names of a byline set as its own bold paragraph right before the first or right
    after the last prose paragraph of an article's container (small sites credit the writer
    so where their markup names only the site)."""
    prose_chars = metadata_rules()["authors"]["byline_prose_chars"]
    containers = dict.fromkeys(p.getparent() for p in tree.iter("p"))
    for container in containers:
        paragraphs = [child for child in container if child.tag == "p"]
        prose = [
            n for n, p in enumerate(paragraphs) if len(p.text_content().strip()) >= prose_chars
        ]
        if len(prose) < 2:
            continue
        for edge in (prose[0] - 1, prose[-1] + 1):
            if 0 <= edge < len(paragraphs) and (names := _bold_names(paragraphs[edge], rules)):
                return names
    return []
