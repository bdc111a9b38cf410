"""Scale: `newscorpus import` of N JSON Lines articles, docs/s and peak memory at checkpoints.

The articles are built from the gold article texts of the Zyte and fundus-publishers
benchmarks (`../shared/bench/*/ground-truth.json`): each distinct article is one gold text with
a paragraph of another text of its group (same set and country) added and the words of most
sentences reordered (so its word 5-grams are its own and it is no one's duplicate, in the gold
text's language); a share of articles are near-duplicates of a recent distinct one (a dateline,
2% of words replaced, the last paragraph dropped) or exact copies of one on another site. 50
sites. The file is written first, then imported by the real command in a child process:

    newscorpus import --db URL articles.jsonl

While it runs, the resident memory (VmRSS) of its whole process tree (newscorpus and its local
Prefect server) is read from /proc every `--poll` seconds and the stored versions plus recorded
failures are counted in the database, so each checkpoint gives the docs/s since the previous
one, the memory then and the peak so far.

    .venv/bin/python bench/scale.py [--docs 100000] [--checkpoints 10000,30000,100000]
        [--db URL] [--config FILE] [--workdir DIR] [--timeout SECONDS]

With `--store-only` the same articles are given straight to the store (no extraction, no
Prefect, no child process): the store stage's time per article and the site furniture counts'
rows and bytes per article at each checkpoint.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
# The shared benchmark sets sit beside the checkout (or beside its worktrees folder).
SHARED = next(
    (path for path in (ROOT.parent / "shared" / "bench", ROOT.parent.parent / "shared" / "bench")
     if path.is_dir()),
    ROOT.parent / "shared" / "bench",
)  # fmt: skip
SITES = 50
SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass
class Shares:
    """Shares of the generated articles that are near-duplicates and exact copies."""

    near: float = 0.10
    exact: float = 0.02


def gold_groups(folders: list[Path]) -> dict[str, list[list[str]]]:
    """Gold article texts (as paragraph lists, at least 300 characters) grouped by set and,
    for fundus-publishers, the country prefix of the page name (so texts share a language)."""
    groups: dict[str, list[list[str]]] = {}
    for folder in folders:
        gold = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
        for name, page in sorted(gold.items()):
            body = page.get("articleBody") or ""
            paragraphs = [line.strip() for line in body.split("\n") if line.strip()]
            if len(body) < 300 or not paragraphs:
                continue
            group = folder.name if folder.name == "zyte" else f"{folder.name}:{name[:2]}"
            groups.setdefault(group, []).append(paragraphs)
    return groups


def reorder_words(paragraph: str, rng: random.Random) -> str:
    """Most sentences with their words in another order: new word 5-grams, same words."""
    sentences = []
    for sentence in SENTENCE.split(paragraph):
        words = sentence.split()
        if len(words) > 4 and rng.random() < 0.9:
            rng.shuffle(words)
        sentences.append(" ".join(words))
    return " ".join(sentences)


def near_copy(paragraphs: list[str], rng: random.Random) -> list[str]:
    """A light edit: a dateline, 2% of words replaced by others of the text, the last
    paragraph dropped when there are more than three."""
    kept = paragraphs[:-1] if len(paragraphs) > 3 else list(paragraphs)
    words = " ".join(kept).split()
    edited = []
    for paragraph in kept:
        tokens = paragraph.split()
        for position in range(len(tokens)):
            if rng.random() < 0.02:
                tokens[position] = rng.choice(words)
        edited.append(" ".join(tokens))
    return [f"UPDATED {rng.randint(1, 28)} NOV (Wire) —", *edited]


def articles(count: int, folders: list[Path], shares: Shares, seed: int) -> Iterator[dict]:
    """`count` JSON Lines records; planted near-duplicates and exact copies are marked in
    `_planted` (removed before writing)."""
    rng = random.Random(seed)
    groups = gold_groups(folders)
    pool = [(group, number) for group, texts in groups.items() for number in range(len(texts))]
    recent: deque[list[str]] = deque(maxlen=2000)
    for n in range(count):
        site = f"news{n % SITES}.example"
        record = {"url": f"https://{site}/2026/11/story-{n}"}
        draw = rng.random()
        if recent and draw < shares.exact:
            paragraphs, planted = rng.choice(recent), "exact"
        elif recent and draw < shares.exact + shares.near:
            paragraphs, planted = near_copy(rng.choice(recent), rng), "near"
        else:
            group, number = pool[n % len(pool)]
            texts = groups[group]
            other = texts[rng.randrange(len(texts))]
            base = [*texts[number], rng.choice(other)]
            paragraphs = [reorder_words(p, rng) for p in base]
            recent.append(paragraphs)
            planted = "distinct"
        record["title"] = f"Story {n}: {paragraphs[0][:60]}"
        record["text"] = "\n".join(paragraphs)
        record["_planted"] = planted
        yield record


def write_jsonl(target: Path, count: int, folders: list[Path], shares: Shares, seed: int) -> dict:
    planted: dict[str, int] = {}
    with target.open("w", encoding="utf-8") as out:
        for record in articles(count, folders, shares, seed):
            kind = record.pop("_planted")
            planted[kind] = planted.get(kind, 0) + 1
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return planted


def tree_rss(root: int) -> dict[int, int]:
    """Resident bytes of `root` and every descendant, by pid, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        tree.update(children)
        frontier.extend(children)
    sizes = {}
    for pid in tree:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        if match:
            sizes[pid] = int(match.group(1)) * 1024
    return sizes


