"""The HTML path: trafilatura plus our pruning and paragraph steps, on pages built in the tests."""

from __future__ import annotations

import pytest
from lxml.html import fromstring
from trafilatura.metadata import extract_author
from trafilatura.xpaths import AUTHOR_XPATHS

from extractors import Document, extract_document
from extractors.bylines import byline_candidates, find_author
from extractors.debris import is_contact_plea, normalized
from extractors.html import extract_html, following_prose, page_standfirst
from extractors.prune import class_words, is_link_list, prune_widgets
from extractors.rules import load_rules

RULES = load_rules()
BODY = [
    "The city council approved the new transport budget on Tuesday after a debate that lasted "
    "most of the night, the mayor's office said in a statement.",
    "Under the plan, three new tram lines will be built over the next five years, and bus fares "
    "will stay frozen until the end of the decade for every resident of the city.",
    "Opposition members criticised the cost of the project, which they put at more than twice "
    "the official estimate, and asked for an independent review of the figures next spring.",
    "The first construction works are expected to begin in the northern districts in April, "
    "according to the council's timetable published alongside the budget documents.",
]


def news_page(*, extra_top: str = "", extra_middle: str = "", extra_bottom: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY[:2])
    rest = "".join(f"<p>{p}</p>" for p in BODY[2:])
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Council approves transport budget | City Times</title>
<meta property="og:title" content="Council approves transport budget">
<meta property="og:site_name" content="City Times">
<meta name="author" content="Jane Reporter">
<meta property="article:published_time" content="2021-10-23T16:12:00+05:30">
<link rel="canonical" href="https://citytimes.example/news/budget">
</head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main><article class="story-body">
<h1>Council approves transport budget</h1>
{extra_top}{paragraphs}{extra_middle}{rest}{extra_bottom}
</article></main>
<footer><p>© 2021 City Times. All rights reserved.</p></footer>
</body></html>"""


def test_clean_page_keeps_every_paragraph_and_reads_metadata() -> None:
    article = extract_html(news_page(), url="https://citytimes.example/news/budget")
    assert article.text.split("\n") == BODY
    assert article.title == "Council approves transport budget"
    assert article.published == "2021-10-23"
    assert article.authors == ["Jane Reporter"]
    assert article.site == "City Times"
    assert article.url == "https://citytimes.example/news/budget"


def test_debris_trafilatura_keeps_is_removed() -> None:
    top = (
        '<div class="share-bar"><a href="#">Facebook</a> <a href="#">Twitter</a></div>'
        "<p>Share:</p>"
        '<figure><img src="a.jpg" alt="The mayor"><figcaption>The mayor at the council meeting '
        "(Photo: AP)</figcaption></figure>"
        "<p>Council approves transport budget</p>"
    )
    middle = (
        "<p>Advertisement</p>"
        "<p>READ: Bus drivers call a strike for next week</p>"
        '<aside class="related"><h3>Related articles</h3><ul>'
        '<li><a href="/a">Tram line delayed again</a></li>'
        '<li><a href="/b">Fares frozen for a decade</a></li>'
        '<li><a href="/c">Mayor faces confidence vote</a></li></ul></aside>'
    )
    bottom = (
        "<p>Subscribe to our evening newsletter to stay informed!</p>"
        "<p>Please Follow us on Telegram and Gab</p>"
        '<div id="comments"><h3>Leave a Reply</h3>'
        "<p>Your email address will not be published. Required fields are marked *</p>"
        "<p>SamW October 30, 2021 at 3:42 am</p><p>What a waste of money this is.</p></div>"
    )
    article = extract_html(news_page(extra_top=top, extra_middle=middle, extra_bottom=bottom))
    assert article.text.split("\n") == BODY


def test_inline_related_list_after_a_teaser_line_is_removed() -> None:
    middle = (
        "<p>Related: Five things to know about the tram plan</p>"
        "<ul><li>Tram plan explained in maps</li><li>Who pays for the new lines</li>"
        "<li>Timeline of the budget fight</li></ul>"
    )
    article = extract_html(news_page(extra_middle=middle))
    assert article.text.split("\n") == BODY


def test_teaser_cards_whose_link_holds_the_summary_are_removed() -> None:
    """Cards linking to other articles, each summary long enough to pass for article prose."""
    summary = (
        "An official said the reaction was unclear so close to the elections, and the ministry "
        "said it was on alert as it detected a carrier group south of the island yesterday."
    )
    cards = "".join(
        f'<li><a href="/story/{n}"><div><h2>Other story {n}</h2><p>{summary}</p></div></a></li>'
        for n in range(2)
    )
    article = extract_html(news_page(extra_bottom=f"<div><ul>{cards}</ul></div>"))
    assert article.text.split("\n") == BODY


def test_fact_box_beside_the_article_is_removed() -> None:
    box = (
        '<div class="article-factbox"><h3>Facts about the tram plan</h3>'
        "<p>Three lines, 42 stops and 60 new trams are planned by the city.</p></div>"
    )
    article = extract_html(news_page(extra_middle=box))
    assert article.text.split("\n") == BODY


def test_article_paragraph_marked_paywall_is_kept() -> None:
    """A long sentence paragraph is article text whatever its class ("paywall": behind the
    paywall); a short paywall notice still goes."""
    page = news_page(extra_bottom='<div class="paywall-notice">Subscribe now</div>')
    page = page.replace(f"<p>{BODY[3]}</p>", f'<p class="paywall">{BODY[3]}</p>')
    assert extract_html(page).text.split("\n") == BODY


def test_class_word_of_the_articles_paragraphs_is_no_widget_word_on_that_page() -> None:
    """Several long paragraphs carry "paywall": on this page the word marks the article, and the
    subheading carrying it stays with them."""
    more = [f"{paragraph[:-1]}, the report added in its closing part." for paragraph in BODY[1:]]
    bottom = '<h2 class="paywall">What the plan costs</h2>' + "".join(
        f'<p class="paywall">{paragraph}</p>' for paragraph in more
    )
    page = news_page(extra_bottom=bottom + '<div class="paywall-notice">Subscribe now</div>')
    assert extract_html(page).text.split("\n") == [*BODY, "What the plan costs", *more]


def test_teaser_link_paragraph_in_bold_is_removed() -> None:
    middle = '<p><strong><a href="/v/1">MAYOR SAYS TRAMS WILL RUN ALL NIGHT</a></strong></p>'
    article = extract_html(news_page(extra_middle=middle))
    assert article.text.split("\n") == BODY


def test_teaser_link_after_a_bold_label_is_removed() -> None:
    middle = '<p><strong>READ ALSO |</strong> <a href="/v/1">Mayor says trams will run</a></p>'
    article = extract_html(news_page(extra_middle=middle))
    assert article.text.split("\n") == BODY


def test_source_link_in_brackets_and_sentence_with_a_bold_phrase_are_not_teasers() -> None:
    tree = fromstring(
        "<div><p><b>[</b><a href='/v/1'><b>City Radio</b></a><b>]</b></p>"
        "<p>The <b>mayor</b> spoke to <a href='/v/2'>City Radio</a> today.</p></div>"
    )
    assert prune_widgets(tree, RULES) == 0


def test_pop_up_card_inside_a_sentence_is_removed_and_the_sentence_kept() -> None:
    card = "".join(f'<a href="/story/{n}">Headline of story {n}</a>' for n in range(3))
    sentence = BODY[2].replace(
        "Opposition members",
        f'Opposition <span><a href="/people/members">members</a><span>{card}</span></span>',
    )
    article = extract_html(news_page().replace(f"<p>{BODY[2]}</p>", f"<p>{sentence}</p>"))
    assert article.text.split("\n") == BODY


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Pictured from left, are the mayor, Jane Doe, and the council's treasurer.", "caption"),
        ("Pictured right, is reader Ann Smith, from the northern districts.", "caption"),
        ("Pictured as a reformer, the mayor is in fact a cautious man.", None),
        ("Folgst du schon der Stadtzeitung auf Whatsapp?", "follow"),
        ("Der Newsletter informiert Sie montags über das Wichtigste.", "newsletter"),
        ("Breaking News: Abonniere den Whatsapp-Kanal und erhalte Updates.", "newsletter"),
        ("Die Stadt informiert Sie montags über das Wichtigste aus dem Rathaus.", None),
    ],
)
def test_caption_and_subscription_lines(line: str, kind: str | None) -> None:
    assert RULES.debris_kind(line) == kind


def test_appeal_to_readers_with_an_email_address_is_removed() -> None:
    bottom = (
        "<p>Got a story? Get in touch with our news team by emailing us at news@citytimes.example."
        "</p><p>Ihre Meinung ist uns wichtig: briefe@zeitung.example</p>"
    )
    assert extract_html(news_page(extra_bottom=bottom)).text.split("\n") == BODY


def test_signature_and_long_paragraph_with_an_address_are_not_appeals() -> None:
    assert not is_contact_plea("Columnist Jane Doe jane@example.com", RULES)
    quoted = f"{BODY[0]} {BODY[1]} Tips can be sent to tips@citytimes.example, the office said."
    assert not is_contact_plea(quoted, RULES)


def test_sign_up_box_and_poll_without_a_form_tag_are_removed() -> None:
    signup = (
        "<div><h3>Das Wichtigste am Abend</h3><p>Jeden Tag um 18 Uhr in Ihrem Postfach.</p>"
        '<input type="email" placeholder="E-Mail"><button>Anmelden</button></div>'
    )
    poll = (
        "<div><p>Should the trams run all night?</p>"
        '<label><input type="radio" name="q"> Yes</label>'
        '<label><input type="radio" name="q"> No</label></div>'
    )
    article = extract_html(news_page(extra_middle=signup, extra_bottom=poll))
    assert article.text.split("\n") == BODY


def test_header_with_a_menu_checkbox_is_no_sign_up_box() -> None:
    body = "".join(f"<p>{p}</p>" for p in BODY)
    tree = fromstring(
        "<html><body><div><header><input type='checkbox'><h1>Council approves budget</h1>"
        "<p>Three tram lines and frozen fares for commuters.</p></header>"
        f"{body}</div></body></html>"
    )
    prune_widgets(tree, RULES)
    assert tree.find(".//h1") is not None
    assert "frozen fares" in tree.text_content()


def test_short_articles_with_a_linked_headline_are_teaser_cards() -> None:
    summary = (
        "The council also voted on the new parking rules for the old town on Tuesday night, "
        "after residents had asked for fewer cars in the narrow streets around the market."
    )
    cards = "".join(
        f'<article><h3><a href="/story/{n}">Other story {n}</a></h3><p>{summary}</p></article>'
        for n in range(3)
    )
    assert extract_html(news_page(extra_bottom=f"<div>{cards}</div>")).text.split("\n") == BODY


def test_box_printed_twice_goes_even_when_its_copies_end_apart() -> None:
    appeal = (
        "Now more than ever, independent reporting needs readers who pay for it. Every month "
        "thousands of people support our newsroom with a small amount, and so can you"
    )
    box = "<h3>Read us, support us</h3><p>{}</p>"
    bottom = box.format(appeal + ", today.") + box.format(appeal + ": it takes a minute.")
    assert extract_html(news_page(extra_bottom=bottom)).text.split("\n") == BODY


def test_fact_box_goes_whatever_its_size() -> None:
    """A fact box holding a whole speech is still a box beside the article."""
    speech = "".join(f"<p>{paragraph[:-1]}, the speech said.</p>" for paragraph in BODY)
    box = f'<div class="story-factbox"><div class="story-factbox-content">{speech}</div></div>'
    article = extract_html(news_page(extra_bottom=box))
    assert article.text.split("\n") == BODY


def test_article_container_with_a_widget_word_in_its_class_is_kept() -> None:
    page = (
        news_page()
        .replace('<article class="story-body">', '<div class="story-body comments-enabled share">')
        .replace("</article>", "</div>")
    )
    assert extract_html(page).text.split("\n") == BODY


def test_class_words_split_css_names() -> None:
    element = fromstring('<div class="c-related-list articleShareBar" id="most_read"></div>')
    assert {"related", "list", "article", "share", "bar", "most", "read"} <= class_words(element)


def test_link_lists_are_recognised_by_link_share() -> None:
    links = fromstring("<ul>" + "".join(f'<li><a href="/{n}">Story {n}</a></li>' for n in range(4)))
    prose = fromstring("<ul>" + "".join(f"<li>Point {n} of the plan</li>" for n in range(4)))
    assert is_link_list(links, RULES)
    assert not is_link_list(prose, RULES)
    two = fromstring(
        '<ul><li><a href="/a">Newsblog: all the news</a></li><li><a href="/b">More</a>'
    )
    assert is_link_list(two, RULES)


def test_prune_removes_widgets_and_keeps_tail_text() -> None:
    tree = fromstring(
        '<html><body><div><p>Kept text.</p><div class="newsletter-box">Sign up</div>'
        "tail stays<figure><figcaption>Caption</figcaption></figure></div></body></html>"
    )
    assert prune_widgets(tree, RULES) == 2
    text = tree.text_content()
    assert "Kept text." in text and "tail stays" in text
    assert "Sign up" not in text and "Caption" not in text


def test_document_through_the_pipeline_gets_language_and_extractor() -> None:
    article = extract_document(Document("page.html", "html", news_page().encode("utf-8")))
    assert article.language == "en"
    assert article.extractor.startswith("newscorpus-html+trafilatura-")


def test_prose_right_after_the_extracted_text_is_added_until_a_stop() -> None:
    long_line = BODY[0] + " " + BODY[1]
    lines = [
        "Home",
        BODY[0],
        BODY[1],
        long_line.replace("Tuesday", "Monday"),
        "A subheading",
        long_line.replace("Tuesday", "Friday"),
        "Leave a Reply",
        long_line.replace("Tuesday", "Sunday"),
    ]
    added = following_prose(BODY[:2], lines, RULES)
    assert added == lines[3:6]
    assert following_prose(["Not on the page at all, this paragraph."], lines, RULES) == []


def test_following_prose_crosses_short_paragraphs_and_subheadings_not_teasers() -> None:
    long_line = BODY[0] + " " + BODY[1]
    lines = [
        BODY[0],
        long_line.replace("Tuesday", "Monday"),
        "“We will not wait another decade for this,” the mayor told reporters after the vote.",
        "A subheading",
        long_line.replace("Tuesday", "Friday"),
        "World",
        "Trams: the city's next big project is finally on its way to the northern districts!",
        long_line.replace("Tuesday", "Sunday"),
    ]
    assert following_prose(BODY[:1], lines, RULES) == lines[1:5]


def test_following_prose_passes_over_an_advert_and_stops_at_a_copyright_line() -> None:
    long_line = BODY[0] + " " + BODY[1]
    lines = [
        BODY[0],
        "Advertisement",
        long_line.replace("Tuesday", "Monday"),
        "© 2021 City Times. All rights reserved.",
        long_line.replace("Tuesday", "Friday"),
    ]
    assert following_prose(BODY[:1], lines, RULES) == [lines[2]]


def test_standfirst_the_description_repeats_is_added_before_the_text() -> None:
    standfirst = "Three tram lines and frozen fares: what the new budget means for commuters."
    lines = ["Home", "Council approves transport budget", standfirst, BODY[0], BODY[1], "Sport"]
    extracted = ["Council approves transport budget", BODY[0], BODY[1]]
    descriptions = {normalized(standfirst)}
    assert page_standfirst(extracted, lines, descriptions) == [standfirst]
    # Not when trafilatura kept it, when it stands after the text, or when it is no description.
    assert page_standfirst([standfirst, *extracted], lines, descriptions) == []
    assert page_standfirst(extracted, [*lines[3:], standfirst], descriptions) == []
    assert page_standfirst(extracted, lines, {normalized(BODY[3])}) == []
    # Nor when the text holds it further down (ending in the author's name, it is no anchor).
    signed = "Three tram lines and frozen fares for all commuters. By Jane Reporter"
    signed_lines = [signed, "Council approves transport budget", signed, BODY[0]]
    signed_text = ["Council approves transport budget", signed, BODY[0]]
    assert page_standfirst(signed_text, signed_lines, {normalized(signed)}) == []


@pytest.mark.parametrize(
    "byline",
    [
        '<p class="byline">By Maria Lopez</p>',
        # Bylines inside parts trafilatura's author search discards are skipped...
        '<div class="comments"><span class="author">Reader Joe</span></div>'
        '<span class="author-name">Maria Lopez</span>',
        '<figure><span class="author">Photo Agency Staff</span></figure>'
        '<a rel="author" href="/maria">Maria Lopez</a>',
        # ...and one holding a discarded part is read without it.
        '<div class="author">Maria <time>Tuesday</time> Lopez</div>',
        '<div class="meta"><span class="date">23 Oct</span></div>',
    ],
)
def test_author_search_finds_what_trafilaturas_finds(byline: str) -> None:
    """The byline search on the page itself agrees with trafilatura's search on a pruned copy."""
    page = f"<html><head><title>T</title></head><body><div>{byline}</div><p>{BODY[0]}</p></body>"
    assert find_author(fromstring(page)) == extract_author(fromstring(page))


def test_byline_candidates_are_trafilaturas_in_its_order() -> None:
    page = fromstring(
        "<html><head><link rel='author' href='/a'></head><body>"
        "<div id='author-box'><span class='AuthorName'>A</span><p class='byl'>B</p></div>"
        "<h3 itemprop='author'>C</h3><section data-component='Byline'>D</section>"
        "<em class='post-writer'>E</em><author>F</author><span data-testid='AuthorURL'>G</span>"
        "<a class='channel-name'>H</a><p><rel>me</rel>I</p><div class='authority'>J</div>"
        "<p class='article'>not a byline</p></body></html>"
    )
    expected = [element for expression in AUTHOR_XPATHS for element in expression(page)]
    assert len(expected) > 10
    assert byline_candidates(page) == expected
