"""The five seed articles through the plain-text path: exactly the body paragraphs, the title,
and the dateline date, as decided by reading each seed (see docs/extraction.md).

Each expected paragraph is named by its opening words; the test looks the full line up in the
seed file, so the comparison is on whole paragraphs, in order, and nothing else may appear.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors import Document, extract_document
from extractors.text import split_lines

SEEDS = Path(__file__).resolve().parent.parent / "examples" / "articles"

EXPECTED = {
    "000_66ee1cf45df24c18.txt": {
        "title": "How Israel and Russia forged an unlikely partnership in Syria",
        "published": None,
        "paragraphs": [
            "At the same time, Israel allegedly attacked",
            "These actions also took place",
            "If this is not the definition",
            "In recent months, according to Syrian opposition",
            "Iranian activity in Syria has also changed",
            "However, the quantity and quality",
            "Meanwhile, Israel’s strategy remains",
            "But when the pace and ferocity",
            "The real change in recent months",
            "It is no coincidence that Putin",
            "Four days before Bennett’s arrival",
            "The meeting did not take place",
            "Jordan reopened its southern border",
            "Moscow is pressuring Damascus",
            "This is where Russia and Israel share",
            "There are also reports that Assad",
            "Israel is not only pressuring Iran",
            "This is how Israel and Russia are on the same page",
        ],
    },
    "001_0cfae077b6775c94.txt": {
        "title": "Should Iran Worry About Russian–Israeli Ties?",
        "published": None,
        "paragraphs": [
            "Russia seeks to maintain good relations",
            "Officially, Russia and Israel are neither allies",
            "In September Russia asked Israel",
            "According to reports, Putin and Bennett also discussed",
            "“Our ties with Russia",
            "Indeed, over the past 30 years",
            "One day before the meeting",
            "In the meantime, Israel is expected",
            "Russia is one of the countries",
            "Although Moscow aims to preserve",
        ],
    },
    "002_65120ade7986da83.txt": {
        "title": "Israel-Russia agree to continue implementing deconfliction mechanism in Syria",
        "published": "2021-10-23",
        "paragraphs": [
            # The standfirst line above "Advertisement" repeats this paragraph's opening.
            "In a first, since taking office, Israeli Prime Minister Naftali Bennett held an "
            "in-person meeting with Russian President Vladimir Putin in Sochi on Friday. During",
            "Speaking to the Israeli daily",
            "Later, in a social media post",
            "In 2015, Russia and Israel set up a hotline",
            "Current situation in Syria",
            "The Syrian civil war ended in 2019",
        ],
    },
    "003_c1baa07d0ebdbb2f.txt": {
        "title": "Israel , Russia agree to boost cooperation in Syria",
        "published": None,
        "paragraphs": [
            "Israeli Prime Minister Benjamin Netanyahu discussed",
            "Both stressed the need",
            "“The discussion focused on developments",
            "Both leaders agreed on the need",
            "“To that end, the parties reaffirmed",
            "Netanyahu’s office later confirmed",
            "Israel and Russia have coordinated",
            "Tensions recently reached a peak",
            "Despite the Russian anger",
            "The situation in Syria is set to become more fragile",
            "Trump’s surprise announcement",
            "This week, Trump also sparked",
        ],
    },
    "004_0b8842c66ca4ffe6.txt": {
        "title": "Netanyahu: Russia wants to get Iran out of Syria",
        "published": "2019-03-01",
        "paragraphs": [
            "Russian President Vladimir Putin wants all Iranian forces",
            "A senior Israeli military delegation",
            "The Israeli prime minister said",
            "An Israeli diplomatic source",
            "Regarding Israel’s actions in Syria",
            "Israel has been carrying out air strikes",
            "Such operations were largely ignored",
            "Whilst Israel usually informs Russia",
            "However ties seemed to have mended",
            "Both Iran and Russia have backed",
        ],
    },
}


def _seed_line(lines: list[str], opening: str) -> str:
    matches = [line for line in lines if line.startswith(opening)]
    assert len(matches) >= 1, f"no seed line starts with {opening!r}"
    return matches[-1]  # 002: the full paragraph comes after its standfirst copy


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_gives_exactly_the_body_and_title(name: str) -> None:
    raw = (SEEDS / name).read_bytes()
    expected = EXPECTED[name]
    lines = split_lines(raw.decode("utf-8"))

    article = extract_document(Document(source=name, kind="text", payload=raw))

    assert article.title == expected["title"]
    assert article.published == expected["published"]
    assert article.text.split("\n") == [_seed_line(lines, p) for p in expected["paragraphs"]]
    assert article.language == "en"


def test_seed_debris_is_gone() -> None:
    """Spot checks on the debris kinds the issue names, across all five seeds."""
    texts = "\n".join(
        extract_document(Document(n, "text", (SEEDS / n).read_bytes())).text for n in EXPECTED
    )
    for debris in [
        "View gallery",
        "(Photo:",
        "Image by",
        "Image: AP",
        "File photo",
        "Share:",
        "Follow us",
        "Subscribe to our evening newsletter",
        "Related",
        "READ:",
        "Advertisement",
        "Leave a",
        "Your email address",
        "SamW",
        "Many years ago, I thought Putin",
        "Creating new perspectives",
        "Reference-www",
        "Agencies",
        "Getty Images",
        "CDMedia is being targeted",
        "16:12 IST",
    ]:
        assert debris not in texts, debris
