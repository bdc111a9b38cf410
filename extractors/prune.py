"""Tree-level pruning before trafilatura runs: page widgets recognised by markup, not by words.

Media figures and captions, asides, forms, and elements whose class or id names a widget
(related links, sharing, newsletter boxes, comments, galleries, ads, fact boxes) are removed;
so are teasers for other stories (link lists, paragraphs of a link alone or after a bold label,
cards whose link holds the summary, short articles with a linked headline, pop-up cards inside
a sentence) and the boxes around email fields, radio buttons and checkboxes. The rules are in
`config/rules/structure.toml` and do not depend on the page's language.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from lxml.etree import Element
from lxml.html import HtmlElement

from extractors.debris import ends_sentence
from extractors.rules import RuleSet

# Never pruned as widgets: the document itself and its main article containers.
_PROTECTED_TAGS = frozenset({"html", "body", "main", "article"})
_TEXT_BLOCKS = frozenset({"p", "h2", "h3", "h4", "h5", "h6"})
# Inline elements that set a label in bold ("READ ALSO:") before a teaser link.
_LABEL_TAGS = frozenset({"strong", "b"})
# Input types of sign-up boxes, polls and consent prompts (not search fields).
_PROMPT_INPUTS = frozenset({"email", "radio", "checkbox"})
_WORD = re.compile(r"\w")
_CLASS_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


@lru_cache(maxsize=8192)
def _words(names: str) -> frozenset[str]:
    return frozenset(word.lower() for word in _CLASS_WORD.findall(names))


def class_words(element: HtmlElement) -> frozenset[str]:
    """Lower-cased words of the element's class and id ("article-relatedLinks" → article,
    related, links)."""
    return _words(f"{element.get('class', '')} {element.get('id', '')}")


def _in_link(paragraph: HtmlElement, container: HtmlElement) -> bool:
    """True when `paragraph` stands inside a link (`container` or within it): a teaser's
    summary (the whole card links to another article), not a paragraph of this one."""
    for ancestor in paragraph.iterancestors():
        if ancestor.tag == "a":
            return True
        if ancestor is container:
            return False
    return False


def is_teaser_card(element: HtmlElement) -> bool:
    """A link that holds a paragraph: a card (headline, summary) linking to another article.
    An article's paragraphs hold links, never the other way round."""
    return element.find(".//p") is not None


def is_long_sentence(text: str, long_chars: int) -> bool:
    """A paragraph of at least `long_chars` that ends like a sentence: article prose."""
    text = text.strip()
    return len(text) >= long_chars and ends_sentence(text)


def _holds_article_text(element: HtmlElement, rules: RuleSet) -> bool:
    """True when removing `element` could remove article paragraphs (see structure.toml). A
    box beside the article (`box_words`) holds none, whatever its size."""
    if not class_words(element).isdisjoint(rules.setting("html", "box_words")):
        return False
    long_chars = rules.setting("html", "long_paragraph_chars")
    if element.tag == "p" and is_long_sentence(element.text_content(), long_chars):
        return True  # an article paragraph marked by its class ("paywall": behind the paywall)
    long_paragraphs = 0
    for paragraph in element.iter("p"):
        if len(paragraph.text_content()) >= long_chars and not _in_link(paragraph, element):
            long_paragraphs += 1
            if long_paragraphs > rules.setting("html", "max_long_paragraphs"):
                return True
    text_chars = len(element.text_content())
    if text_chars <= rules.setting("html", "max_widget_chars"):
        return False
    if class_words(element) & set(rules.setting("html", "content_words")):
        return True
    link_chars = sum(len(link.text_content()) for link in element.iter("a"))
    return link_chars / text_chars < rules.setting("html", "min_widget_link_share")


def is_link_list(element: HtmlElement, rules: RuleSet) -> bool:
    """A list of at least `link_list_items` items whose text is nearly all link text: teasers
    for other articles ("- Gronk, Serena perform with Laker Girls ...")."""
    items = element.findall("li")
    if len(items) < rules.setting("html", "link_list_items"):
        return False
    text_chars = len(element.text_content().strip())
    link_chars = sum(len(link.text_content().strip()) for link in element.iter("a"))
    return bool(text_chars) and link_chars / text_chars >= rules.setting("html", "link_list_share")


def is_label(element: HtmlElement) -> bool:
    """Bold words without a link: a label before a link ("READ ALSO |"), not punctuation."""
    return (
        element.tag in _LABEL_TAGS
        and element.find(".//a") is None
        and _WORD.search(element.text_content()) is not None
    )


