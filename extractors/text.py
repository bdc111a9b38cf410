"""Plain text (pasted from a page, or handed over by another scraper): title plus body paragraphs.

Structure first, then words: each line scores its length minus a cost that is lower for lines
that end like sentences, and the densest run of lines (the maximum-sum segment) is the article
core; comment headers and comment-section headings split the page so that the core never runs
into reader comments. The title is the header line just above the core that shares the most
words with it. The core then goes through the same rule-driven steps as HTML paragraphs.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable

from config import ExtractionSettings
from extractors.article import Article, ExtractionError
from extractors.dates import is_comment_header, parse_date_stamp, stamp_has_time
from extractors.debris import Draft, clean_paragraphs, ends_sentence, is_fragment, normalized
from extractors.rules import DEFAULT_LANGUAGES, RuleSet, load_rules

EXTRACTOR_NAME = "newscorpus-text-0.2"
MAX_TEXT_CHARS = ExtractionSettings().max_text_chars
_CJK = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_NUMERIC = re.compile(r"^[\d\W]+$")
_BOUNDARY = float("-inf")
_DIGIT = re.compile(r"\d")
_MAX_TITLE_CHARS = 250
_CLAUSE_ENDS = (",", "、", "，")


def split_lines(text: str) -> list[str]:
    """Non-empty lines with whitespace (including non-breaking spaces) folded."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def template_labels(lines: list[str], rules: RuleSet) -> frozenset[str]:
    """Short lines, not sentences, that stand between two sentences at least `label_repeats`
    times: labels a page template prints between the article's paragraphs ("Article
    content"). An article does not repeat its subheadings; a teaser list's section names and
    dates stand between titles, not between sentences."""
    short = rules.setting("text", "short_line_chars")
    between = Counter(
        line
        for before, line, after in zip(lines, lines[1:], lines[2:], strict=False)
        if len(line) <= short
        and not ends_sentence(line)
        and ends_sentence(before)
        and ends_sentence(after)
    )
    repeats = rules.setting("text", "label_repeats")
    return frozenset(line for line, count in between.items() if count >= repeats)


def wrapped_lines(lines: list[str], rules: RuleSet) -> frozenset[int]:
    """Indexes of hard-wrapped lines: a line of at least `wrapped_line_chars` that the next line
    continues mid-sentence (it starts with a lower-case letter), or a line ending in a comma
    (scripts without case wrap there too). Such a line is part of a sentence, not a headline or
    a menu item."""
    shortest = rules.setting("text", "wrapped_line_chars")
    return frozenset(
        index
        for index, (line, after) in enumerate(zip(lines, lines[1:], strict=False))
        if (len(line) >= shortest and after[0].islower()) or line.endswith(_CLAUSE_ENDS)
    )


def is_glued_link_list(line: str, rules: RuleSet) -> bool:
    """A list of links rendered without separators ("DAZN GutscheineNike Store GutscheineASOS
    Gutscheine"): at least `glued_links` capitalised words run into the next capital, at least
    one for every `glued_link_words` words. Names like "WeWork" or "MacBook" are single."""
    glued = sum(
        sum(a.islower() and b.isupper() for a, b in itertools.pairwise(word))
        for word in line.split()
        if word[0].isupper()
    )
    words = len(line.split())
    return glued >= rules.setting("text", "glued_links") and (
        glued * rules.setting("text", "glued_link_words") >= words
    )


# A headline of 3+ words without sentence punctuation whose last word (a capitalised word, a
# number, or a word with "?" or "!") runs into a capitalised word with no space between.
_GLUE = re.compile(
    r"^(?P<head>[^.!?]{10,160}?(?:(?<![^\W\d])(?:[A-Z][a-z]{2,}|\d[\d,.]*)|[a-z][?!]))"
    r"(?=[A-Z][a-z]*\s)"
)


def _glued_word(line: str) -> str | None:
    """The word where a headline runs into the summary after it, or None."""
    match = _GLUE.match(line)
    if match is None or len(match["head"].split()) < 3:
        return None
    return match["head"].split()[-1] + line[match.end() :].split()[0]


def _runs(flags: list[bool], shortest: int) -> frozenset[int]:
    """Indexes inside runs of at least `shortest` consecutive true flags."""
    found: set[int] = set()
    start = 0
    for index, flag in enumerate([*flags, False]):
        if not flag:
            if index - start >= shortest:
                found.update(range(start, index))
            start = index + 1
    return frozenset(found)


