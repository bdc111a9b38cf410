"""Plain text (pasted from a page, or handed over by another scraper): title plus body paragraphs.

A first, line-level cleaner: the title is the first line; blank-line or line-break separated
blocks become paragraphs; exact repeats of an earlier line are dropped.
"""

from __future__ import annotations

from extractors.article import Article, ExtractionError

EXTRACTOR_NAME = "newscorpus-text-0.1"


def split_lines(text: str) -> list[str]:
    """Non-empty lines with whitespace (including non-breaking spaces) folded."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def extract_text(text: str, url: str | None = None) -> Article:
    """Title and body of a plain-text article."""
    lines = split_lines(text)
    if not lines:
        raise ExtractionError("no text: the input is empty or whitespace only")
    title, body = lines[0], []
    seen = {title}
    for line in lines[1:]:
        if line not in seen:
            body.append(line)
            seen.add(line)
    return Article(title=title, text="\n".join(body), url=url, extractor=EXTRACTOR_NAME)
