"""Duplicate assignment for new article versions: every version gets a cluster.

Exact duplicates first: a version whose normalised text equals the latest text of another
article joins that article's cluster with similarity 1.0. Otherwise, with near-duplicate
detection on, the version's MinHash signature is looked up in an LSH index holding the whole
corpus, and each candidate is verified on the stored signatures by estimated Jaccard similarity
and containment (a trimmed copy is contained in the original; a copy with other page furniture
contains it). A match joins the candidate's cluster and points at the cluster's canonical member
(its earliest article); `similarity` is the score that joined it. Nothing is ever deleted:
duplicates are marked, not dropped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from config import DedupSettings
from corpus.lsh import BandIndex, CandidateIndex, RedisIndex, band_hashes, band_params
from corpus.minhash import (
    MinHasher,
    Shingler,
    Signature,
    estimate_containment,
    estimate_jaccard,
)
from corpus.models import Article, ArticleVersion
from corpus.models import Signature as SignatureRow

NEAR_DUPLICATE_CEILING = 0.9999  # a near-duplicate never reports 1.0, which means identical text
_LOAD_CHUNK = 20_000  # signatures read per query when (re)building the index
_IN_LIST_CHUNK = 500  # candidate ids per SQL IN list
_WRITER_LOCK = 0x6E657773  # PostgreSQL advisory lock key of newscorpus's deduplicating writers


def latest_with_hash(
    session: Session, content_hash: str, exclude_article: str
) -> ArticleVersion | None:
    """The earliest stored article whose latest version has this content hash."""
    query = (
        select(ArticleVersion)
        .join(
            Article,
            and_(
                Article.id == ArticleVersion.article_id,
                Article.latest_version == ArticleVersion.version,
            ),
        )
        .where(ArticleVersion.content_hash == content_hash)
        .where(ArticleVersion.article_id != exclude_article)
        .order_by(ArticleVersion.created_at, ArticleVersion.id)
        .limit(1)
    )
    return session.scalars(query).first()


def join_cluster(version: ArticleVersion, member: Any, similarity: float) -> None:
    """Put `version` in the cluster of `member`, pointing at the cluster's canonical article."""
    version.cluster_id = member.cluster_id or member.article_id
    version.duplicate_of = member.duplicate_of or member.article_id
    version.similarity = similarity


def start_cluster(version: ArticleVersion) -> None:
    """`version` is the first of its story: its article is the cluster's canonical member."""
    version.cluster_id = version.article_id
    version.duplicate_of = None
    version.similarity = None


class ExactDeduplicator:
    """Clusters versions with identical normalised text (same `content_hash`)."""

    def prepare(self, session: Session) -> None:
        """Called once per stored batch, before its first version; nothing to load here."""

    def assign(self, session: Session, version: ArticleVersion) -> None:
        """Set the cluster fields of a flushed `version` (exact duplicates only)."""
        self.assign_exact(session, version)

    def assign_exact(self, session: Session, version: ArticleVersion) -> bool:
        match = latest_with_hash(session, version.content_hash, version.article_id)
        if match is None:
            start_cluster(version)
            return False
        join_cluster(version, match, 1.0)
        return True


@dataclass
class Candidate:
    """A stored latest version that may be a near-duplicate, with its signature."""

    version_id: int
    article_id: str
    cluster_id: str | None
    duplicate_of: str | None
    hashvalues: np.ndarray
    shingles: int


