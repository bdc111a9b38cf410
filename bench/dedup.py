"""Near-duplicate detection benchmark: quality, speed, and an index at scale.

    python bench/dedup.py                      # quality + speed (a couple of minutes)
    python bench/dedup.py --scale 1000000      # index N synthetic articles: time, peak RSS

Quality: a labelled set is generated here (fixed seed) from the gold article texts of the Zyte
extraction benchmark (`--gold`, default ../shared/bench/zyte/ground-truth.json): every article
gets syndicated variants (other page furniture, trimmed ending, added notes and dateline, new
headline line, typo and punctuation noise, dropped paragraphs, a mix of these) and a "quoting"
article that adds one of its paragraphs to another article (a duplicate of that other article,
a hard negative for the quoted one). The five seed articles (one meeting, three distinct
articles, plus two on the same topic) are added as hard negatives. Everything is stored in a
shuffled order through the real store with the shipped `[dedup]` defaults, and pairwise
precision/recall is computed from the resulting `cluster_id`s.

Speed: the same texts, one article at a time, signature + LSH query + insert, side by side:
datasketch used the common way (`MinHash.update` per shingle; `update_batch`) with datasketch's
`MinHashLSH`, against `corpus.minhash.MinHasher` with `corpus.lsh.BandIndex`.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np
from datasketch import MinHash, MinHashLSH

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from config import DedupSettings, Settings, load_settings  # noqa: E402
from corpus.lsh import BandIndex  # noqa: E402
from corpus.lsh_params import band_params  # noqa: E402
from corpus.minhash import MinHasher, MinHashSignature  # noqa: E402
from corpus.store import open_store  # noqa: E402
from extractors import Article, Extracted  # noqa: E402

# ../shared from the main checkout (/work/main), or from a worktree one level deeper.
GOLD_CANDIDATES = [
    base / "shared" / "bench" / "zyte" / "ground-truth.json"
    for base in (REPO.parent, REPO.parent.parent)
]
DEFAULT_GOLD = next((path for path in GOLD_CANDIDATES if path.exists()), GOLD_CANDIDATES[0])
SEEDS = REPO / "examples" / "articles"
RANDOM_SEED = 20261121

NAVIGATION = [
    "Home | World | Politics | Business | Tech | Sport | Opinion",
    "Skip to main content",
    "Advertisement",
    "Subscribe now: 3 months for $1",
    "Listen to this article",
    "Most read",
    "Menu Search Sign in",
    "Breaking News",
    "You are here: Home > News > World",
]
FOOTER = [
    "Share this article: Facebook Twitter WhatsApp Email",
    "Sign up for our morning newsletter and get the day's top stories in your inbox.",
    "© 2019 The Daily Example. All rights reserved.",
    "Copyright 2019 The Associated Press. All rights reserved. This material may not be "
    "published, broadcast, rewritten or redistributed.",
    "Comments are closed.",
    "Related topics",
    "Read more:",
    "Terms of use | Privacy policy | Cookie settings | Contact us",
    "Follow us on Instagram",
]
NOTES = [
    "Editor's note: This story has been updated with additional reporting.",
    "Correction: An earlier version of this article misstated a date.",
    "This article originally appeared on our partner site.",
    "Reporting by staff; editing by the news desk.",
]
DATELINES = ["NEW YORK (AP) — ", "LONDON (Reuters) - ", "WASHINGTON — ", "PARIS, June 3 (AFP) - "]
KINDS = ("furniture", "trimmed", "notes", "headline", "noise", "dropped", "mixed")


# The labelled set -------------------------------------------------------------------------------


def paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n+", text) if p.strip()]


def with_furniture(text: str, rng: random.Random, headlines: list[str]) -> str:
    """Another site's page furniture around the story, including other stories' headlines."""
    top = rng.sample(NAVIGATION, rng.randint(2, 4))
    bottom = rng.sample(FOOTER, rng.randint(2, 5)) + rng.sample(headlines, 3)
    return "\n".join([*top, text, *bottom])


def trimmed(text: str, rng: random.Random, low: float = 0.4, high: float = 0.85) -> str:
    """The opening of the story only: whole paragraphs (or sentences) up to a share of it."""
    parts = paragraphs(text)
    if len(parts) < 3:
        parts = re.split(r"(?<=[.!?])\s+", text)
    goal, kept, size = rng.uniform(low, high) * len(text), [], 0
    for part in parts:
        if kept and size + len(part) > goal:
            break
        kept.append(part)
        size += len(part)
    return "\n".join(kept)


def with_notes(text: str, rng: random.Random) -> str:
    return rng.choice(DATELINES) + text + "\n" + rng.choice(NOTES)


def with_headline(text: str, rng: random.Random) -> str:
    """A new headline line made of words of the first sentence."""
    words = re.findall(r"\w+", text)[:12]
    rng.shuffle(words)
    return rng.choice(["UPDATE 2-", "", "Exclusive: "]) + " ".join(words[:8]).title() + "\n" + text


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(len(word) - 1)
    return rng.choice(
        [
            word[:i] + word[i + 1] + word[i] + word[i + 2 :],
            word[:i] + word[i + 1 :],
            word + word[-1],
        ]
    )


def noisy(text: str, rng: random.Random, rate: float = 0.02) -> str:
    """Typos in `rate` of the words, swapped quote styles and dashes, changed spacing."""
    tokens = re.split(r"( +)", text)
    tokens = [_typo(t, rng) if t.strip() and rng.random() < rate else t for t in tokens]
    out = "".join(tokens).replace('"', "\u201c").replace("'", "\u2019").replace(" - ", " \u2014 ")
    return out.replace(", ", " , " if rng.random() < 0.5 else ",  ")


def dropped(text: str, rng: random.Random) -> str:
    """One or two inner paragraphs left out (at most a quarter of the text)."""
    parts = paragraphs(text)
    if len(parts) < 4:
        return trimmed(text, rng, 0.75, 0.9)
    for _ in range(rng.randint(1, 2)):
        candidates = [i for i in range(1, len(parts)) if len(parts[i]) < 0.25 * len(text)]
        if candidates:
            parts.pop(rng.choice(candidates))
    return "\n".join(parts)


def variant(kind: str, text: str, rng: random.Random, headlines: list[str]) -> str:
    if kind == "furniture":
        return with_furniture(text, rng, headlines)
    if kind == "trimmed":
        return trimmed(text, rng)
    if kind == "notes":
        return with_notes(text, rng)
    if kind == "headline":
        return with_headline(text, rng)
    if kind == "noise":
        return noisy(text, rng)
    if kind == "dropped":
        return dropped(text, rng)
    return with_furniture(noisy(trimmed(text, rng, 0.6, 0.9), rng, 0.01), rng, headlines)


def quoting(other: str, quoted: str, rng: random.Random) -> str | None:
    """`other` with one paragraph of `quoted` inserted (at most a fifth of the result)."""
    parts, source = paragraphs(other), [p for p in paragraphs(quoted) if len(p) > 80]
    fitting = [p for p in source if len(p) <= 0.2 * len(other)]
    if len(parts) < 2 or not fitting:
        return None
    parts.insert(rng.randrange(1, len(parts)), rng.choice(fitting))
    return "\n".join(parts)


def labelled_set(gold_path: Path) -> tuple[list[dict], list[tuple[str, str]]]:
    """Documents `{id, text, cluster, kind}` and the hard-negative pairs (document ids)."""
    rng = random.Random(RANDOM_SEED)
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    originals = [
        (key, value["articleBody"].strip())
        for key, value in sorted(gold.items())
        if len(re.findall(r"\w+", value["articleBody"])) >= 60
    ]
    headlines = [paragraphs(text)[0][:90] for _, text in originals]
    docs, negatives = [], []
    for key, text in originals:
        docs.append({"id": key, "text": text, "cluster": key, "kind": "original"})
        for kind in KINDS:
            docs.append(
                {
                    "id": f"{key}:{kind}",
                    "text": variant(kind, text, rng, headlines),
                    "cluster": key,
                    "kind": kind,
                }
            )
    for key, text in originals:
        quoted_key, quoted_text = rng.choice([o for o in originals if o[0] != key])
        added = quoting(text, quoted_text, rng)
        if added:
            docs.append({"id": f"{key}:quotes", "text": added, "cluster": key, "kind": "quotes"})
            negatives.append((f"{key}:quotes", quoted_key))
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        docs.append({"id": path.stem, "text": text, "cluster": path.stem, "kind": "seed"})
    seeds = [d["id"] for d in docs if d["kind"] == "seed"]
    negatives += list(combinations(seeds, 2))
    negatives += topical_neighbours(originals)
    rng.shuffle(docs)
    return docs, negatives


def topical_neighbours(originals: list[tuple[str, str]], count: int = 100) -> list[tuple[str, str]]:
    """The `count` most similar pairs of different gold articles by vocabulary overlap
    (word-set Jaccard on words of 4+ letters): same-topic articles that must stay apart."""
    vocab = [set(re.findall(r"\w{4,}", text.lower())) for _, text in originals]
    scored = [
        (len(a & b) / max(1, len(a | b)), originals[i][0], originals[j][0])
        for (i, a), (j, b) in combinations(enumerate(vocab), 2)
    ]
    return [(x, y) for _, x, y in sorted(scored, reverse=True)[:count]]


def pairs_by_cluster(assignment: dict[str, str]) -> set[frozenset[str]]:
    groups = defaultdict(list)
    for doc, cluster in assignment.items():
        groups[cluster].append(doc)
    return {frozenset(p) for members in groups.values() for p in combinations(members, 2)}


def quality(
    gold_path: Path, settings: Settings, batch_size: int = 64, verbose: bool = False
) -> dict:
    """Store the labelled set with the default settings; pairwise precision and recall."""
    docs, negatives = labelled_set(gold_path)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.db", settings=settings)
        run = store.start_run("bench", {})
        predicted: dict[str, str] = {}
        started = time.perf_counter()
        for start in range(0, len(docs), batch_size):
            batch = docs[start : start + batch_size]
            items = [
                Extracted(d["id"], None, Article(title=None, text=d["text"], extractor="bench"))
                for d in batch
            ]
            saved, failed = store.save_batch(run, items)
            assert not failed, failed
            for doc, result in zip(batch, saved, strict=True):
                predicted[doc["id"]] = result.article_id
        elapsed = time.perf_counter() - started
        with store.sessions() as session:
            from sqlalchemy import select

            from corpus.models import ArticleVersion

            cluster_of = dict(
                session.execute(select(ArticleVersion.article_id, ArticleVersion.cluster_id)).all()
            )
        store.engine.dispose()
    predicted = {doc: cluster_of[article] for doc, article in predicted.items()}
    gold = {d["id"]: d["cluster"] for d in docs}
    gold_pairs, found_pairs = pairs_by_cluster(gold), pairs_by_cluster(predicted)
    true = gold_pairs & found_pairs
    kind_of = {d["id"]: d["kind"] for d in docs}
    joined = Counter()
    for doc, cluster in gold.items():
        if kind_of[doc] not in ("original", "seed") and predicted[doc] == predicted[cluster]:
            joined[kind_of[doc]] += 1
    totals = Counter(kind_of[d] for d in gold if kind_of[d] not in ("original", "seed"))
    merged_negatives = [p for p in negatives if predicted[p[0]] == predicted[p[1]]]
    if verbose:
        for pair in sorted(found_pairs - gold_pairs, key=sorted):
            print("false pair:", *sorted(pair), file=sys.stderr)
        for doc in sorted(gold):
            if kind_of[doc] not in ("original", "seed") and predicted[doc] != predicted[gold[doc]]:
                print("missed:", doc, file=sys.stderr)
    return {
        "documents": len(docs),
        "gold_clusters": len(set(gold.values())),
        "gold_pairs": len(gold_pairs),
        "predicted_pairs": len(found_pairs),
        "true_pairs": len(true),
        "precision": round(len(true) / max(1, len(found_pairs)), 4),
        "recall": round(len(true) / max(1, len(gold_pairs)), 4),
        "variant_joined_original": {k: f"{joined[k]}/{totals[k]}" for k in sorted(totals)},
        "hard_negative_pairs": len(negatives),
        "hard_negatives_merged": len(merged_negatives),
        "store_seconds": round(elapsed, 2),
    }


# Syndication on real pages ----------------------------------------------------------------------

FUNDUS_CANDIDATES = [
    base / "shared" / "bench" / "fundus-publishers" for base in (REPO.parent, REPO.parent.parent)
]
DEFAULT_FUNDUS = next((path for path in FUNDUS_CANDIDATES if path.exists()), FUNDUS_CANDIDATES[0])


def _furniture_lines(tree, tags: tuple[str, ...]) -> list[str]:
    """Text lines (two words or more) of a page's `tags` elements, in document order."""
    lines: list[str] = []
    for element in tree.iter(*tags):
        for line in element.text_content().splitlines():
            line = " ".join(line.split())
            if len(line.split()) >= 2 and line not in lines:
                lines.append(line)
    return lines


