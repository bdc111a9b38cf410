"""Page metadata rules on small hand-written pages: headline choice and site-suffix stripping,
JSON-LD authors and dates, byline junk, the site's name."""

from __future__ import annotations

import json

import pytest
from trafilatura.utils import load_html

from extractors import Document, extract_many
from extractors.authors import author_names, person_name
from extractors.headline import repair_mojibake, strip_affixes
from extractors.metadata import page_metadata
from extractors.rules import load_rules

RULES = load_rules()
BODY = "<p>" + "The harbour reopened on Tuesday after three days of storms closed it. " * 8 + "</p>"


def page(head: str = "", body: str = "", jsonld: object | None = None) -> str:
    script = f'<script type="application/ld+json">{json.dumps(jsonld)}</script>' if jsonld else ""
    return f"<html><head>{head}{script}</head><body>{body}{BODY}</body></html>"


def meta(html: str, url: str | None = None):
    return page_metadata(load_html(html), url)


@pytest.mark.parametrize(
    ("title", "site"),
    [
        ("Harbour reopens after storms | Börsen-Zeitung", "Börsen-Zeitung"),
        ("Harbour reopens after storms - WELT", "DIE WELT"),
        ("Harbour reopens after storms – DW – 28.04.2023", "DW.COM"),
        ("Harbour reopens after storms - Golem.de", None),
        ("Tageblatt.lu | Harbour reopens after storms", "Tageblatt.lu"),
    ],
)
def test_a_site_name_or_date_is_cut_off_the_title(title: str, site: str | None) -> None:
    head = f'<title>{title}</title><meta property="og:title" content="{title}">'
    if site:
        head += f'<meta property="og:site_name" content="{site}">'
    found = meta(page(head), url="https://www.golem.de/news/1.html")
    assert found.title == "Harbour reopens after storms"


def test_the_displayed_h1_wins_over_a_different_seo_title() -> None:
    head = (
        '<meta property="og:title" content="Port open again">'
        "<title>Harbour reopens after three days of storms | The Coast Times</title>"
    )
    found = meta(page(head, "<h1>Harbour reopens after three days of storms</h1>"))
    assert found.title == "Harbour reopens after three days of storms"


def test_an_og_title_the_page_shows_as_a_heading_wins() -> None:
    jsonld = {"@type": "NewsArticle", "headline": "Harbour: ships sail again after the storm"}
    head = (
        '<meta property="og:title" content="Ships sail again | Coast Times">'
        '<meta property="og:site_name" content="Coast Times">'
        "<title>Harbour: ships sail again after the storm | Coast Times</title>"
    )
    h1 = "<h1>Harbour: ships sail again after the storm</h1>"
    shown = meta(
        page(
            head,
            h1 + '<h2><span class="kicker">Harbour</span></h2>'
            "<h2><span>Ships sail again</span></h2>",
            jsonld,
        )
    )
    assert shown.title == "Ships sail again"
    in_a_paragraph = meta(page(head, h1 + "<p>Ships sail again</p>", jsonld))
    assert in_a_paragraph.title == "Harbour: ships sail again after the storm"
    also_an_h1 = meta(page(head, "<h1>Ships sail again</h1><h2>Ships sail again</h2>", jsonld))
    assert also_an_h1.title == "Harbour: ships sail again after the storm"


def test_the_jsonld_headline_comes_first_and_loses_its_suffix_where_the_h1_shows_it() -> None:
    jsonld = {"@type": "NewsArticle", "headline": "Harbour reopens &amp; ships sail - Coast.de"}
    head = '<meta property="og:title" content="Ships are back">'
    found = meta(page(head, "<h1>Harbour reopens &amp; ships sail</h1>", jsonld))
    assert found.title == "Harbour reopens & ships sail"


