"""Paragraph-level cleaning steps shared by the HTML and plain-text paths.

Each step looks at the draft's paragraphs and keeps some (`Draft.keep` records the others with
the step's reason, for debugging and tests); together they remove the news-page debris
extractors leave behind: reader comments, teaser lists, gallery widgets and captions,
share/follow/newsletter lines, dateline stamps and repeated headlines or standfirsts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from extractors.article import Article, ExtractionError
from extractors.dates import is_comment_header, parse_date_stamp
from extractors.rules import RuleSet

_SENTENCE_END = re.compile(r"[.!?。！？…؟।][\"'”’»)\]]*\Z")
_WORD = re.compile(r"\w+")
_LIST_ITEM = re.compile(r"^[-–•*]\s")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Lines a gallery marker and its credit line may enclose (alt text, captions).
_MAX_CAPTION_LINES = 3
# How far from the top a repeated headline or standfirst is looked for.
_HEAD_LINES = 4
_MIN_STANDFIRST_CHARS = 20
# A box printed twice is recognised by the start of its paragraphs (the copies may end apart).
_BLOCK_KEY_CHARS = 120


@dataclass
class Draft:
    """An article being cleaned: its title, body paragraphs and the dates found in them."""

    title: str | None
    paragraphs: list[str]
    published: str | None = None
    authors: list[str] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)

    def keep(self, kept: list[str], reason: str) -> None:
        """Replace the paragraphs with `kept`, recording the others as removed for `reason`."""
        remaining = list(kept)
        for paragraph in self.paragraphs:
            if remaining and remaining[0] == paragraph:
                remaining.pop(0)
            else:
                self.removed.append((reason, paragraph))
        self.paragraphs = list(kept)

    def to_article(self, extractor: str, **metadata: Any) -> Article:
        """The cleaned article; ExtractionError when the steps left no paragraph. Authors
        the page's metadata names win over those of a byline in the text."""
        if not self.paragraphs:
            raise ExtractionError("no article text left after removing page debris")
        authors = metadata.pop("authors", None) or self.authors
        return Article(
            title=self.title,
            text="\n".join(self.paragraphs),
            published=self.published,
            authors=list(authors),
            extractor=extractor,
            **metadata,
        )


Step = Callable[[Draft, RuleSet], None]


def ends_sentence(line: str) -> bool:
    """True when `line` ends like a sentence (full stop, question mark, ... possibly quoted)."""
    return bool(_SENTENCE_END.search(line))


def is_fragment(line: str, rules: RuleSet) -> bool:
    """A short line that is not a sentence: a headline, menu item, caption or name."""
    return len(line) <= rules.setting("text", "short_line_chars") and not ends_sentence(line)


def normalized(line: str) -> str:
    """Lower-cased words of `line`, so that punctuation or dash variants compare equal."""
    return " ".join(_WORD.findall(line.lower()))


def drop_empty_lines(draft: Draft, rules: RuleSet) -> None:
    """Lines without a letter or digit ("|", "•", non-breaking spaces) carry no text."""
    draft.keep([p for p in draft.paragraphs if _WORD.search(p)], "empty")


def _table_cells(paragraph: str) -> list[str] | None:
    """The cells of a table row as trafilatura writes it ("| a | b |"); None for other lines."""
    if not (paragraph.startswith("|") and paragraph.rstrip().endswith("|")):
        return None
    return [cell.strip() for cell in paragraph.strip().strip("|").split("|") if cell.strip()]


def _is_menu_item(cell: str, menu_words: int) -> bool:
    """A few words without figures: "Front Page", not "5040" or "Kyle Busch" in a 7-column row."""
    return len(_WORD.findall(cell)) <= menu_words and not any(c.isdigit() for c in cell)


def split_layout_tables(draft: Draft, rules: RuleSet) -> None:
    """Table rows: pages laid out with tables (the 2000s) put the article in one cell and menus
    in the others, and navigation bars are rows of links ("| Today's Edition | Front Page |
    Nation |"). A row of prose cells and menu items (at most `menu_item_words` words, no
    figures) becomes its prose cells, or goes when it has none; other rows (data tables)
    stay."""
    menu_words = rules.setting("text", "menu_item_words")
    paragraphs = []
    for paragraph in draft.paragraphs:
        cells = _table_cells(paragraph)
        if cells is None:
            paragraphs.append(paragraph)
            continue
        prose = [cell for cell in cells if not is_fragment(cell, rules)]
        menus = [cell for cell in cells if _is_menu_item(cell, menu_words)]
        if len(prose) + len(menus) < len(cells):
            paragraphs.append(paragraph)  # a data table
        elif prose:
            paragraphs += prose
        else:
            draft.removed.append(("navigation table", paragraph))
    draft.paragraphs = paragraphs