_WORDS_AND_SPACES = re.compile(r"[^\W\d_]+|[^\S\n]+")
_FIGURES = re.compile(r"\d+")
_SKELETON_SPAN = 40


def _skeletons(lines: list[str]) -> list[str]:
    """The marks of each line's first `_SKELETON_SPAN` characters once words and spaces are
    gone, a figure counting as one mark: "June 9 – Tampa, FL @ Arena" gives "0–,@". A row
    shows its marks early; prose further on is not read."""
    starts = "\n".join([line[:_SKELETON_SPAN] for line in lines])
    return _FIGURES.sub("0", _WORDS_AND_SPACES.sub("", starts)).split("\n")


def _repeating(shapes: list[str], period: int) -> list[bool]:
    """Whether each shape is set and stands again `period` lines before or after it."""
    before = [""] * period + shapes
    after = shapes[period:] + [""] * period
    return [
        bool(shape) and shape in (earlier, later)
        for earlier, shape, later in zip(before, shapes, after, strict=False)
    ]


def _shapes(skeletons: list[str], size: int) -> list[str]:
    """The first `size` marks of each skeleton; "" for a shorter one."""
    return [skeleton[:size] if len(skeleton) >= size else "" for skeleton in skeletons]


def list_rows(lines: list[str], rules: RuleSet) -> frozenset[int]:
    """Indexes of the rows of a list or table: runs of at least `list_rows` consecutive lines
    of more than `menu_item_words` words with the same skeleton of `list_marks` marks (figures
    and punctuation: "June 9 – City, ST @ Venue", "1a etapa: 10 de março – Interlagos"), and
    runs of twice as many lines where two skeletons of `list_pair_marks` marks alternate (an
    item and its link: "1) Product" / "http://…"). Menus and headlines have no such shared
    shape; an archive's "May (12)" links are too short."""
    shortest = rules.setting("text", "list_rows")
    size, pair_size = rules.setting("text", "list_marks"), rules.setting("text", "list_pair_marks")
    skeletons = _skeletons(lines)
    menu_words = rules.setting("text", "menu_item_words")
    long_enough = [
        skeleton if skeleton and line.count(" ") >= menu_words else ""
        for line, skeleton in zip(lines, skeletons, strict=True)
    ]
    rows = _repeating(_shapes(long_enough, size), 1)
    pairs = _shapes(skeletons, pair_size)
    alternating = [
        repeats and n > 0 and pairs[n] != pairs[n - 1]
        for n, repeats in enumerate(_repeating(pairs, 2))
    ]
    return _runs(rows, shortest) | _runs(alternating, 2 * shortest)


def repeated_dates(lines: list[str], rules: RuleSet) -> frozenset[int]:
    """Indexes of date stamps whose day a stamp higher on the page already gave: the header of
    another article printed below this one (infinite scroll), or a reader comment's stamp. A
    related-story card inside the article shows its own, older date. Not one: the same stamp
    with the same time of day printed again (the article's own, in a share or print box), and
    a date without a time below a first stamp with one (a media card's or a source credit's
    date, "22.04.2024." under "Stand: 22.04.2024, 06:00 Uhr"; another article's header is
    stamped like the first)."""
    seen: set[str] = set()
    printed: set[str] = set()
    timed: bool | None = None
    found = set()
    for n, line in enumerate(lines):
        if stamp := parse_date_stamp(line, rules):
            has_time = stamp_has_time(line, rules)
            timed = has_time if timed is None else timed
            reprinted = has_time and line in printed
            if stamp[:10] in seen and not reprinted and (has_time or not timed):
                found.add(n)
            seen.add(stamp[:10])
            printed.add(line)
    return frozenset(found)


def glued_teasers(lines: list[str], rules: RuleSet) -> frozenset[int]:
    """Indexes of teaser lines whose headline and summary the rendering glued into one line
    ("Bill At Troy SteakhouseA party of six left ..."): the glued word stands nowhere else on
    the page (a name like "MacBook" recurs), and only runs of at least `glued_teaser_run`
    such lines count."""
    words = Counter(word for line in lines for word in line.split())
    glued = [(word := _glued_word(line)) is not None and words[word] == 1 for line in lines]
    return _runs(glued, rules.setting("text", "glued_teaser_run"))


def cut_sentences(lines: list[str], rules: RuleSet) -> frozenset[int]:
    """Indexes of hard-wrapped lines that cut a sentence (see `wrapped_lines`): a line that
    ends like a sentence stays apart from a lower-case line after it (a byline, an
    "advertisement" slot)."""
    return frozenset(n for n in wrapped_lines(lines, rules) if not ends_sentence(lines[n]))


