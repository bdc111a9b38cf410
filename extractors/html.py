"""HTML pages: read the metadata, prune widgets, let trafilatura extract the body, clean it.

trafilatura runs with `include_comments=False` and its fast heuristics on a tree from which
`extractors.prune` has removed page widgets; prose that directly follows its text on the page
is added back (articles split over several containers), and `extractors.debris` removes what
is still debris (captions, teaser lists, share and newsletter lines, repeated headlines...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import trafilatura
from lxml.etree import Element
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from config import ExtractionSettings
from extractors.article import Article, ExtractionError
from extractors.debris import Draft, clean_paragraphs, ends_sentence, normalized
from extractors.metadata import page_metadata
from extractors.prune import prune_widgets
from extractors.rules import DEFAULT_LANGUAGES, RuleSet, load_rules
from extractors.visible_text import visible_lines

EXTRACTOR_NAME = f"newscorpus-html+trafilatura-{trafilatura.__version__}"
MAX_HTML_CHARS = ExtractionSettings().max_html_chars
MAX_TREE_ELEMENTS = ExtractionSettings().max_tree_elements
# Extracted paragraphs at least this long locate the article text on the page.
_MIN_ANCHOR_CHARS = 40
# Scripts and styles are invisible and often megabytes of inline data: dropped before the size
# limit is applied, so that a page's size counts what can hold text.
_INVISIBLE_BLOCKS = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


@dataclass
class ParsedPage:
    """A parsed page and its warnings. `elements` (every element, in document order) keeps the
    elements' Python objects alive while the page is processed: lxml then reuses them on every
    later pass over the tree (metadata, pruning, visible lines) instead of building new ones."""

    tree: HtmlElement
    elements: list[HtmlElement]
    warnings: list[str]


def parse_page(html: str, max_chars: int, max_elements: int) -> ParsedPage:
    """The parsed page; a page over `max_chars` is cut there (its start holds the article), a
    tree over `max_elements` is refused so that extraction time stays bounded."""
    if "<" not in html[:10000]:
        raise ExtractionError("not HTML: no markup in the first 10 kB")
    warnings = []
    if len(html) > max_chars:
        html = _INVISIBLE_BLOCKS.sub("", html)
    if len(html) > max_chars:
        warnings.append(f"page truncated to its first {max_chars} characters")
        html = html[:max_chars]
    tree = load_html(html)  # trafilatura's own parser settings, so its heuristics see the same tree
    if tree is None:
        raise ExtractionError("HTML cannot be parsed")
    body = tree.find("body")
    if body is None:
        raise ExtractionError("HTML has no body")
    if not len(body) and not (body.text or "").strip():
        raise ExtractionError("HTML body is empty")
    size = int(tree.xpath("count(//*)"))
    if size > max_elements:
        raise ExtractionError(f"page has {size} elements, over the {max_elements} limit")
    return ParsedPage(tree, list(tree.iter(Element)), warnings)


def following_prose(paragraphs: list[str], lines: list[str], rules: RuleSet) -> list[str]:
    """Sentence paragraphs that directly follow the extracted text on the (pruned) page: the
    rest of an article split over several containers, which trafilatura keeps only in part.
    Stops at the first debris line, heading of a teaser or comment section, or two lines in a
    row that are not prose."""
    wanted = {normalized(p) for p in paragraphs if len(p) >= _MIN_ANCHOR_CHARS}
    # The last anchor on the page, looked for from the end (only lines after it matter).
    last = next((n for n in reversed(range(len(lines))) if normalized(lines[n]) in wanted), None)
    if last is None:
        return []
    found: list[str] = []
    pending: list[str] = []
    for line in lines[last + 1 :]:
        if rules.debris_kind(line) or rules.is_teaser_heading(line) or rules.is_end_heading(line):
            break
        if ends_sentence(line) and len(line) >= rules.setting("html", "follow_prose_chars"):
            found += [*pending, line]
            pending = []
        elif pending:
            break
        else:
            pending.append(line)
    return found


def extract_html(
    html: str,
    url: str | None = None,
    *,
    languages: tuple[str, ...] = DEFAULT_LANGUAGES,
    max_chars: int = MAX_HTML_CHARS,
    max_elements: int = MAX_TREE_ELEMENTS,
) -> Article:
    """Main text and metadata of one page; raises ExtractionError when there is no body."""
    rules = load_rules(languages)
    page = parse_page(html, max_chars, max_elements)
    tree = page.tree
    meta = page_metadata(tree, url)  # before pruning: bylines and author boxes are widgets
    prune_widgets(tree, rules)
    result = trafilatura.bare_extraction(
        tree,
        url=url,
        fast=True,
        include_comments=False,
        include_tables=True,
        with_metadata=False,
        deduplicate=False,
    )
    if result is None or not (result.text or "").strip():
        raise ExtractionError("no article text found in the HTML (navigation-only or empty page)")
    paragraphs = result.text.split("\n")
    paragraphs += following_prose(paragraphs, visible_lines(tree), rules)
    draft = clean_paragraphs(Draft(meta.title, paragraphs, meta.published), rules)
    return draft.to_article(
        EXTRACTOR_NAME,
        authors=meta.authors,
        site=meta.site,
        url=meta.url or url,
        warnings=page.warnings,
    )
