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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from corpus import clustering
from corpus.dedup_config import DedupConfig
from corpus.furniture import SiteCounts, furniture_positions, site_of, without_furniture
from corpus.latest import select_latest
from corpus.lsh import BandIndex, CandidateIndex, RedisIndex, band_hashes
from corpus.lsh_params import band_params
from corpus.minhash import (
    MinHasher,
    MinHashSignature,
    Shingler,
    estimate_containment,
    estimate_jaccard,
)
from corpus.models import ArticleVersion, StoredSignature
from corpus.recluster import ReclusterStep, recluster_if_outdated, record_state, stored_state
from corpus.redis_keys import redis_basename
from corpus.signatures import Candidate, SignatureStore
from corpus.writer_lock import take_writer_turn
from newscorpus.settings import Settings, build_section

__all__ = ["DedupConfig", "Deduplicator", "ExactDeduplicator", "NearDuplicateDeduplicator"]


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


@dataclass
class Content:
    """Exact Jaccard similarity and shingle counts, without site furniture, of the pairs of a
    new text with the candidates in `rows`."""

    rows: np.ndarray
    jaccard: np.ndarray
    own: np.ndarray
    sizes: np.ndarray


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

    def __init__(self, config: DedupConfig, index: CandidateIndex, hasher: MinHasher) -> None:
        self.config = config
        self.index = index
        self.hasher = hasher
        self.signatures = SignatureStore(hasher)
        self.sites = SiteCounts(hasher.scheme)
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
        """Once per batch, after its first write (SQLite's writer lock is held from then on):
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
            select_latest(ArticleVersion.id, ArticleVersion.url, ArticleVersion.text)
            .where(ArticleVersion.id > last)
            .order_by(ArticleVersion.id)
            .limit(1000)
        ).all():
            for _, url, text in rows:
                if site := site_of(url):
                    self.sites.add(session, site, self.hasher.distinct_shingle_hashes(text), 1)
                    self.sites.add_page(session, site, 1)
            last = rows[-1][0]
        record_state(session, name, "1")

    def _count_site(self, session: Session, version: ArticleVersion, shingles: np.ndarray) -> None:
        """`version` replaces its article's previous version in its site's shingle counts."""
        if version.version > 1:
            previous = session.execute(
                select(ArticleVersion.url, ArticleVersion.text).where(
                    ArticleVersion.article_id == version.article_id,
                    ArticleVersion.version == version.version - 1,
                )
            ).first()
            if previous is not None and (site := site_of(previous.url)):
                old = self.hasher.distinct_shingle_hashes(previous.text)
                self.sites.add(session, site, old, -1)
                self.sites.add_page(session, site, -1)
        if site := site_of(version.url):
            self.sites.add(session, site, shingles, 1)
            self.sites.add_page(session, site, 1)

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
        self._count_site(session, version, shingles)
        if not assign_exact(session, version):
            found = self._candidate_ids(signature)
            self._assign_near(session, version, signature, shingles, found)
        self._recheck_new_site(session, site_of(version.url))
        self._staged_ids.append(version.id)
        self._staged_bands.append(self._bands(signature.hashvalues))

    def _recheck_new_site(self, session: Session, site: str | None) -> None:
        """A site's furniture is learnt from its other pages: pairs of its first
        `site_furniture_min_pages + 1` pages were compared without it. When the site reaches
        the page that makes it known, each of those pages that is a duplicate is verified
        again against its cluster's members, and leaves the cluster when none matches now."""
        known_from = self.config.site_furniture_min_pages + 2
        if site is None or self.sites.pages(session, site) != known_from:
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
            furniture = self.furniture(session, member.url, signature, candidates)
            shingles = self.hasher.distinct_shingle_hashes(member.text)
            content = self.content(session, member.url, shingles, candidates, furniture)
            scores, _ = self.verify(signature, candidates, content)
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
        furniture = self.furniture(session, version.url, signature, candidates)
        scores, strong = self.verify(
            signature,
            candidates,
            self.content(session, version.url, shingles, candidates, furniture),
            self.unknown_site_pairs(session, version.url, candidates),
        )
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

    def furniture(
        self,
        session: Session,
        url: str | None,
        signature: MinHashSignature,
        candidates: Sequence[Candidate],
    ) -> np.ndarray:
        """Per candidate and MinHash position: is the pair's minimal shingle there furniture of
        either page's site?"""
        own = signature.hashvalues
        others = np.array([c.hashvalues for c in candidates])
        union = np.minimum(own, others)
        return furniture_positions(
            self.sites,
            session,
            site_of(url),
            [site_of(c.url) for c in candidates],
            self.hasher.minimal_shingles(union),
            (own == union).astype(np.int64),
            (others == union).astype(np.int64),
            self.config.site_furniture_share,
            self.config.site_furniture_min_pages,
        )

    def content(
        self,
        session: Session,
        url: str | None,
        shingles: np.ndarray,
        candidates: Sequence[Candidate],
        furniture: np.ndarray,
    ) -> Content | None:
        """For candidates whose pair shows site furniture in its signatures: the two texts'
        shingles without the furniture of either site, compared exactly (the texts are read
        again; furniture can leave too few signature positions for an estimate)."""
        rows = np.flatnonzero(furniture.any(axis=1))
        if not len(rows):
            return None
        wanted = [candidates[i].version_id for i in rows.tolist()]
        texts = dict(
            session.execute(
                select(ArticleVersion.id, ArticleVersion.text).where(ArticleVersion.id.in_(wanted))
            ).all()
        )
        jaccard, own, sizes = (np.zeros(len(rows)) for _ in range(3))
        for n, index in enumerate(rows.tolist()):
            candidate = candidates[index]
            theirs = self.hasher.distinct_shingle_hashes(texts[candidate.version_id])
            mine, theirs = without_furniture(
                self.sites, session, (site_of(url), shingles), (site_of(candidate.url), theirs),
                self.config.site_furniture_share, self.config.site_furniture_min_pages,
            )  # fmt: skip
            shared = len(np.intersect1d(mine, theirs, assume_unique=True))
            union = len(mine) + len(theirs) - shared
            jaccard[n] = shared / union if union else 0.0
            own[n], sizes[n] = len(mine), len(theirs)
        return Content(rows, jaccard, own, sizes)

    def unknown_site_pairs(
        self, session: Session, url: str | None, candidates: Sequence[Candidate]
    ) -> np.ndarray:
        """Which candidates are of the new page's own site while that site has too few other
        pages for its furniture to be known."""
        site = site_of(url)
        same = np.array([site is not None and site_of(c.url) == site for c in candidates])
        if not same.any():
            return same
        return same & (self.sites.pages(session, site) - 2 < self.config.site_furniture_min_pages)

    def verify(
        self,
        signature: MinHashSignature,
        candidates: Sequence[Candidate],
        content: Content | None = None,
        jaccard_only: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per candidate: a score (the estimated Jaccard similarity if it reaches its
        threshold, else the estimated containment of the smaller text in the larger if that
        reaches its threshold, else 0) and whether the match is strong: Jaccard, or the new
        text contains the candidate and the candidate is at least `merge_size_ratio` of its
        size (a long text quoting a short one is not strong evidence of one story).

        For the candidates in `content` (pairs where site furniture was found) the exact
        Jaccard similarity and sizes of the two texts without that furniture are used instead
        of the signature estimates. Candidates marked in `jaccard_only` (pages of one site whose
        furniture is not known yet) match on Jaccard similarity only: one page contained in
        another of its site is what shared furniture looks like."""
        config = self.config
        others = np.array([c.hashvalues for c in candidates])
        jaccard = estimate_jaccard(signature.hashvalues, others)
        sizes = np.array([c.shingles for c in candidates], dtype=np.float64)
        own = np.full_like(sizes, signature.shingles)
        if content is not None:
            rows = content.rows
            jaccard[rows], own[rows], sizes[rows] = content.jaccard, content.own, content.sizes
        inner, outer = np.minimum(own, sizes), np.maximum(own, sizes)
        containment = estimate_containment(jaccard, inner, outer)
        containment[inner < config.min_containment_shingles] = 0.0
        if jaccard_only is not None:
            containment[jaccard_only] = 0.0
        jaccard_ok = (jaccard >= config.jaccard_threshold) & (inner >= config.min_shingles)
        contained = containment >= config.containment_threshold
        scores = np.where(jaccard_ok | contained, np.maximum(jaccard, containment), 0.0)
        contains = contained & (own >= sizes) & (sizes >= config.merge_size_ratio * own)
        strong = jaccard_ok | contains
        return scores, strong


def build_deduplicator(settings: Settings, database_url: str) -> Deduplicator:
    """The deduplicator `[dedup]` asks for, with its LSH index (memory or Redis)."""
    config = build_section(DedupConfig, settings, "dedup")
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