def cut_reader_comments(draft: Draft, rules: RuleSet) -> None:
    """Everything from a comment-section heading ("Leave a Reply", "3 Comments") or the first
    comment header ("Name Month D, YYYY at H:MM am") on is reader comments, not the article.
    Comments come after the article: only a heading past the first third of the text counts."""
    total = sum(len(p) for p in draft.paragraphs)
    before = 0
    for index, line in enumerate(draft.paragraphs):
        if before * 3 >= total and (rules.is_end_heading(line) or is_comment_header(line, rules)):
            draft.keep(draft.paragraphs[:index], "comments")
            return
        before += len(line)


def drop_teaser_blocks(draft: Draft, rules: RuleSet) -> None:
    """A teaser heading ("Related articles", "Don't miss") or teaser line ("Related: ...") and
    the run of short headlines or list items under it are links to other articles."""
    kept: list[str] = []
    in_block = False
    short = rules.setting("text", "short_line_chars")
    for line in draft.paragraphs:
        if rules.is_teaser_heading(line) or rules.debris_kind(line) == "teaser":
            in_block = True
            continue
        headline = is_fragment(line, rules) or (len(line) <= short and line.endswith("?"))
        if in_block and (headline or _LIST_ITEM.match(line)):
            continue
        in_block = False
        kept.append(line)
    draft.keep(kept, "teasers")


def drop_gallery_blocks(draft: Draft, rules: RuleSet) -> None:
    """A gallery widget ("4 View gallery") followed within a few lines by a photo credit
    ("(Photo: AP)") frames alt text and captions: the whole block goes."""
    lines, kept, index = draft.paragraphs, [], 0
    while index < len(lines):
        if rules.debris_kind(lines[index]) == "gallery":
            window = lines[index + 1 : index + 2 + _MAX_CAPTION_LINES]
            credit = next(
                (n for n, line in enumerate(window) if rules.debris_kind(line) == "caption"), None
            )
            if credit is not None:
                index += credit + 2
                continue
        kept.append(lines[index])
        index += 1
    draft.keep(kept, "gallery")


def is_contact_plea(line: str, rules: RuleSet) -> bool:
    """A short paragraph of a few sentences that gives an email address: an appeal to readers
    ("Got a story? Email us at news@…", in any language). A signature (a name and an address)
    has too few words; a longer paragraph that quotes an address is article text."""
    return (
        len(line) <= rules.setting("html", "contact_plea_chars")
        and len(line.split()) >= rules.setting("html", "contact_plea_words")
        and _EMAIL.search(line) is not None
    )


def drop_debris_lines(draft: Draft, rules: RuleSet) -> None:
    """Lines matching a rule-list phrase: share/follow/newsletter/donate pleas, "Advertisement",
    captions and credits, "READ:" teasers, attribution lines, comment-form text, taglines; and
    appeals to readers that give an email address."""
    draft.keep(
        [
            p
            for p in draft.paragraphs
            if rules.debris_kind(p) is None and not is_contact_plea(p, rules)
        ],
        "rule",
    )


def take_date_stamps(draft: Draft, rules: RuleSet) -> None:
    """Dateline stamps ("Published 16:12 IST, October 23rd 2021") are metadata: the first one
    becomes `published` (unless already known) and every stamp leaves the body."""
    kept = []
    for line in draft.paragraphs:
        stamp = parse_date_stamp(line, rules)
        if stamp is None:
            kept.append(line)
        elif draft.published is None:
            draft.published = stamp
    draft.keep(kept, "dateline")


def take_bylines(draft: Draft, rules: RuleSet) -> None:
    """A byline ("By Jane Doe and John Smith", "Von Max Muster") among the first or last few
    paragraphs is metadata: its names become `authors` (unless already known) and the line
    leaves the body. Elsewhere such a line is left alone; a sentence that merely starts with
    "By" fails the name check."""
    edge = rules.setting("bylines", "edge_paragraphs")
    last = len(draft.paragraphs) - edge
    kept = []
    for index, line in enumerate(draft.paragraphs):
        names = rules.byline_authors(line) if index < edge or index >= last else None
        if names is None:
            kept.append(line)
        elif not draft.authors:
            draft.authors = names
    draft.keep(kept, "byline")


def _repeats_title(line: str, title: str) -> bool:
    words = normalized(line)
    return bool(words) and words in title and len(words) * 2 >= len(title)


def drop_title_repeats(draft: Draft, rules: RuleSet) -> None:
    """The headline repeated as one of the first body paragraphs belongs in `title` only (the
    page title may carry a site suffix: "Headline - Site")."""
    title = normalized(draft.title or "")
    if not title:
        return
    head, tail = draft.paragraphs[:_HEAD_LINES], draft.paragraphs[_HEAD_LINES:]
    draft.keep([p for p in head if not _repeats_title(p, title)] + tail, "title")


