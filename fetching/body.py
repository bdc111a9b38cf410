"""Reading a response body with ceilings: raw size, decompressed size and wall-clock time.

We decompress ourselves (gzip, deflate, brotli) with the size-capped decoder of
extractors/decompress.py, so a "gzip bomb" is stopped at the limit instead of filling memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from extractors.decompress import ENCODINGS, BoundedDecoder, CorruptStream, OverLimit

ACCEPT_ENCODING = "gzip, deflate, br"


class BodyError(Exception):
    """The body was refused or unreadable; the message is the recorded reason."""


class _Inflater:
    """The shared bounded decoder, with its refusals worded as body errors."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.encoding = encoding
        self.limit = limit
        self._decoder = BoundedDecoder(encoding, limit)

    def _checked(self, decode: Callable[[], bytes]) -> bytes:
        try:
            return decode()
        except CorruptStream as exc:
            raise BodyError(f"corrupt {self.encoding} body: {exc}") from exc
        except OverLimit as exc:
            raise BodyError(
                f"decompressed body is over the {self.limit}-byte limit (compression bomb?)"
            ) from exc

    def feed(self, chunk: bytes) -> bytes:
        return self._checked(lambda: self._decoder.feed(chunk))

    def finish(self) -> bytes:
        return self._checked(self._decoder.finish)


def content_codings(header: str | None) -> list[str]:
    """The Content-Encoding codings in the order they must be undone, `identity` left out."""
    codings = [c.strip().lower() for c in (header or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    unsupported = [c for c in codings if c not in ENCODINGS]
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
