"""HTML pages: read the metadata, prune widgets, let trafilatura extract the body, clean it.

trafilatura runs with `include_comments=False` and its fast heuristics on a tree from which
`extractors.prune` has removed page widgets; prose that directly follows its text on the page
is added back (articles split over several containers), so is the standfirst above it (the
summary under the headline that the page's description repeats), and `extractors.debris`
removes what is still debris (captions, teaser lists, share and newsletter lines, repeated
headlines...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import trafilatura
from lxml.etree import Element
from lxml.html import HtmlElement, tostring
from trafilatura.utils import load_html

from config import ExtractionSettings
from extractors.article import Article, ExtractionError
from extractors.debris import Draft, clean_paragraphs, ends_sentence, normalized
from extractors.metadata import PageMetadata, page_metadata
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

    html: str
    tree: HtmlElement
    elements: list[HtmlElement]
    warnings: list[str]


def frameset_content(tree: HtmlElement) -> HtmlElement:
    """A frameset page's own text: what its `<noframes>` shows browsers without frames. A
    frameset without it holds no text of its own (ExtractionError naming the frames)."""
    # The parser keeps <noframes> content as raw text (or, with some parsers, as elements).
    fallback = " ".join(
        (part.text or "") + "".join(tostring(child, encoding="unicode") for child in part)
        for part in tree.iter("noframes")
    )
    content = load_html(f"<html><body>{fallback}</body></html>") if fallback.strip() else None
    if content is None or not " ".join(content.itertext()).strip():
        frames = ", ".join(str(frame.get("src")) for frame in tree.iter("frame", "iframe"))
        raise ExtractionError(f"frameset page: its text is in the frames it loads ({frames})")
    return content


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
    if body is None and tree.find(".//frameset") is not None:
        tree = frameset_content(tree)
        body = tree.find("body")
    if body is None:
        raise ExtractionError("HTML has no body")
    if not len(body) and not (body.text or "").strip():
        raise ExtractionError("HTML body is empty")
    size = int(tree.xpath("count(//*)"))
    if size > max_elements:
        raise ExtractionError(f"page has {size} elements, over the {max_elements} limit")
    return ParsedPage(html, tree, list(tree.iter(Element)), warnings)


def is_sentence_paragraph(line: str, shortest: int) -> bool:
    """A line of at least `shortest` characters that ends like a sentence."""
    return ends_sentence(line) and len(line) >= shortest


def is_prose(line: str, rules: RuleSet) -> bool:
    """A line long enough to be an article paragraph, ending like a sentence."""
    return is_sentence_paragraph(line, rules.setting("html", "follow_prose_chars"))


def may_continue(line: str, pending: list[str], rules: RuleSet) -> bool:
    """Whether `line`, not prose itself, may stand between the extracted text and the prose
    that follows (`pending`: the lines since the last prose). Any line may follow prose or a
    shorter sentence paragraph (a subheading, a short paragraph, a quote); after a line that is
    neither (a subheading) only a sentence paragraph of `heading_prose_chars` opening its
    section: two short lines in a row, or a kicker and a headline, are no article text."""
    if not pending or is_sentence_paragraph(pending[-1], rules.setting("html", "prose_line_chars")):
        return True
    return is_sentence_paragraph(line, rules.setting("html", "heading_prose_chars"))


def following_prose(paragraphs: list[str], lines: list[str], rules: RuleSet) -> list[str]:
    """Sentence paragraphs that directly follow the extracted text on the (pruned) page: the
    rest of an article split over several containers, which trafilatura keeps only in part.
    Passes over debris that stands inside articles (`follow_past_debris`: an "Advertisement"
    label, a newsletter box); stops at other debris, the heading of a teaser or comment
    section, or a line that cannot continue the article (`may_continue`). Lines after the last
    prose paragraph are left out."""
    wanted = {normalized(p) for p in paragraphs if len(p) >= _MIN_ANCHOR_CHARS}
    # The last anchor on the page, looked for from the end (only lines after it matter).
    last = next((n for n in reversed(range(len(lines))) if normalized(lines[n]) in wanted), None)
    if last is None:
        return []
    passed_debris = frozenset(rules.setting("html", "follow_past_debris"))
    found: list[str] = []
    pending: list[str] = []
    for line in lines[last + 1 :]:
        kind = rules.debris_kind(line)
        if kind in passed_debris:
            continue
        if kind or rules.is_teaser_heading(line) or rules.is_end_heading(line):
            break
        if is_prose(line, rules):
            found += [*pending, line]
            pending = []
        elif may_continue(line, pending, rules):
            pending.append(line)
        else:
            break
    return found


def page_descriptions(tree: HtmlElement) -> set[str]:
    """The page's summary as its meta tags give it (description, og: and twitter:), normalized."""
    names = ("description", "og:description", "twitter:description")
    return {
        normalized(meta.get("content") or "")
        for meta in tree.iter("meta")
        if (meta.get("property") or meta.get("name") or "").lower() in names
    }


