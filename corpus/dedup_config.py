"""The `[dedup]` settings section."""

from __future__ import annotations

from dataclasses import dataclass

from newscorpus.settings import SettingsError


@dataclass(frozen=True)
class DedupConfig:
    """The `[dedup]` settings; see config/newscorpus.toml for what each one does."""

    near_duplicates: bool = True
    num_perm: int = 128
    seed: int = 1
    word_shingle: int = 5
    char_shingle: int = 4
    lsh_threshold: float = 0.2
    lsh_false_negative_weight: float = 0.7
    jaccard_threshold: float = 0.6
    containment_threshold: float = 0.7
    min_shingles: int = 10
    min_containment_shingles: int = 30
    merge_size_ratio: float = 0.5
    site_furniture_share: float = 0.1
    site_furniture_min_pages: int = 1
    index: str = "memory"
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "newscorpus"

    def __post_init__(self) -> None:
        if self.index not in ("memory", "redis"):
            raise SettingsError(f"[dedup] index must be 'memory' or 'redis', not {self.index!r}")
        for name in (
            "lsh_threshold",
            "jaccard_threshold",
            "containment_threshold",
            "merge_size_ratio",
            "site_furniture_share",
        ):
            if not 0.0 < getattr(self, name) <= 1.0:
                raise SettingsError(f"[dedup] {name} must be in (0, 1]")
        if not 0.0 < self.lsh_false_negative_weight < 1.0:
            raise SettingsError("[dedup] lsh_false_negative_weight must be in (0, 1)")
        if self.num_perm < 16 or self.word_shingle < 1 or self.char_shingle < 1:
            raise SettingsError("[dedup] num_perm must be >= 16 and shingle sizes >= 1")
        if self.site_furniture_min_pages < 1:
            raise SettingsError("[dedup] site_furniture_min_pages must be >= 1")