def _capped(lines: list[str], words: int) -> str:
    kept, total = [], 0
    for line in lines:
        if total >= words:
            break
        kept.append(line)
        total += len(line.split())
    return "\n".join(kept)


def publisher_furniture(folder: Path, truth: dict, words: int) -> dict[str, tuple[str, str]]:
    """Per publisher: the text of its pages' header/nav (top) and footer/aside (bottom)
    elements, plus "More from" headlines of its pages: real furniture of that site, at most
    `words` words per side."""
    import gzip

    import lxml.html

    top: dict[str, list[str]] = defaultdict(list)
    bottom: dict[str, list[str]] = defaultdict(list)
    for ident, record in sorted(truth.items()):
        publisher = ident.rsplit("_", 3)[0]
        html = gzip.decompress((folder / "html" / f"{ident}.html.gz").read_bytes())
        try:
            tree = lxml.html.fromstring(html)
        except (ValueError, lxml.etree.ParserError):
            continue
        top[publisher] += _furniture_lines(tree, ("header", "nav"))
        bottom[publisher] += _furniture_lines(tree, ("footer", "aside"))
        bottom[publisher].append(f"More from this site: {record.get('title') or ''}")
    return {
        publisher: (_capped(top[publisher], words), _capped(bottom[publisher], words))
        for publisher in set(top) | set(bottom)
    }


