"""The headline the page shows, and the site's name.

A page states its headline several times: JSON-LD `headline`, `<h1>`, `og:title`,
`twitter:title`, `<title>`. The SEO titles often carry the site's name, a section or a date
("Headline | Site", "Section | Headline", "Headline – Site – 28.04.2023") and sometimes differ
from the displayed headline. The title is the og:title where the page also shows it as a
heading other than an `<h1>` (`<h2>`, `<h3>`: the headline it is displayed and shared under),
else the JSON-LD headline (its article's `name` instead where the og:title repeats that name
and the `headline` differs), else the `<h1>` that another source agrees with, else the first meta
title; then any affix that another source leaves out, that names the site, or that is a date is
cut off at a separator, and a leading kicker where a heading shows the same headline under
another kicker. An og:title that is that headline shortened for sharing (the same words in the
same order, most of them) is the title.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from extractors.metadata_rules import metadata_rules

_META_TITLES = (
    ("property", "og:title"),
    ("name", "twitter:title"),
    ("property", "twitter:title"),
    ("name", "title"),
    ("itemprop", "headline"),
)
_DATE_ONLY = re.compile(r"^[\d\s./:-]*\d[\d\s./:-]*$")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf\u0152-\u0178\u02c6-\u203a]")
_URL_LIKE = re.compile(r"^(?:[a-z]+://|www\.)|/", re.IGNORECASE)


def compact(text: str) -> str:
    """Letters and digits only, case-folded: the form in which two spellings of one name or
    headline compare equal ("Golem.de" and "golem de", "Sophie Foster" and "sophie-foster")."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def repair_mojibake(text: str) -> str:
    """UTF-8 text that was decoded as Latin-1 or Windows-1252 ("sanciÃ³n") read as UTF-8
    ("sanción"); any other text as it is."""
    if not _MOJIBAKE.search(text):
        return text
    for legacy in ("cp1252", "latin-1"):
        try:
            return text.encode(legacy).decode("utf-8")
        except UnicodeError:
            continue
    return text


def clean(text: str | None) -> str | None:
    """White space collapsed, invisible characters removed, mojibake repaired; None when
    nothing is left."""
    if not text:
        return None
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(repair_mojibake(text).split()) or None


@cache
def _separator() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{s})" for s in metadata_rules()["title"]["separators"]))


def _segments(title: str) -> list[tuple[int, int]]:
    """Spans of the parts of `title` between separators."""
    spans, start = [], 0
    for match in _separator().finditer(title):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(title):
        spans.append((start, len(title)))
    return spans


def names_site(segment: str, sites: list[str]) -> bool:
    """A segment naming the site: equal to, the start of ("DW" / "DW.COM"), or (3+ characters)
    part of or containing, a site name or the first label of the site's host ("Golem.de" /
    "golem")."""
    key = compact(segment)
    if len(key) < 2:
        return False
    for site in sites:
        name = compact(site)
        if not name:
            continue
        if name.startswith(key) or (min(len(key), len(name)) >= 3 and (key in name or name in key)):
            return True
    return False


def strip_affixes(title: str, others: set[str], sites: list[str]) -> str:
    """`title` without a leading or trailing site name, section or date: the longest run of its
    separator-delimited parts that another title source (`others`, compact forms) states on its
    own and that holds its longest part; else the title with site names and dates cut off its
    ends."""
    spans = _segments(title)
    if len(spans) < 2:
        return title
    longest = max(range(len(spans)), key=lambda n: spans[n][1] - spans[n][0])
    runs = [
        (spans[first][0], spans[last][1])
        for first in range(longest + 1)
        for last in range(longest, len(spans))
        if (first, last) != (0, len(spans) - 1)
    ]
    for start, end in sorted(runs, key=lambda run: run[0] - run[1]):
        if compact(title[start:end]) in others:
            return title[start:end]
    limit = metadata_rules()["title"]["max_affixes"]
    max_words = metadata_rules()["title"]["max_affix_words"]

    def affix(n: int) -> bool:
        segment = title[spans[n][0] : spans[n][1]]
        if len(segment.split()) > max_words:
            return False
        return bool(_DATE_ONLY.match(segment)) or names_site(segment, sites)

    first, last = 0, len(spans) - 1
    while last > first and last >= len(spans) - limit and affix(last):
        last -= 1
    while first < last and first < limit and affix(first):
        first += 1
    return title[spans[first][0] : spans[last][1]]


