"""LSH indexes that return candidate near-duplicates for a MinHash signature.

Both backends split a signature into `bands` bands of `rows` values (the split datasketch's
optimiser picks for a Jaccard threshold, see `corpus.lsh_params`) and report every stored key
that shares a band:

- `BandIndex` keeps the band hashes in memory in sorted numpy arrays (12 bytes per key and band),
  so a million articles fit in well under 2 GB; it is rebuilt from stored signatures.
- `RedisIndex` is datasketch's `MinHashLSH` with its Redis storage: it outlives the process.

Each index remembers a `watermark`, the highest signature row id it holds, so a caller can add
exactly the signatures stored since (by this or another process).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from corpus.minhash import as_lean_minhash, splitmix64


class CandidateIndex(Protocol):
    """What the deduplicator needs from an LSH index."""

    bands: int
    rows: int

    @property
    def watermark(self) -> int: ...

    def add(self, keys: np.ndarray, signatures: np.ndarray, watermark: int) -> None:
        """Index `signatures` (one row per key) and remember `watermark`."""

    def query(self, hashvalues: np.ndarray) -> set[int]:
        """Keys sharing at least one band with `hashvalues`."""

    def clear(self) -> None:
        """Forget every key and the watermark."""


def band_hashes(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit hash per band of each signature row, salted with the band number so equal
    values in different bands never meet: shape (len(signatures), bands)."""
    values = signatures[:, : bands * rows].reshape(len(signatures), bands, rows).astype(np.uint64)
    hashes = np.arange(1, bands + 1, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)
    for row in range(rows):
        hashes = hashes * np.uint64(0x9E3779B97F4A7C15) + values[:, :, row]
    return splitmix64(hashes)


class BandIndex:
    """In-memory LSH: band hashes in one sorted array (binary search), recent inserts in a dict
    that is merged into the array once it holds `merge_every` entries."""

    BULK = 1000  # adds of at least this many keys go straight into the sorted arrays
    # A dict entry costs ~190 bytes against 12 in the arrays: 2**17 entries (about 3,000
    # articles of 44 bands) keep the dict near 25 MB; 2**20 held ~190 MB (bench/scale.py).
    MERGE_EVERY = 1 << 17

    def __init__(self, bands: int, rows: int, merge_every: int = MERGE_EVERY) -> None:
        self.bands, self.rows, self.merge_every = bands, rows, merge_every
        self._hashes = np.zeros(0, dtype=np.uint64)
        self._keys = np.zeros(0, dtype=np.uint32)
        self._recent: defaultdict[int, list[int]] = defaultdict(list)
        self._recent_entries = 0
        self._watermark = 0

    @property
    def watermark(self) -> int:
        return self._watermark

    def __len__(self) -> int:
        return (len(self._keys) + self._recent_entries) // self.bands

    def nbytes(self) -> int:
        """Bytes held by the sorted arrays (the recent dict is bounded by `merge_every`)."""
        return self._hashes.nbytes + self._keys.nbytes

    def add(self, keys: np.ndarray, signatures: np.ndarray, watermark: int) -> None:
        hashes = band_hashes(signatures, self.bands, self.rows)
        keys = np.asarray(keys, dtype=np.uint32)
        if len(keys) >= self.BULK:
            self._merge(hashes.ravel(), np.repeat(keys, self.bands))
        else:
            for key, row in zip(keys.tolist(), hashes.tolist(), strict=True):
                for band_hash in row:
                    self._recent[band_hash].append(key)
            self._recent_entries += hashes.size
            if self._recent_entries >= self.merge_every:
                self._merge_recent()
        self._watermark = max(self._watermark, watermark)

    def clear(self) -> None:
        self._hashes = np.zeros(0, dtype=np.uint64)
        self._keys = np.zeros(0, dtype=np.uint32)
        self._recent.clear()
        self._recent_entries = self._watermark = 0

    def query(self, hashvalues: np.ndarray) -> set[int]:
        hashes = band_hashes(hashvalues[None, :], self.bands, self.rows)[0]
        found: set[int] = set()
        low = np.searchsorted(self._hashes, hashes, side="left")
        high = np.searchsorted(self._hashes, hashes, side="right")
        for start, end in zip(low.tolist(), high.tolist(), strict=True):
            if end > start:
                found.update(self._keys[start:end].tolist())
        for band_hash in hashes.tolist():
            found.update(self._recent.get(band_hash, ()))
        return found

    def _merge_recent(self) -> None:
        """Move the recent dict into the sorted arrays."""
        counts = [len(keys) for keys in self._recent.values()]
        hashes = np.repeat(np.fromiter(self._recent.keys(), np.uint64, len(counts)), counts)
        keys = np.fromiter(
            (key for group in self._recent.values() for key in group), np.uint32, sum(counts)
        )
        self._recent.clear()
        self._recent_entries = 0
        self._merge(hashes, keys)

    def _merge(self, hashes: np.ndarray, keys: np.ndarray) -> None:
        """Insert (hash, key) pairs into the sorted arrays in linear time."""
        order = np.argsort(hashes, kind="stable")
        hashes, keys = hashes[order], keys[order]
        positions = np.searchsorted(self._hashes, hashes)
        self._hashes = np.insert(self._hashes, positions, hashes)
        self._keys = np.insert(self._keys, positions, keys)


class RedisIndex:
    """datasketch `MinHashLSH` on Redis storage; keys live under `basename` in that Redis."""

    def __init__(
        self, url: str, basename: str, bands: int, rows: int, num_perm: int, seed: int
    ) -> None:
        import redis
        from redis.connection import parse_url

        self.bands, self.rows, self.seed = bands, rows, seed
        self.client = redis.Redis.from_url(url)
        self._basename = basename
        self._watermark_key = f"{basename}:watermark"
        self.lsh = MinHashLSH(
            num_perm=num_perm,
            params=(bands, rows),
            storage_config={
                "type": "redis",
                "basename": basename.encode("utf-8"),
                "redis": parse_url(url),
            },
        )

    @property
    def watermark(self) -> int:
        return int(self.client.get(self._watermark_key) or 0)

    def _lean(self, hashvalues: np.ndarray) -> LeanMinHash:
        return as_lean_minhash(hashvalues, self.seed)

    def add(self, keys: np.ndarray, signatures: np.ndarray, watermark: int) -> None:
        with self.lsh.insertion_session() as session:
            for key, row in zip(keys.tolist(), signatures, strict=True):
                session.insert(key, self._lean(row), check_duplication=False)
        if watermark > self.watermark:
            self.client.set(self._watermark_key, watermark)

    def query(self, hashvalues: np.ndarray) -> set[int]:
        return set(self.lsh.query(self._lean(hashvalues)))

    def clear(self) -> None:
        """Delete every Redis key of this index (all start with its basename)."""
        keys = list(self.client.scan_iter(match=f"{self._basename}*", count=1000))
        for start in range(0, len(keys), 1000):
            self.client.delete(*keys[start : start + 1000])