def _label_text(element: HtmlElement) -> str:
    """The text of `element` outside links and labels ("<strong>READ ALSO |</strong> <a>…</a>":
    nothing; a sentence with a link: the sentence)."""
    parts = [element.text or ""]
    for child in element:
        if child.tag != "a" and not is_label(child):
            parts.append(_label_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def is_link_paragraph(element: HtmlElement, rules: RuleSet) -> bool:
    """A paragraph or subheading that is nothing but a link, or a bold label and a link
    ("READ ALSO: <headline>"): a teaser for another article ("CO-FOUNDER 'PROUD' OF HOME
    DEPOT EMPLOYEES") or a call to action, not article text."""
    if element.find(".//a") is None:  # the link may stand in <strong> or <em>
        return False
    text_chars = len(element.text_content().strip())
    link_share = 1 - len(_label_text(element).strip()) / text_chars if text_chars else 0.0
    return link_share >= rules.setting("html", "link_text_share")


def prose_class_words(tree: HtmlElement, rules: RuleSet) -> frozenset[str]:
    """Class words that more than `max_long_paragraphs` of the page's long sentence paragraphs
    carry: on this page they mark the article ("paywall" on each paragraph behind the
    paywall), not a widget, and its headings and lists that carry them stay too."""
    long_chars = rules.setting("html", "long_paragraph_chars")
    counts: Counter[str] = Counter()
    for paragraph in tree.iter("p"):
        names = paragraph.get("class")
        if names and is_long_sentence(paragraph.text_content(), long_chars):
            counts.update(_words(names))
    most = rules.setting("html", "max_long_paragraphs")
    return frozenset(word for word, count in counts.items() if count > most)


def is_link_cluster(element: HtmlElement, rules: RuleSet) -> bool:
    """An inline element of nothing but at least `link_cluster_links` links (and images): a
    pop-up card inside a sentence (a person's name → their latest headlines), not text."""
    links = element.findall("a")
    if len(links) < rules.setting("html", "link_cluster_links"):
        return False
    own_text = (element.text or "") + "".join(child.tail or "" for child in element)
    return not own_text.strip() and all(child.tag in {"a", "img"} for child in element)


def is_teaser_article(element: HtmlElement, rules: RuleSet) -> bool:
    """A short `<article>` whose headline is a link: a card for another story in a grid or
    list, not the page's article (whose headline, if linked at all, heads a long text)."""
    if len(element.text_content()) > rules.setting("html", "max_teaser_article_chars"):
        return False
    return any(heading.find(".//a") is not None for heading in element.iter("h1", "h2", "h3", "h4"))


def control_box(control: HtmlElement, rules: RuleSet) -> HtmlElement:
    """The largest block around an input (an email field, a poll's radio buttons, a consent
    checkbox) that holds at most `max_control_box_chars` of text and not the page's headline
    (`<h1>`: a block holding it is the article's header, a checkbox there a menu toggle): a
    sign-up box, poll or consent prompt, with or without a <form> tag."""
    most = rules.setting("html", "max_control_box_chars")
    box = control
    for ancestor in control.iterancestors():
        if (
            ancestor.tag in _PROTECTED_TAGS
            or len(ancestor.text_content()) > most
            or ancestor.find(".//h1") is not None
        ):
            break
        box = ancestor
    return box


def _widget_candidates(tree: HtmlElement, rules: RuleSet) -> list[HtmlElement]:
    """Elements named as widgets by tag or class/id word, link lists and teasers, and the boxes
    around email fields, radio buttons and checkboxes, in document order."""
    drop_tags = frozenset(rules.setting("html", "drop_tags"))
    words = frozenset(rules.setting("html", "widget_words")) - prose_class_words(tree, rules)
    found = []
    for element in tree.iter(Element):  # elements only: no comments or processing instructions
        tag = element.tag
        if tag == "article" and is_teaser_article(element, rules):
            found.append(element)
            continue
        if tag in _PROTECTED_TAGS:
            continue
        names, ident = element.get("class"), element.get("id")
        if (
            tag in drop_tags
            or ((names or ident) and not words.isdisjoint(_words(f"{names or ''} {ident or ''}")))
            or (tag in {"ul", "ol"} and is_link_list(element, rules))
            or (tag in _TEXT_BLOCKS and is_link_paragraph(element, rules))
            or (tag == "a" and is_teaser_card(element))
            or (tag == "span" and is_link_cluster(element, rules))
        ):
            found.append(element)
        elif tag == "input" and element.get("type") in _PROMPT_INPUTS:
            found.append(control_box(element, rules))
    return found


def prune_widgets(tree: HtmlElement, rules: RuleSet) -> int:
    """Remove widget elements from `tree` in place (their tail text stays); returns how many."""
    doomed = _widget_candidates(tree, rules)
    removed: set[HtmlElement] = set()
    for element in doomed:
        # Skip elements already gone with a removed ancestor, and article containers.
        if element.getparent() is None or any(a in removed for a in element.iterancestors()):
            continue
        if not _holds_article_text(element, rules):
            element.drop_tree()
            removed.add(element)
    return len(removed)