def _meta(tree: HtmlElement, attribute: str, value: str) -> str | None:
    for element in tree.iterfind(f".//meta[@{attribute}='{value}']"):
        if text := clean(element.get("content")):
            return text
    return None


def meta_titles(tree: HtmlElement) -> list[str]:
    """The page's SEO titles: og:title, twitter:title, meta title, itemprop headline, <title>."""
    found = [text for attribute, value in _META_TITLES if (text := _meta(tree, attribute, value))]
    title = tree.find(".//title")
    if title is not None and (text := clean(title.text_content())):
        found.append(text)
    return found


def displayed_headlines(tree: HtmlElement) -> list[str]:
    """The texts of the page's `<h1>` elements, in document order."""
    limit = metadata_rules()["title"]["max_chars"]
    texts = (clean(h1.text_content()) for h1 in tree.iter("h1"))
    return [text for text in texts if text and len(text) <= limit]


def _runs(title: str) -> set[str]:
    """Compact forms of every run of consecutive parts of `title`, the whole included."""
    spans = _segments(title)
    return {
        compact(title[spans[a][0] : spans[b][1]])
        for a in range(len(spans))
        for b in range(a, len(spans))
    } | {compact(title)}


def _heading_texts(tree: HtmlElement) -> set[str]:
    """Compact texts of the page's headings and of every element inside one."""
    tags = metadata_rules()["title"]["heading_tags"]
    headings = (el for tag in tags for el in tree.iter(tag))
    return {compact(el.text_content()) for heading in headings for el in heading.iter()}


def shown_social_title(
    tree: HtmlElement, h1s: list[str], stated: set[str], sites: list[str]
) -> list[str]:
    """The og:title, when the page also shows it as a heading that is not one of its `<h1>`s
    (`h1s`): the headline the article is displayed and shared under, where the `<h1>`, `<title>`
    or JSON-LD headline may be a search title or a breadcrumb. An og:title that repeats an `<h1>`
    gains nothing from being shown again. Empty otherwise."""
    social = _meta(tree, "property", "og:title")
    if not social:
        return []
    key = compact(strip_affixes(social, stated - {compact(social)}, sites))
    shown = key in _heading_texts(tree) and key not in {compact(h1) for h1 in h1s}
    return [social] if key and shown else []


def heading_parts(tree: HtmlElement) -> list[tuple[str, str]]:
    """Headings shown in parts, as (whole text, headline part): a heading (`<h1>` or a
    `heading_tags` one) made of child elements alone, a short kicker ("Eskalation im Nahen
    Osten") and then the headline; punctuation-only parts (a hidden " - ") do not count."""
    rules = metadata_rules()["title"]
    found = []
    for heading in tree.iter("h1", *rules["heading_tags"]):
        if compact(heading.text or "") or any(compact(child.tail or "") for child in heading):
            continue
        texts = (clean(child.text_content()) for child in heading)
        parts = [text for text in texts if text and compact(text)]
        if len(parts) > 1 and len(" ".join(parts[:-1]).split()) <= rules["max_affix_words"]:
            found.append((" ".join(parts), parts[-1]))
    return found


def without_kicker(title: str, headings: list[tuple[str, str]]) -> str:
    """`title` without a leading kicker ("Kicker: Headline") where a heading shown in parts
    (`heading_parts`) has the same headline under another kicker: the sources agree on the
    headline only. Else `title`."""
    key = compact(title)
    for whole, headline in headings:
        prefix = " ".join(title.split()[: -len(headline.split())])
        other_kicker = compact(whole) != key and key.endswith(compact(headline))
        if other_kicker and prefix and not prefix[-1].isalnum():
            return headline
    return title


def structured_headline(
    tree: HtmlElement, jsonld_headline: str | None, jsonld_name: str | None
) -> str | None:
    """The JSON-LD headline; but the JSON-LD `name` of the article where it differs from its
    `headline` and the og:title states it (whole or as one of its parts): the publisher gives that
    title twice, and the `headline` is a search headline ("Woman who lost 130lb: seven unexpected
    changes …" for "A woman who lost 130 pounds shares 7 changes …")."""
    headline, name = clean(jsonld_headline), clean(jsonld_name)
    social = _meta(tree, "property", "og:title")
    if headline and name and social and compact(name) not in {compact(headline), ""}:
        return name if compact(name) in _runs(social) else headline
    return headline


