"""Extraction benchmark: article-body quality, speed and metadata on the shared benchmark sets.

    .venv/bin/python bench/extraction.py [--sets zyte,fundus] [--zyte D] [--fundus D] [--worst N]

For each set (Zyte: 181 English pages; fundus-publishers: 225 pages of 156 publishers in 40
countries), the HTML path: plain trafilatura (`fast=False`, `include_comments=False`) next to
`newscorpus extract` (`extract_many`, what the command runs on each file's bytes); and the
plain-text path: the raw visible text of each page (a copy-paste) next to the plain-text
cleaner. Metric: `bench/metric.py` (the Zyte benchmark's own). A page's article is **lost**
when our recall is more than 0.2 below plain trafilatura's on the same page's HTML. On
fundus-publishers, the metadata of the HTML path is scored against the gold: title exact match
(spaces folded), authors F1 (names case-folded, averaged over pages; no gold and no output
counts 1) and date accuracy (calendar day of `published`, over pages with a gold date).
Speed is pages per second of one single-process pass over every page, after one untimed
warm-up page per variant; the HTML variants take turns page by page so that load from other
processes on a shared machine weighs on both alike.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import trafilatura
from metric import page_scores  # bench/metric.py (this script's directory is on the path)

from extractors import Article, Document, ExtractionConfig, extract_many
from extractors.encoding import decode_bytes
from extractors.inputs import InputFailure
from extractors.visible_text import visible_text

REPO = Path(__file__).resolve().parent.parent
LOST_RECALL_GAP = 0.2


def _shared(name: str) -> Path:
    """`../shared/bench/<name>` next to the main checkout (worktrees sit one level deeper)."""
    candidates = (REPO.parent / "shared/bench" / name, REPO.parent.parent / "shared/bench" / name)
    return next((p for p in candidates if p.exists()), candidates[0])


Output = tuple[str, Article | None]
Variant = Callable[[bytes | str], Output]


@dataclass
class Result:
    name: str
    precision: float
    recall: float
    pages_per_s: float
    per_page: dict[str, tuple[float, float, float]]

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def page_recall(self, pid: str) -> float:
        tp, _, fn = self.per_page[pid]
        return tp / (tp + fn) if tp + fn else 0.0


def score(name: str, gold: dict[str, str], texts: dict[str, str], seconds: float) -> Result:
    per_page = {pid: page_scores(gold[pid], texts.get(pid, "")) for pid in gold}
    precisions = [tp / (tp + fp) for tp, fp, _ in per_page.values() if tp + fp > 0]
    recalls = [tp / (tp + fn) for tp, _, fn in per_page.values() if tp + fn > 0]
    return Result(
        name,
        sum(precisions) / len(precisions) if precisions else 0.0,
        sum(recalls) / len(recalls) if recalls else 0.0,
        len(gold) / seconds if seconds else 0.0,
        per_page,
    )


def lost_pages(ours: Result, baseline: Result) -> list[str]:
    """Pages where our recall is more than LOST_RECALL_GAP below the baseline's."""
    return sorted(
        pid
        for pid in ours.per_page
        if ours.page_recall(pid) < baseline.page_recall(pid) - LOST_RECALL_GAP
    )


def page_id(path: Path) -> str:
    return path.name.split(".")[0]


def plain_trafilatura(page: bytes | str) -> Output:
    return trafilatura.extract(page, fast=False, include_comments=False) or "", None


def newscorpus(kind: str) -> Variant:
    """One page through `extract_many`, the function `newscorpus extract` runs per batch."""
    config = ExtractionConfig()

    def run(page: bytes | str) -> Output:
        (result,) = extract_many([Document(source="page", kind=kind, payload=page)], config)
        return (
            ("", None)
            if isinstance(result, InputFailure)
            else (result.article.text, result.article)
        )

    return run


def interleaved(
    pages: dict[str, bytes | str], variants: list[Variant]
) -> list[tuple[dict[str, Output], float]]:
    """Outputs and total seconds of each variant; the variants take turns page by page (in
    alternating order), so that load from other processes weighs on all of them alike. Each
    variant first runs once untimed on the first page: one-time set-up (langdetect's profiles,
    rule compilation, trafilatura's caches) is not part of the per-page rate."""
    first = min(pages)
    for variant in variants:
        variant(pages[first])
    outputs: list[dict[str, Output]] = [{} for _ in variants]
    seconds = [0.0 for _ in variants]
    for number, (pid, page) in enumerate(sorted(pages.items())):
        order = range(len(variants)) if number % 2 == 0 else reversed(range(len(variants)))
        for index in order:
            start = time.perf_counter()
            outputs[index][pid] = variants[index](page)
            seconds[index] += time.perf_counter() - start
    return list(zip(outputs, seconds, strict=True))


