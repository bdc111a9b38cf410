"""Re-extraction over archived originals: a real Prefect run after a rule change."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.store import open_store
from flows.import_files import import_files
from flows.reextract import reextract
from tests.warc_files import PARAGRAPH

pytestmark = pytest.mark.usefixtures("prefect_harness")

SECOND = PARAGRAPH.replace("harbour council", "school board").replace("ferry", "bus")
NEWSLETTER = "Sign up for our free newsletter to get the news every morning."


def write_page(path: Path, paragraphs: list[str]) -> None:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    path.write_text(
        f"<html><head><title>{path.stem}</title></head><body><article>{body}</article></body></html>"
    )


def test_a_rule_change_adds_versions_only_to_the_affected_articles(
    tmp_path: Path, db_url: str
) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    write_page(pages / "promo.html", [PARAGRAPH, NEWSLETTER, SECOND])
    write_page(pages / "plain.html", [SECOND, PARAGRAPH])
    german_rules_only = tmp_path / "old.toml"
    german_rules_only.write_text('[extraction]\nrule_languages = ["de"]\n')
    import_files([str(pages)], database_url=db_url, config_path=str(german_rules_only))

    first = reextract(database_url=db_url)
    second = reextract(database_url=db_url)

    assert (first["new_versions"], first["unchanged"], first["failures"]) == (1, 1, 0)
    assert (second["new_versions"], second["unchanged"]) == (0, 2)
    store = open_store(db_url)
    latest = {row["title"]: row for row in store.iter_latest()}
    assert latest["promo"]["version"] == 2 and NEWSLETTER not in latest["promo"]["text"]
    assert latest["plain"]["version"] == 1
    assert latest["promo"]["extractor"].startswith("newscorpus-html")
    assert store.recent_runs(1)[0]["flow"] == "reextract"


def test_site_filter_limits_reextraction_to_one_host(tmp_path: Path, db_url: str) -> None:
    from tests.warc_files import write_mixed_warc

    old = tmp_path / "old.toml"
    old.write_text('[extraction]\nrule_languages = ["de"]\n')
    import_files([str(write_mixed_warc(tmp_path / "c.warc.gz"))], database_url=db_url,
                 config_path=str(old))  # fmt: skip

    counts = reextract(site="example.ru", database_url=db_url)

    assert counts["imported"] == 1
