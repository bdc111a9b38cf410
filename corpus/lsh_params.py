"""LSH band/row choice: datasketch's optimiser, the one private datasketch function we use.

`datasketch.lsh._optimal_param` is private; it is wrapped here alone so an upgrade that moves or
changes it fails one import and one test (tests/test_minhash.py pins its answers), not the index.
"""

from __future__ import annotations

from datasketch.lsh import _optimal_param


def band_params(threshold: float, num_perm: int, false_negative_weight: float) -> tuple[int, int]:
    """(bands, rows) minimising datasketch's weighted false positive/negative error."""
    bands, rows = _optimal_param(
        threshold, num_perm, 1.0 - false_negative_weight, false_negative_weight
    )
    return int(bands), int(rows)