def join_wrapped(lines: list[str], keep: list[int], cut: frozenset[int]) -> list[str]:
    """The lines at the indexes `keep`, each one in `cut` joined to the kept line after it."""
    joined: list[str] = []
    for previous, n in zip([-1, *keep], keep, strict=False):
        if previous in cut and joined:
            joined[-1] = f"{joined[-1]} {lines[n]}"
        else:
            joined.append(lines[n])
    return joined


def first_copies(paragraphs: list[str], rules: RuleSet) -> list[str]:
    """`paragraphs` without the later copies of a paragraph longer than `printed_again_chars`:
    a page that prints the article (or a teaser's summary, or its headline in a metadata
    block) again below it."""
    longest = rules.setting("text", "printed_again_chars")
    seen: set[str] = set()
    kept = []
    for paragraph in paragraphs:
        if len(paragraph) > longest:
            if paragraph in seen:
                continue
            seen.add(paragraph)
        kept.append(paragraph)
    return kept


def repeated_fragments(lines: list[str], rules: RuleSet) -> frozenset[str]:
    """Short lines without figures (not sentences) that stand more than once in the article:
    widget labels ("Show more", a consent button) and captions printed twice. An article does
    not repeat its subheadings; table cells with figures may repeat and stay."""
    counts = Counter(line for line in lines if is_fragment(line, rules) and not _DIGIT.search(line))
    return frozenset(line for line, count in counts.items() if count > 1)


def line_score(
    line: str,
    rules: RuleSet,
    labels: frozenset[str] = frozenset(),
    *,
    wrapped: bool = False,
    row: bool = False,
    fragment_cost: str = "fragment_cost",
) -> float:
    """How much `line` looks like article text: its weighted length minus a cost (lower for
    sentences and lines wrapped inside one, lowest for the rows of a list). Rule-list debris
    and template labels cost a little (so that they do not split the article; they are removed
    later), numbers (table cells) are neutral, and comment headings are boundaries."""
    if rules.is_end_heading(line) or is_comment_header(line, rules):
        return _BOUNDARY
    if (
        line in labels
        or is_glued_link_list(line, rules)
        or rules.debris_kind(line) is not None
        or rules.is_teaser_heading(line)
    ):
        return -float(rules.setting("text", "debris_cost"))
    if _NUMERIC.match(line):
        return 0.0
    weight = len(line) + (rules.setting("text", "cjk_weight") - 1) * len(_CJK.findall(line))
    if row:
        cost = "list_row_cost"
    elif wrapped or ends_sentence(line):
        cost = "sentence_cost"
    else:
        cost = fragment_cost
    return weight - rules.setting("text", cost)


def _best_runs(scores: list[float]) -> list[tuple[float, tuple[int, int]]]:
    """The maximum-sum run of each stretch between boundaries: (score, (start, end))."""
    runs: list[tuple[float, tuple[int, int]]] = []
    best, best_span = 0.0, None
    running, start = 0.0, 0
    for index, score in enumerate([*scores, _BOUNDARY]):
        if score == _BOUNDARY:
            if best_span is not None:
                runs.append((best, best_span))
            best, best_span = 0.0, None
        if score == _BOUNDARY or running + score <= 0:
            running, start = 0.0, index + 1
            continue
        running += score
        if running > best:
            best, best_span = running, (start, index + 1)
    return runs


def find_core(lines: list[str], rules: RuleSet) -> tuple[int, int] | None:
    """[start, end) of the maximum-sum run of line scores, or None when no run scores above 0.
    Comments follow the article, and so does another article under a stamp of the same day
    (`repeated_dates`): once a run of `min_core_score` over `min_core_lines` lines is found, a
    run after such a boundary is taken only when it scores `boundary_overrule` times as much
    (the article after a "Comments" button or a teaser, not one long comment). The core then
    grows back over a list inside the article to the sentences before it, and across a module
    inside the article to its first part and on to its next part."""
    enough = rules.setting("text", "min_core_score")
    min_lines = rules.setting("text", "min_core_lines")
    overrule = rules.setting("text", "boundary_overrule")
    teasers = frozenset(lines[n] for n in glued_teasers(lines, rules))
    labels = template_labels(lines, rules) | teasers
    rows = list_rows(lines, rules)
    wrapped = wrapped_lines(lines, rules) | rows
    new_articles = repeated_dates(lines, rules)
    scores = [
        _BOUNDARY
        if n in new_articles
        else line_score(line, rules, labels, wrapped=n in wrapped, row=n in rows)
        for n, line in enumerate(lines)
    ]
    runs = _best_runs(scores)
    core: tuple[float, tuple[int, int]] | None = None
    settled = False
    for score, span in runs:
        if core is None or score > core[0] * (overrule if settled else 1.0):
            core = (score, span)
        settled = core[0] >= enough and core[1][1] - core[1][0] >= min_lines
    if core is None:
        return None
    start, end = _bridge_stamps(core, runs, lines, new_articles, rules)[1]
    before = (
        _edge_score(lines[n], rules, labels, wrapped=n in wrapped) for n in range(start - 1, -1, -1)
    )
    start -= _best_gain(before, rules.setting("text", "edge_max_debt"))
    end = _bridge_forward(lines, scores, start, end, rules)
    return _bridge_back(scores, start, end, rules), end


