"""The plain-text cleaner and the shared paragraph steps, on small texts built in the tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config import RULES_DIR
from extractors.article import ExtractionError
from extractors.dates import is_comment_header, parse_date_stamp
from extractors.debris import (
    Draft,
    clean_paragraphs,
    cut_reader_comments,
    drop_gallery_blocks,
    drop_menu_runs,
    drop_repeated_blocks,
    drop_repeated_paragraphs,
    drop_standfirst_repeats,
    drop_teaser_blocks,
    drop_title_repeats,
    trim_fragment_edges,
)
from extractors.rules import LineKind, fold_case, load_rules, required_words
from extractors.text import (
    extract_text,
    find_core,
    first_copies,
    glued_teasers,
    is_glued_link_list,
    list_rows,
    pick_title,
    repeated_dates,
    split_lines,
    wrapped_lines,
)
from extractors.visible_text import visible_text

RULES = load_rules()
PARAGRAPH = (
    "The council approved the new budget on Tuesday after a long debate about the cost of "
    "public transport, and the mayor said the first projects would start in spring."
)


def sentence(n: int) -> str:
    return f"Paragraph {n} of the story explains what happened, who said it and why it matters."


def draft(*lines: str, title: str | None = None) -> Draft:
    return Draft(title=title, paragraphs=list(lines))


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Share:", "share"),
        ("Please Follow us on GabMindsTelegram", "follow"),
        ("Subscribe to our evening newsletter to stay informed!!", "newsletter"),
        ("(Photo: AP)", "caption"),
        ("Image by Kremlin.ru", "caption"),
        ("Putin greets Netanyahu in Moscow [Mikhail Svetlov/Getty Images]", "caption"),
        ("READ: Syria flag missing as Assad visits Iran", "teaser"),
        ("Advertisement", "advertisement"),
        ("Agencies", "attribution"),
        ("Reference-www.ynetnews.com", "attribution"),
        ("Your email address will not be published. Required fields are marked *", "comments"),
        ("(Reporting by Greg Roumeliotis; editing by Martin Howell.)", "attribution"),
        ("© 2019 Associated Press. All Rights Reserved.", "attribution"),
        ("4 View gallery", "gallery"),
        ("Image 2 of 5", "gallery"),
        ("Advertisement 3", "advertisement"),
        ("The crew quarters and the life support system. Credit: ESA", "caption"),
        ("Strikes in Pakistan, May 7, 2025. Photo by Asim Tanveer /AP", "caption"),
        ("A hunter killed and ate a rabbitCredit: Getty - Contributor", "caption"),
        ("Burning crop stubble. Sakib Ali/Hindustan Times/Getty Images", "caption"),
        ("New York State Sex Offender Registry via AP", "caption"),
        ("Astronauts on a space walk at the space station. (NASA via AP, File)", "caption"),
        # German, French, Spanish, Russian rule files
        ("Anzeige", "advertisement"),
        ("Lesen Sie auch: Neue Regeln für Mieter", "teaser"),
        ("Publicité", "advertisement"),
        ("Lire aussi : La réforme des retraites adoptée", "teaser"),
        ("Síguenos en Twitter y Facebook", "follow"),
        ("Foto: EFE", "caption"),
        ("Die Argentinier stehen nach dem Sieg im Halbfinale. Foto: dpa", "caption"),
        ("Guttene feirer alle små og store seirer i hverdagen. Foto: Privat", "caption"),
        ("Читайте также: Новые правила для водителей", "teaser"),
        ("Фото: ТАСС", "caption"),
    ],
)
def test_rule_lists_name_the_debris_kind(line: str, kind: str) -> None:
    assert RULES.debris_kind(line) == kind


@pytest.mark.parametrize(
    "line",
    [
        PARAGRAPH,
        "Current situation in Syria",
        "He has lived in the city since 2009.",
        "Share prices fell sharply on Monday as investors worried about the economy.",
        "Read the full report here, the minister told parliament, before leaving the room.",
        "Video from the scene shows police officers.",
        "Copyright law has changed a lot this year.",
        "Cookies are best served warm.",
        "Performance",
        "Register to vote by Friday, officials said.",
        "Reporting by the Guardian revealed that the minister lied.",
        "Biggest drop since 2008",
        "The photo: a crowd in the rain.",
        "Er zeigte das Bild: Es war ein Kind. Foto: dpa sagte das nicht.",
        "Credit: the bank lent more money than ever in May, the figures show.",
        "Die elektronische Patientenakte (ePA)",
    ],
)
def test_article_lines_are_not_debris(line: str) -> None:
    assert RULES.debris_kind(line) is None
    assert not RULES.is_teaser_heading(line)


def test_taglines_are_recognised_only_as_header_lines() -> None:
    assert RULES.is_tagline("Creating new perspectives since 2009")
    assert RULES.debris_kind("Creating new perspectives since 2009") is None


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("Published 16:12 IST, October 23rd 2021", "2021-10-23"),
        ("March 1, 2019 at 1:45 pm", "2019-03-01"),
        ("UPDATED: Tue., Nov. 19, 2019", "2019-11-19"),
        ("Veröffentlicht am 12. März 2021, 14:30 Uhr", "2021-03-12"),
        ("Publié le 3 mars 2020 à 10h15", "2020-03-03"),
        ("Actualizado el 5 de junio de 2020", "2020-06-05"),
        ("12 марта 2021 г., 14:30", "2021-03-12"),
        ("2018-08-25 15:24", "2018-08-25"),
        ("2018/08/25", "2018-08-25"),
        ("06.01.2026 - 16:25", "2026-01-06"),  # day first; "06.01" is no time of day
        ("23-10-2021 10h15", "2021-10-23"),
        ("23/10/2021, 9.45", "2021-10-23"),
        ("10/23/2021", "2021-10-23"),  # only US order is a date
        ("18 NOV 2019", "2019-11-18"),
    ],
)
def test_date_stamps_parse_in_every_rule_language(line: str, iso: str) -> None:
    assert parse_date_stamp(line, RULES) == iso


@pytest.mark.parametrize(
    "line",
    [
        "Elections May 2019",
        "In 2015, Russia and Israel set up a hotline",
        "Top 10 of 2019",
        "Coach (2013-2014): 295 days",
        "31.02.2021",
        "2018.04.05 ~ OPEN RUN",  # capitals without a time of day are no time zone
    ],
)
def test_lines_mentioning_a_year_are_not_date_stamps(line: str) -> None:
    assert parse_date_stamp(line, RULES) is None


def test_comment_headers_are_name_date_time() -> None:
    assert is_comment_header("SamW October 30, 2021 at 3:42 am", RULES)
    assert is_comment_header("Walkin O'Shea November 2, 2021 at 6:23 pm", RULES)
    assert not is_comment_header("March 1, 2019 at 1:45 pm", RULES)  # a dateline, no name
    assert not is_comment_header("Published 16:12 IST, October 23rd 2021", RULES)
    assert is_comment_header("SamW 30.10.2021 15:42", RULES)


@pytest.mark.parametrize(
    "line",
    [
        "Erschienen am 30.04.2024",  # no time of day: "30.04" is the date's
        "Von dpa 30.04.2024, 18:58",  # a byline
        "Sendung: hr-INFO, 25.04.2024, 10.45 Uhr",  # a label
        "Giriş: 03.07.2024 - 18:24 Güncelleme: 03.07.2024 - 18:57",  # a date in the "name"
    ],
)
def test_labelled_and_bylined_datelines_are_no_comment_headers(line: str) -> None:
    assert not is_comment_header(line, RULES)


def test_clean_paragraphs_records_why_each_line_went() -> None:
    d = clean_paragraphs(
        draft(
            "Published 16:12 IST, October 23rd 2021",
            sentence(1),
            "Advertisement",
            sentence(2),
            "Jane Doe May 2, 2021 at 6:23 pm",
            "Great article!",
        ),
        RULES,
    )
    assert d.paragraphs == [sentence(1), sentence(2)]
    assert d.published == "2021-10-23"
    assert sorted(reason for reason, _ in d.removed) == [
        "comments",
        "comments",
        "dateline",
        "rule",
    ]


def test_reader_comments_are_cut_from_their_header_on() -> None:
    d = draft(sentence(1), sentence(2), "Jane Doe May 2, 2021 at 6:23 pm", "Great article!")
    cut_reader_comments(d, RULES)
    assert d.paragraphs == [sentence(1), sentence(2)]


def test_comment_heading_near_the_top_is_not_a_cut() -> None:
    d = draft("Comments", sentence(1), sentence(2), sentence(3))
    cut_reader_comments(d, RULES)
    assert d.paragraphs == ["Comments", sentence(1), sentence(2), sentence(3)]


def test_teaser_heading_and_its_headlines_go_but_the_story_resumes() -> None:
    d = draft(
        sentence(1),
        "Don't miss",
        "China furious at Macron for Hong Kong protest jibe [INSIGHT]",
        "Is Belarus The Last Oasis Of Freedom In Europe?",
        PARAGRAPH,
    )
    drop_teaser_blocks(d, RULES)
    assert d.paragraphs == [sentence(1), PARAGRAPH]


def test_gallery_block_from_marker_to_credit_goes_whole() -> None:
    d = draft(
        sentence(1),
        "4 View gallery",
        "Prime Minister with the President",
        "The two leaders met in Sochi last month, officials said.",
        "(Photo: AP)",
        sentence(2),
    )
    drop_gallery_blocks(d, RULES)
    assert d.paragraphs == [sentence(1), sentence(2)]


def test_headline_and_standfirst_repeats_leave_the_body() -> None:
    d = draft("Big news today - Example Site", sentence(1), title="Big news today - Example Site")
    drop_title_repeats(d, RULES)
    assert d.paragraphs == [sentence(1)]
    standfirst = "The council approved the new budget on Tuesday."
    d = draft(standfirst, "Advertisement", standfirst + " More follows here.", sentence(2))
    drop_standfirst_repeats(d, RULES)  # only directly repeated lines count
    assert d.paragraphs[0] == standfirst
    d = draft(standfirst, standfirst + " More follows here.", sentence(2))
    drop_standfirst_repeats(d, RULES)
    assert d.paragraphs == [standfirst + " More follows here.", sentence(2)]


def test_only_adjacent_repeats_are_dropped() -> None:
    caption = "File photo: the two leaders at the Kremlin – REUTERS"
    d = draft(caption, caption.replace("–", "-"), sentence(1), "Step one", sentence(2), "Step one")
    drop_repeated_paragraphs(d, RULES)
    assert d.paragraphs == [caption, sentence(1), "Step one", sentence(2), "Step one"]


def test_menu_runs_go_but_lists_and_short_runs_stay() -> None:
    menu = ["Home", "News", "Sport", "Culture", "Weather", "Video", "Live", "Podcasts"]
    items = [f"- item number {n}" for n in range(10)]
    d = draft(*menu, sentence(1), *items, "Key facts", sentence(2))
    drop_menu_runs(d, RULES)
    assert d.paragraphs == [sentence(1), *items, "Key facts", sentence(2)]


def test_fragment_edges_are_trimmed_but_inner_subheadings_and_long_lists_stay() -> None:
    d = draft("Politics", sentence(1), "Subheading here", sentence(2), "Jane Doe")
    trim_fragment_edges(d, RULES)
    assert d.paragraphs == [sentence(1), "Subheading here", sentence(2)]
    dates = [f"June {n} -- Arena {n}, City" for n in range(1, 8)]
    d = draft(sentence(1), *dates)
    trim_fragment_edges(d, RULES)
    assert d.paragraphs == [sentence(1), *dates]


def test_core_is_the_densest_run_and_stops_at_comment_headings() -> None:
    lines = [
        "Home",
        "World",
        "Business",
        "A headline about the budget",
        PARAGRAPH,
        PARAGRAPH.replace("Tuesday", "Monday"),
        "A subheading",
        PARAGRAPH.replace("Tuesday", "Friday"),
        PARAGRAPH.replace("Tuesday", "Sunday"),
        "Leave a Reply",
        PARAGRAPH + " A reader's long comment repeats the story at length.",
        PARAGRAPH,
    ]
    assert find_core(lines, RULES) == (4, 9)


def test_a_hard_wrapped_article_is_one_core() -> None:
    wrapped = [
        "The council met on Tuesday to discuss the budget for next year, and",
        "members agreed after a long debate that the library would stay open",
        "on Sundays. The mayor said the decision had been difficult but that",
        "residents had made their wishes clear in a survey earlier this year.",
    ]
    lines = ["Home", "World", "A headline about the budget", *wrapped, "Share", "Contact"]
    assert find_core(lines, RULES) == (3, 7)
    # Without the lower-case continuation the same lines are headline-like fragments.
    capitalised = [line[0].upper() + line[1:] for line in wrapped]
    assert find_core(["Home", "World", "A headline", *capitalised], RULES) != (3, 7)


def test_the_core_grows_back_over_a_list_inside_the_article() -> None:
    foods = ["Broccoli", "Cabbage", "Cauliflower", "Kale", "Garlic"]
    lines = [
        "Home",
        "Health",
        "A headline about food",
        PARAGRAPH,
        PARAGRAPH.replace("Tuesday", "Wednesday"),
        PARAGRAPH.replace("Tuesday", "Thursday"),
        "Here are some foods that help:",
        *foods,
        PARAGRAPH.replace("Tuesday", "Monday"),
        *(PARAGRAPH.replace("Tuesday", day) for day in ("Friday", "Saturday", "Sunday")),
        *(PARAGRAPH.replace("budget", topic) for topic in ("parks", "schools", "roads", "tax")),
    ]
    assert find_core(lines, RULES) == (3, len(lines))
    # A teaser heading between them stops it: what stands before is another story (too short
    # next to the core to be the article's first part across a box).
    lines[6] = "Related articles"
    assert find_core(lines, RULES) == (7 + len(foods), len(lines))


def test_the_core_starts_before_a_box_inside_the_article() -> None:
    box = [
        "Most read",
        "Another story about a football club",
        "A third story about the weather",
        "A fourth story about a new bridge",
        "A fifth story about the harbour",
    ]
    first = [PARAGRAPH, PARAGRAPH.replace("Tuesday", "Monday")]
    rest = [PARAGRAPH.replace("Tuesday", day) for day in ("Friday", "Saturday", "Sunday")]
    lines = ["Home", "A headline about the budget", *first, *box, *rest]
    assert find_core(lines, RULES) == (2, len(lines))
    # A first part much smaller than the rest is not joined: it may be a teaser.
    lines = ["Home", "A headline about the budget", first[0][:60] + ".", *box, *rest, *rest]
    assert find_core(lines, RULES) == (3 + len(box), len(lines))


def test_a_short_label_standing_twice_in_the_article_leaves_it() -> None:
    text = "\n".join(
        [
            "A headline about the budget",
            PARAGRAPH,
            "Open the box",
            PARAGRAPH.replace("Tuesday", "Monday"),
            "Open the box",
            PARAGRAPH.replace("Tuesday", "Friday"),
            "Round 2",
            PARAGRAPH.replace("Tuesday", "Sunday"),
            "Round 2",
            PARAGRAPH.replace("Tuesday", "Saturday"),
        ]
    )
    body = extract_text(text).text.split("\n")
    assert "Open the box" not in body
    assert body.count("Round 2") == 2  # a repeated line with a figure may be a table cell


def test_title_is_the_header_line_sharing_words_with_the_body() -> None:
    header = ["Creating new perspectives", "Budget approved by the council", "May 1, 2019"]
    assert pick_title(header, [PARAGRAPH], RULES) == "Budget approved by the council"


def test_extract_text_of_a_pasted_page_in_german() -> None:
    text = "\n".join(
        [
            "Startseite",
            "Politik",
            "Wirtschaft",
            "Stadtrat beschließt neuen Haushalt",
            "Veröffentlicht am 12. März 2021, 14:30 Uhr",
            "Teilen",
            "Der Stadtrat hat am Dienstag nach langer Debatte den neuen Haushalt beschlossen, "
            "wie der Bürgermeister mitteilte.",
            "Anzeige",
            "Die ersten Projekte sollen im Frühjahr beginnen, darunter neue Buslinien und "
            "Radwege in mehreren Stadtteilen.",
            "Lesen Sie auch: Neue Regeln für Mieter",
            "Die Opposition kritisierte die hohen Kosten und forderte eine Überprüfung im Herbst.",
            "Kommentare",
            "Max Mustermann 12. März 2021 um 15:02",
            "Das ist eine sehr gute Entscheidung für unsere Stadt und ihre Bürgerinnen.",
        ]
    )
    article = extract_text(text)
    assert article.title == "Stadtrat beschließt neuen Haushalt"
    assert article.published == "2021-03-12"
    assert article.text.split("\n") == [
        "Der Stadtrat hat am Dienstag nach langer Debatte den neuen Haushalt beschlossen, "
        "wie der Bürgermeister mitteilte.",
        "Die ersten Projekte sollen im Frühjahr beginnen, darunter neue Buslinien und "
        "Radwege in mehreren Stadtteilen.",
        "Die Opposition kritisierte die hohen Kosten und forderte eine Überprüfung im Herbst.",
    ]


def test_navigation_only_text_is_a_clear_error() -> None:
    with pytest.raises(ExtractionError, match="only short lines"):
        extract_text("Home\nNews\nSport\nWeather\nContact us\nAbout")
    with pytest.raises(ExtractionError, match="empty"):
        extract_text(" \n\u00a0\n")


def test_split_lines_folds_whitespace() -> None:
    assert split_lines("a\u00a0 b\n\n  \n c ") == ["a b", "c"]


def test_rules_are_read_from_the_rule_files(tmp_path: Path) -> None:
    """Editing the data changes the behaviour: a custom rule directory with one language."""
    (tmp_path / "structure.toml").write_text((RULES_DIR / "structure.toml").read_text())
    (tmp_path / "xx.toml").write_text('[lines]\nshout = ["buy now!+"]\n')
    rules = load_rules(("xx",), tmp_path)
    assert rules.debris_kind("BUY NOW!!!") == "shout"
    assert rules.debris_kind("Advertisement") is None
    with pytest.raises(FileNotFoundError, match="zz"):
        load_rules(("zz",), tmp_path)


def test_wildcard_led_patterns_name_the_words_a_line_must_contain() -> None:
    # Up to the first part that is not plain text (here the optional "web").
    assert required_words(r".{0,300}\b(we|this (web)?site) uses? cookies\b.{0,600}") == {
        "we",
        "this ",
    }
    assert required_words(r".{0,120}\bSign up for (our|the) .{0,80}") == {
        "sign up for our",
        "sign up for the",
    }
    assert required_words(r".{0,80}(delivered|straight) to your inbox") == {"delivered", "straight"}
    # Not led by a wildcard run, or no literal text after it: tried on every line.
    assert required_words(r"share (on|via) .{1,40}") is None
    assert required_words(r".{0,40}\w+ cookies") is None
    assert required_words(r".{0,40}(cookies)?") is None


@pytest.mark.parametrize(
    "line",
    [
        "This website uses cookies to improve your experience.",
        "THIS SITE USES COOKIES",
        "By continuing, we use cookies for analytics.",
        "Get it delivered to your inbox every morning.",
        "Cookies are best served warm.",
        "Delivered",
        # Letters the regex engine matches case-insensitively to other ones.
        "ſign up for our newsletter",
        "THİS SITE USES COOKIES",
        "thıs website uses cookies",
        "We use cookies",
        "We are here.",
    ],
)
def test_word_guards_do_not_change_which_lines_match(line: str) -> None:
    """A guarded kind matches exactly the lines its patterns match as one regular expression."""
    patterns = [
        r".{0,300}\b(we|this (web)?site) uses? cookies\b.{0,600}",
        r".{0,120}\bsign up for (our|the) .{0,80}",
        r".{0,80}(delivered|straight) (to|in) your inbox.{0,10}",
        r"we are here\.?",
    ]
    kind = LineKind.compile("debris", patterns)
    assert len(kind.guarded) == 3
    plain = re.compile("(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\Z", re.IGNORECASE)
    assert kind.matches(line, fold_case(line)) == bool(plain.match(line))


def test_visible_text_puts_blocks_on_lines_and_skips_invisible_parts() -> None:
    html = (
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<nav><a>Home</a> <a>News</a></nav><h1>Head</h1><p>One <b>bold</b> word.</p>"
        "<script>var x = 1;</script><noscript>enable js</noscript><div>Two</div></body></html>"
    )
    assert visible_text(html) == "Home News\nHead\nOne bold word.\nTwo"


def _sentence(n: int) -> str:
    return (
        f"Sentence {n} of the story reports what the regional council decided about the new "
        "water pipeline, how much it will cost and when the first works will start."
    )


def test_article_after_a_comments_button_and_a_teaser_is_found() -> None:
    teaser = [
        "Europe's water is under pressure: pollution, droughts and floods take their toll on "
        "rivers, lakes and the sea, and the costs of repairing the damage keep rising every year.",
        "Climate Now",
        "We give you the latest climate facts from the world's leading sources, analyse the "
        "trends and explain how our planet is changing, in a short programme every week.",
        "Each episode looks at one region of Europe and the people who live with the changes, "
        "from farmers in the south to fishermen in the north, and what they do about them.",
        "Watch the new episode on our website or in the app, and find all the earlier ones in "
        "the archive, sorted by country, by topic and by the date they were first broadcast.",
    ]
    article = [_sentence(n) for n in range(12)]
    lines = ["Home", *teaser, "Comments", "Business", *article, "Share this article"]
    start, end = find_core(lines, load_rules())
    assert lines[start:end] == article


def test_a_long_comment_after_the_article_is_not_taken() -> None:
    article = [_sentence(n) for n in range(6)]
    comment = [
        f"I disagree with point {n}: the council never asked the people who live here."
        for n in range(4)
    ]
    lines = ["Home", *article, "Comments", *comment]
    start, end = find_core(lines, load_rules())
    assert lines[start:end] == article


def test_a_label_printed_between_the_paragraphs_neither_splits_the_article_nor_stays() -> None:
    first = [_sentence(n) for n in range(4)]
    second = [_sentence(n) for n in range(4, 10)]
    teasers = ["Read More", "Economy", "Markets", "Trending", "Sign Up", "Top Stories"]
    lines = ["Home"]
    for line in first:
        lines += [line, "Article content"]
    lines += teasers
    for line in second:
        lines += ["Article content", line]
    article = extract_text("\n".join([*lines, "Share this article"]))
    assert article.text.split("\n") == [*first, *second]


def test_a_video_card_with_its_time_stamp_inside_the_article_does_not_cut_it() -> None:
    first = [_sentence(n) for n in range(6)]
    second = [_sentence(n) for n in range(6, 12)]
    card = ["WATCH | The council meets", "14 hours ago", "Duration 1:30"]
    lines = ["Home", *first, *card, *second, "Comments", "I disagree with all of it."]
    article = extract_text("\n".join(lines))
    assert [line for line in second if line not in article.text] == []
    assert "14 hours ago" not in article.text
    assert "I disagree" not in article.text


def test_a_comment_under_its_time_stamp_is_not_joined_to_the_article() -> None:
    article = [_sentence(n) for n in range(8)]
    comment = ["Great piece, the council never asked the people who live here about it."]
    lines = ["Home", *article, "2 hours ago", *comment]
    start, end = find_core(lines, load_rules())
    assert lines[start:end] == article


def test_a_box_printed_twice_goes_with_every_copy_but_an_article_printed_twice_stays() -> None:
    box = [
        "Support our journalism",
        "Independent reporting needs readers like you: " * 4 + "join us.",
    ]
    body = [sentence(n) for n in range(6)]
    boxed = draft(*body[:3], *box, *body[3:], *box)
    drop_repeated_blocks(boxed, RULES)
    assert boxed.paragraphs == body
    long_body = [f"Part {n}: {PARAGRAPH}" for n in range(6)]
    twice = draft(*long_body, *long_body)
    drop_repeated_blocks(twice, RULES)
    assert twice.paragraphs == [*long_body, *long_body]


def _module(heading: str) -> list[str]:
    """A teaser box with its heading: headline, author and date of three stories."""
    return [
        heading,
        *(
            line
            for n in range(3)
            for line in (f"Story {n} about the trains", "Ein Kommentar von Ralf Euler", "Heute")
        ),
    ]


def test_the_core_goes_on_after_a_module_inside_the_article() -> None:
    first = [PARAGRAPH.replace("Tuesday", day) for day in ("Monday", "Tuesday", "Wednesday")]
    second = [sentence(n) for n in range(2)]
    lines = ["Home", *first, *_module("Mehr zum Thema"), *second, "Zur Startseite", "Impressum"]
    start, end = find_core(lines, RULES)
    assert lines[start:end] == [*first, *_module("Mehr zum Thema"), *second]
    # Two teaser headings in the gap: the page's end, not a box inside the article.
    lines = ["Home", *first, "Top stories", *_module("Most read"), *second]
    start, end = find_core(lines, RULES)
    assert lines[start:end] == first


def test_two_long_paragraphs_between_headlines_are_the_articles_next_part() -> None:
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Saturday")
    first = [PARAGRAPH.replace("Tuesday", day) for day in days]
    long = [f"{PARAGRAPH} {PARAGRAPH.replace('Tuesday', day)}" for day in ("Friday", "Sunday")]
    headlines = ["Putin builds a new ring of defences", "Iran war: a spy plane lost"]
    lines = ["Home", *first, *_module("Mehr zum Thema"), long[0], *headlines, long[1], "Impressum"]
    start, end = find_core(lines, RULES)
    assert lines[start:end] == [*first, *_module("Mehr zum Thema"), long[0], *headlines, long[1]]
    # A teaser's summaries are shorter: they do not carry the core on.
    lines = ["Home", *first, *_module("Mehr zum Thema"), PARAGRAPH, *headlines, PARAGRAPH]
    start, end = find_core(lines, RULES)
    assert lines[start:end] == first


def test_a_teaser_list_after_the_article_is_not_its_next_part() -> None:
    first = [PARAGRAPH.replace("Tuesday", day) for day in ("Monday", "Tuesday", "Wednesday")]
    teasers = [
        line
        for n in range(4)
        for line in (f"29.04.2024 Town {n}", f"Story {n} about the trains", f"{n}: {PARAGRAPH}")
    ]
    lines = ["Home", *first, "Startseite", *teasers, "Impressum"]
    start, end = find_core(lines, RULES)
    assert lines[start:end] == first


def test_a_list_of_links_without_separators_is_not_article_text() -> None:
    links = (
        "BILD DealsBILD ShopBILD SportwettenWettbonusWettanbieter VergleichSportwetten mit "
        "PayPalChillybets Bonusbet-at-home Bonusbet365 Bonus"
    )
    assert is_glued_link_list(links, RULES)
    assert is_glued_link_list(
        "Son Dakika HaberleriTürkiye HaberleriDünya HaberleriEkonomi "
        "HaberleriYaşam HaberleriTeknoloji Haberleri",
        RULES,
    )
    # Names with an inner capital, and languages that prefix names in lower case, are text.
    assert not is_glued_link_list(
        "SoftBank CEO Masayoshi Son has told WeWork executives that the MacBook and iPad "
        "sales of GateHouse and MinnesotaCare will not help.",
        RULES,
    )
    assert not is_glued_link_list(
        "Owayesakuba nguMphathiswa wamaShishini oLuntu, uGqirha Malusi Gigaba, akabanjwanga "
        "emva kotyelelo lwakwaTransnet eKapa naseMbali.",
        RULES,
    )
    article = [PARAGRAPH.replace("Tuesday", day) for day in ("Monday", "Tuesday", "Friday")]
    text = extract_text("\n".join(["A headline about the budget", *article, links]))
    assert text.text.split("\n") == article


def test_a_teaser_list_with_headline_and_summary_glued_is_not_the_article() -> None:
    teasers = [
        "Police: 2 In Custody After Death Of Student-AthleteA 24-year-old woman and a 28-year-old "
        "man have been arrested after the death of a student-athlete, police said on Tuesday.",
        "Customers Leave Without Paying $690 Bill At Troy SteakhouseA party of six left a "
        "steakhouse in Troy without paying their bill of $690, the owner said on Monday.",
        "Michigan To Mail Redistricting Panel Applications To 250,000The state of Michigan will "
        "mail 250,000 applications encouraging residents to apply for a seat on the panel.",
        "DNR Seeks Tips About Bull Elk Poached In Northern MichiganMichigan conservation officers "
        "are seeking information about a bull elk that was poached in the north of the state.",
    ]
    article = [
        "ST. JOSEPH, Mich. (AP) — Michigan health authorities are reporting a sixth fatality "
        "linked to a mosquito-borne virus.",
        PARAGRAPH,
    ]
    lines = ["Latest Headlines", *teasers, "Weather", "School Closings", "Local Radars", *article]
    assert glued_teasers(lines, RULES) == frozenset(range(1, 5))
    start, end = find_core(lines, RULES)
    assert lines[start:end] == article
    # A name with an inner capital that recurs ("MacBook") is no glue.
    names = [
        "The new 16-inch MacBook Pro features a redesigned keyboard, largely based on the old one.",
        "The 16-inch MacBook Pro also features a physical Esc key and an inverted-T arrow layout.",
        "Apple analyst says the entire MacBook lineup will move to the new keyboard next year.",
    ]
    assert glued_teasers(names, RULES) == frozenset()


def test_a_hard_wrapped_article_keeps_its_first_and_last_lines() -> None:
    wrapped = [
        "which were released online and are making the rounds on social media,",
        "show the actress looking absolutely stunning in new",
        "make-up photos.",
        "Veteran actress Kate Henshaw, who in 2008 won the",
        "award for Best Actress in a Leading Role, has taken",
        "to her Instagram page to share some stunning photos of herself.",
        "She flaunted her hand bag which had the colours of the",
        "flag. The 47 year old was one of the guests invited to an event in the",
        "capital, Lagos, on Saturday evening last week with her friends.",
    ]
    body = extract_text("\n".join(["Photos", *wrapped, "Tags:", "Entertainment"])).text
    # The lines are joined into the sentences they cut: no edge line is a lone fragment.
    assert body.split("\n") == [
        " ".join(wrapped[:3]),
        " ".join(wrapped[3:6]),
        " ".join(wrapped[6:]),
    ]


def test_an_article_printed_again_below_itself_is_kept_once() -> None:
    article = [PARAGRAPH.replace("Tuesday", day) for day in ("Monday", "Tuesday", "Friday")]
    lines = ["A headline about the budget", *article, "Mehr:", "Budget news", *article]
    body = extract_text("\n".join(lines)).text.split("\n")
    assert body.count(article[0]) == 1
    assert [line for line in article if line not in body] == []
    # Short lines (a subheading, a list item) may stand twice.
    assert first_copies(["Key points", PARAGRAPH, "Key points"], RULES) == [
        "Key points",
        PARAGRAPH,
        "Key points",
    ]
    # A headline printed again in a metadata block below the article goes.
    headline = "10 things in tech you need to know today"
    assert first_copies([headline, PARAGRAPH, headline, headline], RULES) == [headline, PARAGRAPH]


def test_a_line_ending_in_a_comma_is_wrapped_inside_a_sentence() -> None:
    lines = [
        "また、その他にも、",
        "もとの商品を小分けにして販売する行為は、",
        "商標権侵害です。",
        "関連記事",
    ]
    assert wrapped_lines(lines, RULES) == frozenset({0, 1})


def test_an_articles_list_of_dates_is_part_of_it_but_menus_and_archives_are_not() -> None:
    article = [PARAGRAPH.replace("Tuesday", day) for day in ("Monday", "Tuesday", "Friday")]
    dates = [
        f"{month} {day} – {city}, {state} @ {city} Amphitheatre"
        for month, day, city, state in [
            ("June", 9, "West Palm Beach", "FL"),
            ("June", 10, "Tampa", "FL"),
            ("June", 14, "Alpharetta", "GA"),
            ("July", 2, "Uncasville", "CT"),
            ("July", 19, "Toronto", "ON"),
            ("August", 2, "Clarkston", "MI"),
            ("August", 14, "Saint Louis", "MO"),
            ("October", 10, "Houston", "TX"),
        ]
    ]
    lines = ["Home", "Music", *article, "Tour dates", *dates, "Trending", "Most read"]
    assert list_rows(lines, RULES) == frozenset(range(6, 14))
    start, end = find_core(lines, RULES)
    assert lines[start:end] == [*article, "Tour dates", *dates]
    # An item and its link, alternating, are rows too.
    products = [
        line
        for n, name in enumerate(["Lego Star Wars", "Polistil Pista", "Thriller (Vinile)"] * 4)
        for line in (f"{n + 1}) {name}", f"http://amzn.to/2iJF{n}Rj")
    ]
    lines = ["Home", *article, *products, "Trending"]
    assert list_rows(lines, RULES) == frozenset(range(4, 28))
    # Menu items share no marks; an archive's "May (12)" links are too short to be rows.
    archive = [f"{month} ({count})" for count in range(3) for month in ("May", "April", "March")]
    assert list_rows(["News", "Sport", "Weather", "Travel", "Culture", *archive], RULES) == (
        frozenset()
    )


def test_an_article_printed_below_under_a_stamp_of_the_same_day_is_not_joined() -> None:
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
    first = [PARAGRAPH.replace("Tuesday", day) for day in days]
    second = [sentence(n) for n in range(6)]
    card = ["Seven fans on trial for chants", "By Teresa Fall", "November 20, 2024"]
    lines = [
        "A headline about the budget",
        "January 5, 2025",
        *first[:2],
        *card,
        *first[2:],
        "Tags: budget",
        "Trains run late again",
        "By Jane Doe",
        "January 5, 2025",
        *second,
    ]
    # The card's older date does not split the article; the second article's stamp does.
    assert repeated_dates(lines, RULES) == frozenset({13})
    start, end = find_core(lines, RULES)
    assert lines[start:end] == [*first[:2], *card, *first[2:]]
    day_first = [*lines[:1], "05.01.2025 - 09:10", *lines[2:13], "05.01.2025 - 16:25", *lines[14:]]
    assert repeated_dates(day_first, RULES) == frozenset({13})


def test_a_reprinted_stamp_or_a_cards_date_without_time_is_no_new_article() -> None:
    lines = [
        "Stand: 22.04.2024, 06:00 Uhr",
        sentence(0),
        "22.04.2024.",  # an audio card's date
        sentence(1),
        "Stand: 22.04.2024, 06:00 Uhr",  # the article's stamp again, in a share box
        sentence(2),
        "22.04.2024 - 16:25",  # the next article
        sentence(3),
    ]
    assert repeated_dates(lines, RULES) == frozenset({6})
