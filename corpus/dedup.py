"""Duplicate assignment for new article versions: every version gets a cluster.

Exact duplicates first: a version whose normalised text equals the latest text of another
article joins that article's cluster with similarity 1.0. Otherwise, with near-duplicate
detection on, the version's MinHash signature is looked up in an LSH index holding the whole
corpus, and each candidate is verified on the stored signatures by estimated Jaccard similarity
and containment (a trimmed copy is contained in the original; a copy with other page furniture
contains it), leaving out shingles that are furniture of either page's site
(`corpus.furniture`). Cluster policy (canonical member, merges) is `corpus.clustering`. Nothing
is ever deleted: duplicates are marked, not dropped.

A store clustered by older rules is re-clustered when it is opened (`corpus.recluster`).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from config import DedupSettings
from corpus import clustering
from corpus.furniture import SiteCounts, site_of
from corpus.latest import select_latest
from corpus.lsh import BandIndex, CandidateIndex, RedisIndex, band_hashes
from corpus.lsh_params import band_params
from corpus.minhash import (
    MinHasher,
    MinHashSignature,
    Shingler,
)
from corpus.models import ArticleVersion, StoredSignature
from corpus.recluster import ReclusterStep, recluster_if_outdated, record_state, stored_state
from corpus.redis_keys import redis_basename
from corpus.signatures import SignatureStore
from corpus.verification import PairVerifier
from corpus.writer_lock import take_writer_turn

__all__ = ["Deduplicator", "ExactDeduplicator", "NearDuplicateDeduplicator"]


class Deduplicator(Protocol):
    """What the corpus store needs from a deduplicator."""

    def open(self, bind: Engine | Connection) -> None:
        """Once per process, when the store opens: bring stored clusters up to date."""

    def prepare(self, session: Session) -> None:
        """Called once per stored batch, before its first version."""

    def assign(self, session: Session, version: ArticleVersion) -> None:
        """Set the cluster fields of a flushed `version`."""


def latest_with_hash(
    session: Session, content_hash: str, exclude_article: str
) -> ArticleVersion | None:
    """The earliest stored article whose latest version has this content hash and a cluster
    (while re-clustering, versions not reached yet have none)."""
    query = (
        select_latest(ArticleVersion)
        .where(ArticleVersion.content_hash == content_hash)
        .where(ArticleVersion.cluster_id.is_not(None))
        .where(ArticleVersion.article_id != exclude_article)
        .order_by(ArticleVersion.created_at, ArticleVersion.id)
        .limit(1)
    )
    return session.scalars(query).first()


def assign_exact(session: Session, version: ArticleVersion) -> bool:
    """Join the cluster of an identical text (True), or start a cluster (False)."""
    match = latest_with_hash(session, version.content_hash, version.article_id)
    if match is None:
        clustering.start_cluster(version)
        return False
    clustering.join_cluster(session, version, match.cluster_id or match.article_id, 1.0)
    return True


class ExactDeduplicator:
    """Clusters versions with identical normalised text (same `content_hash`)."""

    def __init__(self) -> None:
        self._opened = False

    def open(self, bind: Engine | Connection) -> None:
        """Re-cluster a store clustered by older rules (once per process)."""
        if not self._opened:
            with Session(bind) as own, own.begin():
                take_writer_turn(own)
                recluster_if_outdated(own, assign_exact)
            self._opened = True

    def prepare(self, session: Session) -> None:
        """Called once per stored batch: opens the store for deduplication if not done yet."""
        self.open(session.get_bind())

    def assign(self, session: Session, version: ArticleVersion) -> None:
        """Set the cluster fields of a flushed `version` (exact duplicates only)."""
        assign_exact(session, version)


class NearDuplicateDeduplicator:
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
        self.signatures = SignatureStore(hasher)
        self.sites = SiteCounts(
            hasher.scheme, config.site_furniture_share, config.site_furniture_min_pages
        )
        self.verifier = PairVerifier(config, hasher, self.sites)
        self.bands, self.rows = index.bands, index.rows
        self._opened = self._current = False
        self._staged_ids: list[int] = []
        self._staged_bands: list[np.ndarray] = []

    # Index upkeep ----------------------------------------------------------------------------

    def open(self, bind: Engine | Connection) -> None:
        """Sign stored versions that have no signature of this kind, count site shingles,
        re-cluster a store clustered by older rules and check that the index belongs to this
        database (once per process, in an own transaction)."""
        if not self._opened:
            with Session(bind) as own, own.begin():
                take_writer_turn(own)
                self.signatures.backfill(own)
                self._count_sites_once(own)
                recluster_if_outdated(own, self._recluster_step())
                self._forget_foreign_index(own)
            self._opened = True

    def prepare(self, session: Session) -> None:
        """Start a batch (opening the store for deduplication if not done yet): take this
        database's writer turn (so concurrent batches never miss each other) and let the
        batch's first version bring the index up to date."""
        self.open(session.get_bind())
        take_writer_turn(session)
        self._current = False
        self._staged_ids.clear()
        self._staged_bands.clear()

    def _bring_up_to_date(self, session: Session) -> None:
        """Once per batch, after its first write (SQLite's writer lock is held by then: its
        store transactions begin IMMEDIATE):
        index every signature committed since the index's watermark."""
        if not self._current:
            for keys, values, watermark in self.signatures.since(session, self.index.watermark):
                self.index.add(keys, values, watermark)
            self._current = True

    def _forget_foreign_index(self, session: Session) -> None:
        """A persistent index that has seen more signatures than the database holds was built
        for an earlier database at the same URL (deleted and recreated): start it afresh."""
        if self.index.watermark > self.signatures.highest_id(session):
            self.index.clear()

    def _count_sites_once(self, session: Session) -> None:
        """Site shingle counts of every latest version, built once per shingling scheme."""
        name = f"site_counts:{self.hasher.scheme}"
        if stored_state(session, name) == "1":
            return
        self.sites.clear(session)
        last = 0
        while rows := session.execute(
            select_latest(
                ArticleVersion.id,
                ArticleVersion.article_id,
                ArticleVersion.url,
                ArticleVersion.text,
            )
            .where(ArticleVersion.id > last)
            .order_by(ArticleVersion.id)
            .limit(1000)
        ).all():
            for _, article_id, url, text in rows:
                if site := site_of(url):
                    shingles = self.hasher.distinct_shingle_hashes(text)
                    self.sites.count(session, article_id, (site, shingles))
            last = rows[-1][0]
        record_state(session, name, "1")

    def _count_site(self, session: Session, version: ArticleVersion, shingles: np.ndarray) -> int:
        """`version` replaces its article's previous version in its site's shingle counts;
        returns how many pages of its site they now cover."""
        old = None
        if version.version > 1:
            previous = session.execute(
                select(ArticleVersion.url, ArticleVersion.text).where(
                    ArticleVersion.article_id == version.article_id,
                    ArticleVersion.version == version.version - 1,
                )
            ).first()
            if previous is not None:
                old = (site_of(previous.url), self.hasher.distinct_shingle_hashes(previous.text))
        return self.sites.count(session, version.article_id, (site_of(version.url), shingles), old)

    def _recluster_step(self) -> ReclusterStep:
        """Re-clustering with a fresh in-memory index of the versions already re-clustered."""
        index = BandIndex(self.bands, self.rows)

        def step(session: Session, version: ArticleVersion) -> None:
            row = session.scalars(
                select(StoredSignature).where(
                    StoredSignature.article_version_id == version.id, self.signatures.kind()
                )
            ).one()
            signature = MinHashSignature.from_bytes(row.hashvalues, row.shingles)
            if not assign_exact(session, version):
                shingles = self.hasher.distinct_shingle_hashes(version.text)
                found = index.query(signature.hashvalues)
                self._assign_near(session, version, signature, shingles, found)
            index.add(np.array([version.id]), signature.hashvalues[None, :], 0)

        return step

    # Assignment ------------------------------------------------------------------------------

    def assign(self, session: Session, version: ArticleVersion) -> None:
        """Store the signature of a flushed `version`, count its site's shingles, then set its
        cluster fields."""
        self._bring_up_to_date(session)
        shingles = self.hasher.distinct_shingle_hashes(version.text)
        signature = self.hasher.sign_distinct(shingles)
        session.add(self.signatures.row(version.id, signature))
        site_pages = self._count_site(session, version, shingles)
        if not assign_exact(session, version):
            found = self._candidate_ids(signature)
            self._assign_near(session, version, signature, shingles, found)
        self._recheck_new_site(session, site_of(version.url), site_pages)
        self._staged_ids.append(version.id)
        self._staged_bands.append(self._bands(signature.hashvalues))

    def _recheck_new_site(self, session: Session, site: str | None, pages: int) -> None:
        """A site's furniture is learnt from its other pages: pairs of its first
        `site_furniture_min_pages + 1` pages were compared without it. When the site reaches
        the page that makes it known (its counts cover `pages` now), each of those pages that
        is a duplicate is verified again against its cluster's members, and leaves the cluster
        when none matches now."""
        known_from = self.config.site_furniture_min_pages + 2
        if site is None or pages != known_from:
            return
        session.flush()
        members = session.scalars(
            select_latest(ArticleVersion).where(
                ArticleVersion.duplicate_of.is_not(None),
                ArticleVersion.url.contains(site, autoescape=True),
            )
        ).all()
        for member in members:
            if site_of(member.url) != site:
                continue
            row = session.scalars(
                select(StoredSignature).where(
                    StoredSignature.article_version_id == member.id, self.signatures.kind()
                )
            ).first()
            others = session.scalars(
                select_latest(ArticleVersion.id).where(
                    ArticleVersion.cluster_id == member.cluster_id
                )
            ).all()
            candidates = self.signatures.candidates(session, others, member.article_id)
            if row is None or not candidates:
                continue
            signature = MinHashSignature.from_bytes(row.hashvalues, row.shingles)
            shingles = self.hasher.distinct_shingle_hashes(member.text)
            scores, _ = self.verifier.check(session, member.url, signature, shingles, candidates)
            if not (scores > 0.0).any():
                clustering.start_cluster(member)

    def _bands(self, hashvalues: np.ndarray) -> np.ndarray:
        return band_hashes(hashvalues[None, :], self.bands, self.rows)[0]

    def _candidate_ids(self, signature: MinHashSignature) -> set[int]:
        """Index hits plus staged versions of this batch sharing a band."""
        found = self.index.query(signature.hashvalues)
        if self._staged_ids:
            shared = (np.array(self._staged_bands) == self._bands(signature.hashvalues)).any(1)
            found.update(np.array(self._staged_ids)[shared].tolist())
        return found

    def _assign_near(
        self,
        session: Session,
        version: ArticleVersion,
        signature: MinHashSignature,
        shingles: np.ndarray,
        candidate_ids: set[int],
    ) -> None:
        """Join the cluster of the best verified candidate. When the version is strong evidence
        for several clusters (it resembles or contains members of each), they are one story
        split earlier: they are merged into the cluster with the best canonical member."""
        if signature.shingles < self.config.min_shingles:
            return
        candidates = self.signatures.candidates(session, sorted(candidate_ids), version.article_id)
        if not candidates:
            return
        scores, strong = self.verifier.check(session, version.url, signature, shingles, candidates)
        chosen = strong if strong.any() else scores > 0.0
        if not chosen.any():
            return
        best: dict[str, float] = {}  # cluster -> its best score, clusters in candidate order
        for index in np.flatnonzero(chosen).tolist():
            cluster = candidates[index].cluster_id or candidates[index].article_id
            best[cluster] = max(best.get(cluster, 0.0), float(scores[index]))
        if strong.any() and len(best) > 1:
            target = clustering.earliest_cluster(session, list(best))
            for cluster, score in best.items():
                if cluster != target:
                    clustering.merge_cluster(
                        session, cluster, into=target, similarity=clustering.reported(score)
                    )
        else:
            target = max(best, key=best.__getitem__)
        clustering.join_cluster(session, version, target, clustering.reported(best[target]))


def build_deduplicator(config: DedupSettings, database_url: str) -> Deduplicator:
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
        basename = redis_basename(config.redis_prefix, hasher, database_url, bands, rows)
        index: CandidateIndex = RedisIndex(
            config.redis_url, basename, bands, rows, config.num_perm, config.seed
        )
    else:
        index = BandIndex(bands, rows)
    return NearDuplicateDeduplicator(config, index, hasher)
