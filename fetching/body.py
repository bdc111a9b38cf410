"""Reading a response body with ceilings: raw size, decompressed size and wall-clock time.

We decompress ourselves (gzip, deflate, brotli) with an output limit per call, so a small
compressed body that inflates to gigabytes (a "gzip bomb") is stopped at the limit instead of
filling memory.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable

import brotli

ACCEPT_ENCODING = "gzip, deflate, br"


class BodyError(Exception):
    """The body was refused or unreadable; the message is the recorded reason."""


class _Inflater:
    """Bounded decompression of one content coding that keeps at most `limit` bytes.

    Each call asks the decoder for at most the bytes still allowed plus one: getting that
    extra byte means the limit is passed, and the rest of the input is never inflated."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.encoding = encoding
        self.limit = limit
        self.produced = 0
        self._started = False
        if encoding == "br":
            self._brotli = brotli.Decompressor()
        else:
            wbits = 16 + zlib.MAX_WBITS if encoding in {"gzip", "x-gzip"} else zlib.MAX_WBITS
            self._zlib = zlib.decompressobj(wbits)

    def _decompress(self, chunk: bytes, allowed: int) -> bytes:
        if self.encoding == "br":
            return self._brotli.process(chunk, allowed)
        try:
            return self._zlib.decompress(chunk, allowed)
        except zlib.error:
            if self.encoding != "deflate" or self._started:
                raise
            # Some servers send raw deflate without the zlib header.
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._zlib.decompress(chunk, allowed)

    def _count(self, out: bytes) -> bytes:
        self.produced += len(out)
        if self.produced > self.limit:
            raise BodyError(
                f"decompressed body is over the {self.limit}-byte limit (compression bomb?)"
            )
        return out

    def feed(self, chunk: bytes) -> bytes:
        try:
            out = self._decompress(chunk, self.limit - self.produced + 1)
        except (zlib.error, brotli.error) as exc:
            raise BodyError(f"corrupt {self.encoding} body: {exc}") from exc
        self._started = True
        return self._count(out)

    def finish(self) -> bytes:
        return self._count(b"" if self.encoding == "br" else self._zlib.flush())


def content_codings(header: str | None) -> list[str]:
    """The Content-Encoding codings in the order they must be undone, `identity` left out."""
    codings = [c.strip().lower() for c in (header or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    unsupported = [c for c in codings if c not in {"gzip", "x-gzip", "deflate", "br"}]
    if unsupported:
        raise BodyError(f"unsupported content-encoding {', '.join(unsupported)}")
    return list(reversed(codings))


def read_body(
    chunks: Iterable[bytes],
    content_encoding: str | None,
    max_bytes: int,
    max_seconds: float,
    clock: Callable[[], float] = time.monotonic,
) -> bytes:
    """The decoded body from raw `chunks`, refused when the raw or decoded size passes
    `max_bytes` or reading takes longer than `max_seconds`."""
    inflaters = [_Inflater(coding, max_bytes) for coding in content_codings(content_encoding)]
    deadline = clock() + max_seconds
    raw_size = 0
    parts: list[bytes] = []
    for chunk in chunks:
        raw_size += len(chunk)
        if raw_size > max_bytes:
            raise BodyError(f"body is over the {max_bytes}-byte limit")
        if clock() > deadline:
            raise BodyError(f"body took longer than {max_seconds:g} s to download")
        for inflater in inflaters:
            chunk = inflater.feed(chunk)
        parts.append(chunk)
    tail = b""
    for inflater in inflaters:
        tail = inflater.feed(tail) + inflater.finish()
    parts.append(tail)
    return b"".join(parts)
