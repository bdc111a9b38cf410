"""Stored MinHash signatures: one kind (scheme, seed, num_perm) at a time, signing what is
unsigned, streaming what an index has not seen, and loading verification candidates."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from corpus.latest import select_latest
from corpus.minhash import MinHasher, MinHashSignature
from corpus.models import ArticleVersion, StoredSignature

_LOAD_CHUNK = 20_000  # signatures read per query when (re)building the index
_IN_LIST_CHUNK = 500  # candidate ids per SQL IN list


@dataclass
class Candidate:
    """A stored latest version that may be a near-duplicate, with its signature."""

    version_id: int
    article_id: str
    cluster_id: str | None
    duplicate_of: str | None
    url: str | None
    hashvalues: np.ndarray
    shingles: int


class SignatureStore:
    """The `signatures` rows of one hasher's kind."""

    def __init__(self, hasher: MinHasher) -> None:
        self.hasher = hasher

    def kind(self) -> ColumnElement[bool]:
        """Rows of this hasher's scheme, seed and num_perm."""
        return and_(
            StoredSignature.scheme == self.hasher.scheme,
            StoredSignature.seed == self.hasher.seed,
            StoredSignature.num_perm == self.hasher.num_perm,
        )

    def row(self, version_id: int, signature: MinHashSignature) -> StoredSignature:
        return StoredSignature(
            article_version_id=version_id,
            scheme=self.hasher.scheme,
            seed=self.hasher.seed,
            num_perm=self.hasher.num_perm,
            hashvalues=signature.to_bytes(),
            shingles=signature.shingles,
        )

    def backfill(self, session: Session) -> None:
        """Signatures for versions stored before near-duplicate detection (or its settings)."""
        signed = select(StoredSignature.id).where(
            StoredSignature.article_version_id == ArticleVersion.id, self.kind()
        )
        last = 0
        while rows := session.execute(
            select(ArticleVersion.id, ArticleVersion.text)
            .where(ArticleVersion.id > last, ~signed.exists())
            .order_by(ArticleVersion.id)
            .limit(1000)
        ).all():
            session.add_all(self.row(vid, self.hasher.sign(text)) for vid, text in rows)
            session.flush()
            last = rows[-1][0]

    def highest_id(self, session: Session) -> int:
        return session.scalar(select(func.max(StoredSignature.id)).where(self.kind())) or 0

    def since(
        self, session: Session, watermark: int
    ) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
        """(version ids, signature matrix, highest row id) chunks of the rows above `watermark`."""
        while True:
            rows = session.execute(
                select(
                    StoredSignature.id,
                    StoredSignature.article_version_id,
                    StoredSignature.hashvalues,
                )
                .where(self.kind(), StoredSignature.id > watermark)
                .order_by(StoredSignature.id)
                .limit(_LOAD_CHUNK)
            ).all()
            if not rows:
                return
            keys = np.array([row[1] for row in rows], dtype=np.int64)
            values = np.frombuffer(b"".join(row[2] for row in rows), dtype="<u4")
            watermark = rows[-1][0]
            yield keys, values.reshape(len(rows), -1).astype(np.uint32), watermark

    def candidates(
        self, session: Session, version_ids: Sequence[int], exclude_article: str
    ) -> list[Candidate]:
        """Candidates that are the latest version of another article, with their signatures."""
        found: list[Candidate] = []
        for start in range(0, len(version_ids), _IN_LIST_CHUNK):
            query = (
                select_latest(
                    ArticleVersion.id,
                    ArticleVersion.article_id,
                    ArticleVersion.cluster_id,
                    ArticleVersion.duplicate_of,
                    ArticleVersion.url,
                    StoredSignature.hashvalues,
                    StoredSignature.shingles,
                )
                .join(
                    StoredSignature,
                    and_(StoredSignature.article_version_id == ArticleVersion.id, self.kind()),
                )
                .where(ArticleVersion.id.in_(version_ids[start : start + _IN_LIST_CHUNK]))
                .where(ArticleVersion.article_id != exclude_article)
            )
            for row in session.execute(query):
                signature = MinHashSignature.from_bytes(row.hashvalues, row.shingles)
                found.append(
                    Candidate(
                        row.id,
                        row.article_id,
                        row.cluster_id,
                        row.duplicate_of,
                        row.url,
                        signature.hashvalues,
                        signature.shingles,
                    )  # fmt: skip
                )
        found.sort(key=lambda candidate: candidate.version_id)
        return found
