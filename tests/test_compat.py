"""Private APIs of other packages that newscorpus relies on. Each test pins the behaviour we
use, so an upgrade that changes it fails here, loudly, instead of silently changing output."""

import re

from lxml.html import fromstring

from extractors import regex_syntax, trafilatura_compat
from extractors.rules import required_words

PAGE = """<html><head><title>Harbour | Daily</title>
<link rel="canonical" href="https://news.example/harbour">
<meta property="og:site_name" content="Daily">
<meta property="og:url" content="https://news.example/harbour?from=og">
<meta name="author" content="Jane Doe">
</head><body><article><p class="byline">By Jane Doe</p><p>Text.</p></article></body></html>"""


def test_regex_parser_shape_used_by_the_rules():
    items = list(regex_syntax.parse(r".{0,30}\b(we|this site) uses", re.IGNORECASE))
    op, (low, high, repeated) = items[0]
    assert op is regex_syntax.MAX_REPEAT and (low, high) == (0, 30)
    assert list(repeated) == [(regex_syntax.ANY, None)]
    assert items[1][0] is regex_syntax.AT
    op, group = items[2]
    assert op is regex_syntax.SUBPATTERN
    branch_op, (_, branches) = list(group[3])[0]
    assert branch_op is regex_syntax.BRANCH and len(branches) == 2
    assert list(branches[0])[0] == (regex_syntax.LITERAL, ord("w"))
    assert required_words(r".{0,30}\b(we|this site) uses") == {"we", "this site"}


def test_trafilatura_is_the_release_bylines_mirrors():
    installed = trafilatura_compat.INSTALLED_VERSION
    assert installed.startswith(trafilatura_compat.MIRRORED_VERSION + "."), (
        f"trafilatura {installed}: extractors/bylines.py mirrors the author search of "
        f"{trafilatura_compat.MIRRORED_VERSION}; compare it with the new extract_author first"
    )


def test_trafilatura_metadata_helpers_behave_as_used():
    tree = fromstring(PAGE)
    meta = trafilatura_compat.examine_meta(tree)
    assert meta.url == "https://news.example/harbour?from=og"
    assert meta.sitename == "Daily"
    assert meta.author == "Jane Doe"
    assert trafilatura_compat.extract_author(fromstring(PAGE)) == "Jane Doe"
    assert trafilatura_compat.normalize_authors(None, "By Jane Doe") == "Jane Doe"
    assert trafilatura_compat.trim("  a \n b  ") == "a b"
    assert trafilatura_compat.REGEXP_NS == "http://exslt.org/regular-expressions"
