"""Golden pages: real news pages from the two shared benchmarks (both MIT, notices in
tests/golden/) with their gold article bodies. A trafilatura upgrade or a rule change that
breaks one of them fails here, page by page.

Each page `tests/golden/pages/<set>_<id>.html.gz` has its gold record, copied verbatim from that
set's ground-truth.json, in `tests/golden/expected/<set>_<id>.json`. The body is scored with the
benchmarks' metric (`bench/metric.py`); `tests/golden/body_floors.json` holds each page's floors
(0.1 below the figures measured when the page was added, recall never below 0.8); a page without
floors must reach recall 0.8. And no page may lose its article: our recall is never more than
0.2 below plain trafilatura's (`fast=False`) on the same page.

After a deliberate change, re-measure the floors (and review the diff of the file):

    .venv/bin/python -m tests.test_golden_pages
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import trafilatura

from bench.metric import precision_recall
from extractors import Document, ExtractionConfig, extract_many
from extractors.inputs import InputFailure

GOLDEN = Path(__file__).parent / "golden"
PAGES = sorted(GOLDEN.glob("pages/*.html.gz"))
FLOORS = json.loads((GOLDEN / "body_floors.json").read_text(encoding="utf-8"))
MIN_RECALL = 0.8
LOST_RECALL_GAP = 0.2
FLOOR_MARGIN = 0.1


def page_name(path: Path) -> str:
    return path.name.removesuffix(".html.gz")


def gold_body(name: str) -> str:
    record = json.loads((GOLDEN / "expected" / f"{name}.json").read_text(encoding="utf-8"))
    return record["articleBody"]


def our_body(html: bytes) -> str:
    (result,) = extract_many(
        [Document(source="page", kind="html", payload=html)], ExtractionConfig()
    )
    assert not isinstance(result, InputFailure), result.reason
    return result.article.text


def test_every_page_has_its_gold_record():
    assert len(PAGES) >= 30
    for path in PAGES:
        assert gold_body(page_name(path)).strip(), path.name


@pytest.mark.parametrize("path", PAGES, ids=page_name)
def test_golden_page_body(path: Path):
    name = page_name(path)
    html = gzip.decompress(path.read_bytes())
    gold = gold_body(name)
    precision, recall = precision_recall(gold, our_body(html))
    floors = FLOORS.get(name, {})
    assert recall >= max(floors.get("recall", MIN_RECALL), MIN_RECALL), (name, recall)
    assert precision >= floors.get("precision", 0.0), (name, precision)
    plain = trafilatura.extract(html, fast=False, include_comments=False) or ""
    _, plain_recall = precision_recall(gold, plain)
    assert recall >= plain_recall - LOST_RECALL_GAP, (
        f"{name}: article lost ({recall:.2f} vs {plain_recall:.2f})"
    )


def measured_floors() -> dict[str, dict[str, float]]:
    """Each page's floors: FLOOR_MARGIN below today's precision and recall (recall >= 0.8),
    never below the floors already written (floors only move up)."""
    floors = {}
    for path in PAGES:
        name = page_name(path)
        precision, recall = precision_recall(
            gold_body(name), our_body(gzip.decompress(path.read_bytes()))
        )
        old = FLOORS.get(name, {})
        floors[name] = {
            "precision": max(
                old.get("precision", 0.0), round(max(0.0, precision - FLOOR_MARGIN), 2)
            ),
            "recall": max(old.get("recall", 0.0), round(max(MIN_RECALL, recall - FLOOR_MARGIN), 2)),
        }
    return floors


if __name__ == "__main__":
    text = json.dumps(measured_floors(), indent=1, sort_keys=True)
    (GOLDEN / "body_floors.json").write_text(text + "\n", encoding="utf-8")