def processed(engine, ready: bool) -> int:
    """Stored versions plus recorded failures (0 while the schema is not there yet)."""
    if not ready:
        return 0
    with engine.connect() as connection:
        return connection.execute(
            text("select (select count(*) from article_versions) + (select count(*) from failures)")
        ).scalar_one()


def mib(size: int) -> str:
    return f"{size / 2**20:,.0f}"


def checkpoint(
    done: int, elapsed: float, last_done: int, last_elapsed: float, sizes: dict, pid: int, peak: int
) -> tuple:
    """Print and return one checkpoint row: docs, elapsed, docs/s since the last one, RSS of
    the tree, of the newscorpus process (`pid`), peak RSS of the tree so far."""
    rate = (done - last_done) / max(elapsed - last_elapsed, 1e-9)
    row = (done, elapsed, rate, sum(sizes.values()), sizes.get(pid, 0), peak)
    print(f"{done:>8} {elapsed:>9.0f} {rate:>17.1f} {mib(row[3]):>8} {mib(row[4]):>8} "
          f"{mib(peak):>8}", flush=True)  # fmt: skip
    return row


def monitor(command: list[str], env: dict, db: str, checkpoints: list[int], poll: float,
            timeout: float, log_path: Path) -> tuple[int, str, list[tuple], int]:  # fmt: skip
    """Run `command`, printing a line at each checkpoint; returns its exit status, its
    output, the checkpoint rows and the peak resident bytes of the tree."""
    engine = create_engine(db)
    log = log_path.open("wb")  # noqa: SIM115 - the child writes it until it ends
    start = time.monotonic()
    child = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    rows: list[tuple] = []
    peak = 0
    last_done, last_time, ready, pending = 0, start, False, list(checkpoints)
    print(f"{'docs':>8} {'elapsed s':>9} {'docs/s since last':>17} {'tree MiB':>8} "
          f"{'import':>8} {'peak MiB':>8}", flush=True)  # fmt: skip
    while True:
        finished = child.poll() is not None
        sizes = tree_rss(child.pid) if not finished else {}
        if sizes:
            peak = max(peak, sum(sizes.values()))
        try:
            done = processed(engine, ready)
            ready = True
        except Exception:  # noqa: BLE001 - the schema is being created
            done = 0
            ready = False
        now = time.monotonic()
        crossed = False
        while pending and done >= pending[0]:
            pending.pop(0)
            crossed = True
        if crossed or (finished and done > last_done):
            since = (last_done, last_time - start)
            rows.append(checkpoint(done, now - start, *since, sizes, child.pid, peak))
            last_done, last_time = done, now
        if finished:
            break
        if now - start > timeout:
            child.terminate()
            child.wait(60)
            print(f"stopped after the {timeout:.0f} s timeout", flush=True)
            break
        time.sleep(poll)
    engine.dispose()
    log.close()
    return child.returncode, log_path.read_text("utf-8", "replace"), rows, peak


