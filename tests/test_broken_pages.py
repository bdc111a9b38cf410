"""Broken and old pages: what a browser shows, we extract. Pages without <html>/<body> tags,
truncated files, framesets and the table layouts of the 2000s; "no body" only where the page
holds no text; navigation tables never become the article."""

from __future__ import annotations

import pytest

from extractors import Document, extract_document
from extractors.article import ExtractionError
from extractors.encoding import decode_bytes

FIRST = (
    "The city council voted on Tuesday to approve the new budget, which raises spending on "
    "schools and roads by four percent over last year and adds two new bus lines."
)
SECOND = (
    "Opponents said the plan relies on optimistic revenue forecasts, and several members asked "
    "for a review of the transport projects before any contracts are signed this spring."
)
NAVIGATION = (
    "<table><tr><td><a href=/>Today's Edition</a></td><td><a href=/f>Front Page</a></td>"
    "<td><a href=/n>Nation</a></td><td><a href=/w>World</a></td></tr></table>"
)


def extract(html: str) -> str:
    return extract_document(Document(source="page", kind="html", payload=html.encode())).text


def test_page_without_html_and_body_tags() -> None:
    text = extract(
        f"<title>Budget passes</title><h1>Budget passes</h1><p>{FIRST}</p><p>{SECOND}</p>"
    )
    assert text.split("\n") == [FIRST, SECOND]


def test_truncated_page_keeps_what_arrived() -> None:
    cut = (
        "<html><head><title>Budget</title></head><body><div class=story>"
        f"<p>{FIRST}</p><p>{SECOND}</p><p>The mayor said the vo"
    )
    text = extract(cut)
    assert text.startswith(f"{FIRST}\n{SECOND}")


def test_frameset_page_reads_its_noframes_text() -> None:
    html = (
        '<html><head><title>Site</title></head><frameset cols="20%,80%"><frame src="menu.html">'
        f"<noframes><body><p>{FIRST}</p><p>{SECOND}</p></body></noframes></frameset></html>"
    )
    assert extract(html).split("\n") == [FIRST, SECOND]


def test_frameset_without_text_names_its_frames() -> None:
    html = (
        '<html><head><title>Site</title></head><frameset cols="20%,80%">'
        '<frame src="menu.html"><frame src="story.html"></frameset></html>'
    )
    with pytest.raises(ExtractionError, match=r"frameset page.*menu\.html, story\.html"):
        extract(html)


def test_table_layout_page_gives_the_article_cell_not_the_menus() -> None:
    html = f"""<html><head><title>The Daily Bugle</title></head><body bgcolor=white>{NAVIGATION}
    <table width=760><tr><td width=160 valign=top><a href=/a>Archives</a><br>
    <a href=/c>Classifieds</a><br><a href=/w>Weather</a></td>
    <td valign=top><font size=2>{FIRST}<br><br>{SECOND}</font></td></tr></table>
    {NAVIGATION}</body></html>"""
    text = extract(html)
    assert FIRST in text and SECOND in text
    for menu in ("Today's Edition", "Front Page", "Archives", "Classifieds", "|"):
        assert menu not in text


def test_navigation_table_alone_is_no_article() -> None:
    with pytest.raises(ExtractionError, match="no article text"):
        extract(f"<html><body>{NAVIGATION}</body></html>")


def test_data_table_rows_stay() -> None:
    rows = "".join(
        f"<tr><td>{n}</td><td>Driver {name}</td><td>{5040 - n}</td></tr>"
        for n, name in enumerate(["Busch", "Truex", "Harvick"], 1)
    )
    text = extract(
        f"<html><body><article><p>{FIRST}</p><table>{rows}</table><p>{SECOND}</p></article></body></html>"
    )
    assert "Driver Truex" in text and "5038" in text


def test_no_body_only_when_the_page_holds_no_text() -> None:
    with pytest.raises(ExtractionError, match="no body"):
        extract("<html><head><title>Nothing</title><meta name=x content=y></head></html>")


def test_pages_re_encoded_to_utf8_under_a_latin1_declaration() -> None:
    declaration = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
    html = f"{declaration}<p>Größe für {FIRST}</p>"
    assert decode_bytes(html.encode("utf-8"), html=True).count("Größe für") == 1
    # A page really in Latin-1 is still read as Latin-1.
    assert "Größe für" in decode_bytes(html.encode("latin-1"), html=True)


def test_body_split_into_many_widget_named_blocks_is_not_lost() -> None:
    """Each paragraph in its own small block whose class names a widget word: pruning takes
    every block for a widget; the lost-body check notices and takes the fuller extraction."""
    paragraphs = [
        f"Paragraph {n} of the report says the council will meet again in {month} to decide "
        "how the new transport money is spent across the districts of the city."
        for n, month in enumerate(["May", "June", "July", "August", "September", "October"])
    ]
    blocks = "".join(f'<div class="body paywall"><p>{p}</p></div>' for p in paragraphs)
    html = (
        "<html><head><title>Council report</title></head><body><header><a href=/>Home</a>"
        f"</header><main><h1>Council report</h1><p>{FIRST}</p>{blocks}</main></body></html>"
    )
    text = extract(html)
    assert all(p in text for p in paragraphs)