def _later(published: str | None, rng: random.Random) -> str | None:
    """A copy's date: some hours after the original's; unknown for one copy in five."""
    from datetime import datetime, timedelta

    if not published or rng.random() < 0.2:
        return None
    try:
        stamp = datetime.fromisoformat(published)
    except ValueError:
        return None
    return (stamp + timedelta(hours=rng.randint(1, 30))).isoformat()


def syndication_set(folder: Path, furniture_words: int) -> list[dict]:
    """Real article bodies of fundus-publishers, each on its own site with that publisher's real
    furniture; a third of them syndicated to one or two other publishers' sites (with their
    furniture, trimmed or with a note, published hours later or undated). Shuffled: a copy is
    often stored before its original."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    furniture = publisher_furniture(folder, truth, furniture_words)
    rng = random.Random(RANDOM_SEED)
    publishers = sorted(furniture)
    hosts = {
        ident.rsplit("_", 3)[0]: record["url"].split("/")[2] for ident, record in truth.items()
    }
    docs: list[dict] = []
    urls: set[str] = set()
    for ident, record in sorted(truth.items()):
        body = record.get("articleBody") or ""
        if len(body.split()) < 80 or record["url"] in urls:  # one page per URL: one article
            continue
        urls.add(record["url"])
        publisher = ident.rsplit("_", 3)[0]
        head, foot = furniture.get(publisher, ("", ""))
        docs.append({
            "id": ident, "cluster": ident, "kind": "original", "url": record["url"],
            "published": record.get("published"), "text": f"{head}\n{body}\n{foot}",
        })  # fmt: skip
        if rng.random() >= 1 / 3:
            continue
        for copy in range(rng.randint(1, 2)):
            other = rng.choice([p for p in publishers if p != publisher])
            head, foot = furniture[other]
            kind = rng.choice(["as is", "trimmed", "note"])
            text = body
            if kind == "trimmed":
                text = trimmed(body, rng, 0.6, 0.9)
            elif kind == "note":
                text = f"{body}\nThis article first appeared on {hosts[publisher]}."
            docs.append({
                "id": f"{ident}~{copy}", "cluster": ident, "kind": kind,
                "url": f"https://{hosts[other]}/syndicated/{ident.lower()}-{copy}",
                "published": _later(record.get("published"), rng),
                "text": f"{head}\n{text}\n{foot}",
            })  # fmt: skip
    rng.shuffle(docs)
    return docs


def syndication(
    folder: Path, settings: Settings, furniture_words: int, batch_size: int = 32
) -> dict:
    """Store the syndication set; pairwise P/R/F1 and how often the original is canonical."""
    docs = syndication_set(folder, furniture_words)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.db", settings=settings)
        run = store.start_run("bench", {})
        article_of: dict[str, str] = {}
        started = time.perf_counter()
        for start in range(0, len(docs), batch_size):
            batch = docs[start : start + batch_size]
            items = [
                Extracted(
                    d["id"],
                    d["url"],
                    Article(None, d["text"], published=d["published"], extractor="bench"),
                )  # fmt: skip
                for d in batch
            ]
            saved, failed = store.save_batch(run, items)
            assert not failed, failed
            article_of.update((d["id"], r.article_id) for d, r in zip(batch, saved, strict=True))
        elapsed = time.perf_counter() - started
        from sqlalchemy import select

        from corpus.models import ArticleVersion

        with store.sessions() as session:
            rows = session.execute(
                select(
                    ArticleVersion.article_id,
                    ArticleVersion.cluster_id,
                    ArticleVersion.duplicate_of,
                )
            ).all()
        store.close()
    cluster_of = {row[0]: row[1] for row in rows}
    canonical = {row[0] for row in rows if row[2] is None}
    predicted = {doc: cluster_of[article] for doc, article in article_of.items()}
    gold = {d["id"]: d["cluster"] for d in docs}
    gold_pairs, found_pairs = pairs_by_cluster(gold), pairs_by_cluster(predicted)
    true = len(gold_pairs & found_pairs)
    precision = true / max(1, len(found_pairs))
    recall = true / max(1, len(gold_pairs))
    syndicated = {d["cluster"] for d in docs if d["kind"] != "original"}
    order = {d["id"]: n for n, d in enumerate(docs)}
    first_stored = {}
    for d in docs:
        if d["cluster"] in syndicated:
            first = first_stored.get(d["cluster"])
            first_stored[d["cluster"]] = (
                d["id"] if first is None or order[d["id"]] < order[first] else first
            )
    originals_canonical = sum(article_of[c] in canonical for c in syndicated)
    originals_first = sum(first_stored[c] == c for c in syndicated)
    return {
        "documents": len(docs),
        "sites": len({d["url"].split("/")[2] for d in docs}),
        "syndicated_stories": len(syndicated),
        "gold_pairs": len(gold_pairs),
        "predicted_pairs": len(found_pairs),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / max(precision + recall, 1e-9), 4),
        "original_is_canonical": f"{originals_canonical}/{len(syndicated)}",
        "original_stored_first": f"{originals_first}/{len(syndicated)}",
        "store_seconds": round(elapsed, 2),
    }


# Speed ------------------------------------------------------------------------------------------


def speed(texts: list[str], repeat: int = 3) -> dict:
    """Per-article time of signature + LSH query + insert, three ways, on the same texts."""
    config = DedupSettings()
    hasher = MinHasher(config.num_perm, config.seed)
    bands, rows = band_params(
        config.lsh_threshold, config.num_perm, config.lsh_false_negative_weight
    )

    def datasketch_loop(per_shingle: bool) -> None:
        lsh = MinHashLSH(num_perm=config.num_perm, params=(bands, rows))
        for key, text in enumerate(texts):
            minhash = MinHash(num_perm=config.num_perm, seed=config.seed)
            shingles = [s.encode("utf-8") for s in hasher.shingler.shingles(text)]
            if per_shingle:
                for shingle in shingles:
                    minhash.update(shingle)
            else:
                minhash.update_batch(shingles)
            lsh.query(minhash)
            lsh.insert(key, minhash, check_duplication=False)

    def newscorpus_loop() -> None:
        index = BandIndex(bands, rows)
        for key, text in enumerate(texts):
            signature = hasher.sign(text)
            index.query(signature.hashvalues)
            index.add(np.array([key]), signature.hashvalues[None, :], key)

    timings = {}
    for name, run in [
        ("datasketch MinHash.update per shingle + MinHashLSH", lambda: datasketch_loop(True)),
        ("datasketch MinHash.update_batch + MinHashLSH", lambda: datasketch_loop(False)),
        ("newscorpus MinHasher.sign + BandIndex", newscorpus_loop),
    ]:
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - started)
        timings[name] = best / len(texts) * 1e6
    ours = timings["newscorpus MinHasher.sign + BandIndex"]
    words = sum(len(t.split()) for t in texts) / len(texts)
    return {
        "articles": len(texts),
        "mean_words": round(words),
        "microseconds_per_article": {k: round(v, 1) for k, v in timings.items()},
        "speedup_vs_per_shingle": round(
            timings["datasketch MinHash.update per shingle + MinHashLSH"] / ours, 1
        ),
        "speedup_vs_update_batch": round(
            timings["datasketch MinHash.update_batch + MinHashLSH"] / ours, 2
        ),
    }


# Scale ------------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_articles(count: int, words: int, seed: int = RANDOM_SEED):
    """`count` articles of `words` words drawn from a Zipf-like 50,000-word vocabulary; every
    hundredth one is a trimmed, lightly edited copy of an earlier one (yielded with its key)."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(50_000)])
    cumulative = np.cumsum(1.0 / np.arange(1, 50_001))
    cumulative /= cumulative[-1]
    recent: list[tuple[int, np.ndarray]] = []
    for key in range(count):
        if key % 100 == 99 and recent:
            source_key, tokens = recent[rng.integers(len(recent))]
            tokens = tokens[: int(len(tokens) * 0.8)].copy()
            tokens[rng.integers(len(tokens), size=3)] = rng.integers(50_000, size=3)
            yield key, " ".join(vocab[tokens]), source_key
            continue
        tokens = np.minimum(np.searchsorted(cumulative, rng.random(words)), 49_999)
        if len(recent) < 1000:
            recent.append((key, tokens))
        elif rng.random() < 0.01:
            recent[rng.integers(1000)] = (key, tokens)
        yield key, " ".join(vocab[tokens]), None


