"""Verification of candidate pairs: is a candidate the same story as the new text?

Scores come from the stored signatures (estimated Jaccard similarity and containment). Where
the pair's signatures show site furniture (`corpus.furniture`), the two texts are compared
exactly without it; pages of one site whose furniture is not known yet match on Jaccard only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import DedupSettings
from corpus.furniture import SiteCounts, furniture_positions, site_of, without_furniture
from corpus.minhash import MinHasher, MinHashSignature, estimate_containment, estimate_jaccard
from corpus.models import ArticleVersion
from corpus.signatures import Candidate


@dataclass
class Content:
    """Exact Jaccard similarity and shingle counts, without site furniture, of the pairs of a
    new text with the candidates in `rows`."""

    rows: np.ndarray
    jaccard: np.ndarray
    own: np.ndarray
    sizes: np.ndarray


class PairVerifier:
    """Verifies a new text against its LSH candidates under the `[dedup]` thresholds."""

    def __init__(self, config: DedupSettings, hasher: MinHasher, sites: SiteCounts) -> None:
        self.config = config
        self.hasher = hasher
        self.sites = sites

    def check(
        self,
        session: Session,
        url: str | None,
        signature: MinHashSignature,
        shingles: np.ndarray,
        candidates: Sequence[Candidate],
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores and strong-match flags (see `verify`) of a text at `url` with its distinct
        `shingles` against each candidate, site furniture left out."""
        furniture = self.furniture(session, url, signature, candidates)
        return self.verify(
            signature,
            candidates,
            self.content(session, url, shingles, candidates, furniture),
            self.unknown_site_pairs(session, url, candidates),
        )

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
            )
            .tuples()
            .all()
        )
        jaccard, own, sizes = (np.zeros(len(rows)) for _ in range(3))
        for n, index in enumerate(rows.tolist()):
            candidate = candidates[index]
            theirs = self.hasher.distinct_shingle_hashes(texts[candidate.version_id])
            mine, theirs = without_furniture(
                self.sites, session, (site_of(url), shingles), (site_of(candidate.url), theirs)
            )
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
        if site is None or not same.any():
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
