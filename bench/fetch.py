"""Fetch benchmark against a local server on 127.0.0.1 (bounded: a few seconds, little memory).

Measures (1) pages per second through the safe client, first in full and then as conditional
GETs answered 304, and (2) the peak memory of refusing a gzip bomb that inflates to 200 MB
under the default 10 MB body limit.

    .venv/bin/python bench/fetch.py [--pages 300]
"""

from __future__ import annotations

import argparse
import contextlib
import threading
import time
import tracemalloc
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from config import FetchSettings
from fetching.http import Fetcher, FetchError

PAGE = (
    b"<html><head><title>t</title></head><body><article>"
    + b"<p>Officials said the programme would continue next year.</p>" * 200
    + b"</article></body></html>"
)
BOMB_BYTES = 200_000_000


def gzip_bomb(size: int) -> bytes:
    """`size` zero bytes, gzip-compressed chunk by chunk (never all in memory)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"\0" * 1_000_000
    parts = [compressor.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join(parts) + compressor.flush()


def serve(bomb: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else delayed ACKs make every keep-alive reply 40 ms

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/bomb":
                body, extra = bomb, [("Content-Encoding", "gzip")]
            elif self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            else:
                body, extra = PAGE, [("ETag", '"v1"')]
            self.send_response(200 if self.path != "/robots.txt" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for key, value in extra:
                self.send_header(key, value)
            self.end_headers()
            with contextlib.suppress(ConnectionError):  # the client drops the bomb mid-way
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.handle_error = lambda request, address: None  # resets after the refused bomb
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=300)
    args = parser.parse_args()
    server = serve(gzip_bomb(BOMB_BYTES))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    config = FetchSettings(min_host_interval_seconds=0.0, allow_hosts=("127.0.0.1",))
    urls = [f"{base}/page/{n}" for n in range(args.pages)]
    with Fetcher(config) as fetcher:
        for label, validators in (("full 200", None), ("conditional 304", "v1")):
            start = time.perf_counter()
            for url in urls:
                fetcher.fetch(url, validators=_validators(validators))
            elapsed = time.perf_counter() - start
            print(f"{label:16} {len(urls)} pages in {elapsed:.2f} s = {len(urls) / elapsed:.0f}/s")
        tracemalloc.start()
        try:
            fetcher.fetch(f"{base}/bomb")
        except FetchError as exc:
            reason = exc.reason
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"gzip bomb ({BOMB_BYTES // 1_000_000} MB inflated): refused, peak {peak / 1e6:.1f} MB"
        )
        print(f"  reason: {reason}")
    server.shutdown()


def _validators(tag: str | None):
    from fetching.http import Validators

    return Validators(etag=f'"{tag}"') if tag else None


if __name__ == "__main__":
    main()
