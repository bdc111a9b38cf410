"""Site furniture: shingles that many pages of one site hold (menus, promos, footers that
survive extraction), so two different stories of a site never join because of them.

Every article's latest version adds its distinct shingle hashes to its site's counts
(`site_shingles`, `site_pages`; kept incrementally, in the deduplicating writer's transaction).
Signatures stay what they were — MinHash over every shingle, reproducible from the text — and
the discount is applied when a candidate pair is verified: each MinHash position's minimum is
undone to the shingle that produced it (`MinHasher.minimal_shingles`), and positions whose
shingle is furniture of either page's site are left out of the estimates. A shingle is
furniture of a site when at least `max(min_pages, share × pages)` of the site's *other* pages
(neither of the pair) hold it, so two copies of one story on one site do not count as each
other's furniture.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from corpus.models import SitePages, SiteShingle
from corpus.upsert import dialect_insert

_CHUNK = 1000  # values per IN list


def site_of(url: str | None) -> str | None:
    """The site a page belongs to: its URL's host without `www.`; None without a web URL."""
    if not url or not url.startswith(("http://", "https://")):
        return None
    host = (urlsplit(url).hostname or "").lower()
    host = host.removeprefix("www.")
    return host[:255] or None


def _upsert(
    session: Session, model: type[SiteShingle] | type[SitePages], keys: list[str]
) -> postgresql.Insert | sqlite.Insert:
    """INSERT .. ON CONFLICT (keys) DO UPDATE articles = articles + the inserted value."""
    insert = dialect_insert(session, model)
    return insert.on_conflict_do_update(
        index_elements=keys, set_={"articles": model.articles + insert.excluded.articles}
    )


class SiteCounts:
    """Per-site shingle counts of one shingling scheme."""

    def __init__(self, scheme: str) -> None:
        self.scheme = scheme

    def add(self, session: Session, site: str, shingles: np.ndarray, delta: int) -> None:
        """Count one article of `site` holding `shingles` (delta +1) or no longer holding them
        (delta -1, when its latest version is replaced): one executemany upsert."""
        rows = [
            {"site": site, "scheme": self.scheme, "shingle": h, "articles": delta}
            for h in np.unique(shingles).tolist()
        ]
        if rows:
            statement = _upsert(session, SiteShingle, ["site", "scheme", "shingle"])
            session.connection().execute(statement, rows)

    def add_page(self, session: Session, site: str, delta: int) -> None:
        statement = _upsert(session, SitePages, ["site", "scheme"])
        session.connection().execute(
            statement, [{"site": site, "scheme": self.scheme, "articles": delta}]
        )

    def pages(self, session: Session, site: str) -> int:
        return (
            session.scalar(
                select(SitePages.articles).where(
                    SitePages.site == site, SitePages.scheme == self.scheme
                )
            )
            or 0
        )

    def counts(self, session: Session, site: str, shingles: np.ndarray) -> np.ndarray:
        """How many articles of `site` hold each of `shingles` (same shape)."""
        wanted = np.unique(shingles)
        found: dict[int, int] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK].tolist()
            found.update(
                session.execute(
                    select(SiteShingle.shingle, SiteShingle.articles).where(
                        SiteShingle.site == site,
                        SiteShingle.scheme == self.scheme,
                        SiteShingle.shingle.in_(chunk),
                    )
                )
                .tuples()
                .all()
            )
        lookup = np.array([found.get(h, 0) for h in wanted.tolist()], dtype=np.int64)
        return lookup[np.searchsorted(wanted, shingles)]

    def clear(self, session: Session) -> None:
        """Zero every count of this scheme (before they are rebuilt from the stored texts)."""
        session.execute(
            update(SiteShingle).where(SiteShingle.scheme == self.scheme).values(articles=0)
        )
        session.execute(update(SitePages).where(SitePages.scheme == self.scheme).values(articles=0))


def furniture_positions(
    counts: SiteCounts,
    session: Session,
    own_site: str | None,
    candidate_sites: Sequence[str | None],
    shingles: np.ndarray,
    in_own: np.ndarray,
    in_candidate: np.ndarray,
    share: float,
    min_pages: int,
) -> np.ndarray:
    """Which positions (rows: candidates, columns: MinHash positions) hold a shingle that is
    furniture of the new page's site or of the candidate's site. `shingles` are the shingles
    of the pair's union minima; `in_own`/`in_candidate` say which page of the pair holds each."""
    furniture = np.zeros(shingles.shape, dtype=bool)
    sites = {site for site in (own_site, *candidate_sites) if site is not None}
    for site in sites:
        rows = np.array([own_site == site or cand == site for cand in candidate_sites])
        pair_here = np.array(
            [int(own_site == site) + int(cand == site) for cand in candidate_sites]
        )
        other_pages = counts.pages(session, site) - pair_here  # per candidate
        eligible = rows & (other_pages >= min_pages)
        if not eligible.any():
            continue
        held = counts.counts(session, site, shingles[eligible])
        held = held - in_own[eligible] * (own_site == site)
        held = (
            held
            - in_candidate[eligible]
            * np.array([cand == site for cand in candidate_sites])[eligible, None]
        )
        limit = np.maximum(min_pages, share * other_pages[eligible])[:, None]
        furniture[eligible] |= held >= limit
    return furniture


def without_furniture(
    counts: SiteCounts,
    session: Session,
    own: tuple[str | None, np.ndarray],
    candidate: tuple[str | None, np.ndarray],
    share: float,
    min_pages: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct shingle hashes of a pair of pages (site, hashes) without the shingles that
    are furniture of either page's site."""
    union = np.union1d(own[1], candidate[1])
    furniture = furniture_positions(
        counts, session, own[0], [candidate[0]], union[None, :],
        np.isin(union, own[1])[None, :].astype(np.int64),
        np.isin(union, candidate[1])[None, :].astype(np.int64),
        share, min_pages,
    )[0]  # fmt: skip
    left_out = union[furniture]
    return (
        np.setdiff1d(own[1], left_out, assume_unique=True),
        np.setdiff1d(candidate[1], left_out, assume_unique=True),
    )
