"""Bylines: names after "By"/"Von"/"Par"/"Por"/"Автор" become `authors` and leave the body."""

from __future__ import annotations

import pytest

from extractors.debris import Draft, take_bylines
from extractors.rules import load_rules
from extractors.text import extract_text

RULES = load_rules()
BODY = [
    "The harbour reopened on Tuesday after three days of storms closed it to all shipping.",
    "Port officials said the cranes had been inspected and found safe to operate again.",
    "Fishing crews, who lost most of a week of work, welcomed the decision on the quay.",
    "The council will review the storm response at its next meeting later this month.",
]


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("By Jane Doe", ["Jane Doe"]),
        ("By Jane Doe and John Smith", ["Jane Doe", "John Smith"]),
        ("Written by: Tom O'Neil", ["Tom O'Neil"]),
        ("Von Max Muster und Erika Musterfrau", ["Max Muster", "Erika Musterfrau"]),
        ("Par Jean-Luc Martin et Marie Curie", ["Jean-Luc Martin", "Marie Curie"]),
        ("Por Ana de Armas", ["Ana de Armas"]),
        ("Автор: Иван Петров", ["Иван Петров"]),
    ],
)
def test_bylines_in_five_languages_give_their_names(line: str, names: list[str]) -> None:
    assert RULES.byline_authors(line) == names


@pytest.mark.parametrize(
    "line",
    [
        "By the end of the day, the council had voted to reopen the harbour.",
        "By",
        "By Jane Doe, John Smith, Ann Lee, Bo Ek and Al Gore",  # more names than a byline has
        "Parfois les tempêtes ferment le port.",
    ],
)
def test_sentences_are_not_bylines(line: str) -> None:
    assert RULES.byline_authors(line) is None


def test_a_byline_at_the_edge_of_the_body_becomes_authors() -> None:
    draft = Draft("Harbour reopens", ["By Jane Doe", *BODY])
    take_bylines(draft, RULES)
    assert draft.authors == ["Jane Doe"]
    assert draft.paragraphs == BODY
    assert draft.removed == [("byline", "By Jane Doe")]


def test_a_byline_looking_line_inside_the_body_stays() -> None:
    middle = [*BODY[:2], *BODY[:2], "By Jane Doe", *BODY[2:], *BODY[2:]]
    draft = Draft("Harbour reopens", middle)
    take_bylines(draft, RULES)
    assert draft.authors == []
    assert draft.paragraphs == middle


def test_plain_text_bylines_above_or_below_the_article_fill_authors() -> None:
    above = extract_text("\n".join(["Harbour reopens after storms", "By Jane Doe", *BODY]))
    below = extract_text("\n".join(["Harbour reopens after storms", *BODY, "Von Max Muster"]))
    assert above.authors == ["Jane Doe"] and above.text == "\n".join(BODY)
    assert below.authors == ["Max Muster"] and below.text == "\n".join(BODY)
    assert above.title == below.title == "Harbour reopens after storms"
