"""The line model's stage: a content score for each line the rules kept, and the verdict.

The rules remove the residue they can name; whole-page text is mostly lines
no phrase list names (menus, teasers, link lists, footers, comment threads).
Each kept line gets features of its own (length, sentence end, capitals,
digits, stopwords of the page's language), of where it sits (position, the
page's longest run of long lines, its densest run of prose, the line its URL
spells, the prose lines around a list), of its neighbours, of the
``kind-hints`` keywords it holds and of the short labels holding one around
it ("Comments", "Related"); a logistic regression (rulebook.linemodel: plain
data) turns them into a content probability.

The decision reads the page as jusText does, and as one article: two-state
smoothing (a Viterbi pass: a line changes class only when its score pays for
the switch) finds the content lines, the article is the span from the first
to the last of them (less far islands of little content: teasers, markup),
and inside that span a line goes only when the model is sure it is
boilerplate, or, above the article's first paragraph (the headline, byline,
date and share buttons sit there, and often a menu the span starts on), a
short line the model doubts (``head_inside``). One span rather than every
smoothed line because the article's own short lines (list items, a subhead)
sit inside it: the same scores lose half as many paragraphs so.

Where the span ends is what the line scores judge worst: teasers, author
boxes and comment threads after the article are prose too, and smoothing
carries the span through them. So a second logistic regression, the end
model, reads each line's place in the page's prose and in the first
model's scores (how much confident prose lies behind it, how dense it is
ahead) with the line's own features, and gives its probability of coming
after the article; the span ends at the one change point that best splits
the page into before and after (``article_end``), which may also run past
the last line smoothing kept. It is trained, stacked, on out-of-fold scores.

Logistic regression because the installed package must score a page without
a training library, in plain Python: one dot product a line. What else was
tried (gradient boosting, a vocabulary of words, a second stacked stage,
other decoders) and its figures are in bench/RESULTS.md.
"""
from __future__ import annotations

import importlib.util
import math
import re
from operator import mul, sub
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Sequence
from urllib.parse import urlsplit

import regex

from ..rulebook.lexicons import Lexicons, Words, any_hint_pattern
from ..rulebook.linemodel import (NEIGHBOUR_COLUMNS, NEIGHBOURS, OWN, PROSE_WINDOWS, SCORE_WINDOWS, Decision, EndModel,
                                  LineModel)
from .document import Removal
from .text import Line

_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_URL = re.compile(r"https?://|www\.|\.com\b|@\w+\.\w+")
_DATE = re.compile(r"\b(?:19|20)\d\d\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b",
                   re.IGNORECASE)
_ENDS = frozenset(".!?…")
_CLOSERS = "\"'”’)]»"
_BULLETS = tuple("•·-*–—►▶»>|")
_QUOTES = frozenset("\"“”«")
DENSE_WINDOW = 7  # lines around a line counted for the densest prose run
PROSE_WORDS = 10  # a sentence-ending line this long counts as prose for the dense-run features
RUN_WORDS = 6  # lines this long, one after the other, make a run
LANGUAGE_SAMPLE = 400  # lines read to choose the page's language
ANCHOR_OVERLAP = 0.5  # the line holding this share of the URL's words (the most of any line) is the headline
SHORT_WORDS = 8  # a keyword in a line shorter than this is a label rather than a sentence's word
LABEL_WINDOW = 10  # lines before and after a line whose labels it counts
LIST_GAP = 12  # at most this many lines between two prose lines make a list inside the article
PROSE_REACH = 20  # lines before and after a line whose prose words it counts
END_MIN_CUT = 5  # the end model takes no fewer lines than this of what smoothing kept (see span())
HEAD_PARAGRAPH_SCORE = 0.5  # the article's first paragraph: the first long line the model more likely calls content
HEAD_PARAGRAPH_SHARE = 0.7  # the span has a head only when at least this share of the words after it are in long lines
_PATH_WORD = re.compile(r"[^\W\d_]{3,}")
REASONS = 3  # features named for each removal
KIND = "boilerplate"  # the kind the model's removals are counted under


