"""Site furniture: shingles that many pages of one site hold (menus, promos, footers that
survive extraction), so two different stories of a site never join because of them.

Every article's latest version adds its distinct shingle hashes to its site's counts
(`furniture_shingles`, `furniture_sites`; kept incrementally, in the deduplicating writer's
transaction). Signatures stay what they were — MinHash over every shingle, reproducible from the
text — and the discount is applied when a candidate pair is verified: each MinHash position's
minimum is undone to the shingle that produced it (`MinHasher.minimal_shingles`), and positions
whose shingle is furniture of either page's site are left out of the estimates. A shingle is
furniture of a site when at least `limit = max(min_pages, share × pages)` of the site's *other*
pages (neither of the pair) hold it, so two copies of one story on one site do not count as
each other's furniture.

The counts are bounded: only shingles that can reach the limit keep a row. While a site is
small every shingle is counted exactly. Once the limit exceeds `HOLD_AFTER`, a shingle new to
the site gets a row only with probability `HOLD_AFTER / limit` (drawn from the shingle and the
article, so a rebuild gives the same rows), starting at the pages it was expected to be on
before (sample and hold): a shingle on `limit` pages has a row, about right, after an eighth of
them, while the story text of each page, on no other page, mostly never gets one. Every
`PRUNE_EVERY` pages of a site, rows below `limit / PRUNE_BELOW` are dropped (lossy counting).
So after a prune a site keeps at most ~`PRUNE_BELOW / share` rows per distinct shingle of one
page, whatever its size (plus those made since), and its counts are exact until its first prune
(sites under `PRUNE_EVERY` pages).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from urllib.parse import urlsplit

import numpy as np
from sqlalchemy import Connection, delete, select, update
from sqlalchemy.orm import Session

from corpus.minhash import splitmix64
from corpus.models import FurnitureShingle, FurnitureSite

_CHUNK = 1000  # values per IN list
HOLD_AFTER = 8  # a shingle on `limit` pages gets its row after about limit / HOLD_AFTER of them
PRUNE_EVERY = 64  # pages of a site between two prunes of its rows
PRUNE_BELOW = 4  # a prune drops rows estimated below limit / PRUNE_BELOW


def site_of(url: str | None) -> str | None:
    """The site a page belongs to: its URL's host without `www.`; None without a web URL."""
    if not url or not url.startswith(("http://", "https://")):
        return None
    host = (urlsplit(url).hostname or "").lower()
    host = host.removeprefix("www.")
    return host[:255] or None


def _chunks(values: np.ndarray) -> Iterator[list[int]]:
    """`values` as lists of at most `_CHUNK` Python ints (one IN list each)."""
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK].tolist()


_TABLE = FurnitureShingle.__tablename__
_INSERT_ROW = (
    f"INSERT INTO {_TABLE} (site_id, shingle, articles) VALUES ({{0}}, {{0}}, {{0}}) "
    "ON CONFLICT (site_id, shingle) DO {1}"
)
_ADD_TO_ROW = f"UPDATE SET articles = {_TABLE}.articles + excluded.articles"
_KEEP_ROW = "NOTHING"


def _insert_rows(
    connection: Connection, site_id: int, shingles: np.ndarray, articles: int, on_conflict: str
) -> None:
    """A row `(site_id, shingle, articles)` for each of `shingles`, in one executemany straight
    through the driver (SQLite and PostgreSQL spell the upsert alike): a page adds hundreds of
    rows, and SQLAlchemy's handling of each row's parameters cost more than the inserts."""
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    rows = [(site_id, shingle, articles) for shingle in shingles.tolist()]
    connection.exec_driver_sql(_INSERT_ROW.format(mark, on_conflict), rows)


def article_salt(article_id: str) -> int:
    """A 64-bit number drawn from an article's id, for its sample of new shingles."""
    return int.from_bytes(hashlib.blake2b(article_id.encode(), digest_size=8).digest(), "little")


def sampled(shingles: np.ndarray, salt: int, probability: float) -> np.ndarray:
    """Which of `shingles` an article with `salt` draws, each with `probability`."""
    if probability >= 1.0:
        return np.ones(len(shingles), dtype=bool)
    draws = splitmix64(shingles.astype(np.uint64) ^ np.uint64(salt)) >> np.uint64(11)
    return draws < np.uint64(int(probability * 2**53))