def drop_standfirst_repeats(draft: Draft, rules: RuleSet) -> None:
    """A standfirst shown above the body and repeated as the start of the next paragraph is
    said twice: the standalone copy goes."""
    lines = draft.paragraphs
    repeated = {
        index
        for index in range(min(_HEAD_LINES, len(lines) - 1))
        if len(first := normalized(lines[index])) >= _MIN_STANDFIRST_CHARS
        and normalized(lines[index + 1]).startswith(first)
    }
    draft.keep([line for n, line in enumerate(lines) if n not in repeated], "standfirst")


def drop_repeated_paragraphs(draft: Draft, rules: RuleSet) -> None:
    """A paragraph repeating the one just before it (same words, whatever the punctuation) is a
    duplicated caption or alt text. Repeats further apart (recipe steps, interview questions)
    are content."""
    kept: list[str] = []
    previous = None
    for line in draft.paragraphs:
        key = normalized(line)
        if key != previous:
            kept.append(line)
        previous = key
    draft.keep(kept, "repeat")


def drop_repeated_blocks(draft: Draft, rules: RuleSet) -> None:
    """Two consecutive paragraphs, one of them a long sentence (`long_paragraph_chars`), that
    come again in the same order further down (compared by their first words: the copies may
    end apart) are a box the template prints twice (a donation appeal, a newsletter box):
    every copy goes. An
    article repeats a sentence (a pull quote), not a heading with its paragraph. When the
    copies are most of the text, the page prints the article twice and nothing goes."""
    long_chars = rules.setting("html", "long_paragraph_chars")
    lines = draft.paragraphs
    keys = [normalized(line)[:_BLOCK_KEY_CHARS] for line in lines]
    pairs = Counter(zip(keys, keys[1:], strict=False))
    repeated = {
        (keys[index], keys[index + 1])
        for index in range(len(lines) - 1)
        if pairs[keys[index], keys[index + 1]] > 1
        and keys[index] != keys[index + 1]
        and any(
            len(line) >= long_chars and ends_sentence(line) for line in lines[index : index + 2]
        )
    }
    if not repeated:
        return
    dropped: set[int] = set()
    for index, pair in enumerate(zip(keys, keys[1:], strict=False)):
        if pair in repeated:
            dropped.update((index, index + 1))
    kept = [line for index, line in enumerate(draft.paragraphs) if index not in dropped]
    if sum(map(len, kept)) * 2 >= sum(map(len, draft.paragraphs)):
        draft.keep(kept, "repeat")


def drop_menu_runs(draft: Draft, rules: RuleSet) -> None:
    """A long run of one-to-few-word lines without punctuation is a navigation menu or a tag
    cloud. List items ("- ...") and table rows ("| ... |") are not counted."""
    min_run = rules.setting("text", "menu_run_lines")
    max_words = rules.setting("text", "menu_item_words")
    lines, kept, run = draft.paragraphs, [], []
    for line in [*draft.paragraphs, ""]:
        menu_item = (
            bool(line)
            and len(line.split()) <= max_words
            and not ends_sentence(line)
            and not line.startswith(("- ", "|"))
        )
        if menu_item:
            run.append(line)
            continue
        if len(run) < min_run:
            kept.extend(run)
        run = []
        if line:
            kept.append(line)
    if len(kept) < len(lines):
        draft.keep(kept, "menu")


def trim_fragment_edges(draft: Draft, rules: RuleSet) -> None:
    """One or two short non-sentence lines before the first or after the last sentence paragraph
    are kickers, bylines, author names or another article's headline. Inner ones (subheadings)
    stay, and so do longer runs at the edges (lists, tables, schedules are content)."""
    lines = draft.paragraphs
    body = [n for n, line in enumerate(lines) if not is_fragment(line, rules)]
    if not body:
        return
    edge = rules.setting("text", "max_edge_fragments")
    start = body[0] if body[0] <= edge else 0
    end = body[-1] + 1 if len(lines) - body[-1] - 1 <= edge else len(lines)
    draft.keep(lines[start:end], "edge")


PARAGRAPH_STEPS: tuple[Step, ...] = (
    drop_empty_lines,
    split_layout_tables,
    cut_reader_comments,
    drop_teaser_blocks,
    drop_gallery_blocks,
    drop_debris_lines,
    take_date_stamps,
    take_bylines,
    drop_title_repeats,
    drop_standfirst_repeats,
    drop_repeated_paragraphs,
    drop_repeated_blocks,
    drop_menu_runs,
    trim_fragment_edges,
)


def clean_paragraphs(
    draft: Draft, rules: RuleSet, steps: tuple[Step, ...] = PARAGRAPH_STEPS
) -> Draft:
    """Run the cleaning steps in order on `draft` and return it."""
    for step in steps:
        step(draft, rules)
    return draft
