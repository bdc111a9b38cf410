"""Metadata benchmark: headline, authors and publication day on the fundus-publishers pages.

    .venv/bin/python bench/metadata.py [--fundus DIR] [--half all|even|odd]
        [--misses title|authors|published]
    .venv/bin/python bench/metadata.py --zyte-titles [--zyte DIR]

Compares `newscorpus extract` (`extract_many` on each page's bytes, no URL given, as the
command runs on files) with plain trafilatura's metadata (`trafilatura.extract_metadata`) against
the titles, authors and publication dates of each page's hand-written fundus parser.

- **title exact**: share of pages with a gold title whose title equals it after normalisation:
  Unicode NFKC, every run of white space one space, typographic quotes and apostrophes
  (‘ ’ ‚ ‛ “ ” „ « » ‹ ›) as ASCII ' and ", dashes (– — ‑) as "-", invisible format characters
  (zero-width space, soft hyphen) removed, ends stripped; case and punctuation otherwise kept.
- **authors F1**: per page, F1 of the two sets of names (same normalisation, case-folded);
  averaged over pages where the gold or the prediction names someone (a page with names only
  on one side scores 0).
- **published day**: share of pages with a gold date whose predicted date has the same
  calendar day (the first ten characters, `YYYY-MM-DD`, as each side writes it).

`--half even|odd` scores every other publisher only (sorted by page id): tune on one half,
check on the other. `--misses FIELD` lists the pages that miss on that field. `--zyte-titles`
prints the titles of the Zyte pages (which have no gold titles) that still hold a separator
followed by a short tail — the shape of a site name kept.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import unicodedata
from pathlib import Path

import trafilatura

from extractors import Document, ExtractionConfig, extract_many
from extractors.article import Article
from extractors.inputs import InputFailure

REPO = Path(__file__).resolve().parent.parent


def _shared(name: str) -> Path:
    """`../shared/bench/<name>` next to the main checkout (worktrees sit one level deeper)."""
    candidates = (REPO.parent / "shared/bench" / name, REPO.parent.parent / "shared/bench" / name)
    return next((p for p in candidates if p.exists()), candidates[0])


_QUOTES = str.maketrans(
    {"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
     "‹": "'", "›": "'", "–": "-", "—": "-", "‑": "-"}
)  # fmt: skip
_SPACE = re.compile(r"\s+")
_TAIL = re.compile(r"\s[|–—-]\s\S.{0,40}$|\s[|]\s*\S.{0,40}$")


def normalize(text: str | None) -> str:
    """The comparison form of a title or name (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return _SPACE.sub(" ", text).strip()


def authors_f1(gold: list[str], predicted: list[str]) -> float:
    true = {normalize(name).casefold() for name in gold}
    pred = {normalize(name).casefold() for name in predicted}
    hits = len(true & pred)
    return 2 * hits / (len(true) + len(pred)) if true or pred else 1.0


def ours(page: bytes) -> Article | None:
    (result,) = extract_many([Document(source="page", kind="html", payload=page)], CONFIG)
    return None if isinstance(result, InputFailure) else result.article


def theirs(page: bytes) -> Article:
    meta = trafilatura.extract_metadata(page)
    if meta is None:
        return Article(title=None, text="")
    authors = [name.strip() for name in (meta.author or "").split(";") if name.strip()]
    return Article(title=meta.title, text="", authors=authors, published=meta.date)


CONFIG = ExtractionConfig()


def scores(truth: dict[str, dict], found: dict[str, Article | None]) -> dict[str, float]:
    titles = [pid for pid in truth if truth[pid].get("title")]
    dated = [pid for pid in truth if truth[pid].get("published")]
    f1s = []
    for pid, entry in truth.items():
        gold, pred = entry.get("authors") or [], (found[pid].authors if found[pid] else [])
        if gold or pred:
            f1s.append(authors_f1(gold, pred))
    title_hits = sum(
        normalize(truth[p]["title"]) == normalize(found[p].title if found[p] else None)
        for p in titles
    )
    day_hits = sum(
        bool(found[p] and found[p].published)
        and found[p].published[:10] == truth[p]["published"][:10]
        for p in dated
    )
    return {
        "title exact": title_hits / len(titles),
        "authors F1": sum(f1s) / len(f1s),
        "published day": day_hits / len(dated),
    }


def print_misses(field: str, truth: dict[str, dict], found: dict[str, Article | None]) -> None:
    for pid, entry in sorted(truth.items()):
        article = found[pid]
        gold = entry.get(field)
        pred = getattr(article, field) if article else None
        if field == "title":
            miss = bool(gold) and normalize(gold) != normalize(pred)
        elif field == "authors":
            miss = (gold or pred) and authors_f1(gold or [], pred or []) < 1
        else:
            miss = bool(gold) and (pred or "")[:10] != gold[:10]
        if miss:
            print(f"{pid}\n  gold: {gold!r}\n  ours: {pred!r}")


def zyte_titles(zyte: Path) -> None:
    pages = sorted((zyte / "html").glob("*.html.gz"))
    suspicious = 0
    for path in pages:
        article = ours(gzip.decompress(path.read_bytes()))
        title = article.title if article else None
        if title is None or _TAIL.search(title):
            suspicious += 1
            print(f"{path.name[:12]}  {title!r}")
    print(f"{suspicious} of {len(pages)} Zyte titles missing or ending in ' | …'/' - …'")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fundus", type=Path, default=_shared("fundus-publishers"))
    parser.add_argument("--zyte", type=Path, default=_shared("zyte"))
    parser.add_argument("--half", choices=["all", "even", "odd"], default="all")
    parser.add_argument("--misses", choices=["title", "authors", "published"])
    parser.add_argument("--zyte-titles", action="store_true")
    args = parser.parse_args()
    if args.zyte_titles:
        zyte_titles(args.zyte)
        return

    truth = json.loads((args.fundus / "ground-truth.json").read_text(encoding="utf-8"))
    if args.half != "all":
        publishers = sorted({pid.rsplit("_", 3)[0] for pid in truth})
        keep = set(publishers[args.half == "odd" :: 2])
        truth = {pid: e for pid, e in truth.items() if pid.rsplit("_", 3)[0] in keep}
    pages = {
        pid: gzip.decompress((args.fundus / "html" / f"{pid}.html.gz").read_bytes())
        for pid in truth
    }
    print(f"{len(pages)} pages from {args.fundus} ({args.half})")
    results = {
        f"trafilatura {trafilatura.__version__} metadata": {p: theirs(h) for p, h in pages.items()},
        "newscorpus extract": {p: ours(h) for p, h in pages.items()},
    }
    print(f"{'variant':34} {'title exact':>11} {'authors F1':>10} {'published day':>13}")
    for name, found in results.items():
        s = scores(truth, found)
        print(
            f"{name:34} {s['title exact']:11.3f} {s['authors F1']:10.3f} {s['published day']:13.3f}"
        )
    if args.misses:
        print_misses(args.misses, truth, results["newscorpus extract"])


if __name__ == "__main__":
    main()
