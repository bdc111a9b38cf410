"""WARC import benchmark: records/s of `newscorpus import` on a WARC against a plain loop, and the
size of the archive of originals per 1,000 pages.

    .venv/bin/python bench/warc.py [--zyte DIR] [--records 2000]

Builds a gzipped WARC (one gzip member per record, as CC-NEWS) of `--records` response records
from the Zyte benchmark pages, repeated; each copy gets its own URL and a comment naming it, so
no two bodies are identical (the archive keeps identical originals once). Then, each one timed
single-process:
- reading only: warcio and fastwarc iterating the file and reading every body;
- plain loop: warcio + `trafilatura.extract` on every response;
- newscorpus read + extract: `iter_documents` + `extract_many` (what the import flow's
  extract step runs), no storing;
- `import_files` end to end (a real Prefect run into a fresh SQLite file: archive, extract,
  dedup, store), and the archive size it wrote;
- the archive alone (`OriginalsArchive.keep`, batches of 64 as the pipeline's) into a local
  folder and into an S3 bucket on a loopback S3 server (moto, spoken to over HTTP by s3fs).

fastwarc is measured when installed (`pip install -c constraints.txt -e ".[bench]"`).
"""

from __future__ import annotations

import argparse
import gzip
import logging
import os
import tempfile
import time
from io import BytesIO
from pathlib import Path

import trafilatura
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

REPO = Path(__file__).resolve().parent.parent
DEFAULT_ZYTE = next(
    (
        p
        for p in (REPO.parent / "shared/bench/zyte", REPO.parent.parent / "shared/bench/zyte")
        if p.exists()
    ),
    REPO.parent / "shared/bench/zyte",
)


def build_warc(zyte: Path, records: int, target: Path) -> int:
    """A WARC of `records` responses from the Zyte pages (repeated); returns its size."""
    pages = [gzip.decompress(p.read_bytes()) for p in sorted((zyte / "html").glob("*.html.gz"))]
    with target.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for number in range(records):
            body = pages[number % len(pages)] + f"<!-- copy {number} -->".encode()
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            url = f"https://bench{number % 50}.example/news/{number}"
            writer.write_record(
                writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http)
            )
    return target.stat().st_size


def timed(label: str, records: int, run) -> float:  # noqa: ANN001
    start = time.perf_counter()
    done = run()
    seconds = time.perf_counter() - start
    print(f"{label:<44} {done:>6} records {seconds:8.1f} s {records / seconds:9.1f} records/s")
    return seconds


def read_warcio(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(len(r.content_stream().read()) > 0 for r in ArchiveIterator(handle))


def read_fastwarc(path: Path) -> int:
    try:
        from fastwarc.warc import ArchiveIterator as FastIterator
    except ImportError:
        print("read only, fastwarc: not installed (pip install -e '.[bench]')")
        return 0

    return sum(len(r.reader.read()) > 0 for r in FastIterator(str(path), parse_http=True))


def plain_loop(path: Path) -> int:
    done = 0
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response":
                html = record.content_stream().read().decode("utf-8", "replace")
                done += trafilatura.extract(html) is not None
    return done


def newscorpus_extract(path: Path) -> int:
    from extractors import Extracted, extract_many, iter_documents

    return sum(isinstance(r, Extracted) for r in extract_many(iter_documents([str(path)])))


def archive_only(path: Path, work: Path, location: str, storage: dict[str, str]) -> int:
    """`OriginalsArchive.keep` over the WARC's documents in batches of 64, into a fresh corpus."""
    from corpus.archive import OriginalsArchive
    from corpus.store import open_store
    from extractors import Document, iter_documents

    name = location.rsplit("/", 1)[-1]
    store = open_store(f"sqlite:///{work / f'{name}.db'}")
    archive = OriginalsArchive(location, store.engine, 100_000_000, storage)
    batch: list[Document] = []
    kept = 0
    for item in iter_documents([str(path)]):
        if isinstance(item, Document):
            batch.append(item)
        if len(batch) == 64:
            kept += len(archive.keep(batch))
            batch = []
    kept += len(archive.keep(batch))
    store.close()
    return kept


def archive_to_s3(path: Path, work: Path, records: int) -> None:
    """The archive into a bucket on a loopback S3 server; prints the objects' total size."""
    try:
        import s3fs
        from moto.server import ThreadedMotoServer
    except ImportError:
        print("archive to S3: s3fs or moto not installed (pip install -e '.[dev]')")
        return
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    # Throwaway credentials for the loopback server only.
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    storage = {"endpoint_url": f"http://{host}:{port}"}
    s3 = s3fs.S3FileSystem(**storage, skip_instance_cache=True)
    s3.mkdir("bench")
    try:
        timed("archive only, S3 on loopback (moto + s3fs)", records,
              lambda: archive_only(path, work, "s3://bench/originals", storage))  # fmt: skip
        size = sum(s3.du("bench/originals", total=False).values())
        print(f"S3 archive: {size / 1e6:.1f} MB in {len(s3.find('bench/originals'))} objects")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zyte", type=Path, default=DEFAULT_ZYTE)
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-warc-"))
    warc = work / "bench.warc.gz"
    size = build_warc(args.zyte, args.records, warc)
    print(f"WARC: {args.records} records, {size / 1e6:.1f} MB gzipped ({warc})")
    timed("read only, warcio", args.records, lambda: read_warcio(warc))
    timed("read only, fastwarc", args.records, lambda: read_fastwarc(warc))
    timed("plain loop: warcio + trafilatura", args.records, lambda: plain_loop(warc))
    timed("newscorpus read + extract", args.records, lambda: newscorpus_extract(warc))

    os.environ.setdefault("PREFECT_HOME", str(work / "prefect"))
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from newscorpus.prefect_env import configure_prefect_environment

    configure_prefect_environment()
    from flows.import_files import import_files

    db = f"sqlite:///{work / 'corpus.db'}"
    timed("newscorpus import (flow, archive, dedup, store)", args.records,
          lambda: import_files([str(warc)], database_url=db)["new"])  # fmt: skip
    archive = sum(p.stat().st_size for p in (work / "archive").iterdir())
    print(
        f"archive: {archive / 1e6:.1f} MB for {args.records} pages, "
        f"{archive / args.records * 1000 / 1e6:.1f} MB per 1,000 pages"
    )
    timed("archive only, local folder", args.records,
          lambda: archive_only(warc, work, str(work / "folder"), {}))  # fmt: skip
    archive_to_s3(warc, work, args.records)


if __name__ == "__main__":
    main()