def index_growth(articles: int, merge_every: int) -> None:
    """Resident memory the in-memory LSH index (`BandIndex`, shipped bands) adds when
    `articles` random signatures are added one at a time, as the store adds them."""
    import numpy as np

    from config import DedupSettings
    from corpus.lsh import BandIndex
    from corpus.lsh_params import band_params

    def rss() -> int:
        return tree_rss(os.getpid())[os.getpid()]

    shipped = DedupSettings()
    bands, rows = band_params(
        shipped.lsh_threshold, shipped.num_perm, shipped.lsh_false_negative_weight
    )
    index = BandIndex(bands, rows, merge_every=merge_every)
    signatures = np.random.default_rng(1).integers(
        0, 2**32, (articles, shipped.num_perm), dtype=np.uint64
    )
    base, peak, started = rss(), 0, time.perf_counter()
    for number in range(articles):
        index.add(np.array([number + 1]), signatures[number : number + 1], number + 1)
        if number % 500 == 0:
            peak = max(peak, rss() - base)
    seconds = time.perf_counter() - started
    print(f"merge_every {merge_every:>8}: {articles} articles in {seconds:.0f} s, sorted "
          f"arrays {mib(index.nbytes())} MiB, RSS added {mib(rss() - base)} MiB (peak "
          f"{mib(peak)} MiB)", flush=True)  # fmt: skip


def furniture_size(engine) -> tuple[int, int]:
    """Rows and bytes (tables and their indexes) of the site furniture counts, old tables
    (`site_shingles`, `site_pages`) or new (`furniture_shingles`, `furniture_sites`)."""
    with engine.connect() as db:
        tables = [
            name for name in ("site_shingles", "site_pages", "furniture_shingles",
                              "furniture_sites")
            if db.dialect.has_table(db, name)
        ]  # fmt: skip
        rows = sum(db.execute(text(f"SELECT count(*) FROM {name}")).scalar() for name in tables)
        listed = ", ".join(f"'{name}'" for name in tables) or "''"
        if db.dialect.name == "sqlite":
            size = db.execute(
                text(
                    "SELECT sum(pgsize) FROM dbstat WHERE name IN "
                    f"(SELECT name FROM sqlite_master WHERE tbl_name IN ({listed}))"
                )
            ).scalar()
        else:
            size = sum(
                db.execute(text(f"SELECT pg_total_relation_size('{name}')")).scalar()
                for name in tables
            )
    return rows, int(size or 0)


