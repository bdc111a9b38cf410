"""End-to-end ingestion throughput: the `import_files` flow on N JSON Lines articles.

Compares, in one run, the shipped batched pipeline (one Prefect task per batch) with a
per-article variant (one Prefect task per article), plus the plain functions without Prefect,
so the cost of orchestration is visible. Articles are built from the zyte benchmark's gold
texts (each text reused with a numbered suffix so every article is distinct).

    .venv/bin/python bench/pipeline.py [--zyte ../shared/bench/zyte] [--articles 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="newscorpus-bench-prefect-"))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from corpus.store import open_store  # noqa: E402
from extractors import ExtractionConfig, extract_many, iter_documents  # noqa: E402
from flows.import_files import import_files  # noqa: E402
from flows.pipeline import batched  # noqa: E402


def build_jsonl(zyte: Path, count: int, target: Path) -> Path:
    gold = json.loads((zyte / "ground-truth.json").read_text(encoding="utf-8"))
    texts = [v["articleBody"] for v in gold.values() if len(v["articleBody"]) > 300]
    with target.open("w", encoding="utf-8") as out:
        for n in range(count):
            body = texts[n % len(texts)]
            record = {"url": f"https://bench.example/{n}", "text": f"Story {n}\n{body}\nCopy {n}."}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return target


@task(cache_policy=NO_CACHE)
def extract_one(doc, config):
    return extract_many([doc], config)


@task(cache_policy=NO_CACHE)
def store_one(store, run_id, results):
    return store.save_batch(run_id, [r for r in results if hasattr(r, "article")])


@flow(name="bench_per_article_tasks")
def per_article_flow(path: str, database_url: str) -> int:
    """The design we do not ship: one extract task and one store task per article."""
    store = open_store(database_url)
    run_id = store.start_run("bench", {})
    config = ExtractionConfig()
    stored = 0
    for doc in iter_documents([path]):
        saved, _ = store_one(store, run_id, extract_one(doc, config))
        stored += len(saved)
    return stored


@flow(name="bench_warm_up")
def warm_up() -> int:
    """Starts Prefect's ephemeral API so its start-up is not billed to the first variant."""
    return 0


def plain_functions(path: str, database_url: str, batch_size: int) -> int:
    store = open_store(database_url)
    run_id = store.start_run("bench", {})
    config = ExtractionConfig()
    stored = 0
    for batch in batched(iter_documents([path]), batch_size):
        results = extract_many(batch, config)
        saved, _ = store.save_batch(run_id, [r for r in results if hasattr(r, "article")])
        stored += len(saved)
    return stored


def timed(label: str, count: int, call) -> None:
    start = time.perf_counter()
    stored = call()
    seconds = time.perf_counter() - start
    print(f"{label:44} {stored:>6} stored  {seconds:8.2f} s  {count / seconds:8.1f} articles/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zyte", type=Path, default=ROOT.parent / "shared" / "bench" / "zyte")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument(
        "--per-article-sample",
        type=int,
        default=200,
        help="articles for the slow per-article-task variant",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="newscorpus-bench-"))
    data = build_jsonl(args.zyte, args.articles, work / "articles.jsonl")
    sample = build_jsonl(args.zyte, args.per_article_sample, work / "sample.jsonl")
    print(
        f"{args.articles} articles (per-article variant: {args.per_article_sample}), "
        f"{os.cpu_count()} cores"
    )
    start = time.perf_counter()
    warm_up()
    print(
        f"Prefect ephemeral API start-up (not counted below): {time.perf_counter() - start:.1f} s"
    )
    timed(
        "plain functions, batches of 64 (no Prefect)",
        args.articles,
        lambda: plain_functions(str(data), f"sqlite:///{work / 'plain.db'}", 64),
    )
    timed(
        "import_files flow, one task per 64 articles",
        args.articles,
        lambda: import_files([str(data)], database_url=f"sqlite:///{work / 'flow.db'}")["new"],
    )
    timed(
        "per-article tasks (not shipped)",
        args.per_article_sample,
        lambda: per_article_flow(str(sample), f"sqlite:///{work / 'per.db'}"),
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
