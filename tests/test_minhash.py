"""Shingling, vectorised MinHash signatures (checked against datasketch) and the band index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from corpus.lsh import BandIndex
from corpus.lsh_params import band_params
from corpus.minhash import (
    MinHasher,
    MinHashSignature,
    Shingler,
    estimate_containment,
    estimate_jaccard,
    shingle_hash32,
)
from corpus.normalize import comparison_text, strip_datelines

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles"
SEED_TEXTS = [path.read_text(encoding="utf-8") for path in sorted(EXAMPLES.glob("*.txt"))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TORONTO (AP) — Police said", "Police said"),
        ("LONDON, March 3 (Reuters) - Stocks fell", "Stocks fell"),
        ("NEW YORK -- Rain", "Rain"),
        ("Intro line\nPARIS (AFP) \u2013 Talks", "Intro line\nTalks"),
        ("The US (AP) — stays", "The US (AP) — stays"),
        ("COVID-19 — stays", "COVID-19 — stays"),
    ],
)
def test_datelines_are_stripped_only_at_line_starts(text, expected):
    assert strip_datelines(text) == expected


def test_word_shingles_ignore_case_quotes_dashes_and_spacing():
    shingler = Shingler(word_size=3)
    plain = shingler.shingles("It's the \u201cend\u201d \u2014 of   the\nline")
    fancy = shingler.shingles('IT\u2019S THE "END" - OF THE LINE')
    assert plain == fancy == ["it s the", "s the end", "the end of", "end of the", "of the line"]


def test_short_texts_give_one_shingle_and_empty_texts_none():
    assert Shingler().shingles("Only three words") == ["only three words"]
    assert Shingler().shingles(" — ") == []


def test_scripts_without_spaces_get_character_shingles():
    text = "先日、不正に改造したiPhoneを販売"
    shingles = Shingler(char_size=4).shingles(text)
    assert shingles[:3] == ["先日不正", "日不正に", "不正に改"]
    assert all(len(s) == 4 for s in shingles)
    assert comparison_text("WASHINGTON (AP) — Ab") == "ab"


def test_lone_surrogates_and_astral_characters_are_handled():
    shingler = Shingler(word_size=2)
    assert shingler.shingles("broken \udc80 text \U00020000bc end") == [
        "broken text", "text \U00020000bc", "\U00020000bc end",
    ]  # fmt: skip


def test_vectorised_hashes_equal_the_per_shingle_reference():
    hasher = MinHasher()
    for text in SEED_TEXTS:
        shingles = hasher.shingler.shingles(text)
        assert hasher.shingle_hashes(text).tolist() == [shingle_hash32(s) for s in shingles]


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 42)])
def test_signatures_equal_datasketch_minhash_with_the_same_hash(num_perm, seed):
    hasher = MinHasher(num_perm=num_perm, seed=seed)
    for text in SEED_TEXTS:
        reference = MinHash(num_perm=num_perm, seed=seed, hashfunc=shingle_hash32)
        reference.update_batch(hasher.shingler.shingles(text))
        signature = hasher.sign(text)
        assert reference.scheme == "affine32"
        np.testing.assert_array_equal(signature.hashvalues, reference.hashvalues)
        assert signature.shingles == len(set(hasher.shingler.shingles(text)))
        lean = hasher.lean(signature)
        assert lean.jaccard(reference) == 1.0


def test_signature_bytes_round_trip():
    hasher = MinHasher()
    signature = hasher.sign(SEED_TEXTS[0])
    restored = type(signature).from_bytes(signature.to_bytes(), signature.shingles)
    np.testing.assert_array_equal(restored.hashvalues, signature.hashvalues)
    assert len(signature.to_bytes()) == 4 * hasher.num_perm


def test_estimates_follow_set_overlap():
    hasher = MinHasher(num_perm=256)
    words = [f"w{i}" for i in range(2000)]
    full = hasher.sign(" ".join(words))
    half = hasher.sign(" ".join(words[:1000]))
    jaccard = estimate_jaccard(full.hashvalues, half.hashvalues[None, :])
    assert jaccard[0] == pytest.approx(0.5, abs=0.08)
    contained = estimate_containment(jaccard, np.array([half.shingles]), np.array([full.shingles]))
    assert contained[0] == pytest.approx(1.0, abs=0.1)
    unrelated = hasher.sign(" ".join(f"x{i}" for i in range(2000)))
    assert estimate_jaccard(full.hashvalues, unrelated.hashvalues[None, :])[0] < 0.05


def test_band_index_finds_what_datasketch_lsh_finds():
    hasher = MinHasher()
    bands, rows = band_params(0.2, 128, 0.7)
    signatures = np.array([hasher.sign(text).hashvalues for text in SEED_TEXTS])
    trimmed = hasher.sign(SEED_TEXTS[1][: len(SEED_TEXTS[1]) // 2]).hashvalues
    reference = MinHashLSH(num_perm=128, params=(bands, rows))
    for key, row in enumerate(signatures):
        reference.insert(key, hasher.lean(MinHashSignature(row, 1)))
    for merge_every in (1 << 20, bands):  # dict only, and merged into the sorted arrays
        index = BandIndex(bands, rows, merge_every=merge_every)
        index.add(np.arange(3), signatures[:3], watermark=3)
        index.add(np.arange(3, 5), signatures[3:], watermark=5)
        assert len(index) == 5 and index.watermark == 5
        for row in [*signatures, trimmed]:
            expected = set(reference.query(hasher.lean(MinHashSignature(row, 1))))
            assert index.query(row) == expected
        assert index.query(trimmed) == {1}


def test_band_index_bulk_adds_and_clear():
    hasher = MinHasher()
    bands, rows = band_params(0.2, 128, 0.7)
    noise = np.random.default_rng(1).integers(0, 2**32, size=(1500, 128), dtype=np.uint32)
    seeds = np.array([hasher.sign(text).hashvalues for text in SEED_TEXTS])
    index = BandIndex(bands, rows)
    index.add(np.arange(1500), noise, watermark=1500)  # bulk: straight into the sorted arrays
    index.add(np.arange(1500, 1505), seeds, watermark=1505)  # small: into the recent dict
    assert len(index) == 1505 and index.nbytes() == 1500 * bands * 12
    assert index.query(noise[700]) == {700}
    assert index.query(seeds[2]) == {1502}
    index.clear()
    assert len(index) == 0 and index.watermark == 0 and index.query(seeds[2]) == set()


@pytest.mark.parametrize(
    ("threshold", "num_perm", "false_negative_weight", "expected"),
    [(0.2, 128, 0.7, (44, 2)), (0.5, 128, 0.5, (25, 5)), (0.2, 64, 0.7, (32, 2)),
     (0.8, 256, 0.5, (17, 15))],
)  # fmt: skip
def test_band_params_pin_datasketchs_private_optimiser(
    threshold, num_perm, false_negative_weight, expected
):
    """`band_params` wraps the private `datasketch.lsh._optimal_param`: a datasketch upgrade
    that moves or changes it fails here (and changes every stored Redis index's layout)."""
    assert band_params(threshold, num_perm, false_negative_weight) == expected


def test_minimal_shingles_undo_the_permutations():
    """Each signature position leads back to the shingle that produced its minimum."""
    hasher = MinHasher(num_perm=64, seed=3)
    text = (EXAMPLES / sorted(p.name for p in EXAMPLES.iterdir())[0]).read_text()
    shingles = hasher.distinct_shingle_hashes(text)
    signature = hasher.sign(text)
    recovered = hasher.minimal_shingles(signature.hashvalues)
    assert np.isin(recovered, shingles).all()
    for position in (0, 17, 63):  # the minimum really is that shingle's permuted value
        single = hasher.sign_hashes(recovered[[position]])
        assert single[position] == signature.hashvalues[position]
    rows = hasher.minimal_shingles(np.stack([signature.hashvalues, signature.hashvalues]))
    assert rows.shape == (2, 64) and (rows == recovered).all()