def test_the_jsonld_name_the_og_title_repeats_wins_over_a_search_headline() -> None:
    jsonld = {
        "@type": "NewsArticle",
        "headline": "Harbour reopens: what it means for you",
        "name": "Harbour reopens after three days of storms",
        "alternativeHeadline": "Ships sail again",
    }
    h1 = "<h1>Harbour reopens after three days of storms</h1>"

    def title(og: str) -> str | None:
        return meta(page(f'<meta property="og:title" content="{og}">', h1, jsonld)).title

    assert title("Harbour reopens after three days of storms | Coast Times") == (
        "Harbour reopens after three days of storms"
    )
    # An og:title that states neither leaves the JSON-LD headline first; so does one that
    # repeats only the `alternativeHeadline`.
    assert title("Port news") == "Harbour reopens: what it means for you"
    assert title("Ships sail again") == "Harbour reopens: what it means for you"


def test_a_kicker_the_headline_is_shown_under_in_parts_only_when_the_kickers_differ() -> None:
    heading = (
        '<h1><span class="overline">Storm season</span><span aria-hidden="true"> - </span>'
        "<span>Harbour reopens after three days</span></h1>"
    )
    other = '<meta property="og:title" content="Coast in crisis: Harbour reopens after three days">'
    assert meta(page(other, heading)).title == "Harbour reopens after three days"
    same = '<meta property="og:title" content="Storm season: Harbour reopens after three days">'
    assert meta(page(same, heading)).title == "Storm season - Harbour reopens after three days"


def test_an_og_title_that_shortens_the_headline_is_the_title() -> None:
    jsonld = {"@type": "NewsArticle", "headline": "Harbour reopens after three days of storms"}
    h1 = "<h1>Harbour reopens after three days of storms</h1>"
    site = '<meta property="og:site_name" content="Coast Times">'

    def title(og: str) -> str | None:
        return meta(page(f"{site}<meta property='og:title' content='{og}'>", h1, jsonld)).title

    assert title("Harbour reopens after days of storms | Coast Times") == (
        "Harbour reopens after days of storms"
    )
    assert title("Harbour reopens after storms") == "Harbour reopens after three days of storms"
    assert title("Harbour reopens after…") == "Harbour reopens after three days of storms"
    assert title("Harbour reopens") == "Harbour reopens after three days of storms"
    assert title("Port reopens after storms") == "Harbour reopens after three days of storms"


def test_an_og_title_cut_at_an_unescaped_quote_is_no_headline() -> None:
    head = '<meta property="og:title" content="Harbour reopens "after storms"">'
    found = meta(page(head, '<h1>Harbour reopens "after storms"</h1>'))
    assert found.title == 'Harbour reopens "after storms"'


def test_without_a_url_the_host_the_page_links_to_most_names_its_site() -> None:
    def links(host: str, count: int) -> str:
        return "".join(f'<a href="https://{host}/{n}">{n}</a>' for n in range(count))

    head = "<title>Harbour reopens after storms - Coasttimes</title>"
    found = meta(page(head, links("www.coasttimes.example", 3) + links("social.example", 1)))
    assert (found.title, found.site) == ("Harbour reopens after storms", "coasttimes.example")
    # Two links are no navigation; a tie names no host.
    assert meta(page(head, links("www.coasttimes.example", 2))).site is None
    tie = links("www.coasttimes.example", 3) + links("social.example", 3)
    assert meta(page(head, tie)).title == "Harbour reopens after storms - Coasttimes"


def test_the_title_is_never_the_sites_name() -> None:
    head = '<meta property="og:site_name" content="Coast Times"><title>Coast Times</title>'
    found = meta(page(head, "<h1>Coast Times</h1><h1>Harbour reopens after storms</h1>"))
    assert found.title == "Harbour reopens after storms"


def test_a_hyphenated_title_is_not_split() -> None:
    assert strip_affixes("COVID-19-Impfung: Was wissen wir?", set(), ["Site"]) == (
        "COVID-19-Impfung: Was wissen wir?"
    )


def test_mojibake_is_repaired() -> None:
    assert repair_mojibake("La revancha tras su sanciÃ³n") == "La revancha tras su sanción"
    assert repair_mojibake("naïve café") == "naïve café"


