"""One size-capped decoder for gzip, deflate and brotli, used for `.gz` files and HTTP bodies.

Each call asks the decoder for at most the bytes still allowed plus one: getting that extra
byte means the limit is passed, and the rest of the input is never inflated. So a small
compressed input that inflates to gigabytes (a "gzip bomb") is stopped at the limit instead
of filling memory.
"""

from __future__ import annotations

import zlib

import brotli

ENCODINGS = frozenset({"gzip", "x-gzip", "deflate", "br"})


class DecompressError(ValueError):
    """The compressed input was refused; subclasses say why."""


class CorruptStream(DecompressError):
    """The input is not valid data in its encoding."""


class OverLimit(DecompressError):
    """The decompressed output would pass the limit."""


class TruncatedStream(DecompressError):
    """The input ends before the compressed stream does."""


class BoundedDecoder:
    """Streaming decompression of one encoding that keeps at most `limit` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.encoding = encoding
        self.limit = limit
        self.produced = 0
        self._started = False
        self._brotli = brotli.Decompressor() if encoding == "br" else None
        wbits = 16 + zlib.MAX_WBITS if encoding in {"gzip", "x-gzip"} else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(wbits)

    def _decompress(self, chunk: bytes, allowed: int) -> bytes:
        if self._brotli is not None:
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
            raise OverLimit(f"decompressed size is over the {self.limit}-byte limit")
        return out

    def feed(self, chunk: bytes) -> bytes:
        """The decompressed bytes of the next `chunk` of input."""
        try:
            out = self._decompress(chunk, self.limit - self.produced + 1)
        except (zlib.error, brotli.error) as exc:
            raise CorruptStream(str(exc)) from exc
        self._started = True
        return self._count(out)

    def finish(self) -> bytes:
        """The bytes still buffered once the input has ended."""
        return self._count(b"" if self._brotli is not None else self._zlib.flush())

    @property
    def complete(self) -> bool:
        """True when the compressed stream has ended (not cut short)."""
        if self._brotli is not None:
            return self._brotli.is_finished()
        return self._zlib.eof


def gunzip(data: bytes, limit: int) -> bytes:
    """The whole of gzip `data` decompressed, refused past `limit` bytes or when cut short."""
    decoder = BoundedDecoder("gzip", limit)
    out = decoder.feed(data) + decoder.finish()
    if not decoder.complete:
        raise TruncatedStream("the input ends before the compressed stream does")
    return out
