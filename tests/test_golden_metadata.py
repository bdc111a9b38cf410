"""Golden pages: the headline, authors and publication day of real news pages (fundus-publishers
benchmark, MIT: tests/golden/LICENSE-fundus) as each publisher's own parser reads them.

Every `tests/golden/expected/fundus_<id>.json` that states a title, authors or a date is checked
against `newscorpus extract` of `tests/golden/pages/fundus_<id>.html.gz`. Titles and names are
compared with white space collapsed and invisible format characters removed; dates by day.
Pages listed in `tests/golden/metadata_known_misses.json` are strict expected failures.
"""

from __future__ import annotations

import gzip
import json
import unicodedata
from pathlib import Path

import pytest

from extractors import Document, ExtractionConfig, extract_many
from extractors.article import Article
from extractors.inputs import InputFailure

GOLDEN = Path(__file__).parent / "golden"
EXPECTED = sorted((GOLDEN / "expected").glob("fundus_*.json"))
KNOWN_MISSES = json.loads((GOLDEN / "metadata_known_misses.json").read_text(encoding="utf-8"))


def _same(text: str | None) -> str:
    visible = "".join(ch for ch in text or "" if unicodedata.category(ch) != "Cf")
    return " ".join(visible.split())


def _extract(page_id: str) -> Article:
    payload = gzip.decompress((GOLDEN / "pages" / f"{page_id}.html.gz").read_bytes())
    (result,) = extract_many([Document(page_id, "html", payload)], ExtractionConfig())
    assert not isinstance(result, InputFailure), result
    return result.article


def _expected(field: str) -> list:
    cases = []
    for path in EXPECTED:
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get(field):
            why = KNOWN_MISSES.get(field, {}).get(path.stem)
            marks = [pytest.mark.xfail(reason=why, strict=True)] if why else []
            cases.append(pytest.param(path.stem, record[field], id=path.stem, marks=marks))
    return cases


def test_there_are_golden_metadata_pages() -> None:
    assert len(_expected("title")) >= 15


def test_every_known_miss_is_a_golden_page() -> None:
    pages = {path.stem for path in EXPECTED}
    for field in ("title", "authors"):
        assert set(KNOWN_MISSES[field]) <= pages


@pytest.mark.parametrize(("page_id", "title"), _expected("title"))
def test_title_is_the_pages_headline(page_id: str, title: str) -> None:
    assert _same(_extract(page_id).title) == _same(title)


@pytest.mark.parametrize(("page_id", "authors"), _expected("authors"))
def test_authors_are_the_pages_authors(page_id: str, authors: list[str]) -> None:
    assert [_same(name) for name in _extract(page_id).authors] == [_same(n) for n in authors]


@pytest.mark.parametrize(("page_id", "published"), _expected("published"))
def test_published_is_the_publication_day(page_id: str, published: str) -> None:
    assert (_extract(page_id).published or "")[:10] == published[:10]