def _nearest_text_line(scores: list[float], lines: range) -> int | None:
    """The first of `lines` (nearest the core first) that scores above 0; None when a
    boundary comes first."""
    for n in lines:
        if scores[n] == _BOUNDARY:
            return None
        if scores[n] > 0:
            return n
    return None


def _bridge_forward(
    lines: list[str], scores: list[float], start: int, end: int, rules: RuleSet
) -> int:
    """The core's end moved on across a module inside the article (a teaser box, a product
    card between two parts of the text): while a run of text starts at most
    `bridge_forward_lines` lines after the core, with no boundary and at most one teaser
    heading between, scores at least `bridge_forward_share` of the core and holds two text
    lines in a row or two paragraphs scoring `bridge_paragraph_score` (not a teaser's one short
    summary line), it is the article's next part."""
    gap = rules.setting("text", "bridge_forward_lines")
    share = rules.setting("text", "bridge_forward_share")
    paragraph = rules.setting("text", "bridge_paragraph_score")
    core = sum(score for score in scores[start:end] if score != _BOUNDARY)
    while (
        first := _nearest_text_line(scores, range(end, min(len(scores), end + gap + 1)))
    ) is not None:
        running, best, best_end = 0.0, 0.0, first
        for n in range(first, len(scores)):
            if scores[n] == _BOUNDARY or running + scores[n] <= 0:
                break
            running += scores[n]
            if running > best:
                best, best_end = running, n + 1
        paired = any(scores[n] > 0 < scores[n + 1] for n in range(first, best_end - 1)) or (
            sum(scores[n] >= paragraph for n in range(first, best_end)) >= 2
        )
        headings = sum(rules.is_teaser_heading(line) for line in lines[end:first])
        if best < share * core or not paired or headings > 1:
            break
        end = best_end
    return end


def _bridge_back(scores: list[float], start: int, end: int, rules: RuleSet) -> int:
    """The core's start moved back across a module inside the article (a "Most read" box with
    its headlines): when a run of text ends at most `bridge_back_lines` lines before the core,
    with no boundary between, and scores at least `bridge_back_share` of the core, it is the
    article's first part."""
    gap = rules.setting("text", "bridge_back_lines")
    core = sum(score for score in scores[start:end] if score != _BOUNDARY)
    last = _nearest_text_line(scores, range(start - 1, max(-1, start - 1 - gap), -1))
    if last is None:
        return start
    taken = _best_gain((scores[n] for n in range(last, -1, -1)), debt=float("inf"))
    best_start = last + 1 - taken
    best = sum(scores[best_start : last + 1])
    share = rules.setting("text", "bridge_back_share")
    return best_start if taken and best >= share * core else start


def _edge_score(line: str, rules: RuleSet, labels: frozenset[str], *, wrapped: bool) -> float:
    """A line's score before the core: debris and teaser headings stop the core; short lines
    cost `edge_fragment_cost` and never gain (a list or table is crossed to reach more
    sentences, not taken for itself)."""
    if rules.debris_kind(line) is not None or rules.is_teaser_heading(line):
        return _BOUNDARY
    score = line_score(line, rules, labels, wrapped=wrapped, fragment_cost="edge_fragment_cost")
    return score if wrapped or ends_sentence(line) else min(score, 0.0)


def _best_gain(scores: Iterable[float], debt: float) -> int:
    """How many of `scores` to add to the core: the prefix of the largest positive sum, looked
    for until a boundary or until the running sum falls `debt` below zero."""
    best, best_count, running = 0.0, 0, 0.0
    for count, score in enumerate(scores, 1):
        running += score
        if score == _BOUNDARY or running < -debt:
            break
        if running > best:
            best, best_count = running, count
    return best_count


