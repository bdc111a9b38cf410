"""HTML pages: trafilatura extracts the body (comments excluded) and the page metadata."""

from __future__ import annotations

import trafilatura

from extractors.article import Article, ExtractionError

EXTRACTOR_NAME = f"trafilatura-{trafilatura.__version__}"


def _authors(raw: str | None) -> list[str]:
    if not raw:
        return []
    return [name.strip() for name in raw.split(";") if name.strip()]


def extract_html(html: str, url: str | None = None) -> Article:
    """Main text and metadata of one page; raises ExtractionError when there is no body."""
    if "<" not in html[:10000]:
        raise ExtractionError("not HTML: no markup in the first 10 kB")
    result = trafilatura.bare_extraction(
        html,
        url=url,
        include_comments=False,
        include_tables=True,
        with_metadata=True,
        deduplicate=False,
    )
    if result is None or not (result.text or "").strip():
        raise ExtractionError("no article text found in the HTML (navigation-only or empty page)")
    return Article(
        title=(result.title or "").strip() or None,
        text=result.text.strip(),
        published=result.date,
        authors=_authors(result.author),
        site=result.sitename or result.hostname,
        url=result.url or url,
        extractor=EXTRACTOR_NAME,
    )
