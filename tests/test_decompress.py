"""The one size-capped decoder shared by `.gz` imports and HTTP bodies."""

import gzip
import zlib

import brotli
import pytest

from extractors.decompress import (
    BoundedDecoder,
    CorruptStream,
    OverLimit,
    TruncatedStream,
    gunzip,
)

TEXT = b"<p>harbour news</p>" * 500


def test_gunzip_returns_the_whole_stream():
    assert gunzip(gzip.compress(TEXT), len(TEXT)) == TEXT


def test_gunzip_refuses_output_past_the_limit_without_inflating_the_rest():
    bomb = gzip.compress(b"\0" * 10_000_000)
    with pytest.raises(OverLimit, match="over the 1000-byte limit"):
        gunzip(bomb, 1000)


def test_gunzip_refuses_a_cut_stream_and_garbage():
    data = gzip.compress(TEXT)
    with pytest.raises(TruncatedStream):
        gunzip(data[: len(data) // 2], len(TEXT))
    with pytest.raises(CorruptStream):
        gunzip(b"not gzip at all", len(TEXT))


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, no zlib header
        ("br", brotli.compress),
    ],
)
def test_streaming_decoder_reads_every_encoding_in_chunks(encoding, compress):
    data = compress(TEXT)
    decoder = BoundedDecoder(encoding, len(TEXT))
    out = b"".join(decoder.feed(data[i : i + 7]) for i in range(0, len(data), 7))
    assert out + decoder.finish() == TEXT
    assert decoder.complete