def _is_stamp(line: str, rules: RuleSet) -> bool:
    """An end heading with a figure in it: a stamp or a counter ("14 hours ago", "12
    comments"), which a card inside the article shows as well as a comment does."""
    return rules.is_end_heading(line) and bool(_DIGIT.search(line))


def _bridge_stamps(
    core: tuple[float, tuple[int, int]],
    runs: list[tuple[float, tuple[int, int]]],
    lines: list[str],
    new_articles: frozenset[int],
    rules: RuleSet,
) -> tuple[float, tuple[int, int]]:
    """The core continued across date stamps inside the article: a video or teaser card with
    its "14 hours ago" stamp splits the article like a comment header would. The next run is
    joined when it starts at most `bridge_gap_lines` lines later, no comment heading and no
    other article's stamp (`new_articles`) lies between, and it scores at least `bridge_share`
    of the run before it (comments are short next to the article they follow)."""
    gap = rules.setting("text", "bridge_gap_lines")
    share = rules.setting("text", "bridge_share")
    total, (start, end) = core
    last = total
    for score, (run_start, run_end) in runs:
        if run_start < end:
            continue
        between = lines[end:run_start]
        if (
            run_start - end > gap
            or score < share * last
            or any(rules.is_end_heading(line) and not _is_stamp(line, rules) for line in between)
            or not new_articles.isdisjoint(range(end, run_start))
        ):
            break
        total, end, last = total + score, run_end, score
    return total, (start, end)


def _title_candidates(header: list[str], rules: RuleSet) -> list[str]:
    return [
        line
        for line in header
        if len(line) <= _MAX_TITLE_CHARS
        and rules.debris_kind(line) is None
        and not rules.is_teaser_heading(line)
        and not rules.is_tagline(line)
        and parse_date_stamp(line, rules) is None
    ]


def pick_title(header: list[str], body: list[str], rules: RuleSet) -> str | None:
    """The header line sharing the largest share of its words with the body (ties: the one
    nearest the top). Taglines, datelines and share lines above a headline lose."""
    body_words = set(normalized(" ".join(body)).split())
    best, best_share = None, -1.0
    for line in _title_candidates(header, rules):
        words = normalized(line).split()
        share = sum(word in body_words for word in words) / len(words) if words else 0.0
        if share > best_share:
            best, best_share = line, share
    return best


def _header_date(header: list[str], rules: RuleSet) -> str | None:
    return next((d for line in header if (d := parse_date_stamp(line, rules))), None)


def extract_text(
    text: str,
    url: str | None = None,
    *,
    languages: tuple[str, ...] = DEFAULT_LANGUAGES,
    max_chars: int = MAX_TEXT_CHARS,
) -> Article:
    """Title, body and dateline date of a plain-text article; a text over `max_chars` is cut
    there (with a warning) so that cleaning time stays bounded."""
    rules = load_rules(languages)
    warnings = []
    if len(text) > max_chars:
        warnings.append(f"text truncated to its first {max_chars} characters")
        text = text[:max_chars]
    lines = split_lines(text)
    if not lines:
        raise ExtractionError("no text: the input is empty or whitespace only")
    span = find_core(lines, rules)
    if span is None:
        raise ExtractionError("no article text: only short lines (navigation or a list of links)")
    start, end = span
    header = lines[max(0, start - rules.setting("text", "title_lookback")) : start]
    cut = cut_sentences(lines, rules)
    labels = template_labels(lines, rules)
    kept = [
        n for n in range(start, end) if lines[n] not in labels and not _is_stamp(lines[n], rules)
    ]
    core = join_wrapped(lines, kept, cut)
    draft = Draft(pick_title(header, core, rules), core)
    draft.published = _header_date(header, rules)
    around = header + lines[end : end + rules.setting("text", "title_lookback")]
    draft.authors = next((n for line in around if (n := rules.byline_authors(line))), [])
    clean_paragraphs(draft, rules)
    repeated = repeated_fragments(core, rules)
    draft.keep([line for line in draft.paragraphs if line not in repeated], "repeated label")
    draft.keep(
        [line for line in draft.paragraphs if not is_glued_link_list(line, rules)], "link list"
    )
    draft.keep(first_copies(draft.paragraphs, rules), "printed again")
    return draft.to_article(EXTRACTOR_NAME, url=url, warnings=warnings)