def page_title(
    tree: HtmlElement, jsonld_headline: str | None, sites: list[str], jsonld_name: str | None
) -> str | None:
    """The headline the page shows (see the module docstring); never a site's name."""
    h1s = displayed_headlines(tree)
    found = meta_titles(tree)
    metas = [text for text in found if not cut_at_quote(text, found + h1s)]
    site_keys = {compact(site) for site in sites}
    headline = structured_headline(tree, jsonld_headline, jsonld_name)
    sources = [headline] if headline else []
    stated = {compact(text) for text in [*sources, *metas, *h1s]}
    sources[:0] = shown_social_title(tree, h1s, stated, sites)
    agreed = {run for text in metas for run in _runs(text)}
    sources += [h1 for h1 in h1s if compact(h1) in agreed] + metas + h1s
    for source in sources:
        title = strip_affixes(source, stated - {compact(source)}, sites)
        if compact(title) and compact(title) not in site_keys:
            title = shared_form(tree, title, metas + h1s, stated, sites)
            return without_kicker(title, heading_parts(tree))
    return None


def shared_form(
    tree: HtmlElement, title: str, others: list[str], stated: set[str], sites: list[str]
) -> str:
    """The og:title (without its affixes) where it is `title` shortened for sharing, else
    `title`. An og:title cut at an unescaped quotation mark (`cut_at_quote`) is no headline."""
    social = _meta(tree, "property", "og:title")
    if not social or cut_at_quote(social, others):
        return title
    social = strip_affixes(social, stated - {compact(social)}, sites)
    return social if shortened(social, title) else title


def _words(text: str) -> list[str]:
    return [key for word in text.split() if (key := compact(word))]


def shortened(short: str, title: str) -> bool:
    """`short` is `title` shortened: its words, in order, are some of the title's (at least
    `min_shortened_share` of them) and it does not end in an ellipsis ("… here's how to check"
    of "… here's how to check if you have the rare buck": the headline edited down for sharing)."""
    kept, words = _words(short), _words(title)
    remaining = iter(words)
    share = metadata_rules()["title"]["min_shortened_share"]
    return (
        len(words) * share <= len(kept) < len(words)
        and all(word in remaining for word in kept)
        and not short.rstrip().endswith(("…", "..."))
    )


def cut_at_quote(text: str, others: list[str]) -> bool:
    """`text` is an attribute value cut at an unescaped quotation mark: another title source
    goes on after it with a '"' ("Sieger und" of 'Sieger und "royaler Besuch"')."""
    start = text.rstrip()
    return any(o.startswith(start) and o[len(start) :].lstrip().startswith('"') for o in others)


def is_site_name(text: str) -> bool:
    """A site's name: short, not a copyright notice ("Copyright 2014", "© …") nor a URL."""
    short = len(text.split()) <= metadata_rules()["title"]["max_affix_words"]
    return short and "©" not in text and not _YEAR.search(text) and not _URL_LIKE.search(text)


def _hostname(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:  # a malformed link ("http://[broken")
        return None


def linked_host(tree: HtmlElement) -> str | None:
    """The host that most of the page's absolute links point to, where at least
    `min_site_links` do and no other host as many: a page saved without its URL still links to
    its own site from its navigation ("www.entermedia.co.kr", whose name the `<title>` gives in
    Latin letters while the page writes it in Hangul). None otherwise."""
    hrefs = ((link.get("href") or "").strip() for link in tree.iter("a"))
    hosts = Counter(_hostname(href) for href in hrefs if href.startswith(("http://", "https://")))
    ranked = [(count, host) for host, count in hosts.most_common(2) if host]
    enough = metadata_rules()["title"]["min_site_links"]
    if ranked and ranked[0][0] >= enough and (len(ranked) < 2 or ranked[1][0] < ranked[0][0]):
        return ranked[0][1]
    return None


def site_names(tree: HtmlElement, named: list[str | None], host: str | None) -> list[str]:
    """Names the page gives its site (og:site_name, then `named`: JSON-LD publisher, meta tags,
    ...), best first, then the first label of its `host` ("golem" for www.golem.de) to
    recognise the site in titles. A handle ("@nytimes") becomes a name ("Nytimes")."""
    names = []
    for name in [_meta(tree, "property", "og:site_name"), *named]:
        name = clean(name.lstrip("@")) if name else None
        if name and is_site_name(name):
            names.append(name if name[0].isupper() or "." in name else name.title())
    if host:
        labels = host.removeprefix("www.").split(".")
        names.append(labels[0] if len(labels) > 1 else host)
    return names