class NearDuplicateDeduplicator(ExactDeduplicator):
    """Exact duplicates first, then MinHash LSH candidates verified on stored signatures.

    Every new version's signature is stored (table `signatures`). At a batch's first version
    the index is given every signature committed since it last looked (by this or another
    process; deduplicating writers of a database take turns), so it never holds what a
    rolled-back transaction wrote; versions of the current batch are matched from a small
    staging list until then.
    """

    def __init__(self, config: DedupSettings, index: CandidateIndex, hasher: MinHasher) -> None:
        self.config = config
        self.index = index
        self.hasher = hasher
        self.bands, self.rows = index.bands, index.rows
        self._backfilled = self._current = False
        self._staged_ids: list[int] = []
        self._staged_bands: list[np.ndarray] = []

    # Index upkeep ----------------------------------------------------------------------------

    def _kind(self) -> Any:
        return and_(
            SignatureRow.scheme == self.hasher.scheme,
            SignatureRow.seed == self.hasher.seed,
            SignatureRow.num_perm == self.hasher.num_perm,
        )

    def prepare(self, session: Session) -> None:
        """Sign stored versions that have no signature of this kind and check that the index
        belongs to this database (once per process, in an own transaction); then start a
        batch: take this database's writer turn (so concurrent batches never miss each other)
        and let the batch's first version bring the index up to date."""
        if not self._backfilled:
            with Session(session.get_bind()) as own, own.begin():
                take_writer_turn(own)
                self._backfill(own)
                self._forget_foreign_index(own)
            self._backfilled = True
        take_writer_turn(session)
        self._current = False
        self._staged_ids.clear()
        self._staged_bands.clear()

    def _bring_up_to_date(self, session: Session) -> None:
        """Once per batch, after its first write (SQLite's writer lock is held by then: its
        store transactions begin IMMEDIATE):
        index every signature committed since the index's watermark."""
        if not self._current:
            self._catch_up(session)
            self._current = True

    def _backfill(self, session: Session) -> None:
        """Signatures for versions stored before near-duplicate detection (or its settings)."""
        signed = select(SignatureRow.id).where(
            SignatureRow.article_version_id == ArticleVersion.id, self._kind()
        )
        last = 0
        while rows := session.execute(
            select(ArticleVersion.id, ArticleVersion.text)
            .where(ArticleVersion.id > last, ~signed.exists())
            .order_by(ArticleVersion.id)
            .limit(1000)
        ).all():
            session.add_all(self._signature_row(vid, self.hasher.sign(text)) for vid, text in rows)
            session.flush()
            last = rows[-1][0]

    def _forget_foreign_index(self, session: Session) -> None:
        """A persistent index that has seen more signatures than the database holds was built
        for an earlier database at the same URL (deleted and recreated): start it afresh."""
        stored = session.scalar(select(func.max(SignatureRow.id)).where(self._kind())) or 0
        if self.index.watermark > stored:
            self.index.clear()

    def _catch_up(self, session: Session) -> None:
        """Add signatures with row id above the index's watermark, in chunks."""
        while True:
            rows = session.execute(
                select(SignatureRow.id, SignatureRow.article_version_id, SignatureRow.hashvalues)
                .where(self._kind(), SignatureRow.id > self.index.watermark)
                .order_by(SignatureRow.id)
                .limit(_LOAD_CHUNK)
            ).all()
            if not rows:
                return
            keys = np.array([row[1] for row in rows], dtype=np.int64)
            values = np.frombuffer(b"".join(row[2] for row in rows), dtype="<u4")
            self.index.add(keys, values.reshape(len(rows), -1).astype(np.uint32), rows[-1][0])

    def _signature_row(self, version_id: int, signature: Signature) -> SignatureRow:
        return SignatureRow(
            article_version_id=version_id,
            scheme=self.hasher.scheme,
            seed=self.hasher.seed,
            num_perm=self.hasher.num_perm,
            hashvalues=signature.to_bytes(),
            shingles=signature.shingles,
        )

    # Assignment ------------------------------------------------------------------------------

    def assign(self, session: Session, version: ArticleVersion) -> None:
        """Store the signature of a flushed `version`, then set its cluster fields."""
        self._bring_up_to_date(session)
        signature = self.hasher.sign(version.text)
        session.add(self._signature_row(version.id, signature))
        if not self.assign_exact(session, version):
            self._assign_near(session, version, signature)
        self._staged_ids.append(version.id)
        self._staged_bands.append(self._bands(signature.hashvalues))

    def _bands(self, hashvalues: np.ndarray) -> np.ndarray:
        return band_hashes(hashvalues[None, :], self.bands, self.rows)[0]

    def _candidate_ids(self, signature: Signature) -> set[int]:
        """Index hits plus staged versions of this batch sharing a band."""
        found = self.index.query(signature.hashvalues)
        if self._staged_ids:
            shared = (np.array(self._staged_bands) == self._bands(signature.hashvalues)).any(1)
            found.update(np.array(self._staged_ids)[shared].tolist())
        return found

    def _assign_near(self, session: Session, version: ArticleVersion, signature: Signature) -> None:
        """Join the cluster of the best verified candidate. When the version is strong evidence
        for several clusters (it resembles or contains members of each), they are one story
        split earlier: they are merged into the cluster with the earliest canonical member."""
        if signature.shingles < self.config.min_shingles:
            return
        candidates = load_candidates(
            session, sorted(self._candidate_ids(signature)), version.article_id, self._kind()
        )
        if not candidates:
            return
        scores, strong = self.verify(signature, candidates)
        chosen = strong if strong.any() else scores > 0.0
        if not chosen.any():
            return
        best: dict[str, float] = {}  # cluster -> its best score, clusters in candidate order
        for index in np.flatnonzero(chosen).tolist():
            cluster = candidates[index].cluster_id or candidates[index].article_id
            best[cluster] = max(best.get(cluster, 0.0), float(scores[index]))
        if strong.any() and len(best) > 1:
            target = earliest_cluster(session, list(best))
            for cluster, score in best.items():
                if cluster != target:
                    merge_cluster(session, cluster, into=target, similarity=_reported(score))
        else:
            target = max(best, key=best.__getitem__)
        version.cluster_id = version.duplicate_of = target
        version.similarity = _reported(best[target])

    def verify(
        self, signature: Signature, candidates: Sequence[Candidate]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per candidate: a score (the estimated Jaccard similarity if it reaches its
        threshold, else the estimated containment of the smaller text in the larger if that
        reaches its threshold, else 0) and whether the match is strong: Jaccard, or the new
        text contains the candidate and the candidate is at least `merge_size_ratio` of its
        size (a long text quoting a short one is not strong evidence of one story)."""
        config = self.config
        jaccard = estimate_jaccard(
            signature.hashvalues, np.array([c.hashvalues for c in candidates])
        )
        sizes = np.array([c.shingles for c in candidates], dtype=np.float64)
        own = np.full_like(sizes, signature.shingles)
        inner, outer = np.minimum(own, sizes), np.maximum(own, sizes)
        containment = estimate_containment(jaccard, inner, outer)
        containment[inner < config.min_containment_shingles] = 0.0
        jaccard_ok = (jaccard >= config.jaccard_threshold) & (inner >= config.min_shingles)
        contained = containment >= config.containment_threshold
        scores = np.where(jaccard_ok | contained, np.maximum(jaccard, containment), 0.0)
        contains = contained & (own >= sizes) & (sizes >= config.merge_size_ratio * own)
        strong = jaccard_ok | contains
        return scores, strong


def take_writer_turn(session: Session) -> None:
    """Serialise deduplicating writers of one database until this transaction ends, so
    signature ids are committed in order and no batch misses another's. SQLite already has a
    single writer (the store begins its transactions IMMEDIATE, taking the write lock for the
    whole batch); PostgreSQL takes an advisory lock,
    before any write so that it can never deadlock with row locks."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_WRITER_LOCK)))


def _reported(score: float) -> float:
    """A near-duplicate's similarity: 4 decimals, below the 1.0 kept for identical text."""
    return min(round(score, 4), NEAR_DUPLICATE_CEILING)


def earliest_cluster(session: Session, clusters: Sequence[str]) -> str:
    """Of clusters named by their canonical article, the one whose canonical article was
    stored first (ties go to the longer text)."""
    rows = session.execute(
        select(
            ArticleVersion.article_id,
            func.min(ArticleVersion.created_at),
            func.max(func.length(ArticleVersion.text)),
        )
        .where(ArticleVersion.article_id.in_(clusters))
        .group_by(ArticleVersion.article_id)
    ).all()
    return min(rows, key=lambda row: (row[1], -row[2], row[0]))[0]


def merge_cluster(session: Session, cluster: str, into: str, similarity: float) -> None:
    """Re-point every version of `cluster` at cluster `into` (rows are relabelled, never
    removed); its former canonical member gets the similarity of the bridging match."""
    session.execute(
        update(ArticleVersion)
        .where(ArticleVersion.cluster_id == cluster, ArticleVersion.duplicate_of.is_(None))
        .values(similarity=similarity)
    )
    session.execute(
        update(ArticleVersion)
        .where(ArticleVersion.cluster_id == cluster)
        .values(cluster_id=into, duplicate_of=into)
    )


def load_candidates(
    session: Session, version_ids: Sequence[int], exclude_article: str, kind: Any
) -> list[Candidate]:
    """Candidates that are the latest version of another article, with their signatures."""
    found: list[Candidate] = []
    for start in range(0, len(version_ids), _IN_LIST_CHUNK):
        query = (
            select(
                ArticleVersion.id,
                ArticleVersion.article_id,
                ArticleVersion.cluster_id,
                ArticleVersion.duplicate_of,
                SignatureRow.hashvalues,
                SignatureRow.shingles,
            )
            .join(
                Article,
                and_(
                    Article.id == ArticleVersion.article_id,
                    Article.latest_version == ArticleVersion.version,
                ),
            )
            .join(SignatureRow, and_(SignatureRow.article_version_id == ArticleVersion.id, kind))
            .where(ArticleVersion.id.in_(version_ids[start : start + _IN_LIST_CHUNK]))
            .where(ArticleVersion.article_id != exclude_article)
        )
        for row in session.execute(query):
            signature = Signature.from_bytes(row.hashvalues, row.shingles)
            found.append(
                Candidate(
                    row.id,
                    row.article_id,
                    row.cluster_id,
                    row.duplicate_of,
                    signature.hashvalues,
                    signature.shingles,
                )  # fmt: skip
            )
    found.sort(key=lambda candidate: candidate.version_id)
    return found


def _redis_basename(
    config: DedupSettings, hasher: MinHasher, database_url: str, bands: int, rows: int
) -> str:
    """A Redis key prefix naming the corpus and everything that makes signatures comparable."""
    corpus = make_url(database_url).render_as_string(hide_password=True)
    tag = hashlib.sha256(corpus.encode("utf-8")).hexdigest()[:12]
    kind = f"{hasher.scheme}:s{hasher.seed}:p{hasher.num_perm}:{bands}x{rows}"
    return f"{config.redis_prefix}:{tag}:{kind}"


def build_deduplicator(config: DedupSettings, database_url: str) -> ExactDeduplicator:
    """The deduplicator `[dedup]` asks for, with its LSH index (memory or Redis)."""
    if not config.near_duplicates:
        return ExactDeduplicator()
    hasher = MinHasher(
        config.num_perm, config.seed, Shingler(config.word_shingle, config.char_shingle)
    )
    bands, rows = band_params(
        config.lsh_threshold, config.num_perm, config.lsh_false_negative_weight
    )
    if config.index == "redis":
        basename = _redis_basename(config, hasher, database_url, bands, rows)
        index: CandidateIndex = RedisIndex(
            config.redis_url, basename, bands, rows, config.num_perm, config.seed
        )
    else:
        index = BandIndex(bands, rows)
    return NearDuplicateDeduplicator(config, index, hasher)