def scale(count: int, words: int, settings: Settings) -> dict:
    """Sign, query and insert `count` synthetic articles one by one into a BandIndex."""
    config = settings.dedup
    hasher = MinHasher(config.num_perm, config.seed)
    bands, rows = band_params(
        config.lsh_threshold, config.num_perm, config.lsh_false_negative_weight
    )
    index = BandIndex(bands, rows)
    rss_before = peak_rss_mb()
    copies = found = candidates = 0
    indexing = 0.0
    started = time.perf_counter()
    for key, text, source in synthetic_articles(count, words):
        begin = time.perf_counter()
        signature = hasher.sign(text)
        hits = index.query(signature.hashvalues)
        index.add(np.array([key]), signature.hashvalues[None, :], key + 1)
        indexing += time.perf_counter() - begin
        candidates += len(hits)
        if source is not None:
            copies += 1
            found += source in hits
        if key and key % 100_000 == 0:
            print(
                f"  {key:>9} articles  {time.perf_counter() - started:7.1f} s  "
                f"peak RSS {peak_rss_mb():7.0f} MB",
                file=sys.stderr,
                flush=True,
            )
    elapsed = time.perf_counter() - started
    return {
        "articles": count,
        "words_per_article": words,
        "bands_x_rows": f"{bands}x{rows}",
        "seconds_total": round(elapsed, 1),
        "seconds_sign_query_insert": round(indexing, 1),
        "microseconds_per_article": round(indexing / count * 1e6, 1),
        "index_array_mb": round(index.nbytes() / 2**20, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "peak_rss_before_index_mb": round(rss_before, 1),
        "copies_found_by_lsh": f"{found}/{copies}",
        "mean_candidates_per_query": round(candidates / count, 3),
    }


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


def index_memory(count: int, settings: Settings) -> dict:
    """Resident memory added by indexing `count` random signatures: BandIndex, then
    datasketch's in-memory MinHashLSH with the same bands (measured in that order because
    freed memory is not always returned to the system)."""
    config = settings.dedup
    bands, rows = band_params(
        config.lsh_threshold, config.num_perm, config.lsh_false_negative_weight
    )
    rng = np.random.default_rng(RANDOM_SEED)
    signatures = rng.integers(0, 2**32, size=(count, config.num_perm), dtype=np.uint32)
    keys = np.arange(count)
    before = current_rss_mb()
    index = BandIndex(bands, rows)
    for start in range(0, count, 1000):
        index.add(keys[start : start + 1000], signatures[start : start + 1000], start + 1000)
    band_mb = current_rss_mb() - before
    del index
    before = current_rss_mb()
    lsh = MinHashLSH(num_perm=config.num_perm, params=(bands, rows))
    hasher = MinHasher(config.num_perm, config.seed)
    for key, row in enumerate(signatures):
        lsh.insert(key, hasher.lean(MinHashSignature(row, 1)), check_duplication=False)
    datasketch_mb = current_rss_mb() - before
    return {
        "signatures": count,
        "bands_x_rows": f"{bands}x{rows}",
        "band_index_rss_mb": round(band_mb, 1),
        "datasketch_minhashlsh_rss_mb": round(datasketch_mb, 1),
    }


def rebuild(count: int, settings: Settings) -> dict:
    """Time a new process's first `prepare` (sign check + index build) on a SQLite corpus of
    `count` stored signatures (random ones: only loading and indexing is measured)."""
    from sqlalchemy import insert

    from corpus.models import ArticleRow, ArticleVersion, Source, StoredSignature

    config = settings.dedup
    hasher = MinHasher(config.num_perm, config.seed)
    rng = np.random.default_rng(RANDOM_SEED)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/rebuild.db"
        store = open_store(url, settings=settings)
        with store.engine.begin() as connection:
            connection.execute(insert(Source), [{"locator": "bench", "kind": "file"}])
            for start in range(1, count + 1, 50_000):
                ids = range(start, min(start + 50_000, count + 1))
                connection.execute(
                    insert(ArticleRow),
                    [
                        {"id": f"a{i}", "key": f"k{i}", "source_id": 1, "latest_version": 1}
                        for i in ids
                    ],
                )
                connection.execute(
                    insert(ArticleVersion),
                    [
                        {"id": i, "article_id": f"a{i}", "version": 1, "source_id": 1, "text": "x",
                         "content_hash": str(i), "extractor": "bench", "authors": []}
                        for i in ids
                    ],
                )  # fmt: skip
                values = rng.integers(0, 2**32, size=(len(ids), config.num_perm), dtype=np.uint32)
                connection.execute(
                    insert(StoredSignature),
                    [
                        {"article_version_id": i, "scheme": hasher.scheme, "seed": hasher.seed,
                         "num_perm": hasher.num_perm, "hashvalues": row.tobytes(), "shingles": 300}
                        for i, row in zip(ids, values, strict=True)
                    ],
                )  # fmt: skip
        store.engine.dispose()
        rss_before = peak_rss_mb()
        started = time.perf_counter()
        fresh = open_store(url, settings=settings)
        with fresh.sessions.begin() as session:
            fresh.deduplicator.prepare(session)
        elapsed = time.perf_counter() - started
        indexed = len(fresh.deduplicator.index)
        fresh.engine.dispose()
    return {
        "stored_signatures": count,
        "indexed": indexed,
        "seconds_to_first_batch": round(elapsed, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "peak_rss_before_mb": round(rss_before, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--config", help="settings file merged over the shipped defaults")
    parser.add_argument("--skip-speed", action="store_true", help="quality figures only")
    parser.add_argument("--verbose", action="store_true", help="list false and missed pairs")
    parser.add_argument("--scale", type=int, help="index this many synthetic articles instead")
    parser.add_argument("--words", type=int, default=300, help="words per synthetic article")
    parser.add_argument("--rebuild", type=int, help="time the index build from N stored signatures")
    parser.add_argument(
        "--index-memory", type=int, help="memory of N signatures: BandIndex vs MinHashLSH"
    )
    parser.add_argument("--repeat", type=int, default=3, help="speed runs (best is reported)")
    parser.add_argument(
        "--syndication", action="store_true", help="real pages syndicated across real sites"
    )
    parser.add_argument("--fundus", type=Path, default=DEFAULT_FUNDUS)
    parser.add_argument(
        "--furniture-words", type=int, default=150, help="publisher furniture per side (words)"
    )
    args = parser.parse_args()
    settings = load_settings(args.config)
    if args.rebuild:
        print(json.dumps({"rebuild": rebuild(args.rebuild, settings)}, indent=2))
        return 0
    if args.index_memory:
        print(json.dumps({"index_memory": index_memory(args.index_memory, settings)}, indent=2))
        return 0
    if args.scale:
        print(json.dumps({"scale": scale(args.scale, args.words, settings)}, indent=2))
        return 0
    if args.syndication:
        if not args.fundus.exists():
            parser.error(f"fundus-publishers not found at {args.fundus}: pass --fundus PATH")
        without = settings.model_copy(
            update={"dedup": settings.dedup.model_copy(update={"site_furniture_min_pages": 10**9})}
        )
        result = {
            "syndication": {
                "furniture_words_per_side": args.furniture_words,
                "furniture ignored (before)": syndication(
                    args.fundus, without, args.furniture_words
                ),
                "furniture left out (after)": syndication(
                    args.fundus, settings, args.furniture_words
                ),
            }
        }
        print(json.dumps(result, indent=2))
        return 0
    if not args.gold.exists():
        parser.error(f"gold texts not found at {args.gold}: pass --gold PATH")
    result = {
        "settings": settings.dedup.model_dump(),
        "quality": quality(args.gold, settings, verbose=args.verbose),
    }
    print(json.dumps(result, indent=2), flush=True)
    if args.skip_speed:
        return 0
    docs, _ = labelled_set(args.gold)
    result = {"speed": speed([d["text"] for d in docs], args.repeat)}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