class SiteCounts:
    """Per-site shingle counts of one shingling scheme, bounded as the module says."""

    def __init__(self, scheme: str, share: float, min_pages: int) -> None:
        self.scheme = scheme
        self.share = share
        self.min_pages = min_pages

    def limit(self, pages: int | np.ndarray) -> float | np.ndarray:
        """How many of a site's other pages must hold a shingle for it to be furniture (for
        each count, when `pages` is an array)."""
        return np.maximum(self.min_pages, self.share * pages)

    def _site_limit(self, site: FurnitureSite) -> float:
        return float(self.limit(site.pages))

    def count(
        self,
        session: Session,
        article_id: str,
        new: tuple[str | None, np.ndarray],
        old: tuple[str | None, np.ndarray] | None = None,
    ) -> int:
        """An article's latest version, at site `new[0]` with distinct shingles `new[1]`,
        replaces its previous one (`old`, None for a first version) in its site's counts:
        only the shingles that differ change when the site stays. Returns how many pages the
        counts of the new site now cover (0 without a site)."""
        site, shingles = new
        if old is not None and old[0] is not None and old[0] == site:
            row = self._site(session, site)
            self._add(session, row, np.setdiff1d(old[1], shingles), -1, 0)
            self._add(session, row, np.setdiff1d(shingles, old[1]), 1, article_salt(article_id))
            return row.pages
        if old is not None and old[0] is not None:
            row = self._site(session, old[0])
            self._add(session, row, old[1], -1, 0)
            row.pages -= 1
        if site is None:
            return 0
        row = self._site(session, site)
        self._add(session, row, shingles, 1, article_salt(article_id))
        row.pages += 1
        if row.pages % PRUNE_EVERY == 0:
            self._prune(session, row)
        return row.pages

    def _find(self, session: Session, site: str) -> FurnitureSite | None:
        """The row of `site` for this scheme, None before its first page is counted."""
        return session.scalars(
            select(FurnitureSite).where(
                FurnitureSite.site == site, FurnitureSite.scheme == self.scheme
            )
        ).first()

    def _site(self, session: Session, site: str) -> FurnitureSite:
        row = self._find(session, site)
        if row is None:
            row = FurnitureSite(site=site, scheme=self.scheme, pages=0)
            session.add(row)
            session.flush()
        return row

    def _add(
        self, session: Session, site: FurnitureSite, shingles: np.ndarray, delta: int, salt: int
    ) -> None:
        """Count one more (delta +1) or one fewer (-1) page of `site` holding `shingles`:
        rows that exist change; a new shingle gets a row only if drawn (+1 only), with the
        pages it was expected to be on before this one. While every new shingle is drawn this
        is one upsert; otherwise an update of the rows there are, then an insert of the drawn
        shingles that have none."""
        if not len(shingles):
            return
        probability = 1.0 if delta < 0 else min(1.0, HOLD_AFTER / self._site_limit(site))
        connection = session.connection()
        if delta > 0 and probability >= 1.0:
            _insert_rows(connection, site.id, shingles, 1, _ADD_TO_ROW)
            return
        for chunk in _chunks(shingles):
            connection.execute(
                update(FurnitureShingle)
                .where(FurnitureShingle.site_id == site.id, FurnitureShingle.shingle.in_(chunk))
                .values(articles=FurnitureShingle.articles + delta)
            )
        drawn = shingles[sampled(shingles, salt, probability)] if delta > 0 else shingles[:0]
        if len(drawn):
            _insert_rows(connection, site.id, drawn, round(1 / probability), _KEEP_ROW)

    def _prune(self, session: Session, site: FurnitureSite) -> None:
        """Drop the rows of `site` that are far below its limit now."""
        session.execute(
            delete(FurnitureShingle).where(
                FurnitureShingle.site_id == site.id,
                FurnitureShingle.articles < self._site_limit(site) / PRUNE_BELOW,
            )
        )

    def _rows(self, session: Session, site_id: int, shingles: np.ndarray) -> dict[int, int]:
        """The rows of `site_id` among the distinct `shingles`: shingle -> articles."""
        found: dict[int, int] = {}
        for chunk in _chunks(shingles):
            found.update(
                session.execute(
                    select(FurnitureShingle.shingle, FurnitureShingle.articles).where(
                        FurnitureShingle.site_id == site_id, FurnitureShingle.shingle.in_(chunk)
                    )
                )
                .tuples()
                .all()
            )
        return found

    def pages(self, session: Session, site: str) -> int:
        """How many articles of `site` the counts cover."""
        row = self._find(session, site)
        return row.pages if row is not None else 0

    def counts(self, session: Session, site: str, shingles: np.ndarray) -> np.ndarray:
        """About how many articles of `site` hold each of `shingles` (same shape; 0 for a
        shingle without a row)."""
        row = self._find(session, site)
        wanted = np.unique(shingles)
        found = {} if row is None else self._rows(session, row.id, wanted)
        lookup = np.array([found.get(h, 0) for h in wanted.tolist()], dtype=np.int64)
        return lookup[np.searchsorted(wanted, shingles)]

    def clear(self, session: Session) -> None:
        """Forget every count of this scheme (before they are rebuilt from the stored texts)."""
        sites = select(FurnitureSite.id).where(FurnitureSite.scheme == self.scheme)
        session.execute(delete(FurnitureShingle).where(FurnitureShingle.site_id.in_(sites)))
        session.execute(
            update(FurnitureSite).where(FurnitureSite.scheme == self.scheme).values(pages=0)
        )


def furniture_positions(
    counts: SiteCounts,
    session: Session,
    own_site: str | None,
    candidate_sites: Sequence[str | None],
    shingles: np.ndarray,
    in_own: np.ndarray,
    in_candidate: np.ndarray,
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
        eligible = rows & (other_pages >= counts.min_pages)
        if not eligible.any():
            continue
        held = counts.counts(session, site, shingles[eligible])
        held = held - in_own[eligible] * (own_site == site)
        held = (
            held
            - in_candidate[eligible]
            * np.array([cand == site for cand in candidate_sites])[eligible, None]
        )
        limit = np.asarray(counts.limit(other_pages[eligible]))[:, None]
        furniture[eligible] |= held >= limit
    return furniture


def without_furniture(
    counts: SiteCounts,
    session: Session,
    own: tuple[str | None, np.ndarray],
    candidate: tuple[str | None, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct shingle hashes of a pair of pages (site, hashes) without the shingles that
    are furniture of either page's site."""
    union = np.union1d(own[1], candidate[1])
    furniture = furniture_positions(
        counts, session, own[0], [candidate[0]], union[None, :],
        np.isin(union, own[1])[None, :].astype(np.int64),
        np.isin(union, candidate[1])[None, :].astype(np.int64),
    )[0]  # fmt: skip
    left_out = union[furniture]
    return (
        np.setdiff1d(own[1], left_out, assume_unique=True),
        np.setdiff1d(candidate[1], left_out, assume_unique=True),
    )
