"""Export benchmark: rows per second and peak memory of `newscorpus export` at scale.

    python bench/export.py                     # 1,000,000 versions (about 3 minutes to build)
    python bench/export.py --rows 20000        # a quick check

A SQLite corpus of `--rows` article versions (two versions per article, ~600 characters of
text each, two authors, three languages, twenty sites) is synthesised directly with SQL inserts
(no extraction), then exported every version (`--versions`) to Parquet and to JSON Lines, each
in a fresh process, the way the CLI does it (newscorpus API records into corpus/export.py).
Each export reports rows/s and its process's peak resident memory, which must stay flat as
`--rows` grows (records stream; Parquet is written in row groups).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

WORDS = [
    "council",
    "harbour",
    "budget",
    "debate",
    "minister",
    "river",
    "snow",
    "village",
    "power",
    "election",
    "market",
    "school",
    "hospital",
    "train",
    "strike",
    "court",
    "police",
    "weather",
    "festival",
    "museum",
    "bridge",
    "energy",
]
LANGUAGES = ("en", "de", "fr")


def build(path: Path, rows: int, seed: int = 7) -> None:
    """A corpus of `rows` versions (rows // 2 articles with two versions each)."""
    import sqlite3

    from corpus.migrate import upgrade
    from corpus.store import create_db_engine

    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    stamp = start.strftime("%Y-%m-%d %H:%M:%S.%f")
    connection.execute(
        "INSERT INTO runs (id, flow, status, parameters, counts, started_at, finished_at) "
        "VALUES ('bench-run', 'bench', 'completed', '{}', '{}', ?, ?)",
        (stamp, stamp),
    )
    connection.execute(
        "INSERT INTO sources (id, locator, kind, first_seen, last_seen) VALUES (1, ?, 'url', ?, ?)",
        ("https://example.org/feed", stamp, stamp),
    )
    articles = rows // 2
    chunk = 20_000
    for first in range(0, articles, chunk):
        article_rows, version_rows = [], []
        for n in range(first, min(first + chunk, articles)):
            ident = f"{n:020x}"
            when = (start + timedelta(seconds=n)).strftime("%Y-%m-%d %H:%M:%S.%f")
            url = f"https://site{n % 20}.example/{n}"
            article_rows.append((ident, url, url, 1, 2, when, when))
            for version in (1, 2):
                text = " ".join(rng.choices(WORDS, k=90))
                version_rows.append(
                    (
                        ident, version, "bench-run", 1, f"Title {n}", text,
                        LANGUAGES[n % 3], "2026-01-01", '["Ann Lee", "Bo Chen"]',
                        f"Site {n % 20}", url, f"{n:056x}{version:08x}",
                        "newscorpus-html+trafilatura-2.3.1", ident, when,
                    )
                )  # fmt: skip
        connection.executemany(
            "INSERT INTO articles (id, key, url, source_id, latest_version, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            article_rows,
        )
        connection.executemany(
            "INSERT INTO article_versions (article_id, version, run_id, source_id, title, text, "
            "language, published, authors, site, url, content_hash, extractor, cluster_id, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            version_rows,
        )
        connection.commit()
    connection.close()


def export_once(db: Path, fmt: str, out: Path) -> dict[str, float]:
    """One `--versions` export in this process: rows, seconds, peak RSS."""
    from corpus.export import export_file
    from newscorpus import open as open_corpus

    started = time.perf_counter()
    with open_corpus(f"sqlite:///{db}") as corpus:
        summary = export_file(corpus.articles(versions=True), fmt, out)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": summary.rows, "seconds": seconds, "peak_mb": peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="article versions")
    parser.add_argument("--workdir", type=Path, help="where the corpus goes (default: temp)")
    parser.add_argument("--child", nargs=3, metavar=("DB", "FORMAT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        db, fmt, out = args.child
        print(json.dumps(export_once(Path(db), fmt, Path(out))))
        return

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        db = Path(tmp) / "corpus.db"
        started = time.perf_counter()
        build(db, args.rows)
        print(f"built {args.rows} versions in {time.perf_counter() - started:.1f} s "
              f"({db.stat().st_size / 1e6:.0f} MB)")  # fmt: skip
        for fmt in ("parquet", "jsonl"):
            out = Path(tmp) / f"export.{fmt}"
            child = [sys.executable, __file__, "--child", str(db), fmt, str(out)]
            done = subprocess.run(child, capture_output=True, text=True, check=True, timeout=3600)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"{fmt:8} {figures['rows']:>9} rows  {figures['seconds']:7.1f} s  "
                f"{figures['rows'] / figures['seconds']:>8.0f} rows/s  "
                f"peak RSS {figures['peak_mb']:.0f} MB  file {out.stat().st_size / 1e6:.0f} MB"
            )
            out.unlink()


if __name__ == "__main__":
    main()