def test_jsonld_authors_in_a_graph_as_objects_references_and_name_parts() -> None:
    jsonld = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "NewsArticle",
                "headline": "Harbour reopens",
                "datePublished": "2024-05-03T15:47:42+02:00",
                "author": [
                    {"@type": "Person", "name": "Jane Doe"},
                    {"@id": "#roe"},
                    {"@type": "Person", "givenName": "Anna Giulia", "familyName": "Fink"},
                    {"@type": "Organization", "name": "Coast Wire"},
                ],
                "publisher": {"@id": "#org"},
            },
            {"@id": "#roe", "@type": "Person", "name": "John Roe"},
            {"@id": "#org", "@type": "NewsMediaOrganization", "name": "Coast Times"},
        ],
    }
    found = meta(page(jsonld=jsonld))
    assert found.authors == ["Jane Doe", "John Roe", "Anna Giulia Fink", "Coast Wire"]
    assert found.published == "2024-05-03"
    assert found.site == "Coast Times"


def test_a_jsonld_author_string_listing_several_people_is_split() -> None:
    jsonld = [{"@type": "Article", "author": "Samya Kullab and Vasilisa Stepanenko"}]
    assert meta(page(jsonld=jsonld)).authors == ["Samya Kullab", "Vasilisa Stepanenko"]


def test_an_organisation_author_only_when_no_person_is_named() -> None:
    jsonld = {"@type": "NewsArticle", "author": {"@type": "Organization", "name": "Coast Wire"}}
    assert meta(page(jsonld=jsonld)).authors == ["Coast Wire"]


def test_a_jsonld_organisation_credit_wins_over_the_site_name_in_the_meta_tags() -> None:
    head = (
        '<meta name="author" content="Coast Times">'
        '<meta property="og:site_name" content="Coast Times">'
    )
    jsonld = {"@type": "NewsArticle", "author": {"@type": "Organization", "name": "coast.de"}}
    assert meta(page(head, jsonld=jsonld)).authors == ["coast.de"]
    assert meta(page(head)).authors == ["Coast Times"]


def test_jsonld_author_organisations_stand_beside_the_jsonld_people() -> None:
    head = '<meta property="og:site_name" content="Coast Times">'
    authors = [
        {"@type": "Person", "name": "Jane Doe"},
        {"@type": "Organization", "name": "Coast Wire"},
        {"@type": "Organization", "name": "Coast Times"},
    ]
    jsonld = {"@type": "NewsArticle", "author": authors}
    assert meta(page(head, jsonld=jsonld)).authors == ["Jane Doe", "Coast Wire", "Coast Times"]
    byline = '<div class="byline">By Jane Doe</div>'
    jsonld = {"@type": "NewsArticle", "author": authors[1:]}
    assert meta(page(head, byline, jsonld)).authors == ["Jane Doe"]  # a person in the byline


def test_broken_jsonld_does_not_lose_the_page() -> None:
    html = page('<script type="application/ld+json">{"@type": "NewsArticle", </script>')
    (result,) = extract_many([Document("broken.html", "html", html)])
    assert result.article.text.startswith("The harbour reopened")


@pytest.mark.parametrize(
    ("byline", "name"),
    [
        ("Phil Helsel is a reporter", "Phil Helsel"),
        ("Jeff Foust Monday", "Jeff Foust"),
        ("Detroit News wire services Published", "Detroit News"),
        ("Elena Oberholzer (obe)", "Elena Oberholzer"),
        ("Ana de Armas", "Ana de Armas"),
        ("viktor hedlund", "viktor hedlund"),
    ],
)
def test_a_byline_is_cut_to_the_name_it_starts_with(byline: str, name: str) -> None:
    assert person_name(byline, RULES) == name


@pytest.mark.parametrize("junk", ["November", "Monday, 18 November 2019", "2019"])
def test_dates_are_no_names(junk: str) -> None:
    assert person_name(junk, RULES) is None


