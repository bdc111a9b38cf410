"""One import scenario run under each pipeline runner, and the corpus it leaves, row by row.

Real news pages (the golden set) with exact and near copies (clusters), imported in small
batches (several batches, so workers are used and batches overlap), then imported again after
some pages changed (new versions).
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from extractors import Document, Extracted, extract_many
from flows.import_files import import_files

GOLDEN_PAGES = Path(__file__).resolve().parent / "golden" / "pages"
PAGES = 12
# Every column of a stored version that extraction, dedup or the store order decides (the
# run, the source row and the time of storing differ from one run to the next).
VERSION_COLUMNS = (
    "id, article_id, version, title, text, language, published, authors, site, url, "
    "content_hash, extractor, warnings, cluster_id, duplicate_of, similarity, original"
)


def edited(html: str) -> str:
    """`html` with one word of its article text changed (everywhere in the page)."""
    (result,) = extract_many([Document(source="page.html", payload=html, kind="html")])
    assert isinstance(result, Extracted)
    words = (word for word in result.article.text.split() if len(word) >= 8 and word.isalpha())
    word = next(word for word in words if word in html)
    return html.replace(word, word[::-1])


def _mirrored(page: Path) -> str:
    """The page as a mirror site serves it (its own URLs, so another article)."""
    return gzip.decompress(page.read_bytes()).decode("utf-8").replace("https://", "https://mirror.")


def build_pages(folder: Path) -> Path:
    """`PAGES` golden pages, two copies on a mirror site and two near copies there (a word
    changed)."""
    folder.mkdir()
    pages = sorted(GOLDEN_PAGES.glob("*.html.gz"))[:PAGES]
    for page in pages:
        shutil.copy(page, folder / page.name)
    for number in range(2):
        (folder / f"copy{number}.html").write_text(_mirrored(pages[number]))
        (folder / f"near{number}.html").write_text(edited(_mirrored(pages[2 + number])))
    return folder


def edit_pages(folder: Path) -> None:
    """Two pages change in place: the next import stores version 2 of each."""
    for page in sorted(folder.glob("*.html.gz"))[-2:]:
        page.write_bytes(
            gzip.compress(edited(gzip.decompress(page.read_bytes()).decode()).encode())
        )


def write_config(path: Path, runner: str, **extra: Any) -> Path:
    lines = [f'runner = "{runner}"', "batch_size = 4", "workers = 2"]
    lines += [f"{key} = {value!r}".replace("'", '"') for key, value in extra.items()]
    path.write_text("[pipeline]\n" + "\n".join(lines) + "\n")
    return path


def import_scenario(work: Path, runner: str, **extra: Any) -> tuple[str, list[dict[str, Any]]]:
    """Both imports of the scenario under `runner` into a corpus in `work`; the corpus URL and
    each run's counts. The pages are built anew in one folder beside `work` for every runner:
    a file's path is part of its identity."""
    work.mkdir()
    pages = work.parent / "pages"
    shutil.rmtree(pages, ignore_errors=True)
    build_pages(pages)
    config = str(write_config(work / "newscorpus.toml", runner, **extra))
    url = f"sqlite:///{work / 'corpus.db'}"
    counts = [import_files([str(pages)], database_url=url, config_path=config)]
    edit_pages(pages)
    counts.append(import_files([str(pages)], database_url=url, config_path=config))
    for run in counts:
        run.pop("run_id")
    return url, counts


def corpus_rows(url: str) -> list[tuple[Any, ...]]:
    """Every stored version's content, clustering and order of storing."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = f"SELECT {VERSION_COLUMNS} FROM article_versions ORDER BY id"
            return [tuple(row) for row in connection.execute(text(query))]
    finally:
        engine.dispose()