def _own(text: str, casefolded: str, folded: list[str], stopwords: frozenset[str]) -> list[float]:
    """The features of a line by itself (a hot loop; ``folded``: the words of the casefolded line)."""
    chars = len(text)
    words = text.count(" ") + 1
    tokens = _WORD.findall(text)
    alpha = [t for t in tokens if t.isalpha()]
    last = text.rstrip(_CLOSERS)[-1:]
    n_alpha = len(alpha) or 1
    n_tokens = len(tokens) or 1
    word_chars = sum(map(len, tokens))
    return [
        math.log1p(words), math.log1p(chars), float(last in _ENDS), float(last == ":"),
        float(bool(last) and not last.isalnum() and last not in _ENDS and last != ":"),
        sum(1 for w in alpha if w[0].isupper()) / n_alpha,
        sum(1 for w in alpha if len(w) > 1 and w.isupper()) / n_alpha,
        len(_DIGIT.findall(text)) / chars, (chars - word_chars - (words - 1)) / chars,
        sum(map(stopwords.__contains__, folded)) / n_tokens,
        word_chars / n_tokens,
        float(_URL.search(text) is not None), float(" | " in text or " / " in text),
        float(text.startswith(_BULLETS)), float("©" in text or "(c)" in casefolded),
    ]


def best_segment(values: Sequence[float]) -> tuple[int, int]:
    """First and last index of the stretch with the largest sum (empty: (0, -1))."""
    best, current, start, first, last = 0.0, 0.0, 0, 0, -1
    for index, value in enumerate(values):
        if current <= 0:
            current, start = value, index
        else:
            current += value
        if current > best:
            best, first, last = current, start, index
    return first, last