def store_stage(count: int, folders: list[Path], shares: Shares, seed: int, db: str,
                checkpoints: list[int]) -> None:  # fmt: skip
    """Time the store stage alone (`CorpusStore.save_batch` in batches of 64, the shipped
    settings, no extraction) on the first `count` articles, with the furniture counts' rows
    and bytes per article at each checkpoint."""
    sys.path.insert(0, str(ROOT))
    from corpus.store import open_store
    from extractors import Article, Extracted

    load = os.getloadavg()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load[0]:.1f} {load[1]:.1f} "
          f"{load[2]:.1f}", flush=True)  # fmt: skip
    store = open_store(db)
    run = store.start_run("bench_store", {})
    print(f"{'docs':>8} {'store s':>8} {'ms/article since last':>21} {'furniture rows':>14} "
          f"{'rows/article':>12} {'bytes/article':>13}", flush=True)  # fmt: skip
    batch: list = []
    spent, last_spent, last_done, pending = 0.0, 0.0, 0, [*checkpoints, count]
    for done, record in enumerate(articles(count, folders, shares, seed), start=1):
        article = Article(title=record["title"], text=record["text"], extractor="bench")
        batch.append(Extracted(record["url"], record["url"], article))
        if len(batch) == 64 or done == count:
            started = time.perf_counter()
            store.save_batch(run, batch)
            spent += time.perf_counter() - started
            batch = []
            if done >= pending[0]:
                while pending and done >= pending[0]:
                    pending.pop(0)
                rows, size = furniture_size(store.engine)
                per = (spent - last_spent) / (done - last_done) * 1000
                print(f"{done:>8} {spent:>8.1f} {per:>21.1f} {rows:>14,} {rows / done:>12.0f} "
                      f"{size / done:>13,.0f}", flush=True)  # fmt: skip
                last_spent, last_done = spent, done
    store.finish_run(run, "completed", {})
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--checkpoints", default="10000,30000,100000")
    parser.add_argument("--db", help="database URL (default: SQLite in the work folder)")
    parser.add_argument("--config", help="newscorpus config file (e.g. the Redis LSH index)")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--shared", type=Path, default=SHARED, help="folder of the gold sets")
    parser.add_argument("--sets", default="zyte,fundus-publishers")
    parser.add_argument("--near", type=float, default=Shares.near)
    parser.add_argument("--exact", type=float, default=Shares.exact)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--poll", type=float, default=2.0)
    parser.add_argument("--timeout", type=float, default=4 * 3600)
    parser.add_argument(
        "--index-growth",
        type=int,
        metavar="N",
        help="only measure the LSH index's memory for N articles (two merge settings)",
    )
    parser.add_argument(
        "--store-only",
        action="store_true",
        help="time the store stage alone on --docs articles (no extraction, no Prefect)",
    )
    args = parser.parse_args()
    if args.index_growth:
        sys.path.insert(0, str(ROOT))
        from corpus.lsh import BandIndex

        for merge_every in (1 << 20, BandIndex.MERGE_EVERY):
            index_growth(args.index_growth, merge_every)
        return

    work = args.workdir or Path(tempfile.mkdtemp(prefix="newscorpus-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    db = args.db or f"sqlite:///{work / 'corpus.db'}"
    folders = [args.shared / name for name in args.sets.split(",")]
    checkpoints = sorted({int(c) for c in args.checkpoints.split(",") if int(c) < args.docs})
    if args.store_only:
        store_stage(args.docs, folders, Shares(args.near, args.exact), args.seed, db, checkpoints)
        return
    data = work / "articles.jsonl"
    started = time.monotonic()
    planted = write_jsonl(data, args.docs, folders, Shares(args.near, args.exact), args.seed)
    print(f"{args.docs} articles written to {data} in {time.monotonic() - started:.0f} s "
          f"({data.stat().st_size / 2**20:,.0f} MiB): {planted}", flush=True)  # fmt: skip
    load = os.getloadavg()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}", flush=True)  # fmt: skip

    env = dict(os.environ)
    env.setdefault("PREFECT_HOME", str(work / "prefect"))
    command = [str(ROOT / ".venv" / "bin" / "newscorpus"), "import", "--db", db, str(data)]
    if args.config:
        command[2:2] = ["--config", args.config]
    checkpoints = sorted({int(c) for c in args.checkpoints.split(",") if int(c) <= args.docs})
    status, output, rows, peak = monitor(
        command, env, db, [*checkpoints, args.docs], args.poll, args.timeout, work / "import.log"
    )
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(output.strip()[-3000:])
    print(f"exit status {status}; peak RSS of the process tree {mib(peak)} MiB (polled); "
          f"largest single process {mib(children)} MiB (getrusage RUSAGE_CHILDREN)")  # fmt: skip
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        rate = (last[0] - first[0]) / max(last[1] - first[1], 1e-9)
        print(f"from {first[0]} to {last[0]} docs: {rate:.1f} docs/s, RSS {mib(first[3])} → "
              f"{mib(last[3])} MiB")  # fmt: skip
    engine = create_engine(db)
    rows, size = furniture_size(engine)
    engine.dispose()
    print(f"site furniture counts: {rows:,} rows, {mib(size)} MiB")
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    sys.exit(0 if status == 0 else 1)


if __name__ == "__main__":
    main()