def page_standfirst(paragraphs: list[str], lines: list[str], descriptions: set[str]) -> list[str]:
    """The standfirst (the summary under the headline, part of the article as the reader sees
    it) when trafilatura left it out with the page header: the line before the extracted text
    that the page's description repeats word for word, as one paragraph. Before the text means
    before the first extracted sentence paragraph (a headline in the text does not count); a
    standfirst the text already holds is not added twice."""
    extracted = {normalized(p) for p in paragraphs}
    anchors = {normalized(p) for p in paragraphs if is_sentence_paragraph(p, _MIN_ANCHOR_CHARS)}
    for line in lines:
        key = normalized(line)
        if key in anchors:
            return []
        if len(line) >= _MIN_ANCHOR_CHARS and key in descriptions:
            return [] if key in extracted else [line]
    return []


def page_prose_chars(tree: HtmlElement, rules: RuleSet) -> int:
    """Characters of the page's prose: paragraphs (`<p>`) long enough to be article paragraphs
    that end like sentences. A cheap measure of how much article text the page holds, taken
    before anything is pruned."""
    shortest = rules.setting("html", "prose_line_chars")
    texts = (" ".join(p.text_content().split()) for p in tree.iter("p"))
    return sum(len(text) for text in texts if len(text) >= shortest and ends_sentence(text))


def _extract_body(tree: HtmlElement, url: str | None, *, fast: bool) -> list[str]:
    """trafilatura's body paragraphs of `tree` (none when it finds no text)."""
    result = trafilatura.bare_extraction(
        tree,
        url=url,
        fast=fast,
        include_comments=False,
        include_tables=True,
        with_metadata=False,
        deduplicate=False,
    )
    text = "" if result is None or isinstance(result, dict) else (result.text or "")
    return text.split("\n") if text.strip() else []


def _body_chars(draft: Draft) -> int:
    return sum(len(paragraph) for paragraph in draft.paragraphs)


def lost_body(draft: Draft, prose_chars: int, rules: RuleSet) -> bool:
    """True when the cleaned body holds a small share of the page's prose: pruning or the fast
    path missed most of the article (it was split into many blocks, or trafilatura's first
    guess was one short container)."""
    return _body_chars(draft) < rules.setting("html", "lost_body_share") * prose_chars


def fuller_draft(html: str, url: str | None, meta: PageMetadata, rules: RuleSet) -> Draft | None:
    """The body trafilatura finds with its fallbacks (`fast=False`) on the unpruned page, cleaned
    with the paragraph steps; None when there is none."""
    tree = load_html(html)
    paragraphs = _extract_body(tree, url, fast=False) if tree is not None else []
    if not paragraphs:
        return None
    return clean_paragraphs(Draft(meta.title, paragraphs, meta.published), rules)


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
    descriptions = page_descriptions(tree)
    prose_chars = page_prose_chars(tree, rules)
    prune_widgets(tree, rules)
    paragraphs = _extract_body(tree, url, fast=True)
    if paragraphs:
        lines = visible_lines(tree)
        paragraphs = [
            *page_standfirst(paragraphs, lines, descriptions),
            *paragraphs,
            *following_prose(paragraphs, lines, rules),
        ]
        draft = clean_paragraphs(Draft(meta.title, paragraphs, meta.published), rules)
    else:
        draft = Draft(meta.title, [], meta.published)
    if lost_body(draft, prose_chars, rules):
        fuller = fuller_draft(page.html, url, meta, rules)
        if fuller is not None and _body_chars(fuller) > _body_chars(draft):
            draft = fuller
    if not draft.paragraphs and not draft.removed:
        raise ExtractionError("no article text found in the HTML (navigation-only or empty page)")
    return draft.to_article(
        EXTRACTOR_NAME,
        authors=meta.authors,
        site=meta.site,
        url=meta.url or url,
        warnings=page.warnings,
    )
