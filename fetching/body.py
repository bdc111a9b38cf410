"""Reading a response body with ceilings: raw size, decompressed size and wall-clock time.

We decompress ourselves (gzip, deflate) with `max_length`, so a small compressed body that
inflates to gigabytes (a "gzip bomb") is stopped at the limit instead of filling memory.
Brotli is not advertised: without a bounded decoder for it we do not accept it.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable

ACCEPT_ENCODING = "gzip, deflate"


class BodyError(Exception):
    """The body was refused or unreadable; the message is the recorded reason."""


class _Inflater:
    """Bounded gzip/zlib/raw-deflate decompression that keeps at most `limit` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.encoding = encoding
        self.limit = limit
        self.produced = 0
        wbits = 16 + zlib.MAX_WBITS if encoding in {"gzip", "x-gzip"} else zlib.MAX_WBITS
        self._inflater = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, chunk: bytes) -> bytes:
        try:
            out = self._inflater.decompress(chunk, self.limit - self.produced + 1)
        except zlib.error as exc:
            if self.encoding == "deflate" and not self._started:
                # Some servers send raw deflate without the zlib header.
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                self._started = True
                return self.feed(chunk)
            raise BodyError(f"corrupt {self.encoding} body: {exc}") from exc
        self._started = True
        self.produced += len(out)
        if self.produced > self.limit:
            raise BodyError(
                f"decompressed body is over the {self.limit}-byte limit (compression bomb?)"
            )
        return out

    def finish(self) -> bytes:
        out = self._inflater.flush()
        self.produced += len(out)
        if self.produced > self.limit:
            raise BodyError(f"decompressed body is over the {self.limit}-byte limit")
        return out


def content_codings(header: str | None) -> list[str]:
    """The Content-Encoding codings in the order they must be undone, `identity` left out."""
    codings = [c.strip().lower() for c in (header or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    unsupported = [c for c in codings if c not in {"gzip", "x-gzip", "deflate"}]
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
