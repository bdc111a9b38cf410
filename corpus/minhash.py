"""MinHash signatures of article text, computed with numpy in one pass per article.

A text becomes a set of shingles (word 5-grams; character n-grams for scripts written without
spaces). Every shingle is hashed at once with a polynomial hash over the text's code points
(prefix sums, so no Python loop per shingle), and the hashes are permuted with datasketch
2.x's "affine32" scheme (MurmurHash3 pre-mix, then ``a * h + b`` modulo 2^32) using
datasketch's own permutation parameters. The result is exactly what
``datasketch.MinHash(scheme="affine32", hashfunc=shingle_hash32)`` would compute shingle by
shingle, and is handed to datasketch as a `LeanMinHash`.

The scheme name records everything that makes two signatures comparable (shingle sizes, shingle
hash, permutation scheme); it is stored with seed and `num_perm` next to every signature so an
index never mixes signatures of different kinds.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from datasketch import LeanMinHash, MinHash

from corpus.normalize import comparison_text

PERMUTATION_SCHEME = "affine32"
_MASK64 = (1 << 64) - 1
_POLY_BASE = 0x9E3779B97F4A7C15  # odd, so it has an inverse modulo 2^64
_POLY_BASE_INVERSE = pow(_POLY_BASE, -1, 1 << 64)
_COLUMNS_PER_CHUNK = 8192  # shingles permuted at once: bounds the temporary matrix to 4 MB


def splitmix64(values: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a bijection on 64-bit values that spreads every input bit."""
    values = (values ^ (values >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    values = (values ^ (values >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


_FMIX_C1, _FMIX_C2 = 0x85EBCA6B, 0xC2B2AE35


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, the pre-mix datasketch applies in "affine32"."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(_FMIX_C1)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(_FMIX_C2)
    return values ^ (values >> np.uint32(16))


def _unfmix32(values: np.ndarray) -> np.ndarray:
    """The inverse of `_fmix32` (every step is a bijection on 32-bit values)."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(pow(_FMIX_C2, -1, 1 << 32))
    values = values ^ (values >> np.uint32(13)) ^ (values >> np.uint32(26))
    values = values * np.uint32(pow(_FMIX_C1, -1, 1 << 32))
    return values ^ (values >> np.uint32(16))


def shingle_hash32(shingle: str) -> int:
    """The 32-bit hash of one shingle, one character at a time (the reference the vectorised
    hashing reproduces; also usable as a datasketch `hashfunc`)."""
    value, power = 0, 1
    for char in shingle:
        value = (value + ord(char) * power) & _MASK64
        power = (power * _POLY_BASE) & _MASK64
    return int(splitmix64(np.array([value], dtype=np.uint64))[0] >> np.uint64(32))


def _powers(base: int, size: int) -> np.ndarray:
    """base^0 .. base^(size-1) modulo 2^64 (numpy's uint64 products wrap around)."""
    powers = np.ones(size, dtype=np.uint64)
    np.cumprod(np.full(size - 1, base, dtype=np.uint64), out=powers[1:])
    return powers


class _Powers:
    """Powers of the polynomial base and of its inverse modulo 2^64, grown on demand."""

    def __init__(self) -> None:
        self.forward = self.inverse = np.ones(1, dtype=np.uint64)

    def upto(self, length: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self.forward) <= length:
            size = max(length + 1, 2 * len(self.forward), 4096)
            self.forward = _powers(_POLY_BASE, size)
            self.inverse = _powers(_POLY_BASE_INVERSE, size)
        return self.forward, self.inverse


@functools.cache
def _word_table() -> np.ndarray:
    """For every code point of the Basic Multilingual Plane: is it a regex word character
    (`\\w`: alphanumeric or underscore)?"""
    return np.array([chr(c).isalnum() or c == 0x5F for c in range(0x10000)], dtype=bool)


# Scripts written without spaces between words: kana, CJK ideographs, Thai, Lao, Myanmar, Khmer.
_UNSPACED_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
                    (0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF))  # fmt: skip
_SPACE = 0x20


def word_mask(codes: np.ndarray) -> np.ndarray:
    """Which code points are word characters, looked up in one vectorised step (code points
    beyond the BMP are checked one distinct value at a time; they are rare)."""
    mask = _word_table()[np.minimum(codes, 0xFFFF)]
    astral = codes > 0xFFFF
    if astral.any():
        for code in np.unique(codes[astral]).tolist():
            mask[codes == code] = chr(code).isalnum()
    return mask


def unspaced_share(codes: np.ndarray) -> float:
    """Share of the code points that belong to scripts written without spaces."""
    unspaced = np.zeros(len(codes), dtype=bool)
    for low, high in _UNSPACED_RANGES:
        unspaced |= (codes >= low) & (codes <= high)
    return float(unspaced.mean()) if len(codes) else 0.0


@dataclass(frozen=True)
class Shingler:
    """Cuts normalised text into shingles: `word_size`-word windows, or `char_size`-character
    windows for texts mostly (30 %+ of word characters) in scripts without spaces.

    Works on code point arrays: word characters are kept, every run of other characters
    becomes one space, so shingles are word tokens joined by single spaces (the same as
    `" ".join(re.findall(r"\\w+", text))`) without a Python loop over the tokens."""

    word_size: int = 5
    char_size: int = 4
    unspaced_threshold: float = 0.3

    @property
    def name(self) -> str:
        return f"w{self.word_size}c{self.char_size}"

    def spans(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The token code points and the start/end offsets of every shingle in them."""
        encoded = comparison_text(text).encode("utf-32-le", "surrogatepass")  # lone ones too
        codes = np.frombuffer(encoded, dtype=np.uint32)
        word = word_mask(codes)
        letters = codes[word]
        if not len(letters):
            empty = np.zeros(0, dtype=np.int64)
            return letters, empty, empty
        if unspaced_share(letters) >= self.unspaced_threshold:
            size = min(self.char_size, len(letters))
            starts = np.arange(len(letters) - size + 1, dtype=np.int64)
            return letters, starts, starts + size
        after_word = np.concatenate(([False], word[:-1]))
        tokens = np.where(word, codes, _SPACE)[word | after_word]
        if tokens[-1] == _SPACE:
            tokens = tokens[:-1]
        edges = np.diff((tokens != _SPACE).astype(np.int8), prepend=0, append=0)
        token_starts, token_ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        size = min(self.word_size, len(token_starts))
        return tokens, token_starts[: len(token_starts) - size + 1], token_ends[size - 1 :]

    def shingles(self, text: str) -> list[str]:
        """The shingles as strings (for reference implementations and benchmarks)."""
        codes, starts, ends = self.spans(text)
        joined = codes.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
        return [joined[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]


@dataclass
class MinHashSignature:
    """A MinHash signature with the number of distinct shingles it summarises (in memory; its
    stored form is the `corpus.models.StoredSignature` row)."""

    hashvalues: np.ndarray
    shingles: int

    def to_bytes(self) -> bytes:
        return self.hashvalues.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, blob: bytes, shingles: int) -> MinHashSignature:
        return cls(np.frombuffer(blob, dtype="<u4").astype(np.uint32), shingles)


@dataclass
class MinHasher:
    """Signs texts with `num_perm` permutations drawn from `seed` (datasketch's generator)."""

    num_perm: int = 128
    seed: int = 1
    shingler: Shingler = field(default_factory=Shingler)

    def __post_init__(self) -> None:
        a, b = MinHash(
            num_perm=self.num_perm, seed=self.seed, scheme=PERMUTATION_SCHEME
        ).permutations
        self._a = np.asarray(a, dtype=np.uint32)
        self._b = np.asarray(b, dtype=np.uint32)
        # datasketch's affine32 multipliers are odd, so every permutation can be undone
        self._a_inverse = np.array([pow(int(x), -1, 1 << 32) for x in self._a], dtype=np.uint32)
        self._powers = _Powers()

    @property
    def scheme(self) -> str:
        """Everything besides seed and num_perm that must match for signatures to compare."""
        return f"{PERMUTATION_SCHEME}:poly64:{self.shingler.name}"

    def shingle_hashes(self, text: str) -> np.ndarray:
        """32-bit hashes of all shingles of `text` (equal to `shingle_hash32` of each)."""
        codes, starts, ends = self.shingler.spans(text)
        if not len(starts):
            return np.zeros(0, dtype=np.uint32)
        codes = codes.astype(np.uint64)
        forward, inverse = self._powers.upto(len(codes))
        prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
        np.cumsum(codes * forward[: len(codes)], out=prefix[1:])
        hashes = (prefix[ends] - prefix[starts]) * inverse[starts]
        return (splitmix64(hashes) >> np.uint64(32)).astype(np.uint32)

    def sign_hashes(self, hashes: np.ndarray) -> np.ndarray:
        """Min over shingles of every affine permutation: a (num_perm × shingles) product,
        built in bounded chunks and reduced along its contiguous axis."""
        values = np.full(self.num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
        mixed = _fmix32(hashes)
        for start in range(0, len(mixed), _COLUMNS_PER_CHUNK):
            chunk = np.multiply.outer(self._a, mixed[start : start + _COLUMNS_PER_CHUNK])
            chunk += self._b[:, None]
            np.minimum(values, chunk.min(axis=1), out=values)
        return values

    def distinct_shingle_hashes(self, text: str) -> np.ndarray:
        """The sorted distinct shingle hashes of `text`."""
        return np.unique(self.shingle_hashes(text))

    def sign(self, text: str) -> MinHashSignature:
        """The signature of `text` and its distinct-shingle count."""
        return self.sign_distinct(self.distinct_shingle_hashes(text))

    def sign_distinct(self, hashes: np.ndarray) -> MinHashSignature:
        """The signature of a text given its distinct shingle hashes."""
        return MinHashSignature(self.sign_hashes(hashes), len(hashes))

    def minimal_shingles(self, hashvalues: np.ndarray) -> np.ndarray:
        """For each permutation, the hash of the shingle that gave its minimum: the
        permutation undone (`a` is odd, so invertible modulo 2^32). Rows of a 2-D array are
        separate signatures. Values of an empty text (all 2^32-1) give meaningless hashes."""
        premixed = (hashvalues.astype(np.uint32) - self._b) * self._a_inverse
        return _unfmix32(premixed.astype(np.uint32))

    def lean(self, signature: MinHashSignature) -> LeanMinHash:
        """The signature as a datasketch LeanMinHash (for datasketch's LSH and estimators)."""
        return as_lean_minhash(signature.hashvalues, self.seed)


def as_lean_minhash(hashvalues: np.ndarray, seed: int) -> LeanMinHash:
    """Hash values of our scheme wrapped as a datasketch LeanMinHash."""
    return LeanMinHash(seed=seed, hashvalues=hashvalues, scheme=PERMUTATION_SCHEME)


def estimate_jaccard(query: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of one signature with each row of `candidates`."""
    return np.mean(candidates == query, axis=1)


def estimate_containment(
    jaccard: np.ndarray, inner_sizes: np.ndarray, outer_sizes: np.ndarray
) -> np.ndarray:
    """Estimated share of the inner set found in the outer set: |A∩B| = J(|A|+|B|)/(1+J)."""
    overlap = jaccard * (inner_sizes + outer_sizes) / (1.0 + jaccard)
    return np.minimum(overlap / np.maximum(inner_sizes, 1), 1.0)
