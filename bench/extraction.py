"""Extraction benchmark: article-body quality and speed on the Zyte benchmark pages.

    .venv/bin/python bench/extraction.py [--zyte DIR] [--only html|text] [--worst N]

Prints, for the HTML path, plain trafilatura (`include_comments=False`) next to
`newscorpus extract` (`extract_many`, what the command runs on each file's bytes); and for
the plain-text path, the raw visible text of each page (a copy-paste) next to the plain-text
cleaner. Metric (the benchmark's own): `\\w+` tokens, multisets of 4-token shingles, per-page
TP/FP/FN normalised to sum to 1, precision and recall averaged over pages, F1 of the averages.
Speed is pages per second of one single-process pass over every page, after one untimed warm-up
page per variant; the HTML variants take turns page by page so that load from other processes
on a shared machine weighs on both alike.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import trafilatura

from extractors import Document, ExtractionConfig, extract_many
from extractors.encoding import decode_bytes
from extractors.inputs import InputFailure
from extractors.visible_text import visible_text

REPO = Path(__file__).resolve().parent.parent
# `../shared` next to the main checkout (worktrees sit one level deeper).
DEFAULT_ZYTE = next(
    (
        p
        for p in (REPO.parent / "shared/bench/zyte", REPO.parent.parent / "shared/bench/zyte")
        if p.exists()
    ),
    REPO.parent / "shared/bench/zyte",
)
_TOKEN = re.compile(r"\w+")
SHINGLE = 4


def shingles(text: str) -> Counter[str]:
    """Multiset of 4-token shingles (a text of fewer tokens is one short shingle)."""
    tokens = _TOKEN.findall(text or "")
    spans = range(max(1, len(tokens) - SHINGLE + 1))
    return Counter(shingle for i in spans if (shingle := " ".join(tokens[i : i + SHINGLE])))


def page_scores(gold: str, predicted: str) -> tuple[float, float, float]:
    """TP, FP, FN shingle overlaps of one page, normalised to sum to 1."""
    true, pred = shingles(gold), shingles(predicted)
    tp = sum((true & pred).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


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


def page_id(path: str) -> str:
    return Path(path).name.split(".")[0]


def plain_trafilatura(page: bytes) -> str:
    return trafilatura.extract(page, include_comments=False) or ""


def newscorpus(kind: str) -> Callable[[bytes | str], str]:
    """One page through `extract_many`, the function `newscorpus extract` runs per batch."""
    config = ExtractionConfig()

    def run(page: bytes | str) -> str:
        (result,) = extract_many([Document(source="page", kind=kind, payload=page)], config)
        return "" if isinstance(result, InputFailure) else result.article.text

    return run


def interleaved(
    pages: dict[str, bytes | str], variants: list[Callable[[bytes | str], str]]
) -> list[tuple[dict[str, str], float]]:
    """Texts and total seconds of each variant; the variants take turns page by page (in
    alternating order), so that load from other processes weighs on all of them alike. Each
    variant first runs once untimed on the first page: one-time set-up (langdetect's profiles,
    rule compilation, trafilatura's caches) is not part of the per-page rate."""
    first = min(pages)
    for variant in variants:
        variant(pages[first])
    texts: list[dict[str, str]] = [{} for _ in variants]
    seconds = [0.0 for _ in variants]
    for number, (pid, page) in enumerate(sorted(pages.items())):
        order = range(len(variants)) if number % 2 == 0 else reversed(range(len(variants)))
        for index in order:
            start = time.perf_counter()
            texts[index][pid] = variants[index](page)
            seconds[index] += time.perf_counter() - start
    return list(zip(texts, seconds, strict=True))


def print_table(title: str, results: list[Result]) -> None:
    print(f"\n{title}")
    print(f"{'variant':34} {'precision':>9} {'recall':>7} {'F1':>6} {'pages/s':>8}")
    for r in results:
        print(f"{r.name:34} {r.precision:9.4f} {r.recall:7.4f} {r.f1:6.4f} {r.pages_per_s:8.1f}")


def print_worst(result: Result, count: int) -> None:
    ranked = sorted(result.per_page.items(), key=lambda kv: kv[1][0])
    for pid, (tp, fp, fn) in ranked[:count]:
        print(f"  {result.name[:20]:20} {pid[:16]}  tp {tp:.2f}  fp {fp:.2f}  fn {fn:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zyte", type=Path, default=DEFAULT_ZYTE, help="benchmark directory")
    parser.add_argument("--only", choices=["html", "text"], help="run one path only")
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages")
    args = parser.parse_args()

    truth = json.loads((args.zyte / "ground-truth.json").read_text(encoding="utf-8"))
    gold = {pid: entry["articleBody"] for pid, entry in truth.items()}
    html_dir = args.zyte / "html"
    pages = {page_id(str(p)): gzip.decompress(p.read_bytes()) for p in html_dir.glob("*.html.gz")}
    print(f"{len(pages)} pages from {args.zyte}")

    if args.only != "text":
        (base, base_s), (ours, ours_s) = interleaved(pages, [plain_trafilatura, newscorpus("html")])
        results = [
            score(f"trafilatura {trafilatura.__version__} (no comments)", gold, base, base_s),
            score("newscorpus extract (HTML)", gold, ours, ours_s),
        ]
        print_table("HTML path", results)
        print(f"throughput ratio newscorpus / trafilatura: {(base_s / ours_s):.2f}")
        for result in results if args.worst else []:
            print_worst(result, args.worst)

    if args.only != "html":
        rendered = {pid: visible_text(decode_bytes(html, html=True)) for pid, html in pages.items()}
        ((ours, ours_s),) = interleaved(rendered, [newscorpus("text")])
        results = [
            score("raw visible text (copy-paste)", gold, rendered, 0.0),
            score("newscorpus extract (plain text)", gold, ours, ours_s),
        ]
        print_table("Plain-text path", results)
        for result in results if args.worst else []:
            print_worst(result, args.worst)


if __name__ == "__main__":
    main()