def texts_of(outputs: dict[str, Output]) -> dict[str, str]:
    return {pid: text for pid, (text, _) in outputs.items()}


def _folded(text: str | None) -> str:
    return " ".join((text or "").split())


def authors_f1(gold: list[str], ours: list[str]) -> float:
    true = {_folded(name).casefold() for name in gold}
    found = {_folded(name).casefold() for name in ours}
    if not true and not found:
        return 1.0
    overlap = len(true & found)
    return 2 * overlap / (len(true) + len(found))


def metadata_scores(truth: dict[str, dict], outputs: dict[str, Output]) -> dict[str, float]:
    """Title exact match, authors F1 and date accuracy of our articles against the gold."""
    titles, authors, dates = [], [], []
    for pid, entry in truth.items():
        article = outputs[pid][1]
        if entry.get("title"):
            titles.append(article is not None and _folded(article.title) == _folded(entry["title"]))
        authors.append(authors_f1(entry.get("authors") or [], article.authors if article else []))
        if entry.get("published"):
            ours = (article.published or "") if article else ""
            dates.append(ours[:10] == entry["published"][:10])
    return {
        "title exact match": sum(titles) / len(titles),
        "authors F1": sum(authors) / len(authors),
        "date accuracy": sum(dates) / len(dates),
    }


def print_table(title: str, results: list[Result], lost: dict[str, int]) -> None:
    print(f"\n{title}")
    print(f"{'variant':40} {'precision':>9} {'recall':>7} {'F1':>6} {'pages/s':>8} {'lost':>5}")
    for r in results:
        rate = f"{r.pages_per_s:8.1f}" if r.pages_per_s else f"{'-':>8}"
        print(
            f"{r.name:40} {r.precision:9.4f} {r.recall:7.4f} {r.f1:6.4f} {rate} "
            f"{lost.get(r.name, '-')!s:>5}"
        )


def print_worst(result: Result, count: int, lost: list[str]) -> None:
    ranked = sorted(result.per_page.items(), key=lambda kv: kv[1][0])
    for pid, (tp, fp, fn) in ranked[:count]:
        print(f"  {result.name[:20]:20} {pid[:32]:32}  tp {tp:.2f}  fp {fp:.2f}  fn {fn:.2f}")
    for pid in lost:
        print(f"  lost: {pid}")


def run_set(name: str, directory: Path, worst: int) -> None:
    truth = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))
    gold = {pid: entry["articleBody"] for pid, entry in truth.items()}
    paths = sorted((directory / "html").glob("*.html.gz"))
    pages: dict[str, bytes | str] = {page_id(p): gzip.decompress(p.read_bytes()) for p in paths}
    print(f"\n=== {name}: {len(pages)} pages from {directory}")

    (base, base_s), (ours, ours_s) = interleaved(pages, [plain_trafilatura, newscorpus("html")])
    baseline = score(
        f"trafilatura {trafilatura.__version__} fast=False", gold, texts_of(base), base_s
    )
    html = score("newscorpus extract (HTML)", gold, texts_of(ours), ours_s)
    html_lost = lost_pages(html, baseline)

    rendered = {pid: visible_text(decode_bytes(page, html=True)) for pid, page in pages.items()}
    ((text_out, text_s),) = interleaved(rendered, [newscorpus("text")])
    raw = score("raw visible text (copy-paste)", gold, rendered, 0.0)
    text = score("newscorpus extract (plain text)", gold, texts_of(text_out), text_s)
    text_lost = lost_pages(text, baseline)

    print_table("HTML path", [baseline, html], {html.name: len(html_lost)})
    print(f"throughput ratio newscorpus / trafilatura: {(base_s / ours_s):.2f}")
    print_table("Plain-text path", [raw, text], {text.name: len(text_lost)})
    if any("title" in entry for entry in truth.values()):
        print("\nMetadata (HTML path)")
        for label, value in metadata_scores(truth, ours).items():
            print(f"  {label:20} {value:.4f}")
    if worst:
        print_worst(html, worst, html_lost)
        print_worst(text, worst, text_lost)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="zyte,fundus", help="comma-separated: zyte, fundus")
    parser.add_argument("--zyte", type=Path, default=_shared("zyte"))
    parser.add_argument("--fundus", type=Path, default=_shared("fundus-publishers"))
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages")
    args = parser.parse_args()
    directories = {"zyte": args.zyte, "fundus": args.fundus}
    for name in args.sets.split(","):
        run_set(name, directories[name], args.worst)


if __name__ == "__main__":
    main()