def _place(lines: Sequence[str], casefolded: list[str], own: list[list[float]], words: list[int],
           prose: list[int]) -> list[list[float]]:
    """Where each line sits: position, the densest prose, repeats, its length against the page's."""
    total_lines = len(lines)
    median = sorted(words)[total_lines // 2] or 1
    repeats = Counter(casefolded)
    prefix = list(accumulate(prose, initial=0))
    half = DENSE_WINDOW // 2
    density = [prefix[min(total_lines, i + half + 1)] - prefix[max(0, i - half)] for i in range(total_lines)]
    densest = max(range(total_lines), key=density.__getitem__)
    first, last = best_segment([value - 3 for value in prose])
    total_words = sum(words)
    rows, before = [], 0
    for index, (text, key, row, n) in enumerate(zip(lines, casefolded, own, words)):
        after = total_words - before - n
        rows.append([
            index / total_lines, math.log1p(before), math.log1p(after), n / median,
            float(min(repeats[key] - 1, 5)), text.count(",") / n,
            math.log1p(abs(index - densest)), float(first <= index <= last), float(n <= 3), float(n == 1),
            float(2 <= n <= 15 and not row[2] and row[5] > 0.6), float(_DATE.search(text) is not None),
            float("@" in text), float(not _QUOTES.isdisjoint(text)),
        ])
        before += n
    return rows


def _neighbours(own: list[list[float]]) -> list[list[float]]:
    """Some of the neighbouring lines' own features, and whether there is a neighbour at all."""
    columns = [OWN.index(name) for name in NEIGHBOUR_COLUMNS]
    reach = max(map(abs, NEIGHBOURS))
    blank = [[0.0] * (len(columns) + 1)] * reach
    padded = blank + [[row[c] for c in columns] + [1.0] for row in own] + blank
    rows = []
    for index in range(reach, reach + len(own)):
        row: list[float] = []
        for offset in NEIGHBOURS:
            row += padded[index + offset]
        rows.append(row)
    return rows


def _runs(words: list[int]) -> list[list[float]]:
    """Runs of long lines: the article is usually the longest one."""
    total_lines = len(words)
    run_of = [-1] * total_lines
    runs: list[tuple[int, int, int]] = []
    index = 0
    while index < total_lines:
        if words[index] < RUN_WORDS:
            index += 1
            continue
        end = index
        while end + 1 < total_lines and words[end + 1] >= RUN_WORDS:
            end += 1
        for member in range(index, end + 1):
            run_of[member] = len(runs)
        runs.append((index, end, sum(words[index:end + 1])))
        index = end + 1
    total_words = sum(words) or 1
    order = sorted(range(len(runs)), key=lambda r: -runs[r][2])
    rank = {run: place for place, run in enumerate(order)}
    first, last, longest = runs[order[0]] if runs else (0, -1, 0)
    rows = []
    for index in range(total_lines):
        run = run_of[index]
        run_words = runs[run][2] if run >= 0 else 0
        run_lines = runs[run][1] - runs[run][0] + 1 if run >= 0 else 0
        distance = 0 if first <= index <= last else (first - index if index < first else index - last)
        rows.append([math.log1p(run_words), run_words / total_words, math.log1p(rank.get(run, 30)),
                     float(run >= 0 and rank[run] == 0), math.log1p(run_lines), math.log1p(distance),
                     float(index < first), float(index > last), longest / total_words])
    return rows


@dataclass(frozen=True)
class PageCues:
    """What the model reads of a page beyond its lines: its language's stopwords, its URL's words, keywords."""

    stopwords: frozenset[str]
    url_words: frozenset[str] = frozenset()
    hints: regex.Pattern | None = None  # any kind-hints keyword


def page_cues(lines: Sequence[str], url: str | None, languages: Sequence[str], lexicons: Lexicons) -> PageCues:
    """The cues of one page, for :func:`features`."""
    return PageCues(stoplist(page_language(lines, languages)), url_words(url, lexicons.url_words),
                    any_hint_pattern(lexicons.kind_hints))


def url_words(url: str | None, skip: Words) -> frozenset[str]:
    """The words of a URL's path that could spell its headline (not ``url-words``, 3 letters or more)."""
    path = urlsplit(url).path if url else ""
    return frozenset(word.casefold() for word in _PATH_WORD.findall(path)) - frozenset(skip)


def _anchor(folded: list[list[str]], cues: PageCues) -> list[list[float]]:
    """The line the URL spells (most news URLs carry the headline) and where each line sits from it."""
    total = len(cues.url_words)
    overlap = [len(cues.url_words.intersection(tokens)) / total for tokens in folded] if total else [0.0] * len(folded)
    anchor = max(range(len(folded)), key=overlap.__getitem__)
    found = overlap[anchor] >= ANCHOR_OVERLAP
    return [[share, float(found and index == anchor), float(found and index > anchor),
             math.log1p(abs(index - anchor)) if found else 0.0, float(found and index < anchor), float(total > 0)]
            for index, share in enumerate(overlap)]


def _keywords(lines: Sequence[str], words: list[int], cues: PageCues) -> list[list[float]]:
    """``kind-hints`` keywords in a line, and the labels around it ("Comments", "Related", "Share").

    A label is a short line with a keyword; the article's end is mostly
    where they start: what follows one is the comment thread or the teasers.
    """
    hints = cues.hints
    hint = [float(hints is not None and hints.search(text) is not None) for text in lines]
    label = [h * (n < SHORT_WORDS) for h, n in zip(hint, words)]
    prefix = list(accumulate(label, initial=0.0))
    total, everywhere = len(lines), prefix[-1] or 1.0
    rows, last = [], None
    for index in range(total):
        above = prefix[index]
        rows.append([hint[index], label[index], math.log1p(index - last if last is not None else 99),
                     above - prefix[max(0, index - LABEL_WINDOW)],
                     prefix[min(total, index + LABEL_WINDOW + 1)] - prefix[index + 1], math.log1p(above),
                     above / everywhere])
        if label[index]:
            last = index
    return rows


def _lists(prose: list[int]) -> list[list[float]]:
    """Lines between two prose lines close together are the article's list; far from prose, a menu's."""
    total = len(prose)
    since, last = [], None
    for index, words in enumerate(prose):
        since.append(index - last if last is not None else None)
        if words:
            last = index
    until, following = [None] * total, None
    for index in range(total - 1, -1, -1):
        until[index] = following - index if following is not None else None
        if prose[index]:
            following = index
    prefix = list(accumulate(prose, initial=0))
    rows = []
    for index in range(total):
        back, ahead = since[index], until[index]
        gap = back + ahead - 1 if back is not None and ahead is not None else 99
        before = prefix[index] - prefix[max(0, index - PROSE_REACH)]
        after = prefix[min(total, index + PROSE_REACH + 1)] - prefix[index + 1]
        rows.append([math.log1p(back if back is not None else 99), math.log1p(ahead if ahead is not None else 99),
                     math.log1p(gap), float(gap <= LIST_GAP and not prose[index]), math.log1p(before),
                     math.log1p(after), math.log1p(min(before, after))])
    return rows


def features(lines: Sequence[str], cues: PageCues) -> list[list[float]]:
    """One row of FEATURES (rulebook.linemodel) per line (``lines``: normalised, non-blank)."""
    if not lines:
        return []
    casefolded = [text.casefold() for text in lines]
    folded = [_WORD.findall(text) for text in casefolded]
    own = [_own(*line, cues.stopwords) for line in zip(lines, casefolded, folded)]
    words = [text.count(" ") + 1 for text in lines]
    prose = prose_words(lines, words)
    return [a + b + c + d + e + f + g for a, b, c, d, e, f, g in
            zip(own, _place(lines, casefolded, own, words, prose), _neighbours(own), _runs(words),
                _anchor(folded, cues), _keywords(lines, words, cues), _lists(prose))]


def prose_words(lines: Sequence[str], words: Sequence[int]) -> list[int]:
    """Each line's ``words`` when it is a sentence-ending line of PROSE_WORDS or more, else 0."""
    return [n if n >= PROSE_WORDS and text.rstrip(_CLOSERS)[-1:] in _ENDS else 0 for text, n in zip(lines, words)]


def end_features(lines: Sequence[str], rows: Sequence[list[float]], content: Sequence[float]) -> list[list[float]]:
    """One row of END_FEATURES (rulebook.linemodel) per line: END's columns, then the line's own ``rows``.

    Read after the line model, from its scores: the article ends where the
    confident prose behind a line stops and the prose ahead thins out.
    """
    total = len(lines)
    words = [text.count(" ") + 1 for text in lines]
    prose = prose_words(lines, words)
    flags = [float(n > 0) for n in prose]
    before = [_before_shares(values) for values in (prose, [s * n for s, n in zip(content, words)], words)]
    windows = [_window_means(content, a, b) for a, b, _ in SCORE_WINDOWS] + \
              [_window_means(flags, a, b) for a, b, _ in PROSE_WINDOWS]
    return [[index / total, before[0][index], before[1][index], before[2][index], score, _logit(score),
             *(column[index] for column in windows), *rows[index]] for index, score in enumerate(content)]


def _before_shares(values: Sequence[float]) -> list[float]:
    """The share of the page's total that lies before each line (the line itself not counted)."""
    running = list(accumulate(values, initial=0.0))
    total = running[-1] or 1.0
    return [value / total for value in running[:-1]]


def _window_means(values: Sequence[float], start: int, stop: int) -> list[float]:
    """The mean of ``values`` over lines [index + start, index + stop) inside the page, -1 where none is."""
    total = len(values)
    prefix = list(accumulate(values, initial=0.0))
    means = []
    for index in range(total):
        low, high = min(max(index + start, 0), total), min(max(index + stop, 0), total)
        means.append((prefix[high] - prefix[low]) / (high - low) if high > low else -1.0)
    return means


@lru_cache(maxsize=None)
def stoplist(language: str) -> frozenset[str]:
    """jusText's stopword list for a language (installed with trafilatura), casefolded.

    Read from jusText's data folder without importing jusText, which loads
    lxml: ``cleaner check`` on a text file must stay light.
    """
    spec = importlib.util.find_spec("justext")
    folder = Path(next(iter(spec.submodule_search_locations or ()))) if spec else None
    try:
        text = (folder / "stoplists" / f"{language}.txt").read_text(encoding="utf-8") if folder else ""
    except OSError:
        text = ""
    return frozenset(word.strip().casefold() for word in text.splitlines() if word.strip())


def page_language(lines: Sequence[str], languages: Sequence[str]) -> str:
    """The candidate language whose stopwords cover most of the page's words."""
    if len(languages) == 1:
        return languages[0]
    tokens = [t.casefold() for text in lines[:LANGUAGE_SAMPLE] for t in _WORD.findall(text)]
    return max(languages, key=lambda language: sum(1 for t in tokens if t in stoplist(language)))


@dataclass(frozen=True)
class Verdict:
    """The model's word on one line: its content score, and why it goes when it goes."""

    score: float
    remove: bool
    reasons: tuple[str, ...] = ()  # the features that pulled the score down most


def scores(model: LineModel, lines: Sequence[str], cues: PageCues) -> list[float]:
    """The content probability of each line (``lines``: normalised, non-blank)."""
    return probabilities(model, features(lines, cues))


def probabilities(model: LineModel | EndModel, rows: Sequence[Sequence[float]]) -> list[float]:
    """A fitted logistic regression's probability for each row of its features."""
    weights, bias, _ = _coefficients(model)
    return [_sigmoid(bias + sum(map(mul, weights, row))) for row in rows]


def judges(decision: Decision, lines: Sequence[str]) -> bool:
    """Whether the model reads this page at all: long enough, and not already mostly article lines.

    Extracted article text (what trafilatura or a careful scraper gives) is
    long lines almost throughout; whole-page text is full of short ones. On
    the first the model found nothing to gain that was worth a paragraph.
    """
    if len(lines) < decision.min_lines:
        return False
    short = sum(1 for text in lines if text.count(" ") + 1 < RUN_WORDS)
    return short >= decision.min_short_share * len(lines)


def judge(model: LineModel, lines: Sequence[str], cues: PageCues) -> list[Verdict]:
    """A verdict per line; nothing goes on a page the model does not read (see judges())."""
    if not judges(model.decision, lines):
        return [Verdict(1.0, False) for _ in lines]
    weights, _, centre = _coefficients(model)
    rows = features(lines, cues)
    content = probabilities(model, rows)
    after = after_scores(model, lines, rows, content)
    found = span(model.decision, content, after)
    if found is None:
        return [Verdict(score, False) for score in content]
    first, last = found
    verdicts = []
    for index, (row, score, gone) in enumerate(zip(rows, content, outside(model.decision, content, found, lines))):
        if not gone:
            verdicts.append(Verdict(score, False))
            continue
        reasons = _reasons(model.features, list(map(mul, weights, row)), centre)
        if after is not None and index > last:
            reasons = (f"after the article's end ({after[index]:.2f})", *reasons[:REASONS - 1])
        elif first <= index <= last and score >= model.decision.inside:  # only the head's floor takes it
            reasons = (f"above the article's first paragraph (under {model.decision.head_inside})",
                       *reasons[:REASONS - 1])
        verdicts.append(Verdict(score, True, reasons))
    return verdicts


def after_scores(model: LineModel, lines: Sequence[str], rows: Sequence[list[float]], content: Sequence[float]
                 ) -> list[float] | None:
    """Each line's probability of coming after the article's end; None without an end model."""
    if model.end is None or model.decision.end_lean is None:
        return None
    return probabilities(model.end, end_features(lines, rows, content))


def decide(decision: Decision, content: Sequence[float], after: Sequence[float] | None = None,
           lines: Sequence[str] = ()) -> list[bool]:
    """Which lines go, from their scores: all outside the article's span, the surest boilerplate inside it.

    Nothing goes when smoothing keeps no line: a page the model cannot read
    is left to the rules. ``lines`` (the texts) tell the span's head; without
    them a decision's ``head_inside`` does nothing.
    """
    found = span(decision, content, after)
    if found is None:
        return [False] * len(content)
    return outside(decision, content, found, lines)


def outside(decision: Decision, content: Sequence[float], found: tuple[int, int], lines: Sequence[str] = ()
            ) -> list[bool]:
    """Which lines go once the span is ``found``: those outside it, and those inside it scored under their floor.

    The floor is ``inside``; for the short lines of the span's head (see
    head_lines) it is ``head_inside`` when the decision has one.
    """
    first, last = found
    floors = [decision.inside] * len(content)
    if decision.head_inside is not None and lines:
        for index in head_lines(lines, content, found):
            floors[index] = max(decision.inside, decision.head_inside)
    return [not (first <= index <= last and score >= floors[index]) for index, score in enumerate(content)]


def head_lines(lines: Sequence[str], content: Sequence[float], found: tuple[int, int]) -> list[int]:
    """The short lines of the span's head, above the article's first paragraph, when paragraphs follow it.

    Between where smoothing starts the span and the article's first
    paragraph sit the headline, the byline, the date, share buttons, captions
    and often a menu, all short lines. That paragraph is the first long line
    (PROSE_WORDS or more) the model calls content (HEAD_PARAGRAPH_SCORE), or
    the first of two long lines in a row if they come earlier: the article
    has begun there even where the model doubts its opening. A short line
    set between two long ones is a subhead inside prose and is not counted.
    On a shop or a listing page short lines are the content all the way
    down: when under HEAD_PARAGRAPH_SHARE of the words from that paragraph to
    the span's end are in long lines, the span has no head.
    """
    first, last = found
    words = [text.count(" ") + 1 for text in lines]
    long = [n >= PROSE_WORDS for n in words]
    start = next((index for index in range(first, last + 1) if long[index] and (
        content[index] >= HEAD_PARAGRAPH_SCORE or long[index + 1:index + 2] == [True])), None)
    if start is None:
        return []
    after = words[start:last + 1]
    if sum(n for n in after if n >= PROSE_WORDS) < HEAD_PARAGRAPH_SHARE * sum(after):
        return []
    return [index for index in range(first, start)
            if not long[index] and not (index > 0 and long[index - 1] and long[index + 1])]


def span(decision: Decision, content: Sequence[float], after: Sequence[float] | None = None
         ) -> tuple[int, int] | None:
    """First and last line of the article: from the first line smoothing keeps to the last (of the article's
    islands, see main_islands), or to the end the end model finds (``after``: each line's probability of
    coming after it); None when smoothing keeps none.

    The end model cuts what smoothing kept only by END_MIN_CUT lines or more:
    teasers and comment threads come in blocks, while a short tail (a subhead
    and a closing paragraph, a disclaimer) before the footer is likelier the
    article's own last lines.
    """
    kept = [index for index, content_line in enumerate(smooth(content, decision.lean, decision.switch))
            if content_line]
    if not kept:
        return None
    first, last = main_islands(kept, content, decision)
    if after is None or decision.end_lean is None:
        return first, last
    end = article_end(after, first, decision.end_lean)
    return first, last if end < last < end + END_MIN_CUT else end


def main_islands(kept: Sequence[int], content: Sequence[float], decision: Decision) -> tuple[int, int]:
    """First and last of the ``kept`` lines that belong to the article's islands (all of them without island_gap).

    Smoothing keeps a few teaser headlines or a stray snippet of markup far
    above or below the article too, and one span from the first kept line to
    the last would carry the menus between them into the body. So kept lines
    with more than ``island_gap`` lines between them are separate islands, and
    an island whose content (the sum of its lines' scores) is under
    ``island_share`` of the largest island's is left out of the span.
    """
    if decision.island_gap is None:
        return kept[0], kept[-1]
    islands = [[kept[0]]]
    for index in kept[1:]:
        if index - islands[-1][-1] - 1 > decision.island_gap:
            islands.append([])
        islands[-1].append(index)
    mass = [sum(content[index] for index in island) for island in islands]
    chosen = [island for island, weight in zip(islands, mass) if weight >= decision.island_share * max(mass)]
    return chosen[0][0], chosen[-1][-1]


def article_end(after: Sequence[float], first: int, lean: float) -> int:
    """The last line of the article: the end at or after ``first`` that best splits the page in two.

    Lines up to the end earn their log-probability of coming before it plus
    ``lean`` (positive keeps more), lines after it their log-probability of
    coming after: one change point, as smoothing is one span.
    """
    before = [math.log(1 - _clip(q)) + lean for q in after]
    behind = [math.log(_clip(q)) for q in after]
    total = sum(before[:first + 1]) + sum(behind[first + 1:])
    best, end = total, first
    for index in range(first + 1, len(after)):
        total += before[index] - behind[index]
        if total > best:
            best, end = total, index
    return end


def smooth(content: Sequence[float], lean: float, switch: float) -> list[bool]:
    """Two-state smoothing (Viterbi): each line's class, content (True) or boilerplate, best for the whole page.

    A content line earns its logit plus ``lean``, a boilerplate line nothing,
    and every change of class costs ``switch``: short uncertain lines take
    the class of the lines around them.
    """
    if not content:
        return []
    gain = [_logit(score) + lean for score in content]
    boiler, text = 0.0, gain[0]
    back: list[tuple[bool, bool]] = []  # for each line after the first: the best previous class of each class
    for value in gain[1:]:
        boiler_from_text, text_from_boiler = text - switch > boiler, boiler - switch > text
        back.append((boiler_from_text, not text_from_boiler))
        boiler, text = max(boiler, text - switch), max(text, boiler - switch) + value
    state = text > boiler
    path = [state]
    for boiler_from_text, text_from_text in reversed(back):
        state = text_from_text if state else boiler_from_text
        path.append(state)
    return path[::-1]


def _reasons(names: Sequence[str], terms: list[float], centre: list[float]) -> tuple[str, ...]:
    """The features that pulled this line's score down most, against the training data's average line.

    ``terms``: each feature's weight times its value; ``centre``: the same for the average line.
    """
    pulls = list(map(sub, terms, centre))
    lowest = sorted(range(len(pulls)), key=pulls.__getitem__)[:REASONS]  # heapq.nsmallest's result, in C
    return tuple(names[index] for index in lowest if pulls[index] < 0)


@lru_cache(maxsize=8)
def _coefficients(model: LineModel | EndModel) -> tuple[list[float], float, list[float]]:
    """Weights and bias on the raw features (the scaling folded in once per model), and each weight times its mean."""
    weights = [w / s for w, s in zip(model.weights, model.scale)]
    centre = [w * m for w, m in zip(weights, model.mean)]
    return weights, model.bias - sum(centre), centre


def _clip(score: float) -> float:
    return min(max(score, 1e-6), 1 - 1e-6)


def _logit(score: float) -> float:
    score = _clip(score)
    return math.log(score / (1 - score))


def _sigmoid(value: float) -> float:
    return 0.0 if value < -50 else 1.0 / (1.0 + math.exp(-value))


def apply_model(model: LineModel, lines: list[Line], url: str | None, lexicons: Lexicons,
                spare: Sequence[Line] = ()) -> int:
    """Remove the kept lines the model judges boilerplate; returns how many went.

    It reads every kept line, protected ones too (they are context), but takes
    none that a ``keep`` rule protects (a person's rule has the last word) and
    none of ``spare`` (the caller's: lines bound for the header).
    """
    kept = [line for line in lines if line.removal is None]
    texts = [line.text for line in kept]
    taken = 0
    for line, verdict in zip(kept, judge(model, texts, page_cues(texts, url, model.languages, lexicons))):
        if verdict.remove and not line.protected and line not in spare:
            line.removal = Removal(line=line.no, text=line.text, rule=model.id, kind=KIND, action="drop",
                                   rule_file=model.path, score=round(verdict.score, 3), reasons=verdict.reasons)
            taken += 1
    return taken