def test_the_sites_own_name_is_no_author_beside_people() -> None:
    names = author_names([["Condé Nast", "Molly Wood"]], RULES, ["Condé Nast"], [])
    assert names == ["Molly Wood"]


def test_a_credit_to_the_site_is_kept_as_the_page_spells_it() -> None:
    assert author_names([["COAST online"]], RULES, ["COAST online"], []) == ["COAST online"]
    byline = ["Coast News wire services Published"]
    assert author_names([[], [], byline], RULES, ["Coast News"], []) == ["Coast News"]


def test_names_are_taken_once_and_split_at_joiners() -> None:
    sources = [["Sophie Foster", "Sophie-Foster"], ["Jane Doe"]]
    assert author_names(sources, RULES, [], []) == ["Sophie Foster"]
    assert author_names([["Trine Jørgensen og Tôrtia Reimer"]], RULES, [], []) == [
        "Trine Jørgensen",
        "Tôrtia Reimer",
    ]
    assert author_names([["Capital Von Jemima Kelly"]], RULES, [], []) == ["Jemima Kelly"]


def test_outside_jsonld_a_name_cut_to_one_word_is_no_author() -> None:
    assert author_names([[], ["Quelle sid", "Follow"]], RULES, [], ["coast.de"]) == ["coast.de"]
    assert author_names([["Quelle"]], RULES, [], []) == ["Quelle"]  # JSON-LD names it


def test_a_description_after_a_name_is_no_name() -> None:
    credit = "Jane Doe, professor of maritime law at Coast University"
    jsonld = {"@type": "NewsArticle", "author": {"@type": "Person", "name": credit}}
    assert meta(page(jsonld=jsonld)).authors == ["Jane Doe"]


def test_a_buttons_text_is_no_part_of_a_byline() -> None:
    body = (
        '<div class="author-list">By <a href="#a1">Jane Doe</a>, <a href="#a2">John Roe</a>'
        "<button><span>Show authors</span></button></div>"
    )
    assert meta(page(body=body)).authors == ["Jane Doe", "John Roe"]


def test_a_bold_byline_at_the_articles_edge_credits_people_where_the_markup_names_the_site() -> (
    None
):
    head = '<meta property="og:site_name" content="Coast Times">'
    prose = "<p>" + "The harbour reopened on Tuesday after three days of storms. " * 3 + "</p>"
    byline = "<p><strong>Jane Doe/John Roe</strong></p>"
    credit = '<span class="author">Coast Times</span>'
    assert meta(page(head, credit + byline + prose * 2)).authors == ["Jane Doe", "John Roe"]
    last = f"<html><head>{head}</head><body>{credit}{prose * 2}{byline}</body></html>"
    assert meta(last).authors == ["Jane Doe", "John Roe"]
    inside = prose + "<p><strong>Read More</strong></p>" + prose
    assert meta(page(head, credit + inside)).authors == ["Coast Times"]
    person = '<span class="author">Ann Lee</span>'
    assert meta(page(head, person + byline + prose * 2)).authors == ["Ann Lee"]


def test_byline_junk_on_the_page_is_not_an_author() -> None:
    body = '<div class="byline">Phil Helsel is a reporter for Coast News</div>'
    assert meta(page(body=body)).authors == ["Phil Helsel"]


@pytest.mark.parametrize(
    ("head", "site"),
    [
        ('<meta property="og:site_name" content="Coast Times">', "Coast Times"),
        ('<meta property="og:site_name" content="Copyright 2014">', "coast.example"),
        ('<meta property="og:site_name" content="https://www.coast.example">', "coast.example"),
        ('<meta name="twitter:site" content="@coasttimes">', "Coasttimes"),
    ],
)
def test_the_site_is_a_name_not_a_notice_or_a_url(head: str, site: str) -> None:
    assert meta(page(head), url="https://www.coast.example/a.html").site == site
