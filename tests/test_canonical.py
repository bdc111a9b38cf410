"""The page's canonical link, read once for the metadata of every page and for fetched pages."""

from __future__ import annotations

from lxml.html import fromstring

from extractors.canonical import canonical_link, declared_canonical
from extractors.metadata import page_metadata

PAGE = """<html><head><title>Harbour</title>{head}</head>
<body><article><p>The harbour reopened on Monday after the storm.</p></article></body></html>"""


def test_the_first_link_whose_rel_names_canonical_is_read_as_written():
    head = (
        '<link rel="alternate" href="/feed"><link rel="Canonical amphtml" href=" /story/1 ">'
        '<link rel=canonical href="/2">'
    )
    assert canonical_link(fromstring(PAGE.format(head=head))) == "/story/1"
    empty_first = '<link rel="canonical" href=""><link rel="canonical" href="/3">'
    assert canonical_link(fromstring(PAGE.format(head=empty_first))) == "/3"
    assert canonical_link(fromstring(PAGE.format(head=""))) is None


def test_raw_pages_and_parsed_pages_give_the_same_link():
    href = "https://news.example/harbour?id=1&amp;p=2"
    html = PAGE.format(head=f'<link rel="canonical" href="{href}">')
    assert declared_canonical(html.encode()) == canonical_link(fromstring(html))
    assert declared_canonical(html.encode()) == "https://news.example/harbour?id=1&p=2"
    assert declared_canonical(html.encode(), "no-such-charset") == canonical_link(fromstring(html))
    assert declared_canonical(b"") is None


def test_the_metadata_url_resolves_a_relative_canonical_link_against_the_page_address():
    tree = fromstring(PAGE.format(head='<link rel="canonical" href="/story/1">'))
    assert page_metadata(tree, "https://news.example/amp/1").url == "https://news.example/story/1"
    assert page_metadata(tree).url is None  # nothing to resolve it against


def test_a_base_address_is_not_the_article_url():
    tree = fromstring(PAGE.format(head='<base href="https://news.example/">'))
    assert page_metadata(tree).url is None
    assert page_metadata(tree, "https://news.example/a").url == "https://news.example/a"
