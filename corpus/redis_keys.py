"""Redis key naming of a persistent LSH index."""

from __future__ import annotations

import hashlib

from sqlalchemy.engine import make_url

from corpus.minhash import MinHasher


def redis_basename(prefix: str, hasher: MinHasher, database_url: str, bands: int, rows: int) -> str:
    """A Redis key prefix naming the corpus and everything that makes signatures comparable."""
    corpus = make_url(database_url).render_as_string(hide_password=True)
    tag = hashlib.sha256(corpus.encode("utf-8")).hexdigest()[:12]
    kind = f"{hasher.scheme}:s{hasher.seed}:p{hasher.num_perm}:{bands}x{rows}"
    return f"{prefix}:{tag}:{kind}"
