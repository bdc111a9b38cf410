"""Render an HTML page to all its visible text, one block per line (what a copy-paste gives).

The HTML extractor reads it to find prose that follows the extracted text; it also builds the
plain-text benchmark input and the tests of the plain-text cleaner. Scripts, styles, templates
and other invisible parts are skipped, block elements start a new line.
"""

from __future__ import annotations

from lxml import etree
from trafilatura.utils import load_html

INVISIBLE_TAGS = frozenset(
    {"script", "style", "noscript", "template", "head", "title", "meta", "link", "svg", "iframe"}
)
BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "td",
        "th",
        "ul",
        "option",
        "select",
        "button",
        "label",
        "caption",
        "legend",
    ]
)


def _walk(element: etree._Element, out: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag.lower() in INVISIBLE_TAGS or not isinstance(element.tag, str):
        if element.tail:
            out.append(element.tail)
        return
    block = tag.lower() in BLOCK_TAGS
    if block:
        out.append("\n")
    if element.text:
        out.append(element.text)
    for child in element:
        _walk(child, out)
    if block:
        out.append("\n")
    if element.tail:
        out.append(element.tail)


def visible_lines(root: etree._Element) -> list[str]:
    """The visible text of a parsed page, one block per line, runs of spaces folded."""
    body = root.find("body")
    out: list[str] = []
    _walk(body if body is not None else root, out)
    lines = (" ".join(line.split()) for line in "".join(out).splitlines())
    return [line for line in lines if line]


def visible_text(html: str) -> str:
    """All visible text of `html`, blocks on their own lines, runs of spaces folded."""
    root = load_html(html)
    return "" if root is None else "\n".join(visible_lines(root))
