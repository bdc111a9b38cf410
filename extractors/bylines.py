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
