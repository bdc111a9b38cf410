"""Import speed: wall clock of whole commands on real HTML pages, side by side in one run.

    .venv/bin/python bench/import_speed.py [--before ../main/.venv/bin/newscorpus] [--rounds 2]
        [--zyte DIR] [--fundus DIR] [--runner processes,sequential]

Copies the pages of the two shared benchmark sets (`../shared/bench/zyte`: 181 pages,
`../shared/bench/fundus-publishers`: 225 pages) to a temporary folder of `.html` files, then
times, as separate commands each including its own start-up (interpreter, imports, the local
Prefect server for newscorpus), taking turns round by round so that load from other processes
weighs on all alike:

- plain script: one process, `trafilatura.extract` on every file, datasketch `MinHash` (128
  permutations, 5-word shingles) and `MinHashLSH` (threshold 0.8) query + insert, the texts
  kept in a dict (`--plain DIR` runs only this, as the timed subprocess does);
- before: `newscorpus import DIR` of another checkout (`--before`, e.g. main's), into a fresh
  SQLite file;
- this checkout's `newscorpus import DIR --runner R` for each `--runner`, into a fresh SQLite
  file.

Prints the median seconds per command and each one's speed relative to the plain script and
to `before`.

`--store-only` times the store stage alone, in this process: the same pages' articles
(extracted once, untimed) saved in batches of 64 into a fresh SQLite corpus, `--rounds` times;
CPU seconds per round. Run it with another checkout's interpreter to time that checkout's store.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _shared(name: str) -> Path:
    """`../shared/bench/<name>` next to the main checkout (worktrees sit one level deeper)."""
    candidates = (REPO.parent / "shared/bench" / name, REPO.parent.parent / "shared/bench" / name)
    return next((p for p in candidates if p.exists()), candidates[0])


def copy_pages(sets: dict[str, Path], target: Path) -> int:
    """Every benchmark page as `<set>-<id>.html` in `target`; returns the count."""
    count = 0
    for name, directory in sets.items():
        for page in sorted((directory / "html").glob("*.html.gz")):
            stem = page.name.removesuffix(".gz")
            (target / f"{name}-{stem}").write_bytes(gzip.decompress(page.read_bytes()))
            count += 1
    return count


def plain_script(directory: Path) -> None:
    """What a user would write by hand: trafilatura + datasketch MinHashLSH, one process."""
    import trafilatura
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    texts: dict[str, str] = {}
    duplicates = 0
    for path in sorted(directory.glob("*.html")):
        text = trafilatura.extract(path.read_bytes())
        if not text:
            continue
        words = text.split()
        signature = MinHash(num_perm=128)
        signature.update_batch(
            " ".join(words[i : i + 5]).encode() for i in range(max(1, len(words) - 4))
        )
        duplicates += bool(lsh.query(signature))
        lsh.insert(path.name, signature)
        texts[path.name] = text
    print(f"{len(texts)} articles, {duplicates} near duplicates")


def store_stage(pages: Path, rounds: int) -> None:
    """CPU seconds of `CorpusStore.save_batch` over the articles of `pages`, per round."""
    from corpus.store import open_store
    from extractors import Extracted, extract_many, iter_documents

    articles = [
        item for item in extract_many(iter_documents([str(pages)])) if isinstance(item, Extracted)
    ]
    seconds = []
    for round_number in range(rounds):
        store = open_store(f"sqlite:///{pages.parent}/store-{round_number}.db")
        run_id = store.start_run("bench", {})
        start = time.process_time()
        for first in range(0, len(articles), 64):
            store.save_batch(run_id, articles[first : first + 64])
        seconds.append(time.process_time() - start)
        store.engine.dispose()
    rounds_text = ", ".join(f"{value:.2f}" for value in seconds)
    print(f"store stage, {len(articles)} articles: CPU s per round {rounds_text}; "
          f"median {statistics.median(seconds):.2f}")  # fmt: skip


def timed_command(command: list[str], env: dict[str, str], cwd: Path) -> float:
    """Seconds `command` took, run in `cwd` (no ./config/newscorpus.toml there: each checkout
    runs on its own shipped defaults)."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zyte", type=Path, default=_shared("zyte"))
    parser.add_argument("--fundus", type=Path, default=_shared("fundus-publishers"))
    parser.add_argument("--before", help="another checkout's newscorpus command, timed too")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--runner", default="processes,sequential", help="comma-separated")
    parser.add_argument("--plain", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--store-only", action="store_true")
    args = parser.parse_args()
    if args.plain:
        plain_script(args.plain)
        return
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    pages = work / "pages"
    pages.mkdir()
    count = copy_pages({"zyte": args.zyte, "fundus": args.fundus}, pages)
    size = sum(p.stat().st_size for p in pages.iterdir())
    print(f"{count} pages, {size / 1e6:.0f} MB of HTML in {pages}; {os.cpu_count()} cores")
    if args.store_only:
        store_stage(pages, args.rounds)
        return
    env = {**os.environ, "PREFECT_HOME": str(work / "prefect"), "DO_NOT_TRACK": "1"}
    newscorpus = str(Path(sys.executable).parent / "newscorpus")
    commands: dict[str, list[str]] = {"plain script": [sys.executable, __file__, "--plain"]}
    if args.before:
        commands["before: newscorpus import"] = [args.before, "import"]
    for runner in args.runner.split(","):
        commands[f"newscorpus import --runner {runner}"] = [
            newscorpus,
            "import",
            "--runner",
            runner,
        ]
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    for round_number in range(args.rounds):
        for name, command in commands.items():
            db = ["--db", f"sqlite:///{work}/{len(seconds[name])}-{hash(name)}.db"]
            extra = [] if name == "plain script" else db
            seconds[name].append(timed_command([*command, *extra, str(pages)], env, work))
            print(f"round {round_number + 1}: {name:<40} {seconds[name][-1]:6.1f} s", flush=True)
    plain = statistics.median(seconds["plain script"])
    before = statistics.median(seconds.get("before: newscorpus import", [0.0]))
    print(f"\n{'command':<40} {'median s':>9} {'pages/s':>8} {'× plain':>8} {'× before':>9}")
    for name, values in seconds.items():
        median = statistics.median(values)
        versus_before = f"{before / median:9.2f}" if before else f"{'':>9}"
        print(
            f"{name:<40} {median:9.1f} {count / median:8.1f} {plain / median:8.2f} {versus_before}"
        )


if __name__ == "__main__":
    main()
